//! The service's TOML configuration (`isee consultazione serve --config F`).
//! Relative paths are resolved against the configuration file's directory, so a
//! sandbox directory can be moved as a whole.

use crate::servizio::Soglia;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Configurazione {
    pub indirizzo: SocketAddr,
    /// Audience prefix of the e-services (no scheme), e.g.
    /// `api.isee.local/pdnd/soap/ConsultazioneISEE/v2`.
    pub base_audience: String,
    /// The public base URL of the service, `https://host[:port]` (no path): the
    /// `soap:address` of the WSDLs is this plus the endpoint's path. Default:
    /// `https://` and the host of `base_audience`.
    #[serde(default)]
    pub indirizzo_pubblico: Option<String>,
    /// Clock skew allowed on voucher and evidence times, seconds.
    #[serde(default = "tolleranza_predefinita")]
    pub tolleranza_s: i64,
    /// Worker threads (default: one per core).
    #[serde(default)]
    pub thread: Option<usize>,
    pub registro: SezioneRegistro,
    pub pdnd: SezionePdnd,
    #[serde(default)]
    pub tls: Option<SezioneTls>,
    pub accessi: SezioneAccessi,
    pub enti: SezioneEnti,
    /// Threshold codes of `ConsultazioneSogliaIndicatore` (default: [`soglie_predefinite`]).
    #[serde(default = "soglie_predefinite")]
    pub soglie: HashMap<String, Soglia>,
    /// The listener's limits (docs/CONSULTAZIONE.md, "Limiti degli ascoltatori").
    #[serde(default)]
    pub ascolto: SezioneAscolto,
    /// `[[cooperazione_applicativa]]`: the agreements under which an ente may call
    /// the certificate-based e-services without a PDND voucher (legacy mode, off
    /// unless listed; docs/CONSULTAZIONE.md, "Cooperazione applicativa").
    #[serde(default)]
    pub cooperazione_applicativa: Vec<Convenzione>,
}

/// One agreement (convenzione) of the legacy mode: which ente, with which client
/// certificates, may call which certificate-based e-services without a voucher, and
/// how many calls a day. Its `id` takes the place of the PDND purpose: it is logged
/// as `purpose_id = "convenzione:<id>"` and counts the quota.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Convenzione {
    /// The agreement's identifier (e.g. INPS's protocol of the convenzione).
    pub id: String,
    /// The e-services (catalogue slugs): only `indicatore` and `attestazione`.
    pub eservizi: Vec<String>,
    /// The ente's IPA code, as in its client certificate (`urn:ipa:<codice>`).
    pub ente_ipa: String,
    /// SHA-256 fingerprints (hex) of the certificates admitted; empty: any valid
    /// certificate the CA issued to the ente.
    #[serde(default)]
    pub certificati_sha256: Vec<String>,
    /// Daily calls allowed under the agreement (UTC day, like the PDND quotas).
    pub chiamate_giornaliere: u32,
}

impl Convenzione {
    /// Whether the agreement covers `eservizio`.
    pub fn copre(&self, eservizio: &str) -> bool {
        self.eservizi.iter().any(|e| e == eservizio)
    }

    /// Whether a client certificate (IPA code, fingerprint) is admitted.
    pub fn ammette_certificato(&self, codice_ipa: Option<&str>, impronta: &str) -> bool {
        codice_ipa == Some(self.ente_ipa.as_str())
            && (self.certificati_sha256.is_empty()
                || self
                    .certificati_sha256
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(impronta)))
    }

    /// The key of its quota and its `purpose_id` in the access log.
    pub fn finalita(&self) -> String {
        format!("convenzione:{}", self.id)
    }
}

