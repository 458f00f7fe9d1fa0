//! Validation of a DSU: every problem at once, each with its JSON path and an Italian
//! message an operator understands.
//!
//! A [`DsuValidata`] can only be built by [`valida`], so the calculation never sees a
//! DSU with an impossible date, a bad fiscal code or inconsistent relations ("parse,
//! don't validate").

use crate::codice_fiscale::{CodiceFiscale, coerente_con_nascita, verifica};
use crate::data::{Data, eta_compiuta};
use crate::dsu::*;
use crate::importo::{Importo, Percentuale};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashSet;
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gravita {
    /// The DSU cannot be used.
    Errore,
    /// The DSU can be used, but something looks wrong.
    Avviso,
}

/// One problem found in a DSU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problema {
    /// JSON path, `$.componenti[1].codice_fiscale`.
    pub percorso: String,
    /// Stable code for programs (`cf.controllo`, `dichiarante.mancante`…).
    pub codice: &'static str,
    pub messaggio: String,
    pub gravita: Gravita,
}

/// A DSU that passed validation; only [`valida`] builds one.
#[derive(Clone, Debug, PartialEq)]
pub struct DsuValidata {
    dsu: Dsu,
    avvisi: Vec<Problema>,
}

impl DsuValidata {
    pub fn dsu(&self) -> &Dsu {
        &self.dsu
    }

    pub fn avvisi(&self) -> &[Problema] {
        &self.avvisi
    }

    pub fn into_dsu(self) -> Dsu {
        self.dsu
    }
}

/// The first day a DSU can be computed (DPCM 159/2013 applies to DSUs from 2015).
pub const PRIMA_DATA: NaiveDate = match NaiveDate::from_ymd_opt(2015, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Validates a DSU: `Err` with every problem (errors and warnings) if any error.
pub fn valida(dsu: Dsu) -> Result<DsuValidata, Vec<Problema>> {
    let mut v = Validatore {
        problemi: Vec::new(),
    };
    v.dsu(&dsu);
    if v.problemi.iter().any(|p| p.gravita == Gravita::Errore) {
        Err(v.problemi)
    } else {
        Ok(DsuValidata {
            dsu,
            avvisi: v.problemi,
        })
    }
}

/// A JSON path built lazily: formatted only when a problem is reported.
#[derive(Clone, Copy)]
struct P<'a> {
    su: Option<&'a P<'a>>,
    seg: Seg<'a>,
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Radice,
    Campo(&'a str),
    Indice(usize),
}

const RADICE: P<'static> = P {
    su: None,
    seg: Seg::Radice,
};

impl<'a> P<'a> {
    fn c(&'a self, campo: &'a str) -> P<'a> {
        P {
            su: Some(self),
            seg: Seg::Campo(campo),
        }
    }
    fn i(&'a self, i: usize) -> P<'a> {
        P {
            su: Some(self),
            seg: Seg::Indice(i),
        }
    }
    fn testo(&self) -> String {
        let mut segmenti = Vec::new();
        let mut p = Some(self);
        while let Some(x) = p {
            segmenti.push(x.seg);
            p = x.su;
        }
        let mut s = String::new();
        for seg in segmenti.iter().rev() {
            match seg {
                Seg::Radice => s.push('$'),
                Seg::Campo(c) => {
                    s.push('.');
                    s.push_str(c);
                }
                Seg::Indice(i) => {
                    let _ = write!(s, "[{i}]");
                }
            }
        }
        s
    }
}

struct Validatore {
    problemi: Vec<Problema>,
}

fn nome(c: &Componente) -> String {
    match (&c.nome, &c.cognome) {
        (Some(n), Some(k)) => format!("{n} {k}"),
        _ => c.codice_fiscale.mascherato(),
    }
}

impl Validatore {
    fn errore(&mut self, p: &P, codice: &'static str, messaggio: impl Into<String>) {
        self.problemi.push(Problema {
            percorso: p.testo(),
            codice,
            messaggio: messaggio.into(),
            gravita: Gravita::Errore,
        });
    }

    fn avviso(&mut self, p: &P, codice: &'static str, messaggio: impl Into<String>) {
        self.problemi.push(Problema {
            percorso: p.testo(),
            codice,
            messaggio: messaggio.into(),
            gravita: Gravita::Avviso,
        });
    }

