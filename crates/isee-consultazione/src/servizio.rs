//! The consultation pipeline, shared by SOAP and REST: authenticate, authorise,
//! bind to a purpose, count against the quota, look up, minimise, **log**, answer.
//!
//! Order of the checks (each failure has its own code, docs/CONSULTAZIONE.md):
//! 1. the PDND voucher (isee-pdnd, §2.4 items 1-4), for this e-service's audience
//!    and ids — or, with no voucher sent, on an e-service whose policy and a
//!    configured agreement admit the legacy *cooperazione applicativa* mode
//!    ([`Servizio::voucher_obbligatorio`]), the client certificate of an ente under
//!    that agreement, the `Identity` header and the agreement's quota (steps 2 and 4
//!    are then the agreement's);
//! 2. the purpose (known, active, of this e-service and of this consumer) and its
//!    daily quota;
//! 3. the ente behind the consumer (PDND tenant → IPA code → IPA/ISTAT register),
//!    its category and, for the certificate services, the capoluogo flag;
//! 4. the channel: the client certificate of that ente (ID_AUTH_CHANNEL_02);
//! 5. the operator: AUDIT_REST_02 evidence bound to the voucher, and a valid
//!    authorisation for this ente and e-service;
//! 6. the request: well-formed, an operation of this e-service, bound to a benefit
//!    application (`PrestazioneDaErogare`, `ProtocolloDomandaEnteErogatore`);
//! 7. the lookup, with the residence check (Residenti) or the DSU protocol check
//!    (Riscontro); for ConsultazioneDichiarazione the DSU of the protocol, in any
//!    state, whose nucleus lists the fiscal code, written as INPS's document.
//!
//! The access log record is written and committed **before** the answer is built
//! and sent; if it cannot be written, no data leaves (`DATABASE_OFFLINE`).

use crate::catalogo::{CATEGORIA_COMUNI, EServizio};
use crate::configurazione::Convenzione;
use crate::dati;
use crate::quote::{EsitoQuota, Quote};
use crate::rifiuto::Rifiuto;
use chrono::{DateTime, NaiveDate, Utc};
use isee_accessi::{NuovoAccesso, RegistroAccessi};
use isee_core::Dsu;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_enti::{AnagrafeEnti, CacheAbilitazioni, Ente};
use isee_pdnd::evidenza::valida_evidenza;
use isee_pdnd::stato::{DirectoryFile, DirectoryPdnd};
use isee_pdnd::voucher::{AttesoVoucher, ValidatoreVoucher, Voucher};
use isee_registro::registrazione::{Registrazione, StatoDsu, TipoRegistrazione};
use isee_registro::store::{StoreDsu, StoreOmissioni, StoreSql};
use isee_registro::{Protocollo, RegistroDsu};
use isee_soap::{
    DatiAttestazione, DatiIndicatore, DatiSoglia, ErroreRichiesta, Esito, Identity, Operazione,
    Ricerca, RichiestaSoap, TipoIndicatore, TipoIndicatoreSoglia,
};
use isee_tls::InfoConnessione;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// What the access log's `canale` gains, after `soap+` or `rest+`, for a call in
/// the legacy mode (no voucher: mTLS and `Identity`).
pub const MODALITA_COOPERAZIONE: &str = "cooperazione_applicativa";

/// How the call arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Canale {
    Soap,
    Rest,
}

impl Canale {
    pub fn nome(self) -> &'static str {
        match self {
            Canale::Soap => "soap",
            Canale::Rest => "rest",
        }
    }
}

/// One call, as both front ends hand it to [`Servizio::consulta`].
pub struct Chiamata {
    pub eservizio: &'static EServizio,
    pub canale: Canale,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `Agid-JWT-TrackingEvidence` header (Operatori).
    pub evidenza: Option<String>,
    /// INPS's identity as HTTP headers (`INPS-Identity-UserId`,
    /// `INPS-Identity-CodiceUfficio`, as OpenMSP sends them): the REST form of the
    /// SOAP `Identity` header, which takes precedence when both are sent.
    pub identity: Option<Identity>,
    pub connessione: Option<InfoConnessione>,
    pub request_id: Option<String>,
    pub richiesta: Result<RichiestaSoap, ErroreRichiesta>,
    /// A refusal the front end decided before the request could be read (a body over
    /// the limit, a media type it does not take): answered and logged like every
    /// other, without running the checks.
    pub rifiuto: Option<Rifiuto>,
}

