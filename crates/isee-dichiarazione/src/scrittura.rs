//! The writer: a `Dsu` as `ISEE_Dichiarazione` v1.3, ISO-8859-1.

use crate::{
    Assenti, Avviso, DatiInps, DatiPersona, Decimali, ErroreEsportazione, Esportazione, Indirizzo,
    NAMESPACE, Opzioni, Problema, TipoAvviso, da_codice_fiscale,
};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::data::Data;
use isee_core::dsu::*;
use isee_core::importo::{Importo, Percentuale};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value};
use std::fmt::Write;

/// Writes the DSU as INPS's document (see the crate's documentation): the
/// ISO-8859-1 bytes. Every problem is reported at once. With
/// [`Decimali::Arrotonda`](crate::Decimali::Arrotonda) the warnings naming each
/// rounded field are only in [`esporta_con_avvisi`]'s answer: a caller that rounds
/// and must tell the operator calls that one.
pub fn esporta(dsu: &Dsu, opzioni: &Opzioni) -> Result<Vec<u8>, ErroreEsportazione> {
    esporta_con_avvisi(dsu, opzioni).map(|e| e.xml)
}

/// [`esporta`], with the warnings: one per amount rounded to the euro and per datum
/// that INPS will not receive (a rent without the registered contract).
pub fn esporta_con_avvisi(
    dsu: &Dsu,
    opzioni: &Opzioni,
) -> Result<Esportazione, ErroreEsportazione> {
    let mut s = Scrittore {
        out: String::with_capacity(4096),
        opz: opzioni,
        dati: &dsu.dati_inps,
        problemi: Vec::new(),
        avvisi: Vec::new(),
    };
    s.dichiarazione(dsu);
    if !s.problemi.is_empty() {
        return Err(ErroreEsportazione {
            problemi: s.problemi,
        });
    }
    // Every character was checked to be Latin-1 as it was written.
    let xml = s.out.chars().map(|c| c as u32 as u8).collect();
    Ok(Esportazione {
        xml,
        avvisi: s.avvisi,
    })
}

#[derive(Clone, Copy)]
enum Segno {
    /// `xs:unsignedInt`.
    Positivo,
    /// `xs:integer`.
    Qualsiasi,
}

struct Scrittore<'a> {
    out: String,
    opz: &'a Opzioni,
    /// The DSU's `dati_inps`.
    dati: &'a DatiInps,
    problemi: Vec<Problema>,
    avvisi: Vec<Avviso>,
}

/// The JSON of a value, for the extension.
fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn oggetto(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn cf_valido(s: &str) -> bool {
    let b = s.as_bytes();
    let lettere = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_alphabetic);
    let cifre = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() == 16 {
        return lettere(0..6)
            && cifre(6..8)
            && lettere(8..9)
            && cifre(9..11)
            && lettere(11..12)
            && b[12..15].iter().all(u8::is_ascii_alphanumeric)
            && lettere(15..16);
    }
    b.len() >= 11 && b.len() <= 16 && cifre(0..11) && b[11..].iter().all(|&c| c == b' ')
}

fn comune_valido(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 4 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
}

fn nome_valido(s: &str) -> bool {
    s.chars().count() <= 64
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || "ÀÈÉÌÒÙ' -".contains(c))
}

impl<'a> Scrittore<'a> {
    fn problema(&mut self, percorso: &str, messaggio: impl Into<String>) {
        self.problemi.push(Problema {
            percorso: percorso.to_string(),
            messaggio: messaggio.into(),
        });
    }

    /// A datum INPS requires that the DSU lacks: a problem, or with
    /// [`Assenti::Segnala`] a warning (the element or attribute is left out).
    fn mancante(&mut self, percorso: &str, messaggio: impl Into<String>) {
        match self.opz.assenti {
            Assenti::Rifiuta => self.problema(percorso, messaggio),
            Assenti::Segnala => self.avvisi.push(Avviso {
                percorso: percorso.to_string(),
                tipo: TipoAvviso::Assente,
                messaggio: messaggio.into(),
            }),
        }
    }

    fn apri(&mut self, nome: &str) {
        self.out.push('<');
        self.out.push_str(nome);
    }

    fn corpo(&mut self) {
        self.out.push('>');
    }

    fn chiudi(&mut self, nome: &str) {
        self.out.push_str("</");
        self.out.push_str(nome);
        self.out.push('>');
    }

