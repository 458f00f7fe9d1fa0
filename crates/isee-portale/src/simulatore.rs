//! The simulatore: the DSU mini on one page, read from an urlencoded form, validated by
//! the engine, computed at once. Nothing is stored.
//!
//! A simulation needs no fiscal code: each member gets a placeholder code built from
//! the birth date (surname `SIM`, name letters from the row, comune H501), valid for
//! the engine's checks and never shown. Every property is a fabbricato in Roma (H501)
//! owned at 100%; every financial asset one current account.
//!
//! The same form, with the names, fiscal codes and comune the simulation leaves out,
//! is the DSU wizard's draft ([`crate::compila`]): it is serialised as typed.

use crate::importi::{formatta_importo, leggi_importo};
use chrono::NaiveDate;
use isee_core::calcolo::{Esito, Motore, Richiesta, TipoIsee};
use isee_core::validazione::Gravita;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The most members a simulation takes.
pub const MAX_COMPONENTI: usize = 10;

/// One member's row, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RigaComponente {
    /// The wizard's only (the simulatore uses a placeholder code).
    pub cognome: String,
    pub nome: String,
    pub cf: String,
    pub rapporto: String,
    pub nascita: String,
    pub disabilita: String,
    pub mesi: String,
    pub dipendente: String,
    pub pensione: String,
    pub altri: String,
    pub saldo: String,
    pub giacenza: String,
    pub imu: String,
    pub mutuo: String,
    pub casa: bool,
}

/// The whole form, as typed (every value kept to re-render it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Modulo {
    pub data: String,
    /// The comune of residence (codice catastale; the wizard's only: the simulatore
    /// puts everything in Roma, H501).
    pub comune: String,
    pub titolo: String,
    pub canone: String,
    pub componenti: Vec<RigaComponente>,
    /// The wizard's only: the protocol of the DSU this one rectifies (empty for a new
    /// DSU).
    pub rettifica_di: String,
}

/// The member fields, their form name suffix and label.
pub const CAMPI_COMPONENTE: &[(&str, &str)] = &[
    ("cognome", "Cognome"),
    ("nome", "Nome"),
    ("cf", "Codice fiscale"),
    ("rapporto", "Rapporto con il dichiarante"),
    ("nascita", "Data di nascita"),
    ("disabilita", "Disabilità"),
    ("mesi", "Mesi di lavoro nell'anno dei redditi"),
    ("dipendente", "Reddito da lavoro dipendente"),
    ("pensione", "Reddito da pensione"),
    ("altri", "Altri redditi (IRPEF)"),
    ("saldo", "Conti e depositi: saldo al 31 dicembre"),
    ("giacenza", "Conti e depositi: giacenza media annua"),
    ("imu", "Immobile: valore ai fini IMU"),
    ("mutuo", "Immobile: mutuo residuo"),
    ("casa", "L'immobile è la casa di abitazione"),
];

/// The member fields only the DSU wizard shows.
pub const SOLO_DSU: &[&str] = &["cognome", "nome", "cf"];

/// The id (and name) of a member's field in the page.
pub fn id_campo(i: usize, campo: &str) -> String {
    format!("c{i}_{campo}")
}

impl Modulo {
    /// An empty form: today, one member (the dichiarante).
    pub fn nuovo(oggi: NaiveDate) -> Modulo {
        Modulo {
            data: oggi.format("%d/%m/%Y").to_string(),
            comune: String::new(),
            titolo: "proprieta".into(),
            canone: String::new(),
            componenti: vec![RigaComponente {
                rapporto: "D".into(),
                ..RigaComponente::default()
            }],
            rettifica_di: String::new(),
        }
    }