    fn data(&mut self, p: &P, d: &Data) -> Option<NaiveDate> {
        match d {
            Data::Valida(x) => Some(*x),
            Data::NonValida(s) => {
                self.errore(
                    p,
                    "data.non_valida",
                    format!("«{s}» non è una data esistente nel formato AAAA-MM-GG"),
                );
                None
            }
        }
    }

    fn cf(&mut self, p: &P, cf: &CodiceFiscale) -> bool {
        match verifica(cf) {
            Ok(()) => true,
            Err(e) => {
                self.errore(
                    p,
                    "cf.non_valido",
                    format!("{} («{}»)", e.messaggio(), cf.as_str()),
                );
                false
            }
        }
    }

    fn importo(&mut self, p: &P, i: Importo) {
        let d = i.valore();
        // Sign and magnitude from the parts: this runs for every amount of every DSU.
        if !d.is_sign_negative() && d.mantissa() < 100_000_000_000_000 {
            return;
        }
        if i.valore() < Decimal::ZERO {
            self.errore(
                p,
                "importo.negativo",
                format!("l'importo {i} non può essere negativo"),
            );
        } else if i.valore() > Importo::MASSIMO {
            self.errore(
                p,
                "importo.fuori_intervallo",
                format!("l'importo {i} è fuori dall'intervallo ammesso"),
            );
        }
    }

    fn percentuale(&mut self, p: &P, q: Percentuale) {
        if q.valore() <= Decimal::ZERO || q.valore() > Decimal::ONE_HUNDRED {
            self.errore(
                p,
                "percentuale.fuori_intervallo",
                format!(
                    "la quota {}% deve essere maggiore di 0 e al più 100",
                    q.valore()
                ),
            );
        }
    }

    fn comune(&mut self, p: &P, codice: &CodiceComune, ammetti_estero: bool) {
        let b = codice.as_str().as_bytes();
        let ok =
            b.len() == 4 && b[0].is_ascii_uppercase() && b[1..].iter().all(|c| c.is_ascii_digit());
        if !ok {
            self.errore(p, "comune.codice", format!("«{codice}» non è un codice catastale (una lettera maiuscola e tre cifre, es. H501)"));
        } else if !ammetti_estero && b[0] == b'Z' {
            self.errore(
                p,
                "comune.estero",
                format!("«{codice}» è il codice di uno Stato estero: qui serve un comune italiano"),
            );
        }
    }

