//! The reader: bounded, every problem at once, each with its element path.
//!
//! The document is decoded (ISO-8859-1, or UTF-8 when declared), parsed by roxmltree
//! (no DTD, so no entity; nodes bounded), walked element by element into the DSU's
//! JSON value, and that value is read by isee-core's own serde types, so that the
//! DSU read from XML obeys exactly the rules of the DSU read from JSON.

use crate::{
    Certificazione, ContrattoLocazione, DIMENSIONE_MASSIMA, DatiInps, DatiPersona, Documento,
    ErroreImportazione, Indirizzo, NAMESPACE, Operazione, PROFONDITA_MASSIMA, Problema, Sesso,
    Sottoscrizione, TipoOperazione, TipoVeicolo, Veicolo, da_codice_fiscale,
};
use isee_core::Dsu;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::data::{Data, parse_data};
use isee_core::dsu::CodiceComune;
use roxmltree::Node;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

const NODI_MASSIMI: u32 = 200_000;

/// Reads an `ISEE_Dichiarazione` document into a DSU.
pub fn importa(xml: &[u8]) -> Result<Dsu, ErroreImportazione> {
    importa_documento(xml).map(|d| d.dsu)
}

/// Reads an `ISEE_Dichiarazione` document: the DSU, with the data the calculation does
/// not use in its `dati_inps`, and the operation.
pub fn importa_documento(xml: &[u8]) -> Result<Documento, ErroreImportazione> {
    let errore = |m: String| ErroreImportazione {
        problemi: vec![Problema {
            percorso: "/".into(),
            messaggio: m,
        }],
    };
    if xml.len() > DIMENSIONE_MASSIMA {
        return Err(errore(format!(
            "documento troppo grande ({} byte, massimo {DIMENSIONE_MASSIMA})",
            xml.len()
        )));
    }
    let testo = decodifica(xml).map_err(errore)?;
    let opzioni = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODI_MASSIMI,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(&testo, opzioni).map_err(|e| {
        errore(match e {
            roxmltree::Error::DtdDetected => {
                "DTD non ammessa: le dichiarazioni DOCTYPE e di entità sono rifiutate per sicurezza"
                    .into()
            }
            roxmltree::Error::NodesLimitReached => {
                format!("troppi nodi (massimo {NODI_MASSIMI})")
            }
            e => format!("XML non ben formato: {e}"),
        })
    })?;
    // A DOCTYPE without an internal subset is not a node for roxmltree: refused here.
    if testo[..doc.root_element().range().start].contains("<!DOCTYPE") {
        return Err(errore(
            "DTD non ammessa: le dichiarazioni DOCTYPE sono rifiutate per sicurezza".into(),
        ));
    }
    let profondita = profondita(doc.root_element());
    if profondita > PROFONDITA_MASSIMA {
        return Err(errore(format!(
            "annidamento troppo profondo ({profondita} livelli, massimo {PROFONDITA_MASSIMA})"
        )));
    }
    let mut l = Lettore {
        problemi: Vec::new(),
        persone: BTreeMap::new(),
    };
    let risultato = l.dichiarazione(doc.root_element());
    if !l.problemi.is_empty() {
        return Err(ErroreImportazione {
            problemi: l.problemi,
        });
    }
    let Some((dsu, operazione, mut dati)) = risultato else {
        return Err(ErroreImportazione {
            problemi: l.problemi,
        });
    };
    let mut dsu: Dsu = serde_json::from_value(Value::Object(dsu))
        .map_err(|e| errore(format!("il contenuto non forma una DSU valida: {e}")))?;
    dati.persone = l.persone;
    if let Some(s) = &mut dati.sottoscrizione
        && s.data.as_ref() == Some(&dsu.data_presentazione)
    {
        s.data = None;
    }
    dsu.dati_inps = dati;
    Ok(Documento { dsu, operazione })
}

/// The text of the document: ISO-8859-1 when declared so, otherwise UTF-8. Borrowed
/// when no byte needs decoding (UTF-8, or ISO-8859-1 that is all ASCII).
fn decodifica(xml: &[u8]) -> Result<Cow<'_, str>, String> {
    let xml = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml);
    let codifica = codifica_dichiarata(xml);
    match codifica.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("ISO-8859-1" | "ISO8859-1" | "LATIN1" | "ISO_8859-1" | "LATIN-1") => {
            Ok(da_latin1(xml))
        }
        None | Some("UTF-8" | "UTF8") => std::str::from_utf8(xml)
            .map(Cow::Borrowed)
            .map_err(|e| format!("testo non UTF-8 (byte {})", e.valid_up_to())),
        Some(c) => Err(format!(
            "codifica «{c}» non supportata: attese ISO-8859-1 o UTF-8"
        )),
    }
}

/// ASCII bytes as text (ASCII is valid UTF-8: `from_utf8` cannot fail on them).
fn ascii(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}

/// ISO-8859-1 to text: each byte is the code point of its value; the ASCII runs are
/// copied whole.
fn da_latin1(xml: &[u8]) -> Cow<'_, str> {
    if xml.is_ascii() {
        return Cow::Borrowed(ascii(xml));
    }
    let alti = xml.iter().filter(|&&b| b >= 0x80).count();
    let mut s = String::with_capacity(xml.len() + alti);
    let mut resto = xml;
    while let Some(i) = resto.iter().position(|&b| b >= 0x80) {
        s.push_str(ascii(&resto[..i]));
        s.push(char::from(resto[i]));
        resto = &resto[i + 1..];
    }
    s.push_str(ascii(resto));
    Cow::Owned(s)
}

fn codifica_dichiarata(xml: &[u8]) -> Option<String> {
    let testa = xml.strip_prefix(b"<?xml")?;
    let fine = testa.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&testa[..fine]).ok()?;
    let dopo = decl.split("encoding").nth(1)?;
    let v = dopo.trim_start().strip_prefix('=')?.trim_start();
    let q = v.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    v[1..].split(q).next().map(str::to_string)
}

fn profondita(radice: Node) -> usize {
    let mut massimo = 0;
    let mut pila = vec![(radice, 1usize)];
    while let Some((n, d)) = pila.pop() {
        massimo = massimo.max(d);
        if d > PROFONDITA_MASSIMA {
            break;
        }
        pila.extend(n.children().filter(Node::is_element).map(|c| (c, d + 1)));
    }
    massimo
}

/// Deep merge of an extension into what the attributes gave: `null` removes.
fn unisci(base: &mut Map<String, Value>, ext: Map<String, Value>) {
    for (k, v) in ext {
        match v {
            Value::Null => {
                base.remove(&k);
            }
            Value::Object(o) => match base.get_mut(&k) {
                Some(Value::Object(b)) => unisci(b, o),
                _ => {
                    base.insert(k, Value::Object(o));
                }
            },
            v => {
                base.insert(k, v);
            }
        }
    }
}

#[derive(Clone, Copy)]
struct El<'a, 'i> {
    n: Node<'a, 'i>,
}

struct Lettore {
    problemi: Vec<Problema>,
    persone: BTreeMap<String, DatiPersona>,
}

/// An element's path, written only when a problem names it: the parent's path, the
/// element's name and, when it has siblings of the same name, its position among them.
#[derive(Clone, Copy)]
struct Percorso<'p> {
    padre: Option<&'p Percorso<'p>>,
    nome: &'p str,
    /// 1-based among siblings of the same name; 0 when it is the only one.
    indice: u32,
}