    /// The form of a DSU already filed, to rectify it: `None` when the DSU holds
    /// anything the form cannot (a second property or account, a specific ISEE's
    /// module, the data INPS's document adds…), because filing the form would then
    /// drop it. The test is the round trip itself: the form read back must be the DSU
    /// (but for the filing date, which a rectification sets anew).
    pub fn da_dsu(dsu: &isee_core::Dsu) -> Option<Modulo> {
        fn testo<T: Serialize>(v: &T) -> String {
            match serde_json::to_value(v) {
                Ok(Value::String(s)) => s,
                _ => String::new(),
            }
        }
        fn importo(x: Decimal) -> String {
            if x.is_zero() {
                String::new()
            } else {
                x.normalize().to_string()
            }
        }
        let data = |d: &isee_core::data::Data| {
            d.get()
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default()
        };
        let mut componenti = Vec::with_capacity(dsu.componenti.len());
        for c in &dsu.componenti {
            let r = &c.redditi;
            let dipendente = r.di_cui_lavoro_dipendente.valore();
            let pensione = r.di_cui_pensione.valore();
            let conto = c.patrimonio_mobiliare.first();
            let immobile = c.patrimonio_immobiliare.first();
            componenti.push(RigaComponente {
                cognome: c.cognome.clone().unwrap_or_default(),
                nome: c.nome.clone().unwrap_or_default(),
                cf: c.codice_fiscale.as_str().to_string(),
                rapporto: testo(&c.rapporto),
                nascita: data(&c.data_nascita),
                disabilita: c.disabilita.as_ref().map(testo).unwrap_or_default(),
                mesi: c.mesi_lavoro.to_string(),
                dipendente: importo(dipendente),
                pensione: importo(pensione),
                altri: importo(r.reddito_complessivo.valore() - dipendente - pensione),
                saldo: conto
                    .map(|x| importo(x.saldo_31_12.valore()))
                    .unwrap_or_default(),
                giacenza: conto
                    .map(|x| importo(x.giacenza_media.valore()))
                    .unwrap_or_default(),
                imu: immobile
                    .map(|x| importo(x.valore_imu.valore()))
                    .unwrap_or_default(),
                mutuo: immobile
                    .map(|x| importo(x.mutuo_residuo.valore()))
                    .unwrap_or_default(),
                casa: immobile.is_some_and(|x| x.casa_abitazione),
            });
        }
        let m = Modulo {
            data: data(&dsu.data_presentazione),
            comune: dsu
                .abitazione
                .codice_comune
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            titolo: testo(&dsu.abitazione.titolo),
            canone: dsu
                .abitazione
                .canone_annuo
                .map(|c| importo(c.valore()))
                .unwrap_or_default(),
            componenti,
            rettifica_di: String::new(),
        };
        let (json, errori) = dsu_json(&m);
        let riletta: isee_core::Dsu = serde_json::from_value(json).ok()?;
        (errori.is_empty() && riletta == *dsu).then_some(m)
    }

    /// Reads the urlencoded pairs; unknown names are ignored, rows beyond
    /// [`MAX_COMPONENTI`] dropped.
    pub fn da_coppie(coppie: &[(String, String)]) -> Modulo {
        let mut m = Modulo::default();
        let mut righe: HashMap<usize, RigaComponente> = HashMap::new();
        let mut n = 1usize;
        for (k, v) in coppie {
            let v = v.chars().take(64).collect::<String>();
            match k.as_str() {
                "data" => m.data = v,
                "titolo" => m.titolo = v,
                "canone" => m.canone = v,
                "comune" => m.comune = v,
                "n" => n = v.parse().unwrap_or(1),
                _ => {
                    let Some((i, campo)) = k
                        .strip_prefix('c')
                        .and_then(|r| r.split_once('_'))
                        .and_then(|(i, c)| Some((i.parse::<usize>().ok()?, c)))
                    else {
                        continue;
                    };
                    if i >= MAX_COMPONENTI {
                        continue;
                    }
                    let r = righe.entry(i).or_default();
                    match campo {
                        "cognome" => r.cognome = v,
                        "nome" => r.nome = v,
                        "cf" => r.cf = v,
                        "rapporto" => r.rapporto = v,
                        "nascita" => r.nascita = v,
                        "disabilita" => r.disabilita = v,
                        "mesi" => r.mesi = v,
                        "dipendente" => r.dipendente = v,
                        "pensione" => r.pensione = v,
                        "altri" => r.altri = v,
                        "saldo" => r.saldo = v,
                        "giacenza" => r.giacenza = v,
                        "imu" => r.imu = v,
                        "mutuo" => r.mutuo = v,
                        "casa" => r.casa = !v.is_empty(),
                        _ => {}
                    }
                }
            }
        }
        let n = n
            .clamp(1, MAX_COMPONENTI)
            .max(righe.keys().max().map_or(0, |k| k + 1));
        m.componenti = (0..n)
            .map(|i| righe.remove(&i).unwrap_or_default())
            .collect();
        m
    }

