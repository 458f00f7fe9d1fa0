//! The test environment: a register with real DSUs, a sandbox (local PDND, CA,
//! IPA/ISTAT extract, an authorised operator), the service built from the sandbox's
//! configuration with a pinned clock, and helpers that mint vouchers and evidence the
//! way PDND and an ente's software do.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt as _;
use isee_consultazione::catalogo::per_codice;
use isee_consultazione::{Servizio, app::app, avvio};
use isee_pdnd::jwk::ChiavePrivata;
use isee_registro::store::sql::Configurazione as ConfigStore;
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu, StoreSql};
use isee_sandbox::{
    BASE_AUDIENCE_LOCALE, Fruitore, ISSUER_LOCALE, OpzioniSandbox, Sandbox, prepara, producer_inps,
};
use isee_tls::{InfoConnessione, identita_da_der};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt as _;

pub(crate) const RAVENNA: &str = include_str!("../../../../esempi/ordinario-famiglia-ravenna.json");
pub(crate) const ROMA: &str = include_str!("../../../../esempi/famiglia-2026-roma.json");
pub(crate) const BOLOGNA: &str =
    include_str!("../../../../esempi/minorenni-componente-aggiuntiva-bologna.json");

/// The declarant of the Ravenna family (residence H199).
pub(crate) const CF_RAVENNA: &str = "RSSMRA85M01H199H";
/// A child of the Ravenna family.
pub(crate) const CF_FIGLIO_RAVENNA: &str = "RSSGLI15P10H199Z";

pub(crate) struct Ambiente {
    pub _tmp: tempfile::TempDir,
    pub sandbox: Sandbox,
    pub servizio: Arc<Servizio>,
    pub app: Router,
    pub pdnd: ChiavePrivata,
    pub adesso: DateTime<Utc>,
    /// Protocols of the filed DSUs: Ravenna, Roma, Bologna.
    pub protocolli: Vec<String>,
}

/// The pinned clock: mid-June 2026, inside the validity of the 2026 DSUs.
pub(crate) fn adesso() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 10, 0, 0).unwrap()
}

pub(crate) async fn ambiente() -> Ambiente {
    ambiente_con(100_000, |_| {}).await
}

/// `modifica` may edit the PDND state file before the service reads it.
pub(crate) async fn ambiente_con(chiamate: u32, modifica: impl FnOnce(&mut Value)) -> Ambiente {
    ambiente_configurato(chiamate, modifica, |_| {}).await
}

