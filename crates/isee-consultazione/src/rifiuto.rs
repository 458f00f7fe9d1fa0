//! Why a consultation was not answered with data: one type for every refusal, with a
//! stable code, an Italian message, the HTTP status and how SOAP carries it.
//!
//! Two families, as INPS/GovWay answer them (consultazione-pdnd.md §1.2):
//! * access refusals (voucher, channel, ente, purpose, operator, quota) are SOAP
//!   Faults with an RFC 7807 problem in `<detail>`, and problem+json on REST;
//! * data outcomes (`RICHIESTA_INVALIDA`, `DATI_NON_TROVATI`, `RISCONTRO_NON_VALIDO`,
//!   `DATABASE_OFFLINE`, `ERRORE_INTERNO`) are a normal SOAP answer with that `Esito`.
//!
//! Both carry the same problem document ([`Rifiuto::problema`]): `type`
//! `https://isee.example/errori/<codice>`, the code as `title`, and the call's
//! access-log id; a 401 names the failed check in its `WWW-Authenticate` challenge.
//!
//! Every code is listed in docs/CONSULTAZIONE.md; tests assert codes, not messages.

use axum::http::HeaderValue;
use isee_http::Problema;
use isee_soap::Esito;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rifiuto {
    /// Stable code (e.g. `VOUCHER_SCADUTO`, `COMUNE_NON_CAPOLUOGO`).
    pub codice: &'static str,
    /// Italian, for the ente's operator or integrator: which check failed.
    pub messaggio: String,
    pub http: u16,
    /// `Some`: answered in the SOAP body with this `Esito`; `None`: a SOAP Fault.
    pub esito: Option<Esito>,
    /// The code written to the access log when it must differ from the one answered
    /// (a non-resident's DSU is logged as `NON_RESIDENTE`, answered as not found).
    pub codice_registro: Option<&'static str>,
}

impl Rifiuto {
    pub fn accesso(codice: &'static str, http: u16, messaggio: impl Into<String>) -> Rifiuto {
        Rifiuto {
            codice,
            messaggio: messaggio.into(),
            http,
            esito: None,
            codice_registro: None,
        }
    }

    pub fn esito(esito: Esito, messaggio: impl Into<String>) -> Rifiuto {
        let (codice, http) = match esito {
            Esito::Ok => ("OK", 200),
            Esito::RichiestaInvalida => ("RICHIESTA_INVALIDA", 400),
            Esito::DatiNonTrovati => ("DATI_NON_TROVATI", 404),
            Esito::DatabaseOffline => ("DATABASE_OFFLINE", 503),
            Esito::ErroreInterno => ("ERRORE_INTERNO", 500),
            Esito::RiscontroNonValido => ("RISCONTRO_NON_VALIDO", 422),
        };
        Rifiuto {
            codice,
            messaggio: messaggio.into(),
            http,
            esito: Some(esito),
            codice_registro: None,
        }
    }

    pub fn registrato_come(mut self, codice: &'static str) -> Rifiuto {
        self.codice_registro = Some(codice);
        self
    }

    /// The code for the access log.
    pub fn codice_registro(&self) -> &'static str {
        self.codice_registro.unwrap_or(self.codice)
    }

    /// The refusal as a problem document, with the id under which the call was logged
    /// (0: not logged).
    pub fn problema(&self, id_richiesta: i64) -> Problema {
        let p = Problema::new(self.http, self.codice, self.messaggio.clone())
            .con_tipo(format!("https://isee.example/errori/{}", self.codice))
            .con_titolo(self.codice)
            .con_id_richiesta(id_richiesta);
        if self.http == 401 {
            p.con_sfida(self.sfida())
        } else {
            p
        }
    }

    /// The `WWW-Authenticate` challenge of a 401 (RFC 6750 §3): the failed check.
    pub fn sfida(&self) -> String {
        let sfida = format!(
            "Bearer error=\"invalid_token\", error_description=\"{}\"",
            self.codice
        );
        if HeaderValue::from_str(&sfida).is_ok() {
            sfida
        } else {
            "Bearer error=\"invalid_token\"".to_string()
        }
    }

    pub fn quota_esaurita(limite: u64) -> Rifiuto {
        Rifiuto::accesso(
            "QUOTA_ESAURITA",
            429,
            format!(
                "Quota giornaliera della finalità esaurita ({limite} chiamate): riprovare domani (giorno UTC)"
            ),
        )
    }

    /// A body the front end could not take: over [`crate::app::CORPO_MASSIMO`]
    /// (413 `CORPO_TROPPO_GRANDE`), or unreadable (400 `RICHIESTA_MALFORMATA`: the
    /// listener answers 408 instead when the body was late).
    pub fn corpo(e: &axum::extract::rejection::BytesRejection) -> Rifiuto {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Rifiuto::accesso(
                "CORPO_TROPPO_GRANDE",
                413,
                format!(
                    "Il corpo della richiesta supera il limite di {} byte",
                    crate::app::CORPO_MASSIMO
                ),
            )
        } else {
            Rifiuto::accesso(
                "RICHIESTA_MALFORMATA",
                400,
                "Corpo della richiesta illeggibile",
            )
        }
    }

    pub fn registro_non_disponibile() -> Rifiuto {
        Rifiuto::esito(
            Esito::DatabaseOffline,
            "Servizio temporaneamente non disponibile: riprovare più tardi",
        )
    }
}