    /// One more empty row (a child by default), if there is room.
    pub fn aggiungi(&mut self) -> bool {
        if self.componenti.len() >= MAX_COMPONENTI {
            return false;
        }
        self.componenti.push(RigaComponente {
            rapporto: "F".into(),
            ..RigaComponente::default()
        });
        true
    }
}

/// A problem to show next to a field (`campo` is the element id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Errore {
    pub campo: String,
    pub messaggio: String,
}

/// `gg/mm/aaaa` or `aaaa-mm-gg`.
pub fn leggi_data(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
}

struct Lettore {
    errori: Vec<Errore>,
}

impl Lettore {
    fn importo(&mut self, campo: String, testo: &str) -> Decimal {
        match leggi_importo(testo) {
            Ok(x) => x,
            Err(e) => {
                self.errori.push(Errore {
                    campo,
                    messaggio: e.to_string(),
                });
                Decimal::ZERO
            }
        }
    }

    fn data(&mut self, campo: String, testo: &str, che: &str) -> Option<NaiveDate> {
        let d = leggi_data(testo);
        if d.is_none() {
            self.errori.push(Errore {
                campo,
                messaggio: format!(
                    "{che}: scrivere la data come gg/mm/aaaa, ad esempio 01/08/1985"
                ),
            });
        }
        d
    }
}

/// The placeholder fiscal code of row `i`: valid, consistent with the birth date.
pub fn codice_segnaposto(i: usize, nascita: NaiveDate) -> String {
    let lettera = char::from(b'A' + (i % 26) as u8);
    let nome: String = std::iter::repeat_n(lettera, 3).collect();
    isee_core::codice_fiscale::componi("SIM", &nome, nascita, false, "H501")
        .as_str()
        .to_owned()
}

fn numero(x: Decimal) -> Value {
    Value::String(x.normalize().to_string())
}