    /// An attribute, escaped; a character outside Latin-1 is a problem.
    fn attr(&mut self, nome: &str, valore: &str, percorso: &str) {
        if let Some(c) = valore.chars().find(|&c| u32::from(c) > 0xFF) {
            self.problema(
                percorso,
                format!(
                    "il carattere «{c}» (U+{:04X}) non è rappresentabile in ISO-8859-1, la codifica dei documenti INPS: sostituirlo",
                    u32::from(c)
                ),
            );
            return;
        }
        if let Some(c) = valore.chars().find(|&c| {
            (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || ('\u{7F}'..='\u{9F}').contains(&c)
        }) {
            self.problema(
                percorso,
                format!(
                    "carattere di controllo U+{:04X} non ammesso in XML",
                    u32::from(c)
                ),
            );
            return;
        }
        self.out.push(' ');
        self.out.push_str(nome);
        self.out.push_str("=\"");
        for c in valore.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '"' => self.out.push_str("&quot;"),
                '\t' => self.out.push_str("&#9;"),
                '\n' => self.out.push_str("&#10;"),
                '\r' => self.out.push_str("&#13;"),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn attr_bool(&mut self, nome: &str, v: bool) {
        self.out.push(' ');
        self.out.push_str(nome);
        self.out
            .push_str(if v { "=\"true\"" } else { "=\"false\"" });
    }

    fn attr_cf(&mut self, nome: &str, cf: &CodiceFiscale, percorso: &str) {
        if !cf_valido(cf.as_str()) {
            self.problema(
                percorso,
                format!(
                    "codice fiscale «{}» non conforme al tipo INPS (16 caratteri alfanumerici o 11 cifre)",
                    cf.as_str()
                ),
            );
            return;
        }
        self.attr(nome, cf.as_str(), percorso);
    }

    fn attr_comune(&mut self, nome: &str, c: &CodiceComune, percorso: &str) {
        if !comune_valido(c.as_str()) {
            self.problema(
                percorso,
                format!("codice catastale «{}» non conforme (es. H501)", c.as_str()),
            );
            return;
        }
        self.attr(nome, c.as_str(), percorso);
    }

    fn attr_data(&mut self, nome: &str, d: &Data, percorso: &str) {
        match d.get() {
            Some(d) => {
                let _ = write!(self.out, " {nome}=\"{}\"", d.format("%Y-%m-%d"));
            }
            None => self.problema(percorso, format!("data «{d}» inesistente")),
        }
    }

    fn attr_nome(&mut self, nome: &str, valore: &str, percorso: &str) {
        let maiuscolo = valore.trim().to_uppercase();
        if !nome_valido(&maiuscolo) {
            self.problema(
                percorso,
                format!(
                    "«{valore}» non è un nome ammesso da INPS (lettere A-Z, À È É Ì Ò Ù, apostrofo, spazio, trattino; al più 64)"
                ),
            );
            return;
        }
        self.attr(nome, &maiuscolo, percorso);
    }

    fn attr_quota(&mut self, nome: &str, q: Percentuale, percorso: &str) {
        let v = q.valore();
        if v.is_sign_negative() || v > Decimal::ONE_HUNDRED {
            self.problema(percorso, format!("percentuale {v} fuori da 0-100"));
            return;
        }
        let _ = write!(self.out, " {nome}=\"{}\"", v.normalize());
    }

    /// A whole-euro amount, always written.
    fn attr_euro(&mut self, nome: &str, i: Importo, segno: Segno, percorso: &str) {
        let mut v = i.valore();
        if !v.fract().is_zero() {
            match self.opz.decimali {
                Decimali::Rifiuta => {
                    self.problema(
                        percorso,
                        format!("l'importo {v} ha decimali: INPS vuole euro interi"),
                    );
                    return;
                }
                Decimali::Arrotonda => {
                    let r = v.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
                    self.avvisi.push(Avviso {
                        percorso: percorso.to_string(),
                        tipo: TipoAvviso::Arrotondato,
                        messaggio: format!("importo {v} arrotondato a {r} euro"),
                    });
                    v = r;
                }
            }
        }
        if matches!(segno, Segno::Positivo) {
            if v.is_sign_negative() && !v.is_zero() {
                self.problema(
                    percorso,
                    format!("l'importo {v} è negativo: INPS lo vuole non negativo"),
                );
                return;
            }
            if v > Decimal::from(u32::MAX) {
                self.problema(
                    percorso,
                    format!("l'importo {v} supera il massimo INPS (4294967295)"),
                );
                return;
            }
        }
        let mut v = v.trunc();
        v.rescale(0);
        if v.is_zero() {
            v = Decimal::ZERO;
        }
        let _ = write!(self.out, " {nome}=\"{v}\"");
    }

    /// An optional amount: written unless zero.
    fn attr_euro_opz(&mut self, nome: &str, i: Importo, segno: Segno, percorso: &str) {
        if !i.is_zero() {
            self.attr_euro(nome, i, segno, percorso);
        }
    }

    /// The `<?isee {…}?>` extension: ASCII JSON, `>` escaped so that `?>` cannot occur.
    fn estensione(&mut self, m: Map<String, Value>) {
        if m.is_empty() || !self.opz.estensioni {
            return;
        }
        let testo = serde_json::to_string(&Value::Object(m)).unwrap_or_default();
        self.out.push_str("<?isee ");
        for c in testo.chars() {
            match c {
                '>' => self.out.push_str("\\u003e"),
                c if c.is_ascii() => self.out.push(c),
                c => {
                    let mut buf = [0u16; 2];
                    for u in c.encode_utf16(&mut buf) {
                        let _ = write!(self.out, "\\u{u:04x}");
                    }
                }
            }
        }
        self.out.push_str("?>");
    }

    fn persona(&self, cf: &CodiceFiscale) -> Option<&'a DatiPersona> {
        self.dati.persone.get(cf.as_str())
    }

    fn dichiarazione(&mut self, dsu: &Dsu) {
        self.out
            .push_str("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n");
        self.apri("Dichiarazione");
        let _ = write!(self.out, " xmlns=\"{NAMESPACE}\"");
        match dsu.dichiarante() {
            Some(d) => {
                let cf = d.codice_fiscale;
                self.attr_cf("CodiceFiscaleDichiarante", &cf, "$.componenti");
            }
            None => self.problema(
                "$.componenti",
                "serve esattamente un componente con rapporto D (il dichiarante)",
            ),
        }
        self.corpo();

        let mut ext = Map::new();
        if dsu.versione_formato != 1 {
            ext.insert("versione_formato".into(), json(&dsu.versione_formato));
        }
        if let Some(d) = &dsu.dottorato {
            ext.insert("dottorato".into(), json(d));
        }
        let data_sottoscrizione = self
            .dati
            .sottoscrizione
            .as_ref()
            .and_then(|s| s.data.clone())
            .unwrap_or_else(|| dsu.data_presentazione.clone());
        if data_sottoscrizione != dsu.data_presentazione {
            ext.insert("data_presentazione".into(), json(&dsu.data_presentazione));
        }
        let corrente_scritto = dsu
            .corrente
            .as_ref()
            .is_some_and(|c| !c.variazioni.is_empty());
        if let Some(c) = &dsu.corrente
            && !corrente_scritto
        {
            ext.insert("corrente".into(), json(c));
        }
        self.estensione(ext);

        // Operazione.
        let op = self.opz.operazione.clone();
        self.apri("Operazione");
        self.attr("Tipo", op.tipo.codice(), "operazione");
        if let Some(cf) = &op.codice_fiscale_riferimento {
            self.attr_cf(
                "CodiceFiscaleRiferimento",
                cf,
                "operazione.codice_fiscale_riferimento",
            );
        }
        if let Some(p) = &op.protocollo_riferimento {
            self.protocollo(
                "NumeroProtocolloRiferimento",
                p,
                "operazione.protocollo_riferimento",
            );
        }
        self.corpo();
        self.chiudi("Operazione");

        // Quadro A.
        self.apri("NucleoFamiliare");
        self.corpo();
        for (i, c) in dsu.componenti.iter().enumerate() {
            let p = format!("$.componenti[{i}]");
            self.apri("ComponenteNucleo");
            self.attr(
                "RapportoConDichiarante",
                json(&c.rapporto).as_str().unwrap_or(""),
                &p,
            );
            self.attr_bool("FlagAssenzaReddito", redditi_assenti(c));
            self.corpo();
            self.foglio("FoglioComponenteNucleo", c, &p, false);
            self.chiudi("ComponenteNucleo");
        }
        self.chiudi("NucleoFamiliare");

        // Modello base ordinario.
        self.apri("ModelloBase");
        self.attr("Tipo", "ORD", "$");
        self.corpo();
        if let Some(cn) = &dsu.condizioni_nucleo {
            self.condizioni(cn);
        }
        self.abitazione(&dsu.abitazione, true);
        for (i, u) in dsu.universitari.iter().enumerate() {
            self.universitario(u, &format!("$.universitari[{i}]"));
        }
        for (i, g) in dsu.genitori_non_conviventi.iter().enumerate() {
            self.genitore(dsu, g, &format!("$.genitori_non_conviventi[{i}]"));
        }
        if let Some(r) = &dsu.residenziale
            && r.nucleo == TipoNucleoResidenziale::ORD
        {
            self.residenziale(dsu, r);
        }
        self.chiudi("ModelloBase");

        // Modello base ridotto.
        let residenziale_rid = dsu
            .residenziale
            .as_ref()
            .filter(|r| r.nucleo == TipoNucleoResidenziale::RID);
        if dsu.nucleo_ristretto.is_some() || residenziale_rid.is_some() {
            self.apri("ModelloBase");
            self.attr("Tipo", "RID", "$");
            self.corpo();
            if let Some(nr) = &dsu.nucleo_ristretto {
                self.apri("NucleoRistretto");
                self.corpo();
                self.apri("ComponenteNucleoRistretto");
                self.attr_cf(
                    "CodiceFiscale",
                    &nr.beneficiario,
                    "$.nucleo_ristretto.beneficiario",
                );
                self.attr_bool("FlagBeneficiario", true);
                self.attr("RelazioneConBeneficiario", "B", "$");
                self.corpo();
                self.chiudi("ComponenteNucleoRistretto");
                for (i, m) in nr.componenti.iter().enumerate() {
                    let p = format!("$.nucleo_ristretto.componenti[{i}]");
                    self.apri("ComponenteNucleoRistretto");
                    self.attr_cf("CodiceFiscale", &m.codice_fiscale, &p);
                    self.attr_bool("FlagBeneficiario", false);
                    self.attr(
                        "RelazioneConBeneficiario",
                        json(&m.relazione).as_str().unwrap_or(""),
                        &p,
                    );
                    self.corpo();
                    self.chiudi("ComponenteNucleoRistretto");
                }
                self.chiudi("NucleoRistretto");
            }
            // Quadro B is required in every modello base; the ridotto repeats it.
            self.abitazione(&dsu.abitazione, false);
            if let Some(r) = residenziale_rid {
                self.residenziale(dsu, r);
            }
            self.chiudi("ModelloBase");
        }

        if let Some(c) = &dsu.corrente
            && corrente_scritto
        {
            self.corrente(c);
        }
        self.sottoscrizione(dsu, &data_sottoscrizione);
        self.chiudi("Dichiarazione");
        self.out.push('\n');
    }

    fn protocollo(&mut self, nome: &str, p: &str, percorso: &str) {
        let b = p.as_bytes();
        let ok = b.len() == 27
            && p.starts_with("INPS-ISEE-")
            && b[10..14].iter().all(u8::is_ascii_digit)
            && b[14] == b'-'
            && b[15..23].iter().all(u8::is_ascii_digit)
            && b[23].is_ascii_uppercase()
            && b[24] == b'-'
            && b[25..27].iter().all(u8::is_ascii_digit);
        if !ok {
            self.problema(
                percorso,
                format!("protocollo «{p}» non conforme (INPS-ISEE-AAAA-NNNNNNNNX-NN)"),
            );
            return;
        }
        self.attr(nome, p, percorso);
    }

    fn condizioni(&mut self, cn: &CondizioniNucleo) {
        let mut ext = oggetto(json(cn));
        self.apri("CondizioniNucleo");
        self.attr_bool("FlagLavoroGenitori", cn.lavoro_genitori.unwrap_or(false));
        self.attr_bool("FlagUnicoGenitore", cn.unico_genitore.unwrap_or(false));
        ext.remove("lavoro_genitori");
        ext.remove("unico_genitore");
        if cn.lavoro_genitori.is_none() {
            ext.insert("lavoro_genitori".into(), Value::Null);
        }
        if cn.unico_genitore.is_none() {
            ext.insert("unico_genitore".into(), Value::Null);
        }
        // INPS's NumeroFigli starts at 3 (the scala's increase): fewer stays ours.
        if let Some(n) = cn.numero_figli
            && n >= 3
        {
            let _ = write!(self.out, " NumeroFigli=\"{n}\"");
            ext.remove("numero_figli");
        }
        if let Some(n) = cn.numero_figli_conviventi {
            let _ = write!(self.out, " NumeroFigliConviventi=\"{n}\"");
            ext.remove("numero_figli_conviventi");
        }
        self.corpo();
        self.estensione(ext);
        self.chiudi("CondizioniNucleo");
    }

    fn indirizzo(&mut self, elemento: &str, i: &Indirizzo, percorso: &str) {
        self.apri(elemento);
        if i.indirizzo.chars().count() > 256 {
            self.problema(percorso, "indirizzo più lungo di 256 caratteri");
        }
        if i.civico.chars().count() > 16 {
            self.problema(percorso, "civico più lungo di 16 caratteri");
        }
        self.attr("Indirizzo", &i.indirizzo, percorso);
        self.attr("Civico", &i.civico, percorso);
        self.attr_comune("CodiceComune", &i.codice_comune, percorso);
        let pv = i.provincia.as_bytes();
        if pv.len() != 2 || !pv.iter().all(u8::is_ascii_uppercase) {
            self.problema(
                percorso,
                format!("sigla di provincia «{}» non conforme", i.provincia),
            );
        } else {
            self.attr("Provincia", &i.provincia, percorso);
        }
        if i.cap.len() != 5 || !i.cap.bytes().all(|b| b.is_ascii_digit()) {
            self.problema(percorso, format!("CAP «{}» non conforme (5 cifre)", i.cap));
        } else {
            self.attr("Cap", &i.cap, percorso);
        }
        self.corpo();
        self.chiudi(elemento);
    }

    fn abitazione(&mut self, a: &Abitazione, prima: bool) {
        let p = "$.abitazione";
        let locazione = self.dati.locazione.clone();
        let mut ext = Map::new();
        self.apri("Abitazione");
        let tipo = match a.titolo {
            TitoloAbitazione::Proprieta => "000",
            TitoloAbitazione::Locazione => "001",
            TitoloAbitazione::Altro => "999",
        };
        self.attr("TipoAbitazione", tipo, p);
        self.corpo();
        match self.dati.indirizzo_abitazione.clone() {
            Some(i) => {
                match &a.codice_comune {
                    Some(c) if *c != i.codice_comune => {
                        ext.insert("codice_comune".into(), json(c));
                    }
                    Some(_) => {}
                    None => {
                        ext.insert("codice_comune".into(), Value::Null);
                    }
                }
                self.indirizzo(
                    "IndirizzoAbitazione",
                    &i,
                    "$.dati_inps.indirizzo_abitazione",
                );
            }
            None => {
                if prima {
                    self.mancante(
                        "$.dati_inps.indirizzo_abitazione",
                        "INPS richiede l'indirizzo dell'abitazione (IndirizzoAbitazione): indicarlo nei dati INPS della DSU",
                    );
                }
            }
        }
        match (&a.canone_annuo, locazione) {
            (Some(canone), Some(l)) => {
                self.apri("Locazione");
                self.attr_data("Data", &l.data, "$.dati_inps.locazione.data");
                self.attr("Serie", &l.serie, "$.dati_inps.locazione.serie");
                self.attr("Numero", &l.numero, "$.dati_inps.locazione.numero");
                self.attr(
                    "CodUfficio",
                    &l.codice_ufficio,
                    "$.dati_inps.locazione.codice_ufficio",
                );
                self.attr_euro(
                    "Canone",
                    *canone,
                    Segno::Positivo,
                    "$.abitazione.canone_annuo",
                );
                self.corpo();
                if l.intestatari.is_empty() && prima {
                    self.problema(
                        "$.dati_inps.locazione.intestatari",
                        "serve almeno un intestatario del contratto",
                    );
                }
                for (i, cf) in l.intestatari.iter().enumerate() {
                    self.apri("Intestatario");
                    self.attr_cf(
                        "CodiceFiscale",
                        cf,
                        &format!("$.dati_inps.locazione.intestatari[{i}]"),
                    );
                    self.corpo();
                    self.chiudi("Intestatario");
                }
                self.chiudi("Locazione");
            }
            (Some(canone), None) => {
                ext.insert("canone_annuo".into(), json(canone));
                if prima {
                    self.avvisi.push(Avviso {
                        percorso: "$.dati_inps.locazione".into(),
                        tipo: TipoAvviso::Assente,
                        messaggio: "senza gli estremi del contratto registrato il canone non va a INPS (Locazione): solo nell'estensione".into(),
                    });
                }
            }
            (None, _) => {}
        }
        if prima {
            self.estensione(ext);
        }
        self.chiudi("Abitazione");
    }

    fn universitario(&mut self, u: &Universitario, p: &str) {
        let mut ext = oggetto(json(u));
        for k in [
            "studente",
            "presenza_genitori",
            "residenza_autonoma_2_anni",
            "capacita_reddito",
        ] {
            ext.remove(k);
        }
        self.apri("Universitario");
        self.attr_cf("CodiceFiscaleBeneficiario", &u.studente, p);
        let pg = match u.presenza_genitori {
            PresenzaGenitori::TuttiPresenti => "TuttiPresenti",
            PresenzaGenitori::SoloUno => "SoloUno",
            PresenzaGenitori::ConiugatiNonPresenti => "ConiugatiNonPresenti",
            PresenzaGenitori::NonConiugatiNonPresenti => "NonConiugatiNonPresenti",
        };
        self.attr("PresenzaGenitori", pg, p);
        self.attr_bool("FlagResidenzaStudente", u.residenza_autonoma_2_anni);
        if let Some(c) = u.capacita_reddito {
            self.attr_bool("FlagCapacitaRedditoStudente", c);
        }
        self.corpo();
        self.estensione(ext);
        self.chiudi("Universitario");
    }

    /// The name INPS requires for a person: the DSU's, else the integrations'.
    fn nomi_di(
        &self,
        dsu: &Dsu,
        cf: &CodiceFiscale,
        foglio: Option<&Componente>,
    ) -> (Option<String>, Option<String>) {
        let c = foglio.or_else(|| dsu.componente(cf));
        let d = self.persona(cf);
        (
            c.and_then(|c| c.cognome.clone())
                .or_else(|| d.and_then(|d| d.cognome.clone())),
            c.and_then(|c| c.nome.clone())
                .or_else(|| d.and_then(|d| d.nome.clone())),
        )
    }

    fn genitore(&mut self, dsu: &Dsu, g: &GenitoreNonConvivente, p: &str) {
        let mut ext = Map::new();
        let foglio = match &g.situazione {
            SituazioneGenitore::ComponenteAggiuntiva { dati, .. } => Some(&dati.foglio),
            _ => None,
        };
        let (cognome, nome) = self.nomi_di(dsu, &g.codice_fiscale, foglio);
        self.apri("GenitoreNonConvivente");
        self.attr_cf("CodiceFiscale", &g.codice_fiscale, p);
        for (attr, v) in [("Cognome", cognome), ("Nome", nome)] {
            match v {
                Some(v) => self.attr_nome(attr, &v, p),
                None => self.mancante(
                    p,
                    format!("INPS richiede {attr} del genitore non convivente: indicarlo nella DSU o nei suoi dati INPS"),
                ),
            }
        }
        let (escluso, coniugato, alcuna) = match &g.situazione {
            SituazioneGenitore::Attratto => (false, false, true),
            SituazioneGenitore::ComponenteAggiuntiva { caso, .. } => {
                (false, *caso == CasoAggiuntiva::A, false)
            }
            SituazioneGenitore::Escluso { caso } => {
                ext.insert("caso".into(), json(caso));
                (true, false, false)
            }
        };
        self.attr_bool("FlagGenitoreEscluso", escluso);
        self.attr_bool("FlagConiugatoConPersonaDiversa", coniugato);
        self.attr_bool("FlagAlcunaCondizione", alcuna);
        self.corpo();
        self.estensione(ext);
        if g.figli.is_empty() {
            self.problema(&format!("{p}.figli"), "serve almeno un figlio beneficiario");
        }
        for (i, f) in g.figli.iter().enumerate() {
            self.apri("Beneficiario");
            self.attr_cf("CodiceFiscale", f, &format!("{p}.figli[{i}]"));
            self.corpo();
            self.chiudi("Beneficiario");
        }
        if let SituazioneGenitore::ComponenteAggiuntiva { dati, .. } = &g.situazione {
            self.apri("DettaglioGenitoreNonConvivente");
            self.corpo();
            let pd = format!("{p}.situazione.dati");
            self.foglio(
                "FoglioComponenteGenitore",
                &dati.foglio,
                &format!("{pd}.foglio"),
                true,
            );
            self.aggiuntiva(
                "ComponenteAggiuntivaGenitore",
                &dati.foglio.codice_fiscale,
                &dati.nucleo,
                &format!("{pd}.nucleo"),
            );
            self.chiudi("DettaglioGenitoreNonConvivente");
        }
        self.chiudi("GenitoreNonConvivente");
    }

    fn aggiuntiva(&mut self, elemento: &str, cf: &CodiceFiscale, n: &RiepilogoNucleo, p: &str) {
        let mut ext = Map::new();
        if n.presenza_minori_3_anni {
            ext.insert("presenza_minori_3_anni".into(), Value::Bool(true));
        }
        if let Some(c) = &n.codice_comune {
            ext.insert("codice_comune".into(), json(c));
        }
        self.apri(elemento);
        self.attr_cf("CodiceFiscale", cf, p);
        self.attr_bool("FlagCompletezzaDati", true);
        self.corpo();
        self.estensione(ext);
        self.apri("NucleoFamiliareComponenteAggiuntiva");
        let _ = write!(self.out, " NumeroComponenti=\"{}\"", n.numero_componenti);
        self.attr_bool("FlagAttivitaLavorativa", n.attivita_lavorativa);
        self.attr_bool("FlagGenitoreSolo", n.genitore_solo);
        self.attr_bool("FlagPresenzaMinorenne", n.presenza_minorenni);
        let _ = write!(
            self.out,
            " NumeroFigli=\"{}\" NumeroFigliConviventi=\"{}\"",
            n.numero_figli, n.numero_figli_conviventi
        );
        self.attr_bool("FlagPresenzaRicoverato", false);
        self.attr_bool("FlagPresenzaConvivente", n.numero_conviventi > 0);
        let _ = write!(self.out, " NumeroConviventi=\"{}\"", n.numero_conviventi);
        self.attr_bool("FlagDisabilitaMedia", n.disabili_media > 0);
        let _ = write!(self.out, " NumeroDisabiliMedia=\"{}\"", n.disabili_media);
        self.attr_bool("FlagDisabilitaGrave", n.disabili_grave > 0);
        let _ = write!(self.out, " NumeroDisabiliGrave=\"{}\"", n.disabili_grave);
        self.attr_bool("FlagNonAutosufficienti", n.disabili_non_autosufficienti > 0);
        let _ = write!(
            self.out,
            " NumeroNonAutosuff=\"{}\"",
            n.disabili_non_autosufficienti
        );
        self.corpo();
        self.chiudi("NucleoFamiliareComponenteAggiuntiva");
        self.chiudi(elemento);
    }

    fn residenziale(&mut self, dsu: &Dsu, r: &Residenziale) {
        let p = "$.residenziale";
        let mut ext = Map::new();
        self.apri("Residenziale");
        self.attr_cf("CodiceFiscaleBeneficiario", &r.beneficiario, p);
        match &r.data_prima_richiesta {
            Some(d) => self.attr_data(
                "DataRichiestaRicovero",
                d,
                &format!("{p}.data_prima_richiesta"),
            ),
            None => {
                ext.insert("data_prima_richiesta".into(), Value::Null);
                self.attr_data(
                    "DataRichiestaRicovero",
                    &dsu.data_presentazione,
                    "$.data_presentazione",
                );
            }
        }
        self.attr_bool("FlagFigliNonCompresi", !r.figli_esterni.is_empty());
        self.attr_bool("FlagDonazioni", !r.donazioni.is_empty());
        // Derived from the donations' dates and recipients (read back from them).
        if !r.donazioni.is_empty() {
            let prima = r
                .data_prima_richiesta
                .as_ref()
                .unwrap_or(&dsu.data_presentazione)
                .get();
            let dopo =
                |d: &Donazione| matches!((d.data.get(), prima), (Some(x), Some(p)) if x >= p);
            let successive = r.donazioni.iter().any(dopo);
            let precedenti = || r.donazioni.iter().filter(|d| !dopo(d));
            let alimenti = precedenti().any(Donazione::a_persona_tenuta_agli_alimenti);
            let no_alimenti = precedenti().any(|d| !d.a_persona_tenuta_agli_alimenti());
            self.attr_bool("FlagDonazioniSuccessive", successive);
            self.attr_bool("FlagDonazioniPrecedentiAlimenti", alimenti);
            self.attr_bool("FlagDonazioniPrecedentiNoAlimenti", no_alimenti);
        }
        self.corpo();
        self.estensione(ext);
        for (i, f) in r.figli_esterni.iter().enumerate() {
            let pf = format!("{p}.figli_esterni[{i}]");
            self.apri("FiglioNonCompresoNelNucleo");
            self.attr_cf("CodiceFiscale", &f.codice_fiscale, &pf);
            match &f.situazione {
                SituazioneFiglioEsterno::Escluso { condizione } => {
                    let c = match condizione {
                        CondizioneEsclusioneFiglio::A => "A",
                        CondizioneEsclusioneFiglio::B => "B",
                    };
                    self.attr("CondizioneEsclusione", c, &pf);
                    self.corpo();
                }
                SituazioneFiglioEsterno::ComponenteAggiuntiva { dati } => {
                    self.corpo();
                    self.apri("DettaglioFiglio");
                    self.corpo();
                    self.foglio(
                        "FoglioComponenteFiglio",
                        &dati.foglio,
                        &format!("{pf}.situazione.dati.foglio"),
                        true,
                    );
                    self.aggiuntiva(
                        "ComponenteAggiuntivaFiglio",
                        &dati.foglio.codice_fiscale,
                        &dati.nucleo,
                        &format!("{pf}.situazione.dati.nucleo"),
                    );
                    self.chiudi("DettaglioFiglio");
                }
            }
            self.chiudi("FiglioNonCompresoNelNucleo");
        }
        for (i, d) in r.donazioni.iter().enumerate() {
            let pd = format!("{p}.donazioni[{i}]");
            let mut ext = Map::new();
            ext.insert("data".into(), json(&d.data));
            if let Some(rel) = &d.relazione_donatario {
                ext.insert("relazione_donatario".into(), json(rel));
            }
            self.apri("Donazione");
            self.attr("TipoImmobile", tipo_patrimonio(d.tipo), &pd);
            self.attr_comune(
                "CodiceComuneStato",
                &d.codice_comune,
                &format!("{pd}.codice_comune"),
            );
            // Our DSU does not record the share owned: at least the share donated.
            self.attr_quota(
                "QuotaPosseduta",
                d.quota_donata,
                &format!("{pd}.quota_donata"),
            );
            self.attr_quota("QuotaDonata", d.quota_donata, &format!("{pd}.quota_donata"));
            self.attr_euro(
                "ValoreImu",
                d.valore_imu,
                Segno::Positivo,
                &format!("{pd}.valore_imu"),
            );
            match &d.donatario {
                Some(cf) => self.attr_cf("CodiceFiscaleRicevente", cf, &format!("{pd}.donatario")),
                None => self.mancante(
                    &format!("{pd}.donatario"),
                    "INPS richiede il codice fiscale di chi ha ricevuto la donazione: indicarlo nella DSU",
                ),
            }
            self.corpo();
            self.estensione(ext);
            self.chiudi("Donazione");
        }
        self.chiudi("Residenziale");
    }

    fn corrente(&mut self, c: &ModuloCorrente) {
        let mut ext = Map::new();
        ext.insert("data_presentazione".into(), json(&c.data_presentazione));
        if let Some(pa) = &c.patrimonio_aggiornato {
            ext.insert("patrimonio_aggiornato".into(), json(pa));
        }
        self.apri("ISEECorrente");
        self.corpo();
        self.estensione(ext);
        for (i, v) in c.variazioni.iter().enumerate() {
            let p = format!("$.corrente.variazioni[{i}]");
            self.apri("Variazione");
            self.attr_cf("CodiceFiscale", &v.codice_fiscale, &p);
            match v.tipo {
                Some(t) => self.attr("TipoVariazione", json(&t).as_str().unwrap_or(""), &p),
                None => self.problema(
                    &format!("{p}.tipo"),
                    "INPS richiede il tipo di variazione (TipoVariazione)",
                ),
            }
            if let Some(d) = &v.data_variazione {
                self.attr_data("DataVariazione", d, &format!("{p}.data_variazione"));
            }
            let (a, b, t) = match v.periodo {
                PeriodoCorrente::DodiciMesi => (
                    "RedditoDipendente12Mesi",
                    "RedditoAutonomo12Mesi",
                    "TrattamentiAssistenziali12Mesi",
                ),
                PeriodoCorrente::DueMesi => (
                    "RedditoDipendente2Mesi",
                    "RedditoAutonomo2Mesi",
                    "TrattamentiAssistenziali2Mesi",
                ),
            };
            let zero = v.lavoro_dipendente.is_zero()
                && v.lavoro_autonomo.is_zero()
                && v.trattamenti.is_zero();
            // The period is read from the attributes; with none written it is told.
            if zero && v.periodo == PeriodoCorrente::DueMesi {
                self.attr_euro(a, Importo::ZERO, Segno::Positivo, &p);
            }
            self.attr_euro_opz(
                a,
                v.lavoro_dipendente,
                Segno::Positivo,
                &format!("{p}.lavoro_dipendente"),
            );
            self.attr_euro_opz(
                b,
                v.lavoro_autonomo,
                Segno::Positivo,
                &format!("{p}.lavoro_autonomo"),
            );
            self.attr_euro_opz(
                t,
                v.trattamenti,
                Segno::Positivo,
                &format!("{p}.trattamenti"),
            );
            self.corpo();
            self.chiudi("Variazione");
        }
        self.chiudi("ISEECorrente");
    }

    fn sottoscrizione(&mut self, dsu: &Dsu, data: &Data) {
        let p = "$.dati_inps.sottoscrizione";
        let Some(s) = self.dati.sottoscrizione.clone() else {
            self.mancante(p, "INPS richiede la sottoscrizione (chi firma, dove, quando): indicarla nei dati INPS della DSU");
            return;
        };
        self.apri("Sottoscrizione");
        self.attr_cf(
            "CodiceFiscaleSottoscrittore",
            &s.codice_fiscale,
            &format!("{p}.codice_fiscale"),
        );
        match dsu.protocollo_mittente.as_ref() {
            Some(pm) if pm.chars().count() <= 29 => {
                self.attr("ProtocolloMittente", pm, "$.protocollo_mittente")
            }
            Some(pm) => self.problema(
                "$.protocollo_mittente",
                format!("protocollo del mittente «{pm}» più lungo di 29 caratteri"),
            ),
            None => self.mancante(
                "$.protocollo_mittente",
                "INPS richiede il protocollo del mittente",
            ),
        }
        self.attr("LuogoSottoscrizione", &s.luogo, &format!("{p}.luogo"));
        self.attr_data("DataSottoscrizione", data, "$.data_presentazione");
        if let Some(n) = &s.note {
            self.attr("NoteSottoscrizione", n, &format!("{p}.note"));
        }
        self.attr_bool("FlagImpedimentoTemporaneo", s.impedimento_temporaneo);
        self.attr_bool("FlagRappresentanzaLegale", s.rappresentanza_legale);
        self.attr_bool("FlagPEC", s.pec.is_some());
        if let Some(pec) = &s.pec {
            self.attr("IndirizzoPEC", pec, &format!("{p}.pec"));
        }
        self.attr_bool("FlagAutorizzazioneRitiro", s.autorizzazione_ritiro);
        if let Some(n) = &s.numero_ricevuta {
            self.attr("NumeroRicevuta", n, &format!("{p}.numero_ricevuta"));
        }
        self.corpo();
        self.chiudi("Sottoscrizione");
    }

    /// A member's sheet (`TypeComponente`, FC1–FC8). `fuori_nucleo`: the sheet of
    /// a componente aggiuntiva, whose relation has no INPS attribute.
    fn foglio(&mut self, elemento: &str, c: &Componente, p: &str, fuori_nucleo: bool) {
        let mut ext = oggetto(json(c));
        for k in [
            "codice_fiscale",
            "data_nascita",
            "convivenza_anagrafica",
            "attivita",
            "assegni_pagati",
            "patrimonio_mobiliare",
            "patrimonio_immobiliare",
        ] {
            ext.remove(k);
        }
        if !fuori_nucleo {
            ext.remove("rapporto");
        }
        let dati = self.persona(&c.codice_fiscale).cloned();
        self.apri(elemento);
        self.attr_cf(
            "CodiceFiscale",
            &c.codice_fiscale,
            &format!("{p}.codice_fiscale"),
        );
        self.corpo();

        // FC1.
        self.apri("DatiComponente");
        self.attr_bool("FlagConvivenzaAnagrafica", c.convivenza_anagrafica);
        if let Some(a) = c.attivita {
            self.attr("AttivitaSoggetto", json(&a).as_str().unwrap_or(""), p);
        }
        self.corpo();
        self.apri("Anagrafica");
        let dai_dati_inps = (
            dati.as_ref().and_then(|d| d.cognome.clone()),
            dati.as_ref().and_then(|d| d.nome.clone()),
        );
        for (attr, chiave, v, riserva) in [
            ("Cognome", "cognome", &c.cognome, dai_dati_inps.0),
            ("Nome", "nome", &c.nome, dai_dati_inps.1),
        ] {
            match (v, riserva) {
                (Some(v), _) => {
                    self.attr_nome(attr, v, &format!("{p}.{chiave}"));
                    if *v == v.trim().to_uppercase() {
                        ext.remove(chiave);
                    }
                }
                // Not on the sheet: from the person's `dati_inps`, and read back there.
                (None, Some(r)) => {
                    self.attr_nome(attr, &r, &format!("{p}.{chiave}"));
                    ext.insert(chiave.into(), Value::Null);
                }
                (None, None) => self.mancante(
                    &format!("{p}.{chiave}"),
                    format!("INPS richiede {attr} di ogni persona: indicarlo nella DSU o nei suoi dati INPS"),
                ),
            }
        }
        self.attr_data("DataNascita", &c.data_nascita, &format!("{p}.data_nascita"));
        let derivati = da_codice_fiscale(&c.codice_fiscale);
        let pi = format!("$.dati_inps.persone[\"{}\"]", c.codice_fiscale);
        let d = dati.clone().unwrap_or_default();
        match &d.cittadinanza {
            Some(x) => self.attr("Cittadinanza", x, &format!("{pi}.cittadinanza")),
            None => self.mancante(
                &format!("{pi}.cittadinanza"),
                "INPS richiede la cittadinanza: indicarla nei dati INPS della persona",
            ),
        }
        match d.sesso.or(derivati.map(|x| x.0)) {
            Some(s) => self.attr("Sesso", if s == crate::Sesso::F { "F" } else { "M" }, &pi),
            None => self.mancante(
                &format!("{pi}.sesso"),
                "sesso non indicato e non ricavabile dal codice fiscale",
            ),
        }
        match &d.provincia_nascita {
            Some(pv) if pv.len() == 2 && pv.bytes().all(|b| b.is_ascii_uppercase()) => {
                self.attr("ProvinciaNascita", pv, &format!("{pi}.provincia_nascita"))
            }
            Some(pv) => self.problema(
                &format!("{pi}.provincia_nascita"),
                format!("sigla della provincia di nascita «{pv}» non conforme (due lettere maiuscole, EE all'estero)"),
            ),
            None => self.mancante(
                &format!("{pi}.provincia_nascita"),
                "INPS richiede la provincia di nascita (EE all'estero): indicarla nei dati INPS della persona",
            ),
        }
        match d.comune_nascita.or(derivati.map(|x| x.1)) {
            Some(cm) => {
                self.attr_comune("CodiceComuneNascita", &cm, &format!("{pi}.comune_nascita"))
            }
            None => self.mancante(
                &format!("{pi}.comune_nascita"),
                "comune di nascita non indicato e non ricavabile dal codice fiscale",
            ),
        }
        self.corpo();
        self.chiudi("Anagrafica");
        if let Some(r) = dati.as_ref().and_then(|d| d.residenza.clone()) {
            self.indirizzo("Residenza", &r, &pi);
        }
        self.chiudi("DatiComponente");

        // FC2.
        if !c.patrimonio_mobiliare.is_empty() {
            self.apri("PatrimonioMobiliare");
            self.attr_bool("FlagPossessoRapportoFinanziario", true);
            // Ours is per relationship (in the extension); INPS's flag is the sheet's.
            if c.patrimonio_mobiliare
                .iter()
                .any(|r| r.incremento_patrimoniale)
            {
                self.attr_bool("FlagIncremento", true);
            }
            self.corpo();
            for (i, r) in c.patrimonio_mobiliare.iter().enumerate() {
                self.rapporto(r, &format!("{p}.patrimonio_mobiliare[{i}]"));
            }
            self.chiudi("PatrimonioMobiliare");
        }
        // FC3.
        if !c.patrimonio_immobiliare.is_empty() {
            self.apri("PatrimonioImmobiliare");
            self.corpo();
            for (i, im) in c.patrimonio_immobiliare.iter().enumerate() {
                self.immobile(im, &format!("{p}.patrimonio_immobiliare[{i}]"));
            }
            self.chiudi("PatrimonioImmobiliare");
        }
        // FC4.
        let r = &c.redditi;
        let pr = format!("{p}.redditi");
        let mut ext_redditi = oggetto(json(r));
        let fc4 = [
            (
                "RedditoImpSost",
                "imposta_sostitutiva",
                r.imposta_sostitutiva,
            ),
            ("RedditiEsentiImposta", "esenti", r.esenti),
            ("RedditiIRAP", "agrari_irap", r.agrari_irap),
            ("RedditiFondiari", "fondiari", r.fondiari),
            ("RedditiTassatiEstero", "esteri", r.esteri),
            ("RedditiAIRE", "aire", r.aire),
            (
                "TrattamentiAssistenziali",
                "trattamenti_assistenziali",
                r.trattamenti_assistenziali,
            ),
        ];
        if fc4.iter().any(|x| !x.2.is_zero()) {
            self.apri("RedditiDaDichiarare");
            for (attr, chiave, v) in fc4 {
                self.attr_euro_opz(attr, v, Segno::Positivo, &format!("{pr}.{chiave}"));
                ext_redditi.remove(chiave);
            }
            self.corpo();
            self.chiudi("RedditiDaDichiarare");
        }
        // FC5.
        if !c.assegni_pagati.figli.is_zero() || !c.assegni_pagati.coniuge.is_zero() {
            self.apri("AssegniPeriodici");
            self.attr_euro_opz(
                "AssegniFigli",
                c.assegni_pagati.figli,
                Segno::Positivo,
                &format!("{p}.assegni_pagati.figli"),
            );
            self.attr_euro_opz(
                "AssegniConiuge",
                c.assegni_pagati.coniuge,
                Segno::Positivo,
                &format!("{p}.assegni_pagati.coniuge"),
            );
            self.corpo();
            self.chiudi("AssegniPeriodici");
        }
        // FC6.
        if let Some(d) = &dati
            && !d.veicoli.is_empty()
        {
            self.apri("Veicoli");
            self.corpo();
            for v in &d.veicoli {
                self.apri("Veicolo");
                self.attr("TipoVeicolo", json(&v.tipo).as_str().unwrap_or(""), &pi);
                self.attr("Targa", &v.targa, &pi);
                self.corpo();
                self.chiudi("Veicolo");
            }
            self.chiudi("Veicoli");
        }
        // FC7.
        if let Some(g) = c.disabilita {
            match dati.as_ref().and_then(|d| d.certificazione.clone()) {
                Some(cert) => {
                    ext.remove("disabilita");
                    ext.remove("retta_ricovero");
                    ext.remove("spese_assistenza_personale");
                    self.apri("Disabilita");
                    self.attr("GradoDisabilita", json(&g).as_str().unwrap_or(""), p);
                    self.attr("EnteCertif", &cert.ente, &pi);
                    self.attr("DocCertif", &cert.documento, &pi);
                    self.attr_data("DataCertif", &cert.data, &format!("{pi}.certificazione.data"));
                    self.attr_bool("FlagPrestResidenziale", cert.prestazioni_residenziali);
                    self.attr_euro_opz("RettaVersata", c.retta_ricovero, Segno::Positivo, &format!("{p}.retta_ricovero"));
                    self.attr_euro_opz("SpeseAssistenza", c.spese_assistenza_personale, Segno::Positivo, &format!("{p}.spese_assistenza_personale"));
                    self.corpo();
                    self.chiudi("Disabilita");
                }
                None => self.mancante(
                    &format!("{pi}.certificazione"),
                    "INPS richiede gli estremi della certificazione di disabilità (ente, documento, data): indicarli nei dati INPS della persona",
                ),
            }
        }
        // FC8.
        let fc8 = [
            (
                "RedditoIRPEF",
                "reddito_complessivo",
                r.reddito_complessivo,
                Segno::Qualsiasi,
            ),
            (
                "LavoroDipendente",
                "di_cui_lavoro_dipendente",
                r.di_cui_lavoro_dipendente,
                Segno::Positivo,
            ),
            (
                "Pensione",
                "di_cui_pensione",
                r.di_cui_pensione,
                Segno::Positivo,
            ),
        ];
        if fc8.iter().any(|x| !x.2.is_zero()) {
            self.apri("AltriRedditi");
            self.attr_bool("FlagEsonerato", false);
            self.attr_bool("FlagIntegrazione", false);
            self.attr_bool("FlagRettifica", false);
            for (attr, chiave, v, segno) in fc8 {
                self.attr_euro_opz(attr, v, segno, &format!("{pr}.{chiave}"));
                ext_redditi.remove(chiave);
            }
            self.corpo();
            self.chiudi("AltriRedditi");
        }
        if ext_redditi.is_empty() {
            ext.remove("redditi");
        } else {
            ext.insert("redditi".into(), Value::Object(ext_redditi));
        }
        // The extension goes last: after FC8, where no element may follow.
        self.estensione(ext);
        self.chiudi(elemento);
    }

    fn rapporto(&mut self, r: &RapportoFinanziario, p: &str) {
        let mut ext = oggetto(json(r));
        for k in [
            "tipo",
            "identificativo",
            "codice_intermediario",
            "saldo_31_12",
            "giacenza_media",
            "valore",
        ] {
            ext.remove(k);
        }
        if r.quota == Percentuale::CENTO {
            ext.remove("quota");
        }
        self.apri("Rapporto");
        self.attr("TipoRapporto", json(&r.tipo).as_str().unwrap_or(""), p);
        // INPS requires both; ours may lack them: written empty, read back absent.
        self.attr(
            "Identificativo",
            r.identificativo.as_deref().unwrap_or(""),
            &format!("{p}.identificativo"),
        );
        let ci = r.codice_intermediario.as_deref().unwrap_or("");
        if ci.chars().count() > 16 {
            self.problema(
                &format!("{p}.codice_intermediario"),
                "codice dell'intermediario più lungo di 16 caratteri",
            );
        }
        self.attr(
            "CodiceFiscaleOperatore",
            ci,
            &format!("{p}.codice_intermediario"),
        );
        self.attr_euro_opz(
            "Saldo3112",
            r.saldo_31_12,
            Segno::Positivo,
            &format!("{p}.saldo_31_12"),
        );
        self.attr_euro_opz(
            "ConsistenzaMedia",
            r.giacenza_media,
            Segno::Positivo,
            &format!("{p}.giacenza_media"),
        );
        self.attr_euro_opz("Valore", r.valore, Segno::Positivo, &format!("{p}.valore"));
        self.corpo();
        self.estensione(ext);
        self.chiudi("Rapporto");
    }

    fn immobile(&mut self, im: &Immobile, p: &str) {
        let mut ext = Map::new();
        if im.inagibile_calamita {
            ext.insert("inagibile_calamita".into(), Value::Bool(true));
        }
        if im.ricevuto_in_donazione {
            ext.insert("ricevuto_in_donazione".into(), Value::Bool(true));
        }
        self.apri("Patrimonio");
        self.attr("TipoPatrimonio", tipo_patrimonio(im.tipo), p);
        self.attr_comune(
            "CodiceComuneStato",
            &im.codice_comune,
            &format!("{p}.codice_comune"),
        );
        self.attr_quota("QuotaPosseduta", im.quota, &format!("{p}.quota"));
        self.attr_euro(
            "ValoreImu",
            im.valore_imu,
            Segno::Positivo,
            &format!("{p}.valore_imu"),
        );
        self.attr_euro_opz(
            "MutuoResiduo",
            im.mutuo_residuo,
            Segno::Positivo,
            &format!("{p}.mutuo_residuo"),
        );
        self.attr_bool("FlagAbitazione", im.casa_abitazione);
        self.corpo();
        self.estensione(ext);
        self.chiudi("Patrimonio");
    }
}

fn tipo_patrimonio(t: TipoPatrimonio) -> &'static str {
    match t {
        TipoPatrimonio::F => "F",
        TipoPatrimonio::TE => "TE",
        TipoPatrimonio::TA => "TA",
    }
}

/// `@FlagAssenzaReddito`: no income of any kind declared.
fn redditi_assenti(c: &Componente) -> bool {
    let r = &c.redditi;
    [
        r.reddito_complessivo,
        r.imposta_sostitutiva,
        r.esenti,
        r.agrari_irap,
        r.fondiari,
        r.esteri,
        r.aire,
        r.trattamenti_assistenziali,
        r.trattamenti_disabilita,
        r.assegni_mantenimento_figli,
    ]
    .iter()
    .all(Importo::is_zero)
}