/// Every problem of the `[[cooperazione_applicativa]]` entries at once: an unknown
/// e-service, one whose policy does not admit the legacy mode, a repeated id, an
/// entry with no e-service.
pub fn verifica_convenzioni(convenzioni: &[Convenzione]) -> Result<(), String> {
    let mut problemi = Vec::new();
    for (i, c) in convenzioni.iter().enumerate() {
        let dove = format!("cooperazione_applicativa[{i}] (id «{}»)", c.id);
        if c.id.trim().is_empty() {
            problemi.push(format!("{dove}.id: obbligatorio"));
        }
        if convenzioni[..i].iter().any(|a| a.id == c.id) {
            problemi.push(format!("{dove}.id: ripetuto"));
        }
        if c.eservizi.is_empty() {
            problemi.push(format!("{dove}.eservizi: almeno un e-service"));
        }
        for e in &c.eservizi {
            match crate::catalogo::per_codice(e) {
                None => problemi.push(format!("{dove}.eservizi: «{e}» non è un e-service")),
                Some(x) if !x.politica.cooperazione_applicativa => problemi.push(format!(
                    "{dove}.eservizi: «{e}» richiede sempre il voucher PDND (la cooperazione applicativa è ammessa solo per indicatore e attestazione)"
                )),
                Some(_) => {}
            }
        }
    }
    if problemi.is_empty() {
        Ok(())
    } else {
        Err(problemi.join("; "))
    }
}

/// `[ascolto]`: the limits of the listener; every field has a safe default.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SezioneAscolto {
    /// The headers of a request, from when the connection waits for it (also the
    /// longest an idle connection stays open), milliseconds.
    pub timeout_intestazioni_ms: u64,
    /// The body of a request, from the end of its headers, milliseconds.
    pub timeout_corpo_ms: u64,
    /// The TLS handshake, milliseconds.
    pub timeout_handshake_ms: u64,
    /// Open connections at most (default: 1,024, fewer when the process may open few
    /// files: a reserve of descriptors is kept for the databases).
    pub max_connessioni: Option<usize>,
    /// On SIGINT/SIGTERM, how long requests in flight may take, seconds.
    pub arresto_s: u64,
}

impl Default for SezioneAscolto {
    fn default() -> Self {
        let l = isee_tls::Limits::default();
        SezioneAscolto {
            timeout_intestazioni_ms: l.header_read.as_millis() as u64,
            timeout_corpo_ms: l.body.as_millis() as u64,
            timeout_handshake_ms: l.handshake.as_millis() as u64,
            max_connessioni: None,
            arresto_s: l.shutdown.as_secs(),
        }
    }
}

impl SezioneAscolto {
    /// The listener's limits (zeros become the smallest positive value).
    pub fn limiti(&self) -> isee_tls::Limits {
        use std::time::Duration;
        let ms = |v: u64| Duration::from_millis(v.max(1));
        let predefiniti = isee_tls::Limits::default();
        isee_tls::Limits {
            header_read: ms(self.timeout_intestazioni_ms),
            body: ms(self.timeout_corpo_ms),
            handshake: ms(self.timeout_handshake_ms),
            max_connections: self
                .max_connessioni
                .unwrap_or(predefiniti.max_connections)
                .max(1),
            max_lifetime: None,
            shutdown: Duration::from_secs(self.arresto_s),
        }
    }
}