impl<'p> Percorso<'p> {
    const fn radice(nome: &'p str) -> Percorso<'p> {
        Percorso {
            padre: None,
            nome,
            indice: 0,
        }
    }
}

impl fmt::Display for Percorso<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(padre) = self.padre {
            padre.fmt(f)?;
        }
        f.write_str("/")?;
        f.write_str(self.nome)?;
        if self.indice > 0 {
            write!(f, "[{}]", self.indice)?;
        }
        Ok(())
    }
}

type Figli<'a, 'i, 'p> = Vec<(Node<'a, 'i>, Percorso<'p>)>;

impl Lettore {
    fn problema(&mut self, percorso: impl fmt::Display, messaggio: impl Into<String>) {
        self.problemi.push(Problema {
            percorso: percorso.to_string(),
            messaggio: messaggio.into(),
        });
    }

    /// Checks attributes, children and text against what the element may hold;
    /// returns the children with their paths.
    fn controlla<'a, 'i: 'a, 'p>(
        &mut self,
        el: El<'a, 'i>,
        p: &'p Percorso<'p>,
        attributi: &[&str],
        figli: &[&str],
    ) -> Figli<'a, 'i, 'p>
    where
        'a: 'p,
    {
        for a in el.n.attributes() {
            if a.namespace().is_none() && !attributi.contains(&a.name()) {
                self.problema(
                    format_args!("{p}/@{}", a.name()),
                    "attributo non previsto dallo schema INPS",
                );
            }
        }
        let mut risultato = Vec::new();
        let mut testo = false;
        for c in el.n.children() {
            if !c.is_element() {
                testo = testo || (c.is_text() && !c.text().unwrap_or("").trim().is_empty());
                continue;
            }
            let nome = c.tag_name().name();
            // Position among the siblings of the same name (1-based), 0 when alone.
            let mut prima = 0u32;
            let mut visto = false;
            let mut dopo = false;
            for x in el.n.children() {
                if x == c {
                    visto = true;
                } else if x.is_element() && x.tag_name().name() == nome {
                    if visto {
                        dopo = true;
                        break;
                    }
                    prima += 1;
                }
            }
            let indice = if prima > 0 || dopo { prima + 1 } else { 0 };
            let percorso = Percorso {
                padre: Some(p),
                nome,
                indice,
            };
            if c.tag_name().namespace() != Some(NAMESPACE) {
                self.problema(
                    percorso,
                    format!("elemento fuori dallo spazio dei nomi {NAMESPACE}"),
                );
                continue;
            }
            if !figli.contains(&nome) {
                self.problema(
                    percorso,
                    "elemento non previsto dallo schema INPS in questa posizione",
                );
                continue;
            }
            risultato.push((c, percorso));
        }
        if testo {
            self.problema(p, "testo non previsto: i dati INPS stanno negli attributi");
        }
        risultato
    }

    fn estensione(&mut self, el: El, p: &Percorso) -> Map<String, Value> {
        let mut m = Map::new();
        for c in el.n.children() {
            if let Some(pi) = c.pi()
                && pi.target == "isee"
            {
                match serde_json::from_str::<Value>(pi.value.unwrap_or("")) {
                    Ok(Value::Object(o)) => m.extend(o),
                    _ => self.problema(
                        p,
                        "istruzione <?isee?> non leggibile: atteso un oggetto JSON",
                    ),
                }
            }
        }
        m
    }