impl Chiamata {
    /// A call as it arrives over HTTP: the credentials are read from the headers
    /// (`Authorization`, `Agid-JWT-TrackingEvidence`, `X-Request-Id`).
    pub fn da_http(
        eservizio: &'static EServizio,
        canale: Canale,
        headers: &axum::http::HeaderMap,
        connessione: Option<InfoConnessione>,
        richiesta: Result<RichiestaSoap, ErroreRichiesta>,
    ) -> Chiamata {
        let h = |nome: &str| {
            headers
                .get(nome)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Chiamata {
            eservizio,
            canale,
            authorization: h("authorization"),
            evidenza: h("agid-jwt-trackingevidence"),
            identity: match (h("inps-identity-userid"), h("inps-identity-codiceufficio")) {
                (Some(user_id), Some(codice_ufficio)) => Some(Identity {
                    user_id,
                    codice_ufficio,
                }),
                _ => None,
            },
            connessione,
            request_id: h("x-request-id"),
            richiesta,
            rifiuto: None,
        }
    }

    /// The call refused by the front end with `r` ([`Chiamata::rifiuto`]).
    pub fn con_rifiuto(mut self, r: Option<Rifiuto>) -> Chiamata {
        self.rifiuto = r;
        self
    }
}

/// What a successful consultation returns, by disclosure level.
#[derive(Clone, Debug)]
pub enum Dati {
    Soglia(DatiSoglia),
    Indicatore(DatiIndicatore),
    Attestazione(Box<DatiAttestazione>, Ricerca),
    /// ConsultazioneDichiarazione (REST only).
    Dichiarazione(Box<dati::DatiDichiarazione>),
}

/// The answer: the log sequence number is the `IdRichiesta`.
#[derive(Clone, Debug)]
pub struct Risposta {
    pub id_richiesta: i64,
    pub operazione: Option<Operazione>,
    pub esito: Result<Dati, Rifiuto>,
}

/// A threshold the threshold query may be asked about (a code, never an amount: a
/// caller who could choose the amount could binary-search the ISEE value).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Soglia {
    pub tipo: TipoIsee2,
    pub importo: Decimal,
    pub descrizione: String,
}

/// `TipoIndicatore` as written in the configuration.
pub type TipoIsee2 = String;

/// Settings of the pipeline that are not collaborators.
#[derive(Clone, Debug)]
pub struct Impostazioni {
    /// PDND voucher issuer (`interop.pagopa.it` in production).
    pub issuer: String,
    /// Audience prefix; an e-service's audience is `<base>/<endpoint>`.
    pub base_audience: String,
    /// The producer tenant (INPS's, on PDND).
    pub producer_id: Option<String>,
    /// Clock skew allowed on `exp`/`nbf`/`iat`, seconds.
    pub tolleranza_s: i64,
    pub soglie: HashMap<String, Soglia>,
    /// The public base URL of the service (`https://host[:port]`), for the
    /// `soap:address` of the WSDLs it serves.
    pub indirizzo_pubblico: String,
    /// The agreements of the legacy mode (`[[cooperazione_applicativa]]`); empty:
    /// every e-service requires the voucher.
    pub convenzioni: Vec<Convenzione>,
}

/// The service and its collaborators.
pub struct Servizio {
    pub registro: RegistroDsu<StoreSql>,
    pub voucher: ValidatoreVoucher,
    pub directory: Arc<DirectoryFile>,
    pub enti: RwLock<Arc<AnagrafeEnti>>,
    pub abilitazioni: Arc<CacheAbilitazioni>,
    pub accessi: RegistroAccessi,
    pub quote: Quote,
    pub impostazioni: Impostazioni,
    /// The clock, injectable so that tests can exercise expiry and quotas by day.
    pub orologio: Orologio,
    /// Per e-service, what its vouchers must carry ([`Attesi::new`]).
    pub attesi: Attesi,
}

/// What each e-service of the catalogue expects, computed once at start.
pub struct Attesi(Vec<Atteso>);

pub struct Atteso {
    pub codice: &'static str,
    pub eservice_id: uuid::Uuid,
    pub voucher: AttesoVoucher,
}

impl Attesi {
    pub fn new(i: &Impostazioni) -> Attesi {
        Attesi(
            crate::catalogo::CATALOGO
                .iter()
                .map(|e| Atteso {
                    codice: e.codice,
                    eservice_id: e.id(),
                    voucher: AttesoVoucher {
                        issuer: i.issuer.clone(),
                        audience: e.audience(&i.base_audience),
                        eservice_id: e.id().to_string(),
                        descriptor_id: e.descriptor_id().to_string(),
                        producer_id: i.producer_id.clone(),
                        tolleranza_s: i.tolleranza_s,
                        durata_massima_s: isee_pdnd::voucher::DURATA_MASSIMA_VOUCHER_S,
                    },
                })
                .collect(),
        )
    }

    /// The entry of a catalogue e-service. Every `EServizio` the front ends hand over
    /// is looked up in the catalogue this was built from, so a miss is a programming
    /// error; falling back to another e-service's expectations would be a hole.
    pub fn per(&self, e: &EServizio) -> &Atteso {
        self.0
            .iter()
            .find(|a| a.codice == e.codice)
            .expect("e-service fuori dal catalogo")
    }
}

/// A clock: `Utc::now` in production, a fixed instant in tests.
pub type Orologio = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

fn accesso_negato(codice: &'static str, messaggio: impl Into<String>) -> Rifiuto {
    Rifiuto::accesso(codice, 403, messaggio)
}

impl Servizio {
    /// What a voucher for `e` must say. Built once per e-service ([`Attesi::new`]):
    /// the ids are UUID v5 (a SHA-1 each), not to be recomputed on every call.
    pub fn atteso(&self, e: &EServizio) -> &AttesoVoucher {
        &self.attesi.per(e).voucher
    }