    fn dsu(&mut self, d: &Dsu) {
        let r = RADICE;
        if d.versione_formato != 1 {
            self.errore(
                &r.c("versione_formato"),
                "formato.versione",
                format!(
                    "versione del formato {} non supportata (attesa 1)",
                    d.versione_formato
                ),
            );
        }
        let data = self.data(&r.c("data_presentazione"), &d.data_presentazione);
        if let Some(x) = data
            && x < PRIMA_DATA
        {
            self.errore(&r.c("data_presentazione"), "data.prima_del_2015", format!("la DSU del {x} è anteriore al 1-1-2015: il DPCM 159/2013 si applica dalle DSU del 2015"));
        }
        if let Some(pm) = &d.protocollo_mittente
            && (pm.chars().count() > 29 || pm.trim().is_empty())
        {
            self.errore(
                &r.c("protocollo_mittente"),
                "protocollo_mittente.lunghezza",
                "il protocollo del mittente deve avere da 1 a 29 caratteri",
            );
        }
        let pc = r.c("componenti");
        if d.componenti.is_empty() {
            self.errore(
                &pc,
                "nucleo.vuoto",
                "la DSU deve avere almeno un componente, il dichiarante",
            );
        }
        let dichiaranti = d
            .componenti
            .iter()
            .filter(|c| c.rapporto == Rapporto::D)
            .count();
        if dichiaranti == 0 && !d.componenti.is_empty() {
            self.errore(
                &pc,
                "dichiarante.mancante",
                "nessun componente ha rapporto «D»: la DSU deve avere un dichiarante",
            );
        }
        let coniugi = d
            .componenti
            .iter()
            .filter(|c| c.rapporto == Rapporto::C)
            .count();
        if coniugi > 1 {
            self.errore(
                &pc,
                "coniuge.piu_di_uno",
                format!("{coniugi} componenti hanno rapporto «C» (coniuge): al più uno"),
            );
        }
        let dichiarante = d.dichiarante();
        let mut dichiaranti_visti = 0;
        for (i, c) in d.componenti.iter().enumerate() {
            let p = pc.i(i);
            if c.rapporto == Rapporto::D {
                dichiaranti_visti += 1;
                if dichiaranti_visti == 2 {
                    self.errore(
                        &p.c("rapporto"),
                        "dichiarante.piu_di_uno",
                        "più di un componente ha rapporto «D»: il dichiarante è uno solo",
                    );
                }
            }
            if d.componenti[..i]
                .iter()
                .any(|x| x.codice_fiscale == c.codice_fiscale)
            {
                self.errore(
                    &p.c("codice_fiscale"),
                    "cf.duplicato",
                    format!(
                        "il codice fiscale {} compare più volte nel nucleo",
                        c.codice_fiscale.as_str()
                    ),
                );
            }
            self.componente(&p, c, data);
            if let (Some(dich), Some(nascita), Some(nascita_d)) = (
                dichiarante,
                c.data_nascita.get(),
                dichiarante.and_then(|x| x.data_nascita.get()),
            ) && c.rapporto == Rapporto::F
                && nascita <= nascita_d
                && dich.codice_fiscale != c.codice_fiscale
            {
                self.avviso(
                    &p.c("rapporto"),
                    "rapporto.figlio_piu_anziano",
                    format!(
                        "{} è indicato come figlio ma non è più giovane del dichiarante",
                        nome(c)
                    ),
                );
            }
            if c.convivenza_anagrafica
                && !matches!(
                    c.rapporto,
                    Rapporto::C | Rapporto::F | Rapporto::FC | Rapporto::MA | Rapporto::D
                )
            {
                self.avviso(&p.c("convivenza_anagrafica"), "convivenza.rapporto", "chi vive in convivenza anagrafica resta nel nucleo solo come coniuge o figlio a carico (art. 3, c. 6)");
            }
            if c.rapporto == Rapporto::GNC
                && !d.genitori_non_conviventi.iter().any(|g| {
                    g.codice_fiscale == c.codice_fiscale
                        && g.situazione == SituazioneGenitore::Attratto
                })
            {
                self.errore(&p.c("rapporto"), "gnc.senza_quadro", "un componente con rapporto «GNC» deve comparire in genitori_non_conviventi con situazione «attratto»");
            }
        }
        self.abitazione(&r.c("abitazione"), d);
        for (i, g) in d.genitori_non_conviventi.iter().enumerate() {
            self.genitore(&r.c("genitori_non_conviventi").i(i), g, d, data);
        }
        let mut figli_con_genitore = HashSet::new();
        for (i, g) in d.genitori_non_conviventi.iter().enumerate() {
            for (j, f) in g.figli.iter().enumerate() {
                if !figli_con_genitore.insert(f.as_str()) {
                    self.errore(
                        &r.c("genitori_non_conviventi").i(i).c("figli").i(j),
                        "gnc.figlio_ripetuto",
                        "lo stesso figlio ha più di un genitore non convivente dichiarato",
                    );
                }
            }
        }
        for (i, u) in d.universitari.iter().enumerate() {
            self.universitario(&r.c("universitari").i(i), u, d, data);
        }
        if let Some(x) = &d.dottorato {
            let p = r.c("dottorato");
            self.membro(&p.c("dottorando"), &x.dottorando, d, "il dottorando");
            if let Some(el) = &x.componenti {
                let pe = p.c("componenti");
                for (i, cf) in el.iter().enumerate() {
                    self.membro(&pe.i(i), cf, d, "il componente indicato");
                }
            }
        }
        if let Some(nr) = &d.nucleo_ristretto {
            self.ristretto(&r.c("nucleo_ristretto"), nr, d, data);
        }
        if let Some(res) = &d.residenziale {
            self.residenziale(&r.c("residenziale"), res, d, data);
        }
        if let Some(m) = &d.corrente {
            self.corrente(&r.c("corrente"), m, d, data);
        }
    }

    fn membro(&mut self, p: &P, cf: &CodiceFiscale, d: &Dsu, chi: &str) -> bool {
        if d.componente(cf).is_some() {
            true
        } else {
            self.errore(
                p,
                "componente.sconosciuto",
                format!("{chi} ({}) non è tra i componenti del nucleo", cf.as_str()),
            );
            false
        }
    }