/// As [`ambiente_con`], and `configura` may edit the service's configuration.
pub(crate) async fn ambiente_configurato(
    chiamate: u32,
    modifica: impl FnOnce(&mut Value),
    configura: impl FnOnce(&mut Sandbox),
) -> Ambiente {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("registro.db");
    let store = StoreSql::connetti_con(ConfigStore::new(&format!(
        "sqlite://{}?mode=rwc",
        db.display()
    )))
    .await
    .unwrap();
    let registro = RegistroDsu::new(store);
    let mut protocolli = Vec::new();
    for (i, dsu) in [RAVENNA, ROMA, BOLOGNA].iter().enumerate() {
        let r = registro
            .presenta(PresentazioneDsu {
                dsu_json: dsu.to_string(),
                chiave_idempotenza: format!("k{i}"),
                mittente: "CAF-PROVA".into(),
                protocollo_mittente: Some(format!("CAF-PROVA-{i:04}")),
                operazione: Operazione::Nuova,
            })
            .await
            .unwrap();
        protocolli.push(r.protocollo.to_string());
    }
    let mut sandbox = prepara(&OpzioniSandbox {
        dir: tmp.path().join("sandbox"),
        db_registro: db.display().to_string(),
        indirizzo: "127.0.0.1:0".parse().unwrap(),
        tls: true,
        chiamate_giornaliere: chiamate,
    })
    .await
    .unwrap();
    let stato = sandbox.dir_pdnd.join("stato.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&stato).unwrap()).unwrap();
    modifica(&mut v);
    std::fs::write(&stato, serde_json::to_vec(&v).unwrap()).unwrap();
    let pdnd = ChiavePrivata::da_pem(
        &std::fs::read_to_string(sandbox.dir_pdnd.join("chiave-pdnd.pem")).unwrap(),
    )
    .unwrap();
    configura(&mut sandbox);
    let a = avvio::costruisci_con_orologio(&sandbox.configurazione, Arc::new(adesso))
        .await
        .unwrap();
    let app = app(a.servizio.clone());
    Ambiente {
        _tmp: tmp,
        sandbox,
        servizio: a.servizio,
        app,
        pdnd,
        adesso: adesso(),
        protocolli,
    }
}

/// What a call carries besides its body.
#[derive(Clone, Default)]
pub(crate) struct Credenziali {
    pub voucher: Option<String>,
    /// The IPA code of the fruitore whose client certificate is presented.
    pub certificato: Option<String>,
    pub evidenza: Option<String>,
}

pub(crate) struct Esito {
    pub stato: StatusCode,
    pub corpo: String,
    /// The body as sent (the DSU document is ISO-8859-1, not UTF-8).
    pub byte: Vec<u8>,
    pub intestazioni: axum::http::HeaderMap,
}

impl Esito {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.corpo).unwrap_or(Value::Null)
    }

    /// A response header's value.
    pub(crate) fn intestazione(&self, nome: &str) -> Option<String> {
        self.intestazioni
            .get(nome)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub(crate) fn codice(&self) -> String {
        self.json()["codice"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

impl Ambiente {
    pub(crate) fn fruitore(&self, ipa: &str) -> &Fruitore {
        self.sandbox.fruitore(ipa).unwrap()
    }

    /// The claims PDND puts in a voucher for `ipa` on `eservizio`.
    pub(crate) fn claims(&self, ipa: &str, eservizio: &str) -> Value {
        let f = self.fruitore(ipa);
        let e = per_codice(eservizio).unwrap();
        let ora = self.adesso.timestamp();
        let finalita = f
            .finalita_per(eservizio)
            .map(|x| x.to_string())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        json!({
            "iss": ISSUER_LOCALE,
            "sub": f.client_id.to_string(),
            "aud": [e.audience(BASE_AUDIENCE_LOCALE)],
            "exp": ora + 600,
            "nbf": ora,
            "iat": ora,
            "jti": uuid::Uuid::new_v4().to_string(),
            "client_id": f.client_id.to_string(),
            "purposeId": finalita,
            "producerId": producer_inps().to_string(),
            "consumerId": f.tenant_id.to_string(),
            "eserviceId": e.id().to_string(),
            "descriptorId": e.descriptor_id().to_string(),
        })
    }

    pub(crate) fn voucher(&self, ipa: &str, eservizio: &str) -> String {
        self.pdnd
            .firma("at+jwt", &self.claims(ipa, eservizio))
            .unwrap()
    }

    pub(crate) fn voucher_con(
        &self,
        ipa: &str,
        eservizio: &str,
        m: impl FnOnce(&mut Value),
    ) -> String {
        let mut c = self.claims(ipa, eservizio);
        m(&mut c);
        self.pdnd.firma("at+jwt", &c).unwrap()
    }

    /// AUDIT_REST_02 evidence signed with the fruitore's client key, and its digest.
    pub(crate) fn evidenza(
        &self,
        ipa: &str,
        eservizio: &str,
        operatore: &str,
        m: impl FnOnce(&mut Value),
    ) -> (String, String) {
        let f = self.fruitore(ipa);
        let chiave = ChiavePrivata::da_pem(&std::fs::read_to_string(&f.chiave).unwrap()).unwrap();
        let e = per_codice(eservizio).unwrap();
        let ora = self.adesso.timestamp();
        let mut c = json!({
            "iss": f.client_id.to_string(),
            "aud": e.audience(BASE_AUDIENCE_LOCALE),
            "iat": ora,
            "exp": ora + 300,
            "jti": uuid::Uuid::new_v4().to_string(),
            "purposeId": f.finalita_per(eservizio).unwrap().to_string(),
            "dnonce": 1234567890123u64,
            "userID": operatore,
            "userLocation": "PDL-UFFICIO-SOCIALE-07",
            "LoA": "https://www.spid.gov.it/SpidL2",
            "authnAssertion": "PHNhbWw6QXNzZXJ0aW9uPi4uLjwvc2FtbDpBc3NlcnRpb24+",
        });
        m(&mut c);
        let jws = chiave.firma("JWT", &c).unwrap();
        let digest = isee_hash::sha256_hex(jws.as_bytes());
        (jws, digest)
    }

    /// Voucher + evidence for an Operatori call, bound by the digest.
    pub(crate) fn operatore(&self, ipa: &str, eservizio: &str, operatore: &str) -> Credenziali {
        let (ev, digest) = self.evidenza(ipa, eservizio, operatore, |_| {});
        let v = self.voucher_con(ipa, eservizio, |c| {
            c["digest"] = json!({"alg": "SHA256", "value": digest});
        });
        Credenziali {
            voucher: Some(v),
            certificato: None,
            evidenza: Some(ev),
        }
    }

    fn connessione(&self, cert: Option<&str>) -> InfoConnessione {
        let client = cert.map(|ipa| {
            let (pem, _) = self.fruitore(ipa).certificato.clone().unwrap();
            let testo = std::fs::read_to_string(pem).unwrap();
            let der = rustls_pemfile_der(&testo);
            Arc::new(identita_da_der(&der).unwrap())
        });
        InfoConnessione {
            indirizzo: "127.0.0.1:40000".parse().unwrap(),
            tls: true,
            client,
        }
    }

    pub(crate) async fn chiama(
        &self,
        percorso: &str,
        cred: &Credenziali,
        intestazioni: &[(&str, &str)],
        corpo: Vec<u8>,
    ) -> Esito {
        let mut r = Request::post(percorso);
        if let Some(v) = &cred.voucher {
            r = r.header("authorization", format!("Bearer {v}"));
        }
        if let Some(e) = &cred.evidenza {
            r = r.header("agid-jwt-trackingevidence", e);
        }
        for (k, v) in intestazioni {
            r = r.header(*k, *v);
        }
        let mut req = r.body(Body::from(corpo)).unwrap();
        req.extensions_mut()
            .insert(self.connessione(cred.certificato.as_deref()));
        let risposta = self.app.clone().oneshot(req).await.unwrap();
        let stato = risposta.status();
        let intestazioni = risposta.headers().clone();
        let corpo = risposta.into_body().collect().await.unwrap().to_bytes();
        Esito {
            stato,
            corpo: String::from_utf8_lossy(&corpo).into_owned(),
            byte: corpo.to_vec(),
            intestazioni,
        }
    }

    pub(crate) async fn rest(
        &self,
        eservizio: &str,
        op: &str,
        cred: &Credenziali,
        corpo: Value,
    ) -> Esito {
        self.chiama(
            &format!("/rest/v1/{eservizio}/{op}"),
            cred,
            &[("content-type", "application/json")],
            corpo.to_string().into_bytes(),
        )
        .await
    }

    pub(crate) async fn soap(
        &self,
        endpoint: &str,
        operazione: &str,
        cred: &Credenziali,
        busta: String,
    ) -> Esito {
        let azione = format!("\"http://inps.it/ConsultazioneISEE/ISvcConsultazione/{operazione}\"");
        self.chiama(
            &format!("/pdnd/soap/ConsultazioneISEE/v2/{endpoint}"),
            cred,
            &[
                ("content-type", "text/xml; charset=utf-8"),
                ("soapaction", &azione),
            ],
            busta.into_bytes(),
        )
        .await
    }

    /// The access log, verified, as JSON lines.
    pub(crate) async fn registro_accessi(&self) -> Vec<isee_accessi::RecordAccesso> {
        let esito = self.servizio.accessi.verifica().await.unwrap();
        assert!(
            esito.problemi.is_empty(),
            "registro alterato: {:?}",
            esito.problemi
        );
        self.servizio
            .accessi
            .elenca(&isee_accessi::Filtro::default())
            .await
            .unwrap()
    }
}

/// The first certificate of a PEM text, as DER.
pub(crate) fn rustls_pemfile_der(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let b64: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

/// A REST body searching by fiscal code, bound to an application.
pub(crate) fn per_cf(cf: &str) -> Value {
    json!({
        "ricerca": {"codice_fiscale": cf, "data_validita": "2026-06-15"},
        "prestazione_da_erogare": "A1.07",
        "protocollo_domanda_ente_erogatore": "NIDO-2026-000123",
        "stato_domanda_prestazione": "Da Erogare",
    })
}

pub(crate) fn per_protocollo(protocollo: &str, cf: &str) -> Value {
    json!({
        "ricerca": {"protocollo_dsu": protocollo, "codice_fiscale_beneficiario": cf},
        "prestazione_da_erogare": "A1.07",
        "protocollo_domanda_ente_erogatore": "NIDO-2026-000123",
    })
}

/// A SOAP envelope as INPS's consumers send it (consultazione-pdnd.md §1.4).
pub(crate) fn busta_indicatore(operazione: &str, cf: &str, tipo: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:con="http://inps.it/ConsultazioneISEE">
  <soapenv:Header><inps:Identity xmlns:inps="http://inps.it/"><UserId>00354730392</UserId><CodiceUfficio>001</CodiceUfficio></inps:Identity></soapenv:Header>
  <soapenv:Body>
    <con:{operazione}><con:request>
      <con:TipoIndicatore>{tipo}</con:TipoIndicatore>
      <con:RicercaCF>
        <con:CodiceFiscale>{cf}</con:CodiceFiscale>
        <con:DataValidita>2026-06-15</con:DataValidita>
        <con:PrestazioneDaErogare>A1.07</con:PrestazioneDaErogare>
        <con:ProtocolloDomandaEnteErogatore>NIDO-2026-000123</con:ProtocolloDomandaEnteErogatore>
        <con:StatodomandaPrestazione>Da Erogare</con:StatodomandaPrestazione>
      </con:RicercaCF>
    </con:request></con:{operazione}>
  </soapenv:Body>
</soapenv:Envelope>"#
    )
}

pub(crate) fn busta_attestazione(operazione: &str, cf: &str) -> String {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:con="http://inps.it/ConsultazioneISEE">
  <soapenv:Header><inps:Identity xmlns:inps="http://inps.it/"><UserId>00354730392</UserId><CodiceUfficio>001</CodiceUfficio></inps:Identity></soapenv:Header>
  <soapenv:Body><con:{operazione}><con:request>
      <con:RicercaCF><con:CodiceFiscale>{cf}</con:CodiceFiscale><con:DataValidita>2026-06-15</con:DataValidita>
        <con:PrestazioneDaErogare>A1.07</con:PrestazioneDaErogare><con:ProtocolloDomandaEnteErogatore>NIDO-1</con:ProtocolloDomandaEnteErogatore></con:RicercaCF>
  </con:request></con:{operazione}></soapenv:Body>
</soapenv:Envelope>"#
    )
}

pub(crate) fn busta_riscontro(operazione: &str, protocollo: &str, cf: &str) -> String {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:con="http://inps.it/ConsultazioneISEE">
  <soapenv:Body><con:{operazione}><con:request>
      <con:TipoIndicatore>Ordinario</con:TipoIndicatore>
      <con:RicercaProtDSU><con:ProtocolloDSU>{protocollo}</con:ProtocolloDSU><con:CodiceFiscaleBeneficiario>{cf}</con:CodiceFiscaleBeneficiario>
        <con:PrestazioneDaErogare>A1.07</con:PrestazioneDaErogare><con:ProtocolloDomandaEnteErogatore>NIDO-1</con:ProtocolloDomandaEnteErogatore></con:RicercaProtDSU>
  </con:request></con:{operazione}></soapenv:Body>
</soapenv:Envelope>"#
    )
}

/// INPS's threshold request (`ConsultazioneISEE_soglia.xsd`) as a JAX-WS client
/// writes it: single-quoted declaration, `S:`/`ns2:` prefixes, the four fields as
/// attributes of `request`, the nucleus asked for.
pub(crate) fn busta_soglia(codice: &str, cf: &str) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body><ns2:ConsultazioneSogliaIndicatore xmlns:ns2=\"http://inps.it/ConsultazioneISEE\" xmlns:ns3=\"http://inps.it/\"><ns2:request CodiceFiscale=\"{cf}\" CodiceSoglia=\"{codice}\" FornituraNucleo=\"SI\" DataValidita=\"2026-06-15\"/></ns2:ConsultazioneSogliaIndicatore></S:Body></S:Envelope>"
    )
}