    /// Whether a call to `e` must carry a PDND voucher: always, unless the
    /// e-service's policy admits the legacy mode and an agreement names it.
    pub fn voucher_obbligatorio(&self, e: &EServizio) -> bool {
        !(e.politica.cooperazione_applicativa
            && self
                .impostazioni
                .convenzioni
                .iter()
                .any(|k| k.copre(e.codice)))
    }

    /// Runs the pipeline, logs, and returns the answer to send.
    pub async fn consulta(&self, c: Chiamata) -> Risposta {
        let inizio = Instant::now();
        let adesso = (self.orologio)();
        let mut log = NuovoAccesso {
            eservizio: c.eservizio.codice.to_string(),
            canale: c.canale.nome().to_string(),
            ts: adesso,
            request_id: c.request_id.clone(),
            ip_client: c.connessione.as_ref().map(|i| i.indirizzo.ip().to_string()),
            ..NuovoAccesso::default()
        };
        let operazione = match &c.richiesta {
            Ok(r) => Some(r.operazione),
            Err(ErroreRichiesta::Invalida { operazione, .. }) => Some(*operazione),
            Err(ErroreRichiesta::Envelope { .. }) => None,
        };
        if let Ok(r) = &c.richiesta {
            log.operazione = r.operazione.nome().to_string();
            let ricerca = &r.ricerca;
            log.tipo_ricerca = Some(ricerca.tipo().to_string());
            log.cf_ricercato_hash = Some(self.accessi.hash_cf(ricerca.codice_fiscale()));
            let d = ricerca.domanda();
            log.prestazione = d.prestazione.clone();
            log.protocollo_domanda = d.protocollo_domanda.clone();
            log.stato_domanda = d.stato_domanda.map(|s| s.nome().to_string());
        } else if let Err(ErroreRichiesta::Invalida { operazione, .. }) = &c.richiesta {
            log.operazione = operazione.nome().to_string();
        }
        let mut autenticato = false;
        let esito = self.valuta(&c, adesso, &mut log, &mut autenticato).await;
        match &esito {
            Ok(d) => {
                log.esito = "OK".into();
                log.http_status = 200;
                log.protocollo_dsu = match d {
                    Dati::Soglia(s) => Some(s.protocollo_dsu.clone()),
                    Dati::Indicatore(i) => Some(i.protocollo_dsu.clone()),
                    Dati::Attestazione(a, _) => Some(a.protocollo_dsu.clone()),
                    Dati::Dichiarazione(d) => Some(d.protocollo_dsu.clone()),
                };
            }
            Err(r) => {
                log.esito = r.codice_registro().to_string();
                // The status actually sent: SOAP carries data outcomes in a 200 body
                // and faults with 500 (429 for the quota).
                log.http_status = match (c.canale, r.esito) {
                    (Canale::Soap, Some(_)) => 200,
                    (Canale::Soap, None) => crate::soap::stato_fault(r).as_u16(),
                    (Canale::Rest, _) => r.http,
                };
            }
        }
        log.latenza_us = i64::try_from(inizio.elapsed().as_micros()).unwrap_or(i64::MAX);
        // A refusal before the voucher was validated costs the caller nothing: its
        // records are rate-limited per source, and beyond the limit only counted
        // (isee_accessi::limite). Everything else is stored in full.
        let registrato = if esito.is_err() && !autenticato {
            let fonte = fonte(c.connessione.as_ref());
            self.accessi.registra_non_autenticato(&fonte, log).await
        } else {
            self.accessi.registra(log).await.map(Some)
        };
        match registrato {
            Ok(Some(ricevuta)) => Risposta {
                id_richiesta: ricevuta.seq,
                operazione,
                esito,
            },
            // Counted in the source's next summary record: no id of its own.
            Ok(None) => Risposta {
                id_richiesta: 0,
                operazione,
                esito,
            },
            Err(e) => {
                tracing::error!(errore = %e, "registro degli accessi non disponibile: nessun dato esce");
                Risposta {
                    id_richiesta: 0,
                    operazione,
                    esito: Err(Rifiuto::registro_non_disponibile()),
                }
            }
        }
    }