    fn componente(&mut self, p: &P, c: &Componente, data: Option<NaiveDate>) {
        let cf_ok = self.cf(&p.c("codice_fiscale"), &c.codice_fiscale);
        if let Some(n) = self.data(&p.c("data_nascita"), &c.data_nascita) {
            if let Some(dp) = data {
                if n > dp {
                    self.errore(
                        &p.c("data_nascita"),
                        "data_nascita.futura",
                        format!("la data di nascita {n} è successiva alla presentazione della DSU"),
                    );
                } else if eta_compiuta(n, dp) > 120 {
                    self.errore(
                        &p.c("data_nascita"),
                        "data_nascita.implausibile",
                        format!("la data di nascita {n} darebbe un'età oltre 120 anni"),
                    );
                }
            }
            if cf_ok && !coerente_con_nascita(&c.codice_fiscale, n) {
                self.avviso(&p.c("codice_fiscale"), "cf.nascita", format!("il codice fiscale non corrisponde alla data di nascita {n}: verificare entrambi"));
            }
        }
        if c.mesi_lavoro > 12 {
            self.errore(
                &p.c("mesi_lavoro"),
                "mesi_lavoro.oltre_12",
                format!("{} mesi di lavoro in un anno: al più 12", c.mesi_lavoro),
            );
        }
        let pr = p.c("redditi");
        let x = &c.redditi;
        for (campo, v) in [
            ("reddito_complessivo", x.reddito_complessivo),
            ("di_cui_lavoro_dipendente", x.di_cui_lavoro_dipendente),
            ("di_cui_pensione", x.di_cui_pensione),
            ("di_cui_lavoro_autonomo", x.di_cui_lavoro_autonomo),
            ("imposta_sostitutiva", x.imposta_sostitutiva),
            ("esenti", x.esenti),
            ("agrari_irap", x.agrari_irap),
            ("fondiari", x.fondiari),
            ("esteri", x.esteri),
            ("aire", x.aire),
            ("trattamenti_assistenziali", x.trattamenti_assistenziali),
            ("di_cui_assegno_unico", x.di_cui_assegno_unico),
            ("di_cui_adi", x.di_cui_adi),
            ("trattamenti_disabilita", x.trattamenti_disabilita),
            ("assegni_mantenimento_figli", x.assegni_mantenimento_figli),
        ] {
            self.importo(&pr.c(campo), v);
        }
        let di_cui = x.di_cui_lavoro_dipendente.valore()
            + x.di_cui_pensione.valore()
            + x.di_cui_lavoro_autonomo.valore();
        if di_cui > x.reddito_complessivo.valore() {
            self.errore(&pr, "redditi.di_cui", format!("lavoro dipendente, pensione e lavoro autonomo ({di_cui}) superano il reddito complessivo IRPEF ({})", x.reddito_complessivo));
        }
        let di_cui_t = x.di_cui_assegno_unico.valore() + x.di_cui_adi.valore();
        if di_cui_t > x.trattamenti_assistenziali.valore() {
            self.errore(&pr, "redditi.di_cui_trattamenti", format!("Assegno Unico e ADI ({di_cui_t}) superano i trattamenti assistenziali dichiarati ({})", x.trattamenti_assistenziali));
        }
        self.importo(
            &p.c("assegni_pagati").c("coniuge"),
            c.assegni_pagati.coniuge,
        );
        self.importo(&p.c("assegni_pagati").c("figli"), c.assegni_pagati.figli);
        self.importo(&p.c("spese_sanitarie_disabili"), c.spese_sanitarie_disabili);
        self.importo(
            &p.c("spese_assistenza_personale"),
            c.spese_assistenza_personale,
        );
        self.importo(&p.c("retta_ricovero"), c.retta_ricovero);
        if (!c.spese_assistenza_personale.is_zero() || !c.retta_ricovero.is_zero())
            && c.disabilita.is_none()
        {
            self.avviso(&p.c("spese_assistenza_personale"), "spese.senza_disabilita", "spese di assistenza personale o rette per un componente senza disabilità dichiarata: non sono detratte");
        }
        self.mobiliare(&p.c("patrimonio_mobiliare"), &c.patrimonio_mobiliare);
        self.immobiliare(&p.c("patrimonio_immobiliare"), &c.patrimonio_immobiliare);
    }