fn tolleranza_predefinita() -> i64 {
    60
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SezioneRegistro {
    /// The DSU register: a SQLite path or a postgres:// URL.
    pub db: String,
    #[serde(default = "connessioni_predefinite")]
    pub connessioni: u32,
}

fn connessioni_predefinite() -> u32 {
    8
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SezionePdnd {
    /// Voucher issuer (`interop.pagopa.it` in production, `uat.interop.pagopa.it` in
    /// collaudo; the local PDND's own otherwise).
    pub issuer: String,
    /// The PDND key set: a file path or an http(s) URL.
    pub jwks: String,
    /// The PDND directory (purposes, tenants, client keys): the local PDND's
    /// `stato.json`.
    pub stato: PathBuf,
    /// The producer tenant id expected in vouchers (INPS's on PDND).
    #[serde(default)]
    pub producer_id: Option<String>,
    /// Minimum seconds between key-set refreshes triggered by unknown `kid`s.
    #[serde(default = "aggiornamento_predefinito")]
    pub aggiornamento_min_s: u64,
}

fn aggiornamento_predefinito() -> u64 {
    30
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SezioneTls {
    pub certificato: PathBuf,
    pub chiave: PathBuf,
    /// The CA that issues the enti's client certificates.
    pub ca_client: PathBuf,
    #[serde(default)]
    pub crl: Option<PathBuf>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SezioneAccessi {
    /// The access log: a SQLite path or a postgres:// URL.
    pub db: String,
    /// The log's secret (chain MAC and fiscal-code hashing): a file, 0600.
    pub chiave: PathBuf,
    /// Days the records are kept (no ISEE-specific period found in the sources,
    /// consultazione-pdnd.md §5.4; the default follows the Garante's 6-month minimum
    /// for system-administrator access logs, doubled, and is for the DPO to set).
    #[serde(default = "conservazione_predefinita")]
    pub conservazione_giorni: u32,
    /// `[accessi.protezioni]`: how much unauthenticated callers can make the log
    /// store, and when its disk is "nearly full" (docs/CONSULTAZIONE.md).
    #[serde(default)]
    pub protezioni: ProtezioniAccessi,
}

/// The log's protections, as configured (defaults: [`isee_accessi::Protezioni`]).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ProtezioniAccessi {
    /// Full records of refusals before a valid voucher, per source, at once.
    pub rifiuti_raffica: u32,
    /// … and per minute after the burst.
    pub rifiuti_al_minuto: u32,
    /// Seconds between the summary records of the refusals beyond the limit.
    pub rifiuti_intervallo_s: u64,
    /// Warn when the SQLite log's filesystem has fewer MiB free than this…
    pub spazio_minimo_mib: u64,
    /// … or less than this percentage free (0: only the MiB).
    pub spazio_minimo_percento: u8,
}

impl Default for ProtezioniAccessi {
    fn default() -> Self {
        let p = isee_accessi::Protezioni::default();
        ProtezioniAccessi {
            rifiuti_raffica: p.limite.raffica,
            rifiuti_al_minuto: p.limite.al_minuto,
            rifiuti_intervallo_s: p.limite.intervallo.as_secs(),
            spazio_minimo_mib: p.spazio.byte_minimi >> 20,
            spazio_minimo_percento: p.spazio.percento_minimo,
        }
    }
}

impl ProtezioniAccessi {
    pub fn protezioni(&self) -> isee_accessi::Protezioni {
        isee_accessi::Protezioni {
            limite: isee_accessi::OpzioniLimite {
                raffica: self.rifiuti_raffica,
                al_minuto: self.rifiuti_al_minuto,
                intervallo: std::time::Duration::from_secs(self.rifiuti_intervallo_s.max(1)),
                ..isee_accessi::OpzioniLimite::default()
            },
            spazio: isee_accessi::SogliaSpazio {
                byte_minimi: self.spazio_minimo_mib.saturating_mul(1 << 20),
                percento_minimo: self.spazio_minimo_percento.min(100),
            },
        }
    }
}

fn conservazione_predefinita() -> u32 {
    365
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SezioneEnti {
    /// The enti and operator-authorisation register: a SQLite path or postgres:// URL.
    pub db: String,
    /// Seconds between checks for new authorisations or a new IPA snapshot.
    #[serde(default = "aggiornamento_enti_predefinito")]
    pub aggiornamento_s: u64,
}

fn aggiornamento_enti_predefinito() -> u64 {
    5
}

/// Threshold codes shipped by default. Codes follow the old SII pattern
/// `[A-Za-z]{4}[0-9]{2}`; amounts are the legal thresholds.
pub fn soglie_predefinite() -> HashMap<String, Soglia> {
    let s = |tipo: &str, importo: Decimal, descrizione: &str| Soglia {
        tipo: tipo.to_string(),
        importo,
        descrizione: descrizione.to_string(),
    };
    HashMap::from([
        (
            "ADIN25".to_string(),
            s(
                "Ordinario",
                Decimal::new(1014000, 2),
                "Assegno di inclusione: ISEE non superiore a 10.140 euro (DL 48/2023 art. 2 c. 2 lett. b) n. 1, come modificato dalla L. 207/2024)",
            ),
        ),
        (
            "BNID25".to_string(),
            s(
                "Minorenne",
                Decimal::new(4000000, 2),
                "Bonus asilo nido: fascia fino a 40.000 euro (L. 232/2016 art. 1 c. 355 e successive modifiche)",
            ),
        ),
        (
            "BVAC20".to_string(),
            s(
                "Ordinario",
                Decimal::new(4000000, 2),
                "Bonus vacanze: ISEE non superiore a 40.000 euro (DL 34/2020 art. 176), il codice del vecchio servizio soglia",
            ),
        ),
    ])
}

/// Why a configuration file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ErroreConfigurazione {
    #[error("lettura di {}", percorso.display())]
    Lettura {
        percorso: PathBuf,
        #[source]
        causa: std::io::Error,
    },
    #[error("configurazione {}", percorso.display())]
    Formato {
        percorso: PathBuf,
        #[source]
        causa: toml::de::Error,
    },
}

impl Configurazione {
    /// The public base URL, without a trailing `/` ([`Configurazione::indirizzo_pubblico`]).
    pub fn indirizzo_pubblico(&self) -> String {
        match &self.indirizzo_pubblico {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let host = self.base_audience.split('/').next().unwrap_or_default();
                format!("https://{host}")
            }
        }
    }

    /// Reads the file and resolves relative paths against its directory.
    pub fn leggi(percorso: &Path) -> Result<Configurazione, ErroreConfigurazione> {
        let testo =
            std::fs::read_to_string(percorso).map_err(|causa| ErroreConfigurazione::Lettura {
                percorso: percorso.to_path_buf(),
                causa,
            })?;
        let mut c: Configurazione =
            toml::from_str(&testo).map_err(|causa| ErroreConfigurazione::Formato {
                percorso: percorso.to_path_buf(),
                causa,
            })?;
        let base = percorso.parent().unwrap_or(Path::new("."));
        c.risolvi(base);
        Ok(c)
    }

    fn risolvi(&mut self, base: &Path) {
        let p = |x: &mut PathBuf| {
            if x.is_relative() {
                *x = base.join(&*x);
            }
        };
        let d = |x: &mut String| {
            let url = x.contains("://") || x.starts_with("sqlite:");
            if !url && Path::new(x.as_str()).is_relative() {
                *x = base.join(&*x).display().to_string();
            }
        };
        d(&mut self.registro.db);
        d(&mut self.accessi.db);
        d(&mut self.enti.db);
        d(&mut self.pdnd.jwks);
        p(&mut self.pdnd.stato);
        p(&mut self.accessi.chiave);
        if let Some(t) = &mut self.tls {
            p(&mut t.certificato);
            p(&mut t.chiave);
            p(&mut t.ca_client);
            if let Some(c) = &mut t.crl {
                p(c);
            }
        }
    }
}

/// A path becomes a `sqlite://` URL (the file is created on first open); URLs pass
/// through.
pub fn url_db(db: &str) -> String {
    isee_sql::url_da_percorso(db)
}

#[cfg(test)]
mod test {
    use super::*;

    fn convenzione(id: &str, eservizi: &[&str]) -> Convenzione {
        Convenzione {
            id: id.into(),
            eservizi: eservizi.iter().map(|s| s.to_string()).collect(),
            ente_ipa: "c_h199".into(),
            certificati_sha256: Vec::new(),
            chiamate_giornaliere: 10,
        }
    }

    #[test]
    fn convenzioni_dal_toml_e_loro_verifica() {
        let c: Vec<Convenzione> = toml::from_str::<HashMap<String, Vec<Convenzione>>>(
            r#"
            [[cooperazione_applicativa]]
            id = "INPS-CA-1"
            eservizi = ["indicatore", "attestazione"]
            ente_ipa = "c_h199"
            certificati_sha256 = ["AB12"]
            chiamate_giornaliere = 500
            "#,
        )
        .unwrap()
        .remove("cooperazione_applicativa")
        .unwrap();
        assert_eq!(c[0].finalita(), "convenzione:INPS-CA-1");
        assert!(c[0].copre("attestazione") && !c[0].copre("indicatore-residenti"));
        assert!(c[0].ammette_certificato(Some("c_h199"), "ab12"));
        assert!(!c[0].ammette_certificato(Some("c_h199"), "ab13"));
        assert!(!c[0].ammette_certificato(Some("c_h183"), "ab12"));
        assert!(!c[0].ammette_certificato(None, "ab12"));
        assert!(verifica_convenzioni(&c).is_ok());

        let errore = verifica_convenzioni(&[
            convenzione("A", &["indicatore-operatori"]),
            convenzione("A", &["nessuno"]),
            convenzione("", &[]),
        ])
        .unwrap_err();
        for atteso in [
            "«indicatore-operatori» richiede sempre il voucher",
            "«nessuno» non è un e-service",
            "id: ripetuto",
            "id: obbligatorio",
            "almeno un e-service",
        ] {
            assert!(errore.contains(atteso), "{atteso}: {errore}");
        }
    }
}