/// The DSU the form describes, in the engine's JSON, and the problems of reading it.
/// Fields that cannot be read count as empty so that the engine still checks the rest.
pub fn dsu_json(m: &Modulo) -> (Value, Vec<Errore>) {
    let mut l = Lettore { errori: Vec::new() };
    let data = l
        .data("data".into(), &m.data, "data di presentazione")
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default());
    let comune = match m.comune.trim() {
        "" => "H501".to_string(),
        c => c.to_uppercase(),
    };
    let mut componenti = Vec::new();
    for (i, r) in m.componenti.iter().enumerate() {
        let nascita = l
            .data(id_campo(i, "nascita"), &r.nascita, "data di nascita")
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or_default());
        let mesi = match r.mesi.trim() {
            "" => 0,
            s => match s.parse::<u8>() {
                Ok(n) if n <= 12 => n,
                _ => {
                    l.errori.push(Errore {
                        campo: id_campo(i, "mesi"),
                        messaggio: "mesi di lavoro: un numero intero da 0 a 12".into(),
                    });
                    0
                }
            },
        };
        let dipendente = l.importo(id_campo(i, "dipendente"), &r.dipendente);
        let pensione = l.importo(id_campo(i, "pensione"), &r.pensione);
        let altri = l.importo(id_campo(i, "altri"), &r.altri);
        let saldo = l.importo(id_campo(i, "saldo"), &r.saldo);
        let giacenza = l.importo(id_campo(i, "giacenza"), &r.giacenza);
        let imu = l.importo(id_campo(i, "imu"), &r.imu);
        let mutuo = l.importo(id_campo(i, "mutuo"), &r.mutuo);
        let cf = match r.cf.trim() {
            "" => codice_segnaposto(i, nascita),
            cf => cf.to_uppercase(),
        };
        let mut c = json!({
            "codice_fiscale": cf,
            "data_nascita": nascita.format("%Y-%m-%d").to_string(),
            "rapporto": r.rapporto,
            "mesi_lavoro": mesi,
            "redditi": {
                "reddito_complessivo": numero(dipendente + pensione + altri),
                "di_cui_lavoro_dipendente": numero(dipendente),
                "di_cui_pensione": numero(pensione),
            },
        });
        for (chiave, valore) in [("cognome", &r.cognome), ("nome", &r.nome)] {
            if !valore.trim().is_empty() {
                c[chiave] = Value::String(valore.trim().to_string());
            }
        }
        if !r.disabilita.is_empty() {
            c["disabilita"] = Value::String(r.disabilita.clone());
        }
        if !saldo.is_zero() || !giacenza.is_zero() {
            c["patrimonio_mobiliare"] = json!([{
                "tipo": "01", "saldo_31_12": numero(saldo), "giacenza_media": numero(giacenza)
            }]);
        }
        if !imu.is_zero() || !mutuo.is_zero() || r.casa {
            c["patrimonio_immobiliare"] = json!([{
                "tipo": "F", "codice_comune": comune, "quota": 100,
                "valore_imu": numero(imu), "mutuo_residuo": numero(mutuo),
                "casa_abitazione": r.casa,
            }]);
        }
        componenti.push(c);
    }
    let canone = l.importo("canone".into(), &m.canone);
    let mut abitazione = json!({ "titolo": m.titolo, "codice_comune": comune });
    if !canone.is_zero() {
        abitazione["canone_annuo"] = numero(canone);
    }
    let dsu = json!({
        "data_presentazione": data.format("%Y-%m-%d").to_string(),
        "componenti": componenti,
        "abitazione": abitazione,
    });
    (dsu, l.errori)
}

/// The form field a JSON path of the DSU points at (`$.componenti[1].redditi.di_cui_pensione`
/// → `c1_pensione`); paths no field shows go to the first member's relation, or the date.
pub fn campo_del_percorso(percorso: &str) -> String {
    let p = percorso.trim_start_matches('$').trim_start_matches('.');
    if let Some(resto) = p.strip_prefix("componenti[")
        && let Some((i, resto)) = resto.split_once(']')
        && let Ok(i) = i.parse::<usize>()
    {
        let resto = resto.trim_start_matches('.');
        let campo = if resto.starts_with("codice_fiscale") {
            "cf"
        } else if resto.starts_with("cognome") {
            "cognome"
        } else if resto.starts_with("nome") {
            "nome"
        } else if resto.starts_with("data_nascita") {
            "nascita"
        } else if resto.starts_with("disabilita") {
            "disabilita"
        } else if resto.starts_with("mesi_lavoro") {
            "mesi"
        } else if resto.starts_with("redditi.di_cui_lavoro_dipendente") {
            "dipendente"
        } else if resto.starts_with("redditi.di_cui_pensione") {
            "pensione"
        } else if resto.starts_with("redditi") {
            "altri"
        } else if resto.contains("giacenza_media") {
            "giacenza"
        } else if resto.starts_with("patrimonio_mobiliare") {
            "saldo"
        } else if resto.contains("mutuo_residuo") {
            "mutuo"
        } else if resto.contains("casa_abitazione") {
            "casa"
        } else if resto.starts_with("patrimonio_immobiliare") {
            "imu"
        } else {
            "rapporto"
        };
        return id_campo(i, campo);
    }
    if p.starts_with("abitazione.canone") {
        return "canone".into();
    }
    if p.starts_with("abitazione.codice_comune") {
        return "comune".into();
    }
    if p.starts_with("abitazione") {
        return "titolo".into();
    }
    if p.starts_with("data_presentazione") {
        return "data".into();
    }
    id_campo(0, "rapporto")
}