    fn mobiliare(&mut self, p: &P, rapporti: &[RapportoFinanziario]) {
        for (i, x) in rapporti.iter().enumerate() {
            let p = p.i(i);
            self.importo(&p.c("saldo_31_12"), x.saldo_31_12);
            self.importo(&p.c("giacenza_media"), x.giacenza_media);
            self.importo(&p.c("valore"), x.valore);
            self.importo(&p.c("di_cui_titoli_di_stato"), x.di_cui_titoli_di_stato);
            self.percentuale(&p.c("quota"), x.quota);
            if x.tipo.e_deposito() {
                if !x.valore.is_zero() {
                    self.errore(&p.c("valore"), "rapporto.valore_su_deposito", "per conti correnti e depositi si indicano saldo al 31/12 e giacenza media, non il valore");
                }
            } else {
                if !x.saldo_31_12.is_zero() || !x.giacenza_media.is_zero() {
                    self.errore(&p.c("saldo_31_12"), "rapporto.saldo_su_non_deposito", "saldo e giacenza media si indicano solo per conti correnti e depositi (tipi 01 e 03): per gli altri rapporti si indica il valore");
                }
                if x.incremento_patrimoniale {
                    self.errore(
                        &p.c("incremento_patrimoniale"),
                        "rapporto.incremento",
                        "l'incremento patrimoniale riguarda solo conti correnti e depositi",
                    );
                }
            }
            if !x.di_cui_titoli_di_stato.is_zero() {
                if !x.tipo.puo_contenere_titoli_di_stato() {
                    self.errore(&p.c("di_cui_titoli_di_stato"), "rapporto.titoli_tipo", "titoli di Stato, buoni e libretti postali si dichiarano nei rapporti di tipo 02, 03, 06 o 07");
                }
                let tetto = if x.tipo.e_deposito() {
                    x.saldo_31_12.valore().max(x.giacenza_media.valore())
                } else {
                    x.valore.valore()
                };
                if x.di_cui_titoli_di_stato.valore() > tetto {
                    self.errore(
                        &p.c("di_cui_titoli_di_stato"),
                        "rapporto.titoli_oltre_valore",
                        format!(
                            "i titoli di Stato ({}) superano il valore del rapporto ({tetto})",
                            x.di_cui_titoli_di_stato
                        ),
                    );
                }
            }
        }
    }

    fn immobiliare(&mut self, p: &P, immobili: &[Immobile]) {
        for (i, x) in immobili.iter().enumerate() {
            let p = p.i(i);
            self.comune(&p.c("codice_comune"), &x.codice_comune, true);
            self.percentuale(&p.c("quota"), x.quota);
            self.importo(&p.c("valore_imu"), x.valore_imu);
            self.importo(&p.c("mutuo_residuo"), x.mutuo_residuo);
            if x.casa_abitazione && x.estero() {
                self.errore(
                    &p.c("casa_abitazione"),
                    "immobile.casa_estera",
                    "un immobile all'estero non può essere la casa di abitazione del nucleo",
                );
            }
            if x.mutuo_residuo.valore() > x.valore_imu.valore() && !x.valore_imu.is_zero() {
                self.avviso(&p.c("mutuo_residuo"), "immobile.mutuo_oltre_valore", "il mutuo residuo supera il valore IMU: l'immobile conta zero (fino a concorrenza)");
            }
        }
    }