/// Validates an answer the service sent (`op` names the operation) with xmllint:
/// the envelope against INPS's message schema where INPS publishes the operation
/// and against ours always; the inner document against INPS's
/// `ISEE_EsitoConsultazione*.xsd`, with only the documented extensions taken out
/// (`Ordinario/ISEEFamiglia`, the nucleus of the Nucleo Riscontro).
pub(crate) fn valida_inps(op: &str, corpo: &str) {
    use isee_prova::xsd::{riferimenti_inps, schema_busta, valida};
    use std::path::Path;
    let radice = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inps = riferimenti_inps(radice);
    let nostro = radice.join("../isee-soap/wsdl/ConsultazioneISEE.xsd");
    const NS: &str = "http://inps.it/ConsultazioneISEE";
    let mut schemi = vec![schema_busta(&[(NS, &nostro)])];
    match op {
        "ConsultazioneIndicatore" | "ConsultazioneAttestazione" => {
            let x = inps.join("ConsultazioneISEE_v2.8_PDND.xsd");
            schemi.push(schema_busta(&[(NS, &x)]));
        }
        "ConsultazioneSogliaIndicatore" => {
            let x = inps.join("ConsultazioneISEE_soglia.xsd");
            schemi.push(schema_busta(&[(NS, &x)]));
        }
        _ => {}
    }
    for schema in &schemi {
        if let Err(e) = valida(schema, op, corpo.as_bytes()) {
            panic!("{e}\n{corpo}");
        }
    }
    for elemento in ["XmlEsitoIndicatore", "XmlEsitoAttestazione"] {
        let Some(i) = corpo.find(&format!("<{elemento}>")) else {
            continue;
        };
        let resto = &corpo[i + elemento.len() + 2..];
        let b64 = &resto[..resto.find('<').unwrap()];
        use base64::Engine as _;
        let interno = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let testo = String::from_utf8(interno).unwrap();
        let (xsd, estensione) = if elemento == "XmlEsitoAttestazione" {
            ("ISEE_EsitoConsultazioneAttestazione.xsd", "ISEEFamiglia")
        } else {
            ("ISEE_EsitoConsultazioneIndicatore.xsd", "NucleoFamiliare")
        };
        let senza = senza_elemento(&testo, estensione);
        if let Err(e) = valida(&inps.join(xsd), &format!("{op}-interno"), senza.as_bytes()) {
            panic!("{e}\n{testo}");
        }
    }
}

/// `xml` without its first `<nome …>…</nome>` element.
fn senza_elemento(xml: &str, nome: &str) -> String {
    let Some(inizio) = xml.find(&format!("<{nome}")) else {
        return xml.to_owned();
    };
    let chiusura = format!("</{nome}>");
    let fine = match xml[inizio..].find(&chiusura) {
        Some(f) => inizio + f + chiusura.len(),
        None => inizio + xml[inizio..].find("/>").unwrap() + 2,
    };
    format!("{}{}", &xml[..inizio], &xml[fine..])
}