/// Where the simulatore shows a problem of a field it does not have: the placeholder
/// fiscal code comes from the birth date, the comune is fixed.
fn nel_simulatore(mut e: Errore) -> Errore {
    if let Some((riga, campo)) = e.campo.rsplit_once('_')
        && SOLO_DSU.contains(&campo)
    {
        e.campo = format!("{riga}_nascita");
    } else if e.campo == "comune" {
        e.campo = "titolo".into();
    }
    e
}

/// What a submitted form gives.
#[derive(Debug)]
pub enum EsitoSimulazione {
    /// The ISEE, with the trace.
    Calcolato(Box<Esito>),
    /// Every problem, each on its field.
    Errori(Vec<Errore>),
}

/// Reads, validates and computes the form, with the placeholder fiscal codes and Roma
/// whatever the form says of names, codes and comune.
pub fn simula(motore: &Motore, m: &Modulo) -> EsitoSimulazione {
    let mut m = m.clone();
    m.comune.clear();
    for r in &mut m.componenti {
        r.cognome.clear();
        r.nome.clear();
        r.cf.clear();
    }
    match verifica(&m) {
        Ok((dsu, _)) => match motore.calcola_con_traccia(
            &dsu,
            &Richiesta {
                tipo: TipoIsee::Ordinario,
                prestazione: None,
                beneficiario: None,
            },
        ) {
            Ok(e) => EsitoSimulazione::Calcolato(Box::new(e)),
            Err(e) => EsitoSimulazione::Errori(vec![Errore {
                campo: "data".into(),
                messaggio: e.to_string(),
            }]),
        },
        Err(errori) => EsitoSimulazione::Errori(errori.into_iter().map(nel_simulatore).collect()),
    }
}

/// Reads and validates the form with the engine: the valid DSU and its JSON, or
/// every problem on its field (fields that cannot be read count as empty so that the
/// engine still checks the rest; a field that could not be read already says why).
pub fn verifica(m: &Modulo) -> Result<(isee_core::DsuValidata, Value), Vec<Errore>> {
    let (json, mut errori) = dsu_json(m);
    let dsu = match isee_core::Dsu::da_json(&json.to_string()) {
        Ok(d) => d,
        Err(e) => {
            let campo = campo_del_percorso(&e.percorso);
            if !errori.iter().any(|x| x.campo == campo) {
                errori.push(Errore {
                    campo,
                    messaggio: format!("valore non ammesso: {}", e.messaggio),
                });
            }
            return Err(errori);
        }
    };
    match isee_core::valida(dsu) {
        Err(problemi) => {
            let letti = errori.len();
            for p in problemi.iter().filter(|p| p.gravita == Gravita::Errore) {
                let campo = campo_del_percorso(&p.percorso);
                if errori[..letti].iter().any(|x| x.campo == campo) {
                    continue;
                }
                errori.push(Errore {
                    campo,
                    messaggio: p.messaggio.clone(),
                });
            }
            Err(errori)
        }
        Ok(_) if !errori.is_empty() => Err(errori),
        Ok(v) => Ok((v, json)),
    }
}

/// An amount for the result page.
pub fn euro(x: Decimal) -> String {
    format!(
        "{} €",
        formatta_importo(
            x.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        )
    )
}