    fn abitazione(&mut self, p: &P, d: &Dsu) {
        let a = &d.abitazione;
        if let Some(c) = &a.codice_comune {
            self.comune(&p.c("codice_comune"), c, false);
        }
        match (a.titolo, &a.canone_annuo) {
            (TitoloAbitazione::Locazione, None) => {
                self.errore(
                    &p.c("canone_annuo"),
                    "abitazione.canone_mancante",
                    "abitazione in locazione: indicare il canone annuo del contratto registrato",
                );
            }
            (TitoloAbitazione::Locazione, Some(c)) => self.importo(&p.c("canone_annuo"), *c),
            (_, Some(_)) => {
                self.errore(
                    &p.c("canone_annuo"),
                    "abitazione.canone_senza_locazione",
                    "è indicato un canone di locazione ma l'abitazione non è in locazione",
                );
            }
            _ => {}
        }
        let case: Vec<_> = d
            .componenti
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                c.patrimonio_immobiliare
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.casa_abitazione)
                    .map(move |(j, _)| (i, j))
            })
            .collect();
        // The casa di abitazione is one home: co-owned shares are several lines, but
        // all in the same comune.
        if let Some(&(i0, j0)) = case.first() {
            let primo = d.componenti[i0].patrimonio_immobiliare[j0].codice_comune;
            for &(i, j) in &case[1..] {
                if d.componenti[i].patrimonio_immobiliare[j].codice_comune != primo {
                    let pc = RADICE;
                    let pc = pc.c("componenti");
                    let pc = pc.i(i);
                    let pc = pc.c("patrimonio_immobiliare");
                    self.errore(
                        &pc.i(j).c("casa_abitazione"),
                        "abitazione.case_diverse",
                        format!("la casa di abitazione del nucleo è una sola: immobili in comuni diversi ({} e {}) sono indicati entrambi come casa di abitazione", primo, d.componenti[i].patrimonio_immobiliare[j].codice_comune),
                    );
                }
            }
        }
        if !case.is_empty() && a.titolo == TitoloAbitazione::Locazione {
            let (i, j) = case[0];
            let pc = RADICE;
            let pc = pc.c("componenti");
            let pc = pc.i(i);
            let pc = pc.c("patrimonio_immobiliare");
            self.errore(&pc.i(j).c("casa_abitazione"), "abitazione.casa_in_locazione", "un immobile è indicato come casa di abitazione, ma l'abitazione del nucleo è in locazione");
        }
    }

    fn aggiuntiva(
        &mut self,
        p: &P,
        dati: &ComponenteAggiuntiva,
        cf_atteso: &CodiceFiscale,
        data: Option<NaiveDate>,
    ) {
        let pf = p.c("foglio");
        self.componente(&pf, &dati.foglio, data);
        if dati.foglio.codice_fiscale != *cf_atteso {
            self.errore(
                &pf.c("codice_fiscale"),
                "aggiuntiva.cf",
                "il codice fiscale del foglio non è quello della persona dichiarata",
            );
        }
        if dati.nucleo.numero_componenti == 0 {
            self.errore(
                &p.c("nucleo").c("numero_componenti"),
                "aggiuntiva.nucleo_vuoto",
                "il nucleo della persona ha almeno un componente, la persona stessa",
            );
        }
        if dati.nucleo.numero_figli_conviventi > dati.nucleo.numero_figli {
            self.errore(
                &p.c("nucleo").c("numero_figli_conviventi"),
                "aggiuntiva.figli",
                "i figli conviventi non possono essere più dei figli",
            );
        }
        if let Some(c) = &dati.nucleo.codice_comune {
            self.comune(&p.c("nucleo").c("codice_comune"), c, false);
        }
    }

    fn genitore(&mut self, p: &P, g: &GenitoreNonConvivente, d: &Dsu, data: Option<NaiveDate>) {
        self.cf(&p.c("codice_fiscale"), &g.codice_fiscale);
        if g.figli.is_empty() {
            self.errore(
                &p.c("figli"),
                "gnc.senza_figli",
                "indicare i figli (minorenni o studenti) per cui conta il genitore non convivente",
            );
        }
        for (j, f) in g.figli.iter().enumerate() {
            let pf = p.c("figli");
            let pf = pf.i(j);
            match d.componente(f) {
                None => self.errore(
                    &pf,
                    "gnc.figlio_sconosciuto",
                    format!("il figlio {} non è tra i componenti", f.as_str()),
                ),
                Some(c) if !c.rapporto.e_figlio() => {
                    self.errore(
                        &pf,
                        "gnc.non_figlio",
                        format!(
                            "{} non ha rapporto di figlio (F, FC, MA, FNC) con il dichiarante",
                            nome(c)
                        ),
                    );
                }
                Some(c) => {
                    let minore = match (c.data_nascita.get(), data) {
                        (Some(n), Some(dp)) => eta_compiuta(n, dp) < 18,
                        _ => true,
                    };
                    let studente = d.universitari.iter().any(|u| u.studente == *f);
                    if !minore && !studente {
                        self.errore(&pf, "gnc.tipo_senza_aggiuntiva", format!("{} è maggiorenne e non è studente universitario: il genitore non convivente conta solo per l'ISEE minorenni o università (artt. 7 e 8)", nome(c)));
                    }
                }
            }
        }
        match &g.situazione {
            SituazioneGenitore::Attratto => {
                if !d
                    .componenti
                    .iter()
                    .any(|c| c.rapporto == Rapporto::GNC && c.codice_fiscale == g.codice_fiscale)
                {
                    self.errore(&p.c("situazione"), "gnc.attratto_assente", "genitore «attratto»: va indicato anche tra i componenti con rapporto «GNC»");
                }
            }
            SituazioneGenitore::ComponenteAggiuntiva { dati, .. } => {
                self.aggiuntiva(&p.c("situazione").c("dati"), dati, &g.codice_fiscale, data);
            }
            SituazioneGenitore::Escluso { .. } => {}
        }
        if d.componenti
            .iter()
            .any(|c| c.codice_fiscale == g.codice_fiscale && c.rapporto != Rapporto::GNC)
        {
            self.errore(
                &p.c("codice_fiscale"),
                "gnc.gia_nel_nucleo",
                "il genitore non convivente compare nel nucleo con un rapporto diverso da «GNC»",
            );
        }
    }

    fn universitario(&mut self, p: &P, u: &Universitario, d: &Dsu, data: Option<NaiveDate>) {
        if !self.membro(&p.c("studente"), &u.studente, d, "lo studente") {
            return;
        }
        if let Some(x) = u.reddito_lavoro_studente {
            self.importo(&p.c("reddito_lavoro_studente"), x);
        }
        let fuori = matches!(
            u.presenza_genitori,
            PresenzaGenitori::ConiugatiNonPresenti | PresenzaGenitori::NonConiugatiNonPresenti
        );
        if !fuori && !u.nucleo_genitori.is_empty() {
            self.errore(&p.c("nucleo_genitori"), "universita.genitori_presenti", "i genitori sono già nel nucleo dello studente: il nucleo dei genitori non va indicato");
        }
        let pn = p.c("nucleo_genitori");
        for (i, c) in u.nucleo_genitori.iter().enumerate() {
            self.componente(&pn.i(i), c, data);
        }
    }

    fn ristretto(&mut self, p: &P, nr: &NucleoRistretto, d: &Dsu, data: Option<NaiveDate>) {
        if self.membro(&p.c("beneficiario"), &nr.beneficiario, d, "il beneficiario")
            && let (Some(c), Some(dp)) = (d.componente(&nr.beneficiario), data)
            && c.data_nascita
                .get()
                .is_some_and(|n| eta_compiuta(n, dp) < 18)
        {
            self.errore(
                &p.c("beneficiario"),
                "ristretto.minorenne",
                "il nucleo ristretto (art. 6, c. 2) è per beneficiari maggiorenni",
            );
        }
        let mut visti = HashSet::new();
        let pc = p.c("componenti");
        for (i, m) in nr.componenti.iter().enumerate() {
            let pm = pc.i(i);
            self.membro(
                &pm.c("codice_fiscale"),
                &m.codice_fiscale,
                d,
                "il componente del nucleo ristretto",
            );
            if m.codice_fiscale == nr.beneficiario || !visti.insert(m.codice_fiscale.as_str()) {
                self.errore(
                    &pm.c("codice_fiscale"),
                    "ristretto.duplicato",
                    "componente ripetuto nel nucleo ristretto",
                );
            }
        }
    }

    fn residenziale(&mut self, p: &P, res: &Residenziale, d: &Dsu, data: Option<NaiveDate>) {
        self.membro(
            &p.c("beneficiario"),
            &res.beneficiario,
            d,
            "il beneficiario",
        );
        if res.nucleo == TipoNucleoResidenziale::RID
            && d.nucleo_ristretto
                .as_ref()
                .is_none_or(|nr| nr.beneficiario != res.beneficiario)
        {
            self.errore(
                &p.c("nucleo"),
                "residenziale.ristretto_mancante",
                "nucleo «RID»: va dichiarato il nucleo_ristretto dello stesso beneficiario",
            );
        }
        if let Some(x) = &res.data_prima_richiesta {
            self.data(&p.c("data_prima_richiesta"), x);
        }
        let pf = p.c("figli_esterni");
        for (i, f) in res.figli_esterni.iter().enumerate() {
            let pi = pf.i(i);
            self.cf(&pi.c("codice_fiscale"), &f.codice_fiscale);
            if d.componente(&f.codice_fiscale).is_some() {
                self.errore(&pi.c("codice_fiscale"), "residenziale.figlio_nel_nucleo", "il figlio è già nel nucleo: la componente aggiuntiva riguarda i figli non compresi nel nucleo");
            }
            if let SituazioneFiglioEsterno::ComponenteAggiuntiva { dati } = &f.situazione {
                self.aggiuntiva(&pi.c("situazione").c("dati"), dati, &f.codice_fiscale, data);
            }
        }
        let pd = p.c("donazioni");
        for (i, x) in res.donazioni.iter().enumerate() {
            let pi = pd.i(i);
            self.comune(&pi.c("codice_comune"), &x.codice_comune, true);
            if let (Some(dd), Some(dp)) = (self.data(&pi.c("data"), &x.data), data)
                && dd > dp
            {
                self.errore(
                    &pi.c("data"),
                    "donazione.futura",
                    "la donazione è successiva alla presentazione della DSU",
                );
            }
            self.percentuale(&pi.c("quota_donata"), x.quota_donata);
            self.importo(&pi.c("valore_imu"), x.valore_imu);
        }
    }

    fn corrente(&mut self, p: &P, m: &ModuloCorrente, d: &Dsu, data: Option<NaiveDate>) {
        let dm = self.data(&p.c("data_presentazione"), &m.data_presentazione);
        if let (Some(dm), Some(dp)) = (dm, data)
            && dm < dp
        {
            self.errore(
                &p.c("data_presentazione"),
                "corrente.prima_della_dsu",
                "il modulo ISEE corrente non può precedere la DSU a cui si riferisce",
            );
        }
        if m.variazioni.is_empty() && m.patrimonio_aggiornato.is_none() {
            self.errore(p, "corrente.vuoto", "il modulo ISEE corrente deve indicare variazioni dei redditi o il patrimonio aggiornato");
        }
        let mut visti = HashSet::new();
        let pv = p.c("variazioni");
        for (i, v) in m.variazioni.iter().enumerate() {
            let pi = pv.i(i);
            self.membro(
                &pi.c("codice_fiscale"),
                &v.codice_fiscale,
                d,
                "il componente con variazione",
            );
            if !visti.insert(v.codice_fiscale.as_str()) {
                self.errore(
                    &pi.c("codice_fiscale"),
                    "corrente.variazione_ripetuta",
                    "più variazioni per lo stesso componente",
                );
            }
            match (&v.tipo, &v.data_variazione) {
                (Some(_), None) => self.errore(
                    &pi.c("data_variazione"),
                    "corrente.data_variazione",
                    "indicare la data della variazione",
                ),
                (_, Some(x)) => {
                    if let (Some(x), Some(dm)) = (self.data(&pi.c("data_variazione"), x), dm)
                        && x > dm
                    {
                        self.errore(
                            &pi.c("data_variazione"),
                            "corrente.variazione_futura",
                            "la variazione è successiva al modulo",
                        );
                    }
                }
                _ => {}
            }
            if v.periodo == PeriodoCorrente::DueMesi
                && !v.tipo.is_some_and(|t| t.ammette_due_mesi())
            {
                self.errore(&pi.c("periodo"), "corrente.due_mesi", "il periodo degli ultimi due mesi è ammesso solo per i lavoratori a tempo indeterminato (A) e per l'interruzione dei trattamenti (D)");
            }
            self.importo(&pi.c("lavoro_dipendente"), v.lavoro_dipendente);
            self.importo(&pi.c("lavoro_autonomo"), v.lavoro_autonomo);
            self.importo(&pi.c("trattamenti"), v.trattamenti);
        }
        if let Some(pa) = &m.patrimonio_aggiornato {
            let pp = p.c("patrimonio_aggiornato");
            for (i, x) in pa.iter().enumerate() {
                let pi = pp.i(i);
                self.membro(
                    &pi.c("codice_fiscale"),
                    &x.codice_fiscale,
                    d,
                    "il componente",
                );
                self.mobiliare(&pi.c("patrimonio_mobiliare"), &x.patrimonio_mobiliare);
                self.immobiliare(&pi.c("patrimonio_immobiliare"), &x.patrimonio_immobiliare);
            }
        }
    }
}