    /// An attribute's value, borrowed from the document.
    fn attributo<'a>(
        &mut self,
        el: El<'a, '_>,
        p: &Percorso,
        nome: &str,
        obbligatorio: bool,
    ) -> Option<&'a str> {
        let v = el.n.attribute(nome);
        if v.is_none() && obbligatorio {
            self.problema(
                format_args!("{p}/@{nome}"),
                "attributo obbligatorio mancante",
            );
        }
        v
    }

    fn testo(&mut self, el: El, p: &Percorso, nome: &str, obbligatorio: bool) -> Option<String> {
        self.attributo(el, p, nome, obbligatorio)
            .map(str::to_string)
    }

    fn valori(
        &mut self,
        el: El,
        p: &Percorso,
        nome: &str,
        obbligatorio: bool,
        ammessi: &[&str],
    ) -> Option<String> {
        let v = self.attributo(el, p, nome, obbligatorio)?;
        if ammessi.contains(&v) {
            Some(v.to_string())
        } else {
            self.problema(
                format_args!("{p}/@{nome}"),
                format!(
                    "valore «{v}» non ammesso; valori ammessi: {}",
                    ammessi.join(", ")
                ),
            );
            None
        }
    }

    fn booleano(&mut self, el: El, p: &Percorso, nome: &str, obbligatorio: bool) -> Option<bool> {
        match self.attributo(el, p, nome, obbligatorio)?.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            v => {
                self.problema(
                    format_args!("{p}/@{nome}"),
                    format!("«{v}» non è un valore booleano (true o false)"),
                );
                None
            }
        }
    }

    fn data(&mut self, el: El, p: &Percorso, nome: &str, obbligatorio: bool) -> Option<Data> {
        let v = self.attributo(el, p, nome, obbligatorio)?;
        match parse_data(v.trim()) {
            d @ Data::Valida(_) => Some(d),
            Data::NonValida(_) => {
                self.problema(
                    format_args!("{p}/@{nome}"),
                    format!("«{v}» non è una data AAAA-MM-GG esistente"),
                );
                None
            }
        }
    }

    fn cf(&mut self, el: El, p: &Percorso, nome: &str) -> Option<String> {
        let v = self.attributo(el, p, nome, true)?;
        let t = v.trim();
        let b = t.as_bytes();
        let ok = (b.len() == 16 && b.iter().all(u8::is_ascii_alphanumeric))
            || (b.len() == 11 && b.iter().all(u8::is_ascii_digit));
        if ok {
            Some(CodiceFiscale::new(t).as_str().to_string())
        } else {
            self.problema(
                format_args!("{p}/@{nome}"),
                format!("«{v}» non è un codice fiscale"),
            );
            None
        }
    }

    fn comune(&mut self, el: El, p: &Percorso, nome: &str) -> Option<String> {
        let v = self.attributo(el, p, nome, true)?;
        let b = v.as_bytes();
        if b.len() == 4 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit) {
            Some(v.to_string())
        } else {
            self.problema(
                format_args!("{p}/@{nome}"),
                format!("«{v}» non è un codice catastale (es. H501)"),
            );
            None
        }
    }

    /// A whole-euro amount; `negativo`: `xs:integer` rather than `xs:unsignedInt`.
    fn euro(
        &mut self,
        el: El,
        p: &Percorso,
        nome: &str,
        obbligatorio: bool,
        negativo: bool,
    ) -> Option<Value> {
        let v = self.attributo(el, p, nome, obbligatorio)?;
        let t = v.trim();
        let cifre = if negativo {
            t.strip_prefix('-').unwrap_or(t)
        } else {
            t
        };
        let ok =
            !cifre.is_empty() && cifre.len() <= 12 && cifre.bytes().all(|b| b.is_ascii_digit());
        if !ok || (!negativo && cifre.parse::<u64>().is_ok_and(|n| n > u64::from(u32::MAX))) {
            self.problema(
                format_args!("{p}/@{nome}"),
                format!(
                    "«{v}» non è un importo in euro interi{}",
                    if negativo { "" } else { " non negativo" }
                ),
            );
            return None;
        }
        Some(Value::String(t.to_string()))
    }

    fn numero(&mut self, el: El, p: &Percorso, nome: &str, obbligatorio: bool) -> Option<Value> {
        let v = self.attributo(el, p, nome, obbligatorio)?;
        match v.trim().parse::<u8>() {
            Ok(n) => Some(Value::from(n)),
            Err(_) => {
                self.problema(
                    format_args!("{p}/@{nome}"),
                    format!("«{v}» non è un numero intero da 0 a 255"),
                );
                None
            }
        }
    }

    fn quota(&mut self, el: El, p: &Percorso, nome: &str) -> Option<Value> {
        let v = self.attributo(el, p, nome, true)?;
        match Decimal::from_str(v.trim()) {
            Ok(d) if !d.is_sign_negative() && d <= Decimal::ONE_HUNDRED => {
                Some(Value::String(d.normalize().to_string()))
            }
            _ => {
                self.problema(
                    format_args!("{p}/@{nome}"),
                    format!("«{v}» non è una percentuale da 0 a 100"),
                );
                None
            }
        }
    }

    fn dichiarazione(
        &mut self,
        radice: Node,
    ) -> Option<(Map<String, Value>, Operazione, DatiInps)> {
        let p = &Percorso::radice("Dichiarazione");
        if radice.tag_name().name() != "Dichiarazione"
            || radice.tag_name().namespace() != Some(NAMESPACE)
        {
            self.problema(
                format!("/{}", radice.tag_name().name()),
                format!("elemento radice atteso: Dichiarazione nello spazio dei nomi {NAMESPACE}"),
            );
            return None;
        }
        let el = El { n: radice };
        let figli = self.controlla(
            el,
            p,
            &["CodiceFiscaleDichiarante"],
            &[
                "Operazione",
                "NucleoFamiliare",
                "ModelloBase",
                "IntegrazioneComponenteAggiuntiva",
                "IntegrazioneRedditi",
                "IntegrazioneResidenziale",
                "ISEECorrente",
                "Sottoscrizione",
            ],
        );
        let dichiarante = self.cf(el, p, "CodiceFiscaleDichiarante");
        let mut dsu = Map::new();
        let mut operazione = Operazione::default();
        let mut dati = DatiInps::default();
        let mut componenti = Vec::new();
        let mut universitari = Vec::new();
        let mut genitori = Vec::new();
        let mut residenziali = Vec::new();
        let mut visti_operazione = 0;
        let mut sottoscrizioni = 0;
        let mut corrente = None;
        for (n, pc) in figli {
            let c = El { n };
            match n.tag_name().name() {
                "Operazione" => {
                    visti_operazione += 1;
                    self.controlla(
                        c,
                        &pc,
                        &[
                            "Tipo",
                            "CodiceFiscaleRiferimento",
                            "NumeroProtocolloRiferimento",
                        ],
                        &[],
                    );
                    if let Some(t) =
                        self.valori(c, &pc, "Tipo", true, &["N", "A", "I", "S", "C", "R", "X"])
                    {
                        operazione.tipo = TipoOperazione::da_codice(&t).unwrap_or_default();
                    }
                    if c.n.has_attribute("CodiceFiscaleRiferimento") {
                        operazione.codice_fiscale_riferimento = self
                            .cf(c, &pc, "CodiceFiscaleRiferimento")
                            .map(|s| CodiceFiscale::new(&s));
                    }
                    operazione.protocollo_riferimento =
                        self.testo(c, &pc, "NumeroProtocolloRiferimento", false);
                }
                "NucleoFamiliare" => {
                    for (m, pm) in self.controlla(c, &pc, &[], &["ComponenteNucleo"]) {
                        let m = El { n: m };
                        let fogli = self.controlla(
                            m,
                            &pm,
                            &["RapportoConDichiarante", "FlagAssenzaReddito"],
                            &["FoglioComponenteNucleo"],
                        );
                        let rapporto = self.valori(
                            m,
                            &pm,
                            "RapportoConDichiarante",
                            true,
                            &["D", "C", "F", "MA", "FC", "FNC", "P", "GNC"],
                        );
                        self.booleano(m, &pm, "FlagAssenzaReddito", true);
                        match fogli.first() {
                            Some((f, pf)) => {
                                let mut comp = self.foglio(El { n: *f }, pf);
                                if let Some(r) = rapporto {
                                    comp.insert("rapporto".into(), Value::String(r));
                                }
                                componenti.push(Value::Object(comp));
                            }
                            None => self.problema(pm, "manca FoglioComponenteNucleo"),
                        }
                    }
                }
                "ModelloBase" => {
                    let tipo = self.valori(c, &pc, "Tipo", true, &["ORD", "RID"]);
                    let ridotto = tipo.as_deref() == Some("RID");
                    let parti = self.controlla(
                        c,
                        &pc,
                        &["Tipo"],
                        &[
                            "NucleoRistretto",
                            "CondizioniNucleo",
                            "Abitazione",
                            "Universitario",
                            "GenitoreNonConvivente",
                            "Residenziale",
                        ],
                    );
                    for (n, pp) in parti {
                        let e = El { n };
                        match n.tag_name().name() {
                            "NucleoRistretto" => {
                                let v = self.ristretto(e, &pp);
                                dsu.insert("nucleo_ristretto".into(), v);
                            }
                            "CondizioniNucleo" => {
                                let v = self.condizioni(e, &pp);
                                dsu.insert("condizioni_nucleo".into(), v);
                            }
                            "Abitazione" => {
                                let v = self.abitazione(e, &pp, &mut dati);
                                if !ridotto {
                                    dsu.insert("abitazione".into(), v);
                                }
                            }
                            "Universitario" => universitari.push(self.universitario(e, &pp)),
                            "GenitoreNonConvivente" => genitori.push(self.genitore(e, &pp)),
                            _ => {
                                let mut r = self.residenziale(e, &pp);
                                r.insert(
                                    "nucleo".into(),
                                    Value::String(if ridotto { "RID" } else { "ORD" }.into()),
                                );
                                residenziali.push((r, pp.to_string()));
                            }
                        }
                    }
                }
                "ISEECorrente" => corrente = Some(self.corrente(c, &pc)),
                "Sottoscrizione" => {
                    sottoscrizioni += 1;
                    if sottoscrizioni == 1 {
                        let (s, data, pm) = self.sottoscrizione(c, &pc);
                        if let Some(d) = data {
                            dsu.insert("data_presentazione".into(), Value::String(d.to_string()));
                        }
                        if let Some(pm) = pm {
                            dsu.insert("protocollo_mittente".into(), Value::String(pm));
                        }
                        dati.sottoscrizione = s;
                    }
                }
                altro => self.problema(
                    pc,
                    format!("{altro}: integrazione successiva non ancora gestita da isee"),
                ),
            }
        }
        if visti_operazione == 0 {
            self.problema(p, "manca l'elemento obbligatorio Operazione");
        }
        if sottoscrizioni == 0 {
            self.problema(p, "manca l'elemento obbligatorio Sottoscrizione");
        }
        if componenti.is_empty() {
            self.problema(p, "manca il nucleo familiare (NucleoFamiliare)");
        }
        let d = componenti
            .iter()
            .find(|c| c.get("rapporto").and_then(Value::as_str) == Some("D"));
        if let (Some(cf), Some(d)) = (&dichiarante, d)
            && d.get("codice_fiscale").and_then(Value::as_str) != Some(cf.as_str())
        {
            self.problema(
                format!("{p}/@CodiceFiscaleDichiarante"),
                "non è il codice fiscale del componente con rapporto D",
            );
        }
        if !dsu.contains_key("abitazione") {
            self.problema(
                p,
                "manca il modello base ordinario con l'abitazione (ModelloBase Tipo=\"ORD\")",
            );
        }
        dsu.insert("componenti".into(), Value::Array(componenti));
        if !universitari.is_empty() {
            dsu.insert("universitari".into(), Value::Array(universitari));
        }
        if !genitori.is_empty() {
            dsu.insert("genitori_non_conviventi".into(), Value::Array(genitori));
        }
        if residenziali.len() > 1 {
            self.problema(
                &residenziali[1].1,
                "più di un quadro E: isee ne gestisce uno per DSU",
            );
        }
        if let Some((r, _)) = residenziali.into_iter().next() {
            dsu.insert("residenziale".into(), Value::Object(r));
        }
        if let Some(mut c) = corrente {
            if !c.contains_key("data_presentazione")
                && let Some(d) = dsu.get("data_presentazione")
            {
                c.insert("data_presentazione".into(), d.clone());
            }
            dsu.insert("corrente".into(), Value::Object(c));
        }
        let ext = self.estensione(el, p);
        unisci(&mut dsu, ext);
        // A residential request without its own date took the filing date.
        if let Some(Value::Object(r)) = dsu.get_mut("residenziale")
            && r.get("data_prima_richiesta").is_some_and(Value::is_null)
        {
            r.remove("data_prima_richiesta");
        }
        Some((dsu, operazione, dati))
    }

    fn indirizzo(&mut self, el: El, p: &Percorso) -> Option<Indirizzo> {
        self.controlla(
            el,
            p,
            &[
                "Indirizzo",
                "Civico",
                "CodiceComune",
                "Provincia",
                "Cap",
                "Telefono",
                "Cellulare",
                "IndirizzoEMail",
            ],
            &[],
        );
        let indirizzo = self.testo(el, p, "Indirizzo", true);
        let civico = self.testo(el, p, "Civico", true);
        let comune = self.comune(el, p, "CodiceComune");
        let provincia = self.testo(el, p, "Provincia", true);
        let cap = self.testo(el, p, "Cap", true);
        Some(Indirizzo {
            indirizzo: indirizzo?,
            civico: civico?,
            codice_comune: CodiceComune::new(&comune?),
            provincia: provincia?,
            cap: cap?,
        })
    }

    fn abitazione(&mut self, el: El, p: &Percorso, dati: &mut DatiInps) -> Value {
        let figli = self.controlla(
            el,
            p,
            &["TipoAbitazione", "ResidenzaRiferimento"],
            &["IndirizzoAbitazione", "Locazione"],
        );
        let mut m = Map::new();
        if let Some(t) = self.valori(el, p, "TipoAbitazione", true, &["000", "001", "999"]) {
            let titolo = match t.as_str() {
                "000" => "proprieta",
                "001" => "locazione",
                _ => "altro",
            };
            m.insert("titolo".into(), Value::String(titolo.into()));
        }
        for (n, pf) in figli {
            let e = El { n };
            if n.tag_name().name() == "IndirizzoAbitazione" {
                if let Some(i) = self.indirizzo(e, &pf) {
                    m.insert(
                        "codice_comune".into(),
                        Value::String(i.codice_comune.as_str().into()),
                    );
                    dati.indirizzo_abitazione = Some(i);
                }
            } else {
                let intestatari = self.controlla(
                    e,
                    &pf,
                    &["Data", "Serie", "Numero", "CodUfficio", "Canone"],
                    &["Intestatario"],
                );
                let data = self.data(e, &pf, "Data", true);
                let serie = self.testo(e, &pf, "Serie", true);
                let numero = self.testo(e, &pf, "Numero", true);
                let ufficio = self.testo(e, &pf, "CodUfficio", true);
                if let Some(c) = self.euro(e, &pf, "Canone", true, false) {
                    m.insert("canone_annuo".into(), c);
                }
                let mut cfs = Vec::new();
                for (n, pi) in intestatari {
                    let i = El { n };
                    self.controlla(i, &pi, &["CodiceFiscale"], &[]);
                    if let Some(cf) = self.cf(i, &pi, "CodiceFiscale") {
                        cfs.push(CodiceFiscale::new(&cf));
                    }
                }
                if let (Some(data), Some(serie), Some(numero), Some(codice_ufficio)) =
                    (data, serie, numero, ufficio)
                {
                    dati.locazione = Some(ContrattoLocazione {
                        data,
                        serie,
                        numero,
                        codice_ufficio,
                        intestatari: cfs,
                    });
                }
            }
        }
        let ext = self.estensione(el, p);
        unisci(&mut m, ext);
        Value::Object(m)
    }

    fn condizioni(&mut self, el: El, p: &Percorso) -> Value {
        self.controlla(
            el,
            p,
            &[
                "FlagLavoroGenitori",
                "FlagUnicoGenitore",
                "NumeroFigli",
                "NumeroFigliConviventi",
            ],
            &[],
        );
        let mut m = Map::new();
        if let Some(b) = self.booleano(el, p, "FlagLavoroGenitori", true) {
            m.insert("lavoro_genitori".into(), Value::Bool(b));
        }
        if let Some(b) = self.booleano(el, p, "FlagUnicoGenitore", true) {
            m.insert("unico_genitore".into(), Value::Bool(b));
        }
        if let Some(n) = self.numero(el, p, "NumeroFigli", false) {
            m.insert("numero_figli".into(), n);
        }
        if let Some(n) = self.numero(el, p, "NumeroFigliConviventi", false) {
            m.insert("numero_figli_conviventi".into(), n);
        }
        let ext = self.estensione(el, p);
        unisci(&mut m, ext);
        Value::Object(m)
    }

    fn ristretto(&mut self, el: El, p: &Percorso) -> Value {
        let mut m = Map::new();
        let mut componenti = Vec::new();
        for (n, pc) in self.controlla(el, p, &[], &["ComponenteNucleoRistretto"]) {
            let c = El { n };
            self.controlla(
                c,
                &pc,
                &[
                    "CodiceFiscale",
                    "FlagBeneficiario",
                    "RelazioneConBeneficiario",
                ],
                &[],
            );
            let cf = self.cf(c, &pc, "CodiceFiscale");
            let beneficiario = self.booleano(c, &pc, "FlagBeneficiario", true);
            let rel = self.valori(
                c,
                &pc,
                "RelazioneConBeneficiario",
                true,
                &["B", "C", "F", "FC", "FNC", "MA"],
            );
            match (cf, rel) {
                (Some(cf), Some(r)) if r == "B" || beneficiario == Some(true) => {
                    let doppio = m.insert("beneficiario".into(), Value::String(cf)).is_some();
                    if doppio {
                        self.problema(pc, "più di un beneficiario nel nucleo ristretto");
                    }
                }
                (Some(cf), Some(r)) => {
                    let mut x = Map::new();
                    x.insert("codice_fiscale".into(), Value::String(cf));
                    x.insert("relazione".into(), Value::String(r));
                    componenti.push(Value::Object(x));
                }
                _ => {}
            }
        }
        m.insert("componenti".into(), Value::Array(componenti));
        Value::Object(m)
    }

    fn universitario(&mut self, el: El, p: &Percorso) -> Value {
        self.controlla(
            el,
            p,
            &[
                "CodiceFiscaleBeneficiario",
                "PresenzaGenitori",
                "FlagResidenzaStudente",
                "FlagCapacitaRedditoStudente",
                "CodiceFiscaleGenitore",
                "NumeroProtocolloRifGenitore",
            ],
            &[],
        );
        let mut m = Map::new();
        if let Some(cf) = self.cf(el, p, "CodiceFiscaleBeneficiario") {
            m.insert("studente".into(), Value::String(cf));
        }
        if let Some(pg) = self.valori(
            el,
            p,
            "PresenzaGenitori",
            true,
            &[
                "TuttiPresenti",
                "SoloUno",
                "ConiugatiNonPresenti",
                "NonConiugatiNonPresenti",
            ],
        ) {
            let s = match pg.as_str() {
                "TuttiPresenti" => "tutti_presenti",
                "SoloUno" => "solo_uno",
                "ConiugatiNonPresenti" => "coniugati_non_presenti",
                _ => "non_coniugati_non_presenti",
            };
            m.insert("presenza_genitori".into(), Value::String(s.into()));
        }
        if let Some(b) = self.booleano(el, p, "FlagResidenzaStudente", false) {
            m.insert("residenza_autonoma_2_anni".into(), Value::Bool(b));
        }
        if let Some(b) = self.booleano(el, p, "FlagCapacitaRedditoStudente", false) {
            m.insert("capacita_reddito".into(), Value::Bool(b));
        }
        let ext = self.estensione(el, p);
        unisci(&mut m, ext);
        Value::Object(m)
    }

    fn genitore(&mut self, el: El, p: &Percorso) -> Value {
        let figli = self.controlla(
            el,
            p,
            &[
                "CodiceFiscale",
                "Cognome",
                "Nome",
                "FlagGenitoreEscluso",
                "FlagConiugatoConPersonaDiversa",
                "FlagAlcunaCondizione",
            ],
            &[
                "Beneficiario",
                "NumeroProtocolloRiferimento",
                "DettaglioGenitoreNonConvivente",
            ],
        );
        let mut m = Map::new();
        let cf = self.cf(el, p, "CodiceFiscale");
        let cognome = self.testo(el, p, "Cognome", true);
        let nome = self.testo(el, p, "Nome", true);
        let escluso = self
            .booleano(el, p, "FlagGenitoreEscluso", true)
            .unwrap_or(false);
        let coniugato = self
            .booleano(el, p, "FlagConiugatoConPersonaDiversa", true)
            .unwrap_or(false);
        let alcuna = self
            .booleano(el, p, "FlagAlcunaCondizione", true)
            .unwrap_or(false);
        let mut ext = self.estensione(el, p);
        let mut beneficiari = Vec::new();
        let mut dati = None;
        for (n, pf) in figli {
            let e = El { n };
            match n.tag_name().name() {
                "Beneficiario" => {
                    self.controlla(e, &pf, &["CodiceFiscale"], &[]);
                    if let Some(cf) = self.cf(e, &pf, "CodiceFiscale") {
                        beneficiari.push(Value::String(cf));
                    }
                }
                "DettaglioGenitoreNonConvivente" => {
                    dati = Some(self.dettaglio(
                        e,
                        &pf,
                        "FoglioComponenteGenitore",
                        "ComponenteAggiuntivaGenitore",
                    ));
                }
                _ => {}
            }
        }
        let mut situazione = Map::new();
        if escluso {
            situazione.insert("tipo".into(), Value::String("escluso".into()));
            match ext.remove("caso") {
                Some(c) => {
                    situazione.insert("caso".into(), c);
                }
                None => self.problema(p, "genitore escluso: il caso (c, d, e) non è indicato"),
            }
            if let Some(cf) = &cf {
                let d = self.persone.entry(cf.clone()).or_default();
                d.cognome = cognome;
                d.nome = nome;
            }
        } else if alcuna {
            situazione.insert("tipo".into(), Value::String("attratto".into()));
        } else {
            situazione.insert("tipo".into(), Value::String("componente_aggiuntiva".into()));
            situazione.insert(
                "caso".into(),
                Value::String(if coniugato { "a" } else { "b" }.into()),
            );
            match dati {
                Some(d) => {
                    situazione.insert("dati".into(), d);
                }
                None => self.problema(p, "componente aggiuntiva senza DettaglioGenitoreNonConvivente: isee non legge le DSU di riferimento"),
            }
        }
        if let Some(cf) = cf {
            m.insert("codice_fiscale".into(), Value::String(cf));
        }
        m.insert("figli".into(), Value::Array(beneficiari));
        m.insert("situazione".into(), Value::Object(situazione));
        unisci(&mut m, ext);
        Value::Object(m)
    }

    /// `DettaglioGenitoreNonConvivente` / `DettaglioFiglio`: `{foglio, nucleo}`.
    fn dettaglio(&mut self, el: El, p: &Percorso, foglio: &str, aggiuntiva: &str) -> Value {
        let mut m = Map::new();
        for (n, pf) in self.controlla(el, p, &[], &[foglio, aggiuntiva]) {
            let e = El { n };
            if n.tag_name().name() == foglio {
                m.insert("foglio".into(), Value::Object(self.foglio(e, &pf)));
            } else {
                m.insert("nucleo".into(), self.aggiuntiva(e, &pf));
            }
        }
        if !m.contains_key("foglio") {
            self.problema(
                p,
                format!("manca {foglio}: isee richiede il foglio della persona"),
            );
        }
        Value::Object(m)
    }

    fn aggiuntiva(&mut self, el: El, p: &Percorso) -> Value {
        let figli = self.controlla(
            el,
            p,
            &["CodiceFiscale", "FlagCompletezzaDati"],
            &[
                "AbitazioneComponenteAggiuntiva",
                "NucleoFamiliareComponenteAggiuntiva",
            ],
        );
        self.cf(el, p, "CodiceFiscale");
        self.booleano(el, p, "FlagCompletezzaDati", true);
        let mut m = Map::new();
        for (n, pn) in figli {
            if n.tag_name().name() != "NucleoFamiliareComponenteAggiuntiva" {
                continue;
            }
            let e = El { n };
            self.controlla(
                e,
                &pn,
                &[
                    "NumeroComponenti",
                    "FlagAttivitaLavorativa",
                    "FlagGenitoreSolo",
                    "FlagPresenzaMinorenne",
                    "NumeroFigli",
                    "NumeroFigliConviventi",
                    "FlagPresenzaRicoverato",
                    "NumeroRicoverati",
                    "FlagPresenzaConvivente",
                    "NumeroConviventi",
                    "FlagDisabilitaMedia",
                    "NumeroDisabiliMedia",
                    "NumeroDisabiliMediaMinorenni",
                    "FlagDisabilitaGrave",
                    "NumeroDisabiliGrave",
                    "NumeroDisabiliGraveMinorenni",
                    "FlagNonAutosufficienti",
                    "NumeroNonAutosuff",
                    "NumeroNonAutosuffMinorenni",
                ],
                &[],
            );
            for (attr, chiave, obbl) in [
                ("NumeroComponenti", "numero_componenti", true),
                ("NumeroFigli", "numero_figli", false),
                ("NumeroFigliConviventi", "numero_figli_conviventi", false),
                ("NumeroConviventi", "numero_conviventi", false),
                ("NumeroDisabiliMedia", "disabili_media", false),
                ("NumeroDisabiliGrave", "disabili_grave", false),
                ("NumeroNonAutosuff", "disabili_non_autosufficienti", false),
            ] {
                if let Some(v) = self.numero(e, &pn, attr, obbl) {
                    m.insert(chiave.into(), v);
                }
            }
            for (attr, chiave) in [
                ("FlagAttivitaLavorativa", "attivita_lavorativa"),
                ("FlagGenitoreSolo", "genitore_solo"),
                ("FlagPresenzaMinorenne", "presenza_minorenni"),
            ] {
                if let Some(b) = self.booleano(e, &pn, attr, true) {
                    m.insert(chiave.into(), Value::Bool(b));
                }
            }
            for attr in [
                "FlagPresenzaRicoverato",
                "FlagPresenzaConvivente",
                "FlagDisabilitaMedia",
                "FlagDisabilitaGrave",
                "FlagNonAutosufficienti",
            ] {
                self.booleano(e, &pn, attr, true);
            }
        }
        if m.is_empty() {
            self.problema(
                p,
                "manca NucleoFamiliareComponenteAggiuntiva: isee ne ricava la scala",
            );
        }
        let ext = self.estensione(el, p);
        unisci(&mut m, ext);
        Value::Object(m)
    }

    fn residenziale(&mut self, el: El, p: &Percorso) -> Map<String, Value> {
        let figli = self.controlla(
            el,
            p,
            &[
                "CodiceFiscaleBeneficiario",
                "DataRichiestaRicovero",
                "FlagFigliNonCompresi",
                "FlagDonazioni",
                "FlagDonazioniSuccessive",
                "FlagDonazioniPrecedentiAlimenti",
                "FlagDonazioniPrecedentiNoAlimenti",
            ],
            &["FiglioNonCompresoNelNucleo", "Donazione"],
        );
        let mut m = Map::new();
        if let Some(cf) = self.cf(el, p, "CodiceFiscaleBeneficiario") {
            m.insert("beneficiario".into(), Value::String(cf));
        }
        if let Some(d) = self.data(el, p, "DataRichiestaRicovero", true) {
            m.insert("data_prima_richiesta".into(), Value::String(d.to_string()));
        }
        self.booleano(el, p, "FlagFigliNonCompresi", true);
        self.booleano(el, p, "FlagDonazioni", true);
        let mut esterni = Vec::new();
        let mut donazioni = Vec::new();
        for (n, pf) in figli {
            let e = El { n };
            if n.tag_name().name() == "FiglioNonCompresoNelNucleo" {
                let dettagli = self.controlla(
                    e,
                    &pf,
                    &["CodiceFiscale", "CondizioneEsclusione", "EstremiEsclusione"],
                    &["NumeroProtocolloRiferimento", "DettaglioFiglio"],
                );
                let mut f = Map::new();
                if let Some(cf) = self.cf(e, &pf, "CodiceFiscale") {
                    f.insert("codice_fiscale".into(), Value::String(cf));
                }
                let mut s = Map::new();
                if let Some(c) = self.valori(e, &pf, "CondizioneEsclusione", false, &["A", "B"]) {
                    s.insert("tipo".into(), Value::String("escluso".into()));
                    s.insert("condizione".into(), Value::String(c));
                } else if let Some((n, pd)) = dettagli
                    .iter()
                    .find(|(n, _)| n.tag_name().name() == "DettaglioFiglio")
                {
                    s.insert("tipo".into(), Value::String("componente_aggiuntiva".into()));
                    let d = self.dettaglio(
                        El { n: *n },
                        pd,
                        "FoglioComponenteFiglio",
                        "ComponenteAggiuntivaFiglio",
                    );
                    s.insert("dati".into(), d);
                } else {
                    self.problema(
                        pf,
                        "figlio non compreso senza condizione di esclusione né dettaglio",
                    );
                }
                f.insert("situazione".into(), Value::Object(s));
                esterni.push(Value::Object(f));
            } else {
                self.controlla(
                    e,
                    &pf,
                    &[
                        "TipoImmobile",
                        "CodiceComuneStato",
                        "QuotaPosseduta",
                        "QuotaDonata",
                        "ValoreImu",
                        "CodiceFiscaleRicevente",
                    ],
                    &[],
                );
                let mut d = Map::new();
                if let Some(t) = self.valori(e, &pf, "TipoImmobile", true, &["F", "TE", "TA"]) {
                    d.insert("tipo".into(), Value::String(t));
                }
                if let Some(c) = self.comune(e, &pf, "CodiceComuneStato") {
                    d.insert("codice_comune".into(), Value::String(c));
                }
                self.quota(e, &pf, "QuotaPosseduta");
                if let Some(q) = self.quota(e, &pf, "QuotaDonata") {
                    d.insert("quota_donata".into(), q);
                }
                if let Some(v) = self.euro(e, &pf, "ValoreImu", true, false) {
                    d.insert("valore_imu".into(), v);
                }
                let ricevente = self.cf(e, &pf, "CodiceFiscaleRicevente");
                if let Some(cf) = &ricevente {
                    d.insert("donatario".into(), Value::String(cf.clone()));
                }
                let ext = self.estensione(e, &pf);
                unisci(&mut d, ext);
                if !d.contains_key("data") {
                    self.problema(pf, "la data della donazione non è indicata (isee la richiede per la regola dei tre anni)");
                }
                donazioni.push(Value::Object(d));
            }
        }
        if !esterni.is_empty() {
            m.insert("figli_esterni".into(), Value::Array(esterni));
        }
        if !donazioni.is_empty() {
            m.insert("donazioni".into(), Value::Array(donazioni));
        }
        let ext = self.estensione(el, p);
        unisci(&mut m, ext);
        m
    }

    fn corrente(&mut self, el: El, p: &Percorso) -> Map<String, Value> {
        let mut m = Map::new();
        let mut variazioni = Vec::new();
        for (n, pv) in self.controlla(el, p, &[], &["Variazione"]) {
            let e = El { n };
            self.controlla(
                e,
                &pv,
                &[
                    "CodiceFiscale",
                    "TipoVariazione",
                    "DataVariazione",
                    "RedditoDipendente12Mesi",
                    "RedditoAutonomo12Mesi",
                    "TrattamentiAssistenziali12Mesi",
                    "RedditoDipendente2Mesi",
                    "RedditoAutonomo2Mesi",
                    "TrattamentiAssistenziali2Mesi",
                    "Documentazione",
                    "ProtocolloInpsDSUCorrente",
                ],
                &["PatrimonioMobiliare", "PatrimonioImmobiliare"],
            );
            let mut v = Map::new();
            if let Some(cf) = self.cf(e, &pv, "CodiceFiscale") {
                v.insert("codice_fiscale".into(), Value::String(cf));
            }
            if let Some(t) = self.valori(
                e,
                &pv,
                "TipoVariazione",
                true,
                &["A", "B", "C", "D", "AD", "BD", "CD"],
            ) {
                v.insert("tipo".into(), Value::String(t));
            }
            if let Some(d) = self.data(e, &pv, "DataVariazione", false) {
                v.insert("data_variazione".into(), Value::String(d.to_string()));
            }
            let due = [
                "RedditoDipendente2Mesi",
                "RedditoAutonomo2Mesi",
                "TrattamentiAssistenziali2Mesi",
            ]
            .iter()
            .any(|a| e.n.has_attribute(*a));
            let (periodo, sfx) = if due {
                ("due_mesi", "2Mesi")
            } else {
                ("dodici_mesi", "12Mesi")
            };
            v.insert("periodo".into(), Value::String(periodo.into()));
            for (attr, chiave) in [
                ("RedditoDipendente", "lavoro_dipendente"),
                ("RedditoAutonomo", "lavoro_autonomo"),
                ("TrattamentiAssistenziali", "trattamenti"),
            ] {
                if let Some(x) = self.euro(e, &pv, &format!("{attr}{sfx}"), false, false) {
                    v.insert(chiave.into(), x);
                }
            }
            variazioni.push(Value::Object(v));
        }
        m.insert("variazioni".into(), Value::Array(variazioni));
        let ext = self.estensione(el, p);
        unisci(&mut m, ext);
        m
    }

    fn sottoscrizione(
        &mut self,
        el: El,
        p: &Percorso,
    ) -> (Option<Sottoscrizione>, Option<Data>, Option<String>) {
        self.controlla(
            el,
            p,
            &[
                "CodiceFiscaleSottoscrittore",
                "ProtocolloMittente",
                "LuogoSottoscrizione",
                "DataSottoscrizione",
                "NoteSottoscrizione",
                "FlagImpedimentoTemporaneo",
                "FlagRappresentanzaLegale",
                "FlagPEC",
                "IndirizzoPEC",
                "FlagAutorizzazioneRitiro",
                "NumeroRicevuta",
                "ProtocolloInpsDSUCorrente",
            ],
            &["Delegato"],
        );
        let cf = self.cf(el, p, "CodiceFiscaleSottoscrittore");
        let pm = self.testo(el, p, "ProtocolloMittente", true);
        let luogo = self.testo(el, p, "LuogoSottoscrizione", true);
        let data = self.data(el, p, "DataSottoscrizione", true);
        let note = self.testo(el, p, "NoteSottoscrizione", false);
        let impedimento = self
            .booleano(el, p, "FlagImpedimentoTemporaneo", true)
            .unwrap_or(false);
        let rappresentanza = self
            .booleano(el, p, "FlagRappresentanzaLegale", true)
            .unwrap_or(false);
        self.booleano(el, p, "FlagPEC", true);
        let pec = self.testo(el, p, "IndirizzoPEC", false);
        let ritiro = self
            .booleano(el, p, "FlagAutorizzazioneRitiro", true)
            .unwrap_or(false);
        let ricevuta = self.testo(el, p, "NumeroRicevuta", false);
        let s = match (cf, luogo) {
            (Some(cf), Some(luogo)) => Some(Sottoscrizione {
                codice_fiscale: CodiceFiscale::new(&cf),
                luogo,
                data: data.clone(),
                note,
                impedimento_temporaneo: impedimento,
                rappresentanza_legale: rappresentanza,
                pec,
                autorizzazione_ritiro: ritiro,
                numero_ricevuta: ricevuta,
            }),
            _ => None,
        };
        (s, data, pm)
    }

    /// A member's sheet (`TypeComponente`) as our `Componente`'s JSON (without the
    /// relation, which `ComponenteNucleo` or the extension gives).
    fn foglio(&mut self, el: El, p: &Percorso) -> Map<String, Value> {
        let figli = self.controlla(
            el,
            p,
            &["CodiceFiscale"],
            &[
                "DatiComponente",
                "PatrimonioMobiliare",
                "PatrimonioImmobiliare",
                "RedditiDaDichiarare",
                "AssegniPeriodici",
                "Veicoli",
                "Disabilita",
                "AltriRedditi",
            ],
        );
        let mut m = Map::new();
        let mut redditi = Map::new();
        let cf = self.cf(el, p, "CodiceFiscale").unwrap_or_default();
        m.insert("codice_fiscale".into(), Value::String(cf.clone()));
        let mut persona = DatiPersona::default();
        let mut dati_visti = false;
        for (n, pf) in figli {
            let e = El { n };
            match n.tag_name().name() {
                "DatiComponente" => {
                    dati_visti = true;
                    let parti = self.controlla(
                        e,
                        &pf,
                        &["FlagConvivenzaAnagrafica", "AttivitaSoggetto"],
                        &["Anagrafica", "Residenza"],
                    );
                    if let Some(b) = self.booleano(e, &pf, "FlagConvivenzaAnagrafica", true) {
                        m.insert("convivenza_anagrafica".into(), Value::Bool(b));
                    }
                    if let Some(a) = self.valori(
                        e,
                        &pf,
                        "AttivitaSoggetto",
                        false,
                        &[
                            "LAVIND", "LAVDET", "LAVINT", "LAVCIG", "LAVPAR", "LAVOCC", "LAVAUT",
                            "DISOCC", "PENSIO", "CASLNG", "STUDNT", "ALTRO",
                        ],
                    ) {
                        m.insert("attivita".into(), Value::String(a));
                    }
                    let mut anagrafica = false;
                    for (n, pa) in parti {
                        let a = El { n };
                        if n.tag_name().name() == "Residenza" {
                            persona.residenza = self.indirizzo(a, &pa);
                            continue;
                        }
                        anagrafica = true;
                        self.controlla(
                            a,
                            &pa,
                            &[
                                "Cognome",
                                "Nome",
                                "DataNascita",
                                "Cittadinanza",
                                "Sesso",
                                "ProvinciaNascita",
                                "CodiceComuneNascita",
                            ],
                            &[],
                        );
                        if let Some(c) = self.testo(a, &pa, "Cognome", true) {
                            m.insert("cognome".into(), Value::String(c));
                        }
                        if let Some(c) = self.testo(a, &pa, "Nome", true) {
                            m.insert("nome".into(), Value::String(c));
                        }
                        if let Some(d) = self.data(a, &pa, "DataNascita", true) {
                            m.insert("data_nascita".into(), Value::String(d.to_string()));
                        }
                        persona.cittadinanza = self.testo(a, &pa, "Cittadinanza", true);
                        persona.provincia_nascita = self.testo(a, &pa, "ProvinciaNascita", true);
                        let derivati = da_codice_fiscale(&CodiceFiscale::new(&cf));
                        let sesso = self
                            .valori(a, &pa, "Sesso", true, &["M", "F"])
                            .map(|s| if s == "F" { Sesso::F } else { Sesso::M });
                        if sesso != derivati.map(|d| d.0) {
                            persona.sesso = sesso;
                        }
                        let comune = self
                            .comune(a, &pa, "CodiceComuneNascita")
                            .map(|c| CodiceComune::new(&c));
                        if comune != derivati.map(|d| d.1) {
                            persona.comune_nascita = comune;
                        }
                    }
                    if !anagrafica {
                        self.problema(pf, "manca l'elemento obbligatorio Anagrafica");
                    }
                }
                "PatrimonioMobiliare" => {
                    let rapporti = self.controlla(
                        e,
                        &pf,
                        &["FlagPossessoRapportoFinanziario", "FlagIncremento"],
                        &["Rapporto", "Incremento"],
                    );
                    self.booleano(e, &pf, "FlagPossessoRapportoFinanziario", true);
                    let mut v = Vec::new();
                    for (n, pr) in rapporti {
                        if n.tag_name().name() == "Rapporto" {
                            v.push(self.rapporto(El { n }, &pr));
                        }
                    }
                    m.insert("patrimonio_mobiliare".into(), Value::Array(v));
                }
                "PatrimonioImmobiliare" => {
                    let mut v = Vec::new();
                    for (n, pi) in self.controlla(e, &pf, &[], &["Patrimonio"]) {
                        v.push(self.immobile(El { n }, &pi));
                    }
                    m.insert("patrimonio_immobiliare".into(), Value::Array(v));
                }
                "RedditiDaDichiarare" => {
                    self.controlla(
                        e,
                        &pf,
                        &[
                            "RedditoImpSost",
                            "RedditiEsentiImposta",
                            "RedditiIRAP",
                            "RedditiFondiari",
                            "RedditiTassatiEstero",
                            "RedditiAIRE",
                            "RedditiFondiariEstero",
                            "TrattamentiAssistenziali",
                        ],
                        &[],
                    );
                    for (attr, chiave) in [
                        ("RedditoImpSost", "imposta_sostitutiva"),
                        ("RedditiEsentiImposta", "esenti"),
                        ("RedditiIRAP", "agrari_irap"),
                        ("RedditiFondiari", "fondiari"),
                        ("RedditiTassatiEstero", "esteri"),
                        ("RedditiAIRE", "aire"),
                        ("TrattamentiAssistenziali", "trattamenti_assistenziali"),
                    ] {
                        if let Some(v) = self.euro(e, &pf, attr, false, false) {
                            redditi.insert(chiave.into(), v);
                        }
                    }
                }
                "AssegniPeriodici" => {
                    self.controlla(
                        e,
                        &pf,
                        &["AssegniFigli", "AssegniConiuge", "AssegniGenitore"],
                        &[],
                    );
                    let mut a = Map::new();
                    if let Some(v) = self.euro(e, &pf, "AssegniFigli", false, false) {
                        a.insert("figli".into(), v);
                    }
                    if let Some(v) = self.euro(e, &pf, "AssegniConiuge", false, false) {
                        a.insert("coniuge".into(), v);
                    }
                    m.insert("assegni_pagati".into(), Value::Object(a));
                }
                "Veicoli" => {
                    for (n, pv) in self.controlla(e, &pf, &[], &["Veicolo"]) {
                        let v = El { n };
                        self.controlla(v, &pv, &["TipoVeicolo", "Targa"], &[]);
                        let tipo = self.valori(v, &pv, "TipoVeicolo", true, &["A", "M", "N", "I"]);
                        let targa = self.testo(v, &pv, "Targa", true);
                        if let (Some(t), Some(targa)) = (tipo, targa) {
                            let tipo = match t.as_str() {
                                "A" => TipoVeicolo::A,
                                "M" => TipoVeicolo::M,
                                "N" => TipoVeicolo::N,
                                _ => TipoVeicolo::I,
                            };
                            persona.veicoli.push(Veicolo { tipo, targa });
                        }
                    }
                }
                "Disabilita" => {
                    self.controlla(
                        e,
                        &pf,
                        &[
                            "GradoDisabilita",
                            "EnteCertif",
                            "DocCertif",
                            "DataCertif",
                            "FlagPrestResidenziale",
                            "RettaVersata",
                            "SpeseAssistenza",
                        ],
                        &[],
                    );
                    if let Some(g) =
                        self.valori(e, &pf, "GradoDisabilita", true, &["DIM", "DIG", "NAS"])
                    {
                        m.insert("disabilita".into(), Value::String(g));
                    }
                    let ente = self.testo(e, &pf, "EnteCertif", true);
                    let doc = self.testo(e, &pf, "DocCertif", true);
                    let data = self.data(e, &pf, "DataCertif", true);
                    let res = self
                        .booleano(e, &pf, "FlagPrestResidenziale", true)
                        .unwrap_or(false);
                    if let (Some(ente), Some(documento), Some(data)) = (ente, doc, data) {
                        persona.certificazione = Some(Certificazione {
                            ente,
                            documento,
                            data,
                            prestazioni_residenziali: res,
                        });
                    }
                    if let Some(v) = self.euro(e, &pf, "RettaVersata", false, false) {
                        m.insert("retta_ricovero".into(), v);
                    }
                    if let Some(v) = self.euro(e, &pf, "SpeseAssistenza", false, false) {
                        m.insert("spese_assistenza_personale".into(), v);
                    }
                }
                _ => {
                    self.controlla(
                        e,
                        &pf,
                        &[
                            "FlagEsonerato",
                            "FlagIntegrazione",
                            "FlagRettifica",
                            "RedditoIRPEF",
                            "LavoroDipendente",
                            "Pensione",
                            "RedditiAgrari",
                            "RedditiImpSost",
                            "TrattamentiAssistenziali",
                            "SpeseDetrazione",
                            "SpeseDeduzione",
                            "SpeseCollabDomestici",
                        ],
                        &[],
                    );
                    for f in ["FlagEsonerato", "FlagIntegrazione", "FlagRettifica"] {
                        self.booleano(e, &pf, f, true);
                    }
                    if let Some(v) = self.euro(e, &pf, "RedditoIRPEF", false, true) {
                        redditi.insert("reddito_complessivo".into(), v);
                    }
                    if let Some(v) = self.euro(e, &pf, "LavoroDipendente", false, false) {
                        redditi.insert("di_cui_lavoro_dipendente".into(), v);
                    }
                    if let Some(v) = self.euro(e, &pf, "Pensione", false, false) {
                        redditi.insert("di_cui_pensione".into(), v);
                    }
                }
            }
        }
        if !dati_visti {
            self.problema(p, "manca l'elemento obbligatorio DatiComponente");
        }
        if !redditi.is_empty() {
            m.insert("redditi".into(), Value::Object(redditi));
        }
        let ext = self.estensione(el, p);
        for chiave in ["cognome", "nome"] {
            if ext.get(chiave).is_some_and(Value::is_null)
                && let Some(Value::String(v)) = m.get(chiave)
            {
                let v = Some(v.clone());
                if chiave == "cognome" {
                    persona.cognome = v;
                } else {
                    persona.nome = v;
                }
            }
        }
        unisci(&mut m, ext);
        if !cf.is_empty() {
            self.persone.insert(cf, persona);
        }
        m
    }

    fn rapporto(&mut self, el: El, p: &Percorso) -> Value {
        self.controlla(
            el,
            p,
            &[
                "TipoRapporto",
                "Identificativo",
                "CodiceFiscaleOperatore",
                "Saldo3112",
                "ConsistenzaMedia",
                "Valore",
                "DataInizio",
                "DataFine",
            ],
            &[],
        );
        let mut m = Map::new();
        if let Some(t) = self.valori(
            el,
            p,
            "TipoRapporto",
            true,
            &["01", "02", "03", "04", "05", "06", "07", "09", "23", "99"],
        ) {
            m.insert("tipo".into(), Value::String(t));
        }
        for (attr, chiave) in [
            ("Identificativo", "identificativo"),
            ("CodiceFiscaleOperatore", "codice_intermediario"),
        ] {
            if let Some(v) = self.testo(el, p, attr, true)
                && !v.is_empty()
            {
                m.insert(chiave.into(), Value::String(v));
            }
        }
        for (attr, chiave) in [
            ("Saldo3112", "saldo_31_12"),
            ("ConsistenzaMedia", "giacenza_media"),
            ("Valore", "valore"),
        ] {
            if let Some(v) = self.euro(el, p, attr, false, false) {
                m.insert(chiave.into(), v);
            }
        }
        self.data(el, p, "DataInizio", false);
        self.data(el, p, "DataFine", false);
        let ext = self.estensione(el, p);
        unisci(&mut m, ext);
        Value::Object(m)
    }

    fn immobile(&mut self, el: El, p: &Percorso) -> Value {
        self.controlla(
            el,
            p,
            &[
                "TipoPatrimonio",
                "CodiceComuneStato",
                "QuotaPosseduta",
                "ValoreImu",
                "MutuoResiduo",
                "FlagAbitazione",
            ],
            &[],
        );
        let mut m = Map::new();
        if let Some(t) = self.valori(el, p, "TipoPatrimonio", true, &["F", "TE", "TA"]) {
            m.insert("tipo".into(), Value::String(t));
        }
        if let Some(c) = self.comune(el, p, "CodiceComuneStato") {
            m.insert("codice_comune".into(), Value::String(c));
        }
        if let Some(q) = self.quota(el, p, "QuotaPosseduta") {
            m.insert("quota".into(), q);
        }
        if let Some(v) = self.euro(el, p, "ValoreImu", true, false) {
            m.insert("valore_imu".into(), v);
        }
        if let Some(v) = self.euro(el, p, "MutuoResiduo", false, false) {
            m.insert("mutuo_residuo".into(), v);
        }
        if let Some(b) = self.booleano(el, p, "FlagAbitazione", true) {
            m.insert("casa_abitazione".into(), Value::Bool(b));
        }
        let ext = self.estensione(el, p);
        unisci(&mut m, ext);
        Value::Object(m)
    }
}