    async fn valuta(
        &self,
        c: &Chiamata,
        adesso: DateTime<Utc>,
        log: &mut NuovoAccesso,
        autenticato: &mut bool,
    ) -> Result<Dati, Rifiuto> {
        if let Some(r) = &c.rifiuto {
            return Err(r.clone());
        }
        let e = c.eservizio;
        let ora = adesso.timestamp();
        // 1-2. The voucher, the purpose and its quota; or, in the legacy mode (no
        // voucher sent, the e-service's policy and an agreement allow it), the
        // client certificate of an ente under agreement and the agreement's quota.
        let (ente, voucher) = if c.authorization.is_none() && !self.voucher_obbligatorio(e) {
            log.canale = format!("{}+{MODALITA_COOPERAZIONE}", c.canale.nome());
            let ente = self.cooperazione(c, e, adesso.date_naive(), log, autenticato)?;
            (ente, None)
        } else {
            let voucher = self
                .voucher
                .valida(c.authorization.as_deref(), self.atteso(e), ora)
                .await
                .map_err(|v| Rifiuto::accesso(v.codice(), v.http_status(), v.messaggio()))?;
            *autenticato = true;
            log.voucher_jti = Some(voucher.jti.clone());
            log.client_id = Some(voucher.client_id.clone());
            log.consumer_id = Some(voucher.consumer_id.clone());
            log.purpose_id = Some(voucher.purpose_id.clone());
            self.finalita(e, &voucher, adesso.date_naive())?;
            // 3. The ente behind the consumer.
            (self.ente(&voucher)?, Some(voucher))
        };

        // 3. The ente's category.
        log.ente_ipa = Some(ente.codice_ipa.clone());
        log.ente_categoria = Some(ente.categoria.clone());
        let p = &e.politica;
        if !p.categorie.contains(&ente.categoria.as_str()) {
            return Err(accesso_negato(
                "CATEGORIA_NON_AMMESSA",
                format!(
                    "La categoria IPA {} dell'ente {} non è tra quelle ammesse a «{}» ({})",
                    ente.categoria,
                    ente.codice_ipa,
                    e.nome,
                    p.categorie.join(", ")
                ),
            ));
        }
        if p.solo_capoluoghi && ente.categoria == CATEGORIA_COMUNI && !ente.capoluogo {
            return Err(accesso_negato(
                "COMUNE_NON_CAPOLUOGO",
                format!(
                    "«{}» è riservato, tra i Comuni, ai capoluoghi di provincia (messaggio INPS 3269/2025): {} non lo è secondo l'elenco ISTAT",
                    e.nome, ente.denominazione
                ),
            ));
        }

        if p.solo_residenti && !ente.e_comune() {
            return Err(accesso_negato(
                "SOLO_COMUNI",
                format!(
                    "«{}» è riservato ai Comuni: {} è un'associazione o un consorzio di Comuni",
                    e.nome, ente.denominazione
                ),
            ));
        }

        // 4. The client certificate (in the legacy mode it already designated the
        // ente).
        if p.certificato_client && voucher.is_some() {
            let client = c
                .connessione
                .as_ref()
                .and_then(|i| i.client.clone())
                .ok_or_else(|| {
                    Rifiuto::accesso(
                        "CERTIFICATO_ASSENTE",
                        401,
                        format!(
                            "«{}» richiede TLS reciproco con il certificato client rilasciato all'ente (ID_AUTH_CHANNEL_02): nessun certificato presentato",
                            e.nome
                        ),
                    )
                })?;
            let stesso_ente = client.codice_ipa.as_deref() == Some(ente.codice_ipa.as_str())
                || client.codice_fiscale.as_deref() == Some(ente.codice_fiscale.as_str());
            if !stesso_ente {
                return Err(accesso_negato(
                    "CERTIFICATO_ALTRO_ENTE",
                    format!(
                        "Il certificato client (seriale {}) non è stato rilasciato all'ente {} del voucher",
                        client.seriale, ente.codice_ipa
                    ),
                ));
            }
        }

        // 5. The operator.
        if p.operatore {
            // No agreement can name an Operatori e-service (verifica_convenzioni),
            // so there is always a voucher here.
            let Some(voucher) = &voucher else {
                return Err(Rifiuto::accesso(
                    isee_pdnd::voucher::ErroreVoucher::Assente.codice(),
                    401,
                    "L'e-service richiede il voucher PDND",
                ));
            };
            let ev = valida_evidenza(
                c.evidenza.as_deref(),
                voucher,
                &self.atteso(e).audience,
                self.directory.as_ref(),
                self.impostazioni.tolleranza_s,
                ora,
            )
            .await
            .map_err(|v| Rifiuto::accesso(v.codice(), v.http_status(), v.messaggio()))?;
            log.operatore_cf_hash = Some(self.accessi.hash_cf(&ev.user_id));
            log.operatore_loa = Some(format!("{:?}", ev.loa));
            log.operatore_postazione = Some(ev.user_location.clone());
            log.evidenza_jti = Some(ev.jti.clone());
            self.abilitazioni
                .verifica(&ev.user_id, &ente.codice_ipa, e.codice, adesso.date_naive())
                .map_err(|m| accesso_negato(m.codice(), m.messaggio()))?;
        }

        // 6. The request.
        let r = match &c.richiesta {
            Ok(r) => r,
            Err(ErroreRichiesta::Envelope { messaggio }) => {
                return Err(Rifiuto::accesso(
                    "RICHIESTA_MALFORMATA",
                    400,
                    messaggio.clone(),
                ));
            }
            Err(ErroreRichiesta::Invalida { problemi, .. }) => {
                let testo: Vec<String> = problemi
                    .iter()
                    .map(|p| format!("{}: {}", p.percorso, p.messaggio))
                    .collect();
                return Err(Rifiuto::esito(Esito::RichiestaInvalida, testo.join("; ")));
            }
        };
        if !e.ammette(r.operazione) {
            return Err(Rifiuto::accesso(
                "OPERAZIONE_NON_AMMESSA",
                400,
                format!(
                    "L'operazione {} non appartiene all'e-service «{}» (operazioni: {})",
                    r.operazione.nome(),
                    e.nome,
                    e.operazioni
                        .iter()
                        .map(|o| o.nome())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        // The threshold query carries no application fields in INPS's schema: its
        // purpose binding is the threshold code, agreed with the ente for one benefit.
        if r.operazione != Operazione::ConsultazioneSogliaIndicatore {
            vincolo_domanda(r)?;
        }

        // 7. The lookup.
        let giorno = match &r.ricerca {
            Ricerca::Cf(cf) => cf.data_validita.unwrap_or(adesso.date_naive()),
            _ => adesso.date_naive(),
        };
        self.cerca(e, r, &ente, giorno).await
    }

    /// The legacy mode's authentication: a client certificate of an ente under an
    /// agreement covering `e`, the `Identity` header, the agreement's daily quota,
    /// the ente in the IPA register. Sets `autenticato` once the certificate matched
    /// an agreement (later refusals are then logged in full, not rate-limited).
    fn cooperazione(
        &self,
        c: &Chiamata,
        e: &EServizio,
        giorno: NaiveDate,
        log: &mut NuovoAccesso,
        autenticato: &mut bool,
    ) -> Result<Ente, Rifiuto> {
        let client = c
            .connessione
            .as_ref()
            .and_then(|i| i.client.clone())
            .ok_or_else(|| {
                Rifiuto::accesso(
                    isee_pdnd::voucher::ErroreVoucher::Assente.codice(),
                    401,
                    format!(
                        "«{}» senza voucher PDND richiede TLS reciproco con il certificato client rilasciato all'ente (cooperazione applicativa): né voucher né certificato presentati",
                        e.nome
                    ),
                )
            })?;
        log.client_id = Some(format!(
            "cert:{}",
            &client.impronta_sha256[..client.impronta_sha256.len().min(32)]
        ));
        let convenzione = self
            .impostazioni
            .convenzioni
            .iter()
            .find(|k| {
                k.copre(e.codice)
                    && k.ammette_certificato(client.codice_ipa.as_deref(), &client.impronta_sha256)
            })
            .ok_or_else(|| {
                accesso_negato(
                    "CERTIFICATO_NON_CONVENZIONATO",
                    format!(
                        "Nessuna convenzione di cooperazione applicativa per «{}» ammette il certificato client (seriale {}, ente {}): usare il voucher PDND",
                        e.nome,
                        client.seriale,
                        client.codice_ipa.as_deref().unwrap_or("non indicato")
                    ),
                )
            })?;
        *autenticato = true;
        let finalita = convenzione.finalita();
        log.purpose_id = Some(finalita.clone());
        // The agreement's quota: refused calls count from here on, as for purposes.
        if let EsitoQuota::Esaurita { limite } = self.quote.consuma(
            &finalita,
            u64::from(convenzione.chiamate_giornaliere),
            giorno,
        ) {
            return Err(Rifiuto::quota_esaurita(limite));
        }
        // The user's identity as the ente declares it (no authentication level).
        if let Ok(r) = &c.richiesta {
            let identity = r.identity.as_ref().or(c.identity.as_ref()).ok_or_else(|| {
                Rifiuto::accesso(
                    "IDENTITY_ASSENTE",
                    401,
                    "In cooperazione applicativa la richiesta deve portare l'intestazione Identity (UserId, CodiceUfficio) dell'utente: Header/Identity in SOAP, INPS-Identity-UserId e INPS-Identity-CodiceUfficio in REST",
                )
            })?;
            log.operatore_cf_hash = Some(self.accessi.hash_cf(&identity.user_id));
            log.operatore_postazione = Some(identity.codice_ufficio.clone());
        }
        let enti = self.enti.read().unwrap_or_else(|p| p.into_inner()).clone();
        enti.per_ipa(&convenzione.ente_ipa).cloned().ok_or_else(|| {
            accesso_negato(
                "ENTE_NON_IN_IPA",
                format!(
                    "L'ente con codice IPA {} non è nell'Indice PA importato: importare i dati IPA aggiornati (isee enti importa)",
                    convenzione.ente_ipa
                ),
            )
        })
    }

    fn finalita(&self, e: &EServizio, v: &Voucher, giorno: NaiveDate) -> Result<(), Rifiuto> {
        let f = v
            .purpose_id
            .parse()
            .ok()
            .and_then(|id| self.directory.finalita(id))
            .ok_or_else(|| {
                accesso_negato(
                    "FINALITA_SCONOSCIUTA",
                    format!(
                        "La finalità {} del voucher non è registrata su PDND",
                        v.purpose_id
                    ),
                )
            })?;
        if !f.attiva {
            return Err(accesso_negato(
                "FINALITA_NON_ATTIVA",
                format!("La finalità {} non è attiva", v.purpose_id),
            ));
        }
        if f.eservice_id != self.attesi.per(e).eservice_id {
            return Err(accesso_negato(
                "FINALITA_ALTRO_ESERVIZIO",
                format!(
                    "La finalità {} è stata richiesta per un altro e-service, non per «{}»",
                    v.purpose_id, e.nome
                ),
            ));
        }
        if f.consumer_id.to_string() != v.consumer_id {
            return Err(accesso_negato(
                "FINALITA_ALTRO_FRUITORE",
                format!(
                    "La finalità {} appartiene a un altro ente fruitore",
                    v.purpose_id
                ),
            ));
        }
        match self
            .quote
            .consuma(&v.purpose_id, u64::from(f.chiamate_giornaliere), giorno)
        {
            EsitoQuota::Concessa { .. } => Ok(()),
            EsitoQuota::Esaurita { limite } => Err(Rifiuto::quota_esaurita(limite)),
        }
    }

    fn ente(&self, v: &Voucher) -> Result<Ente, Rifiuto> {
        let t = v
            .consumer_id
            .parse()
            .ok()
            .and_then(|id| self.directory.tenant(id))
            .ok_or_else(|| {
                accesso_negato(
                    "ENTE_SCONOSCIUTO",
                    format!("L'ente fruitore {} non è noto a PDND", v.consumer_id),
                )
            })?;
        let enti = self.enti.read().unwrap_or_else(|p| p.into_inner()).clone();
        enti.per_ipa(&t.codice_ipa).cloned().ok_or_else(|| {
            accesso_negato(
                "ENTE_NON_IN_IPA",
                format!(
                    "L'ente con codice IPA {} non è nell'Indice PA importato: importare i dati IPA aggiornati (isee enti importa)",
                    t.codice_ipa
                ),
            )
        })
    }

    async fn cerca(
        &self,
        e: &EServizio,
        r: &RichiestaSoap,
        ente: &Ente,
        giorno: NaiveDate,
    ) -> Result<Dati, Rifiuto> {
        use Operazione as Op;
        let p = &e.politica;
        match r.operazione {
            Op::ConsultazioneIndicatoreRiscontro | Op::ConsultazioneIndicatoreNucleoRiscontro => {
                let Ricerca::ProtDsu(pd) = &r.ricerca else {
                    return Err(Rifiuto::esito(
                        Esito::RichiestaInvalida,
                        "request/RicercaProtDSU: obbligatoria per il riscontro",
                    ));
                };
                let (reg, dsu) = self
                    .riscontro(&pd.protocollo_dsu, &pd.codice_fiscale_beneficiario, giorno)
                    .await?;
                let cf = CodiceFiscale::new(&pd.codice_fiscale_beneficiario);
                let tipo = r.tipo_indicatore.unwrap_or(TipoIndicatore::Ordinario);
                let nucleo = (r.operazione == Op::ConsultazioneIndicatoreNucleoRiscontro)
                    .then(|| dati::nucleo(&dsu));
                let v = dati::scegli_indicatore(&reg, dati::tipo_isee(tipo), &cf)
                    .ok_or_else(non_trovati)?;
                dati::indicatore(&reg, v, tipo, &r.ricerca, nucleo)
                    .map(Dati::Indicatore)
                    .ok_or_else(non_trovati)
            }
            Op::ConsultazioneDichiarazione => {
                let Ricerca::ProtDsu(pd) = &r.ricerca else {
                    return Err(Rifiuto::esito(
                        Esito::RichiestaInvalida,
                        "ricerca: protocollo_dsu e codice_fiscale_beneficiario obbligatori",
                    ));
                };
                let (reg, dsu) = self
                    .dichiarazione(&pd.protocollo_dsu, &pd.codice_fiscale_beneficiario)
                    .await?;
                let d = dati::dichiarazione(&reg, &dsu).map_err(|err| {
                    // The problems quote values and paths that hold fiscal codes: only
                    // their number goes to the log.
                    tracing::error!(problemi = err.problemi.len(), protocollo = %reg.protocollo, "DSU memorizzata non esportabile");
                    Rifiuto::esito(Esito::ErroreInterno, "Errore interno nella scrittura della DSU")
                })?;
                Ok(Dati::Dichiarazione(Box::new(d)))
            }
            Op::ConsultazioneAttestazione
            | Op::ConsultazioneAttestazioneResidenti
            | Op::ConsultazioneAttestazioneOperatori => {
                let reg = self.per_ricerca(&r.ricerca, giorno).await?;
                let (dsu, documenti) = self.dsu(&reg).await?;
                if p.solo_residenti {
                    residente(&dsu, ente)?;
                }
                let note = self
                    .registro
                    .store()
                    .annotazioni(&reg.protocollo)
                    .await
                    .map_err(|_| Rifiuto::registro_non_disponibile())?;
                let a = dati::attestazione(&reg, &dsu, &documenti, &note).map_err(|err| {
                    tracing::error!(errore = %err, protocollo = %reg.protocollo, "attestazione memorizzata illeggibile");
                    Rifiuto::esito(Esito::ErroreInterno, "Errore interno nella lettura dell'attestazione")
                })?;
                Ok(Dati::Attestazione(Box::new(a), r.ricerca.clone()))
            }
            Op::ConsultazioneIndicatore
            | Op::ConsultazioneIndicatoreResidenti
            | Op::ConsultazioneIndicatoreOperatori
            | Op::ConsultazioneSogliaIndicatore => {
                let cf = CodiceFiscale::new(r.ricerca.codice_fiscale());
                let reg = self.per_ricerca(&r.ricerca, giorno).await?;
                if p.solo_residenti {
                    let (dsu, _) = self.dsu(&reg).await?;
                    residente(&dsu, ente)?;
                }
                let (tipo, soglia) = if r.operazione == Op::ConsultazioneSogliaIndicatore {
                    let codice = r.codice_soglia.as_deref().unwrap_or_default();
                    let s = self.impostazioni.soglie.get(codice).ok_or_else(|| {
                        Rifiuto::esito(
                            Esito::RichiestaInvalida,
                            format!("request/@CodiceSoglia: soglia «{codice}» non configurata"),
                        )
                    })?;
                    let t = TipoIndicatore::da_nome(&s.tipo).unwrap_or(TipoIndicatore::Ordinario);
                    (t, Some(s))
                } else {
                    (r.tipo_indicatore.unwrap_or(TipoIndicatore::Ordinario), None)
                };
                let v = dati::scegli_indicatore(&reg, dati::tipo_isee(tipo), &cf)
                    .ok_or_else(non_trovati)?;
                match soglia {
                    Some(s) => {
                        let isee = v.valori.as_ref().map(|x| x.isee).ok_or_else(non_trovati)?;
                        let note = self
                            .registro
                            .store()
                            .annotazioni(&reg.protocollo)
                            .await
                            .map_err(|_| Rifiuto::registro_non_disponibile())?;
                        // FornituraNucleo="SI": the nucleus, so that the consumer can
                        // check that the person asked about belongs to it.
                        let componenti = if r.fornitura_nucleo {
                            dati::nucleo(&self.dsu(&reg).await?.0)
                        } else {
                            Vec::new()
                        };
                        Ok(Dati::Soglia(DatiSoglia {
                            tipo_indicatore: tipo_soglia(tipo),
                            sotto_soglia: isee <= s.importo,
                            protocollo_dsu: reg.protocollo.to_string(),
                            data_presentazione_dsu: reg.data_presentazione,
                            presenza_difformita: !note.is_empty(),
                            componenti,
                        }))
                    }
                    None => dati::indicatore(&reg, v, tipo, &r.ricerca, None)
                        .map(Dati::Indicatore)
                        .ok_or_else(non_trovati),
                }
            }
        }
    }

    /// The DSU a search designates, valid on `giorno`.
    async fn per_ricerca(
        &self,
        ricerca: &Ricerca,
        giorno: NaiveDate,
    ) -> Result<Registrazione, Rifiuto> {
        let offline = |_| Rifiuto::registro_non_disponibile();
        match ricerca {
            Ricerca::Cf(rc) => {
                let cf = CodiceFiscale::new(&rc.codice_fiscale);
                self.registro
                    .dsu_valida(&cf, giorno)
                    .await
                    .map_err(offline)?
                    .ok_or_else(non_trovati)
            }
            Ricerca::ProtDsu(pd) => {
                let prot: Protocollo = pd.protocollo_dsu.parse().map_err(|_| non_trovati())?;
                let reg = self
                    .registro
                    .per_protocollo(&prot)
                    .await
                    .map_err(offline)?
                    .filter(|r| r.tipo == TipoRegistrazione::Dsu && r.stato == StatoDsu::Attiva)
                    .ok_or_else(non_trovati)?;
                let (dsu, _) = self.dsu(&reg).await?;
                let cf = CodiceFiscale::new(&pd.codice_fiscale_beneficiario);
                if dsu.componente(&cf).is_none() {
                    return Err(non_trovati());
                }
                Ok(reg)
            }
            Ricerca::ProtMittente(pm) => {
                let cf = CodiceFiscale::new(&pm.codice_fiscale_beneficiario);
                self.registro
                    .storico(&cf)
                    .await
                    .map_err(offline)?
                    .into_iter()
                    .rev()
                    .find(|r| {
                        r.tipo == TipoRegistrazione::Dsu
                            && r.stato == StatoDsu::Attiva
                            && r.protocollo_mittente.as_deref()
                                == Some(pm.protocollo_mittente.as_str())
                    })
                    .ok_or_else(non_trovati)
            }
        }
    }

    /// The Riscontro check: the protocol must name an active DSU, valid today, whose
    /// nucleus lists the fiscal code. One answer for every mismatch, so that the
    /// service is not an oracle for which part was wrong.
    async fn riscontro(
        &self,
        protocollo: &str,
        cf: &str,
        giorno: NaiveDate,
    ) -> Result<(Registrazione, Dsu), Rifiuto> {
        let non_valido = || {
            Rifiuto::esito(
                Esito::RiscontroNonValido,
                "Il protocollo DSU indicato non corrisponde a una DSU valida del codice fiscale indicato",
            )
        };
        let prot: Protocollo = protocollo.parse().map_err(|_| non_valido())?;
        let reg = self
            .registro
            .per_protocollo(&prot)
            .await
            .map_err(|_| Rifiuto::registro_non_disponibile())?
            .ok_or_else(non_valido)?;
        if reg.tipo != TipoRegistrazione::Dsu
            || reg.stato != StatoDsu::Attiva
            || giorno < reg.validita.dal
            || giorno > reg.validita.al
        {
            return Err(non_valido());
        }
        let (dsu, _) = self.dsu(&reg).await?;
        if dsu.componente(&CodiceFiscale::new(cf)).is_none() {
            return Err(non_valido());
        }
        Ok((reg, dsu))
    }

    /// ConsultazioneDichiarazione's lookup: the DSU row of the protocol, in any
    /// state (a control concerns the DSU that was used, even if later rectified or
    /// annulled), whose nucleus lists `cf`. An unknown or malformed protocol, an
    /// ISEE corrente row, and a fiscal code outside the nucleus get one answer,
    /// `DATI_NON_TROVATI` (no oracle); the log tells the last apart
    /// (`FUORI_NUCLEO`).
    async fn dichiarazione(
        &self,
        protocollo: &str,
        cf: &str,
    ) -> Result<(Registrazione, Dsu), Rifiuto> {
        let prot: Protocollo = protocollo.parse().map_err(|_| non_trovati())?;
        let reg = self
            .registro
            .per_protocollo(&prot)
            .await
            .map_err(|_| Rifiuto::registro_non_disponibile())?
            .filter(|r| r.tipo == TipoRegistrazione::Dsu)
            .ok_or_else(non_trovati)?;
        let (dsu, _) = self.dsu(&reg).await?;
        if dsu.componente(&CodiceFiscale::new(cf)).is_none() {
            return Err(non_trovati().registrato_come("FUORI_NUCLEO"));
        }
        Ok((reg, dsu))
    }

    /// The stored DSU and attestation JSON of a row.
    async fn dsu(&self, reg: &Registrazione) -> Result<(Dsu, String), Rifiuto> {
        let doc = self
            .registro
            .store()
            .documenti(&reg.protocollo)
            .await
            .map_err(|_| Rifiuto::registro_non_disponibile())?
            .ok_or_else(non_trovati)?;
        let dsu = Dsu::da_json(&doc.dsu_json).map_err(|err| {
            tracing::error!(errore = %err, protocollo = %reg.protocollo, "DSU memorizzata illeggibile");
            Rifiuto::esito(Esito::ErroreInterno, "Errore interno nella lettura della DSU")
        })?;
        Ok((dsu, doc.attestazione_json))
    }
}

/// Who a refusal before the voucher is counted against: the client certificate
/// (its fingerprint), or else the peer's IP address.
fn fonte(connessione: Option<&InfoConnessione>) -> String {
    match connessione {
        Some(i) => match &i.client {
            Some(c) => format!(
                "cert:{}",
                &c.impronta_sha256[..c.impronta_sha256.len().min(32)]
            ),
            None => i.indirizzo.ip().to_string(),
        },
        None => "sconosciuta".into(),
    }
}

fn non_trovati() -> Rifiuto {
    Rifiuto::esito(
        Esito::DatiNonTrovati,
        "Nessuna DSU valida corrisponde alla ricerca",
    )
}

/// Residenti: the nucleus must reside in the calling Comune. A non-resident's DSU is
/// answered exactly like a missing one (the Comune learns nothing about people who
/// do not live there) and logged as `NON_RESIDENTE`.
fn residente(dsu: &Dsu, ente: &Ente) -> Result<(), Rifiuto> {
    let comune = dati::comune_residenza(dsu);
    match (&comune, &ente.codice_catastale) {
        (Some(c), Some(e)) if c == e => Ok(()),
        _ => Err(non_trovati().registrato_come("NON_RESIDENTE")),
    }
}

/// Purpose binding (circolare INPS 73/2015; consultazione-pdnd.md §5.2): every
/// consultation names the benefit and the ente's application it is for, although
/// the XSD marks both optional.
fn vincolo_domanda(r: &RichiestaSoap) -> Result<(), Rifiuto> {
    let d = r.ricerca.domanda();
    let radice = match &r.ricerca {
        Ricerca::Cf(_) => "request/RicercaCF",
        Ricerca::ProtDsu(_) => "request/RicercaProtDSU",
        Ricerca::ProtMittente(_) => "request/RicercaProtMittente",
    };
    let mut problemi = Vec::new();
    if d.prestazione.as_deref().is_none_or(str::is_empty) {
        problemi.push(format!(
            "{radice}/PrestazioneDaErogare: obbligatoria (la consultazione è consentita solo per una specifica prestazione)"
        ));
    }
    if d.protocollo_domanda
        .as_deref()
        .is_none_or(|s| s.trim().is_empty())
    {
        problemi.push(format!(
            "{radice}/ProtocolloDomandaEnteErogatore: obbligatorio (la consultazione è consentita solo per una domanda presentata all'ente)"
        ));
    }
    if problemi.is_empty() {
        Ok(())
    } else {
        Err(Rifiuto::esito(
            Esito::RichiestaInvalida,
            problemi.join("; "),
        ))
    }
}

/// The label of the old threshold service (`@TipoIndicatore`, §1.5) for the
/// indicator compared: the plain variant of each type (the register keeps one
/// indicator per type and beneficiary).
pub fn tipo_soglia(t: TipoIndicatore) -> TipoIndicatoreSoglia {
    match t {
        TipoIndicatore::Ordinario => TipoIndicatoreSoglia::Ordinario,
        TipoIndicatore::Minorenne => TipoIndicatoreSoglia::MinorenneOrdinario,
        TipoIndicatore::Universitario => TipoIndicatoreSoglia::UniversitarioOrdinario,
        TipoIndicatore::SocioSanitario => TipoIndicatoreSoglia::SociosanitarioRidotto,
        TipoIndicatore::Dottorato => TipoIndicatoreSoglia::DottoratoRicercaRidotto,
        TipoIndicatore::Residenziale => {
            TipoIndicatoreSoglia::ResidenzialeStandardSenzaFigliAggiuntivi
        }
    }
}
