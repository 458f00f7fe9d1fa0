//! The local PDND's token endpoint logic: the client assertion by PDND's strict rules
//! (§2.2 of the research notes) and the voucher it issues.
//!
//! Unlike PDND, which answers every failure with the opaque `015-0008 Unable to generate a
//! token for the given request`, each rule here has its own code and an Italian message
//! naming what was wrong: that opacity is the first complaint of PDND's users.
//!
//! The structural checks run first, on the unverified token (as PDND does), then the
//! client, key and signature, then the purpose.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

use crate::errore::{ErrorePdnd, Result};
use crate::jose::{self, Difetto};
use crate::jwk::{ChiavePrivata, kid_ben_formato};
use crate::stato::StatoPdnd;

/// The only `client_assertion_type` (RFC 7523).
pub const TIPO_ASSERZIONE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The claims PDND allows in a client assertion since June/July 2025; any other is refused.
pub const CLAIM_AMMESSI: [&str; 8] = [
    "iss",
    "sub",
    "aud",
    "jti",
    "iat",
    "exp",
    "purposeId",
    "digest",
];

/// The longest client-assertion lifetime (`exp − iat`) accepted: 15 minutes. An
/// assertion valid for ten years is a standing password; PagoPA's own examples and
/// the `isee pdnd` helpers use 5–10 minutes (docs/SCELTE.md).
pub const DURATA_MASSIMA_ASSERZIONE_S: i64 = 900;

/// The longest `jti` accepted (the replay cache keeps every `jti` until its `exp`).
pub const JTI_MASSIMO: usize = 255;

/// The most assertions remembered at once; beyond, new ones are refused until old
/// ones expire (with the lifetime cap, that is a rate above 1,000 vouchers a second).
pub const ASSERZIONI_RICORDATE_MASSIME: usize = 1_000_000;

/// Clock skew allowed on the assertion's `iat`: a consumer whose clock runs a few seconds
/// ahead should not fail. `exp` gets none, as at PDND.
pub const TOLLERANZA_IAT_S: i64 = 5;

/// The form of `POST /token.oauth2`. Every field is optional so that a missing one is
/// reported by name rather than as an undecodable form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RichiestaToken {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_assertion_type: Option<String>,
    pub client_assertion: Option<String>,
}

impl RichiestaToken {
    pub fn new(client_id: &str, asserzione: &str) -> Self {
        RichiestaToken {
            grant_type: Some("client_credentials".into()),
            client_id: Some(client_id.into()),
            client_assertion_type: Some(TIPO_ASSERZIONE.into()),
            client_assertion: Some(asserzione.into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RispostaToken {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
}

/// Why no voucher was issued. See [`ErroreAsserzione::codice`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.messaggio())]
pub enum ErroreAsserzione {
    GrantType {
        trovato: Option<String>,
    },
    TipoAsserzione {
        trovato: Option<String>,
    },
    CampoAssente {
        campo: &'static str,
    },
    ClientId {
        trovato: String,
    },
    Malformata {
        motivo: String,
    },
    Alg {
        trovato: Option<String>,
    },
    Kid {
        trovato: Option<String>,
    },
    ClaimNonAmmessi {
        claims: Vec<String>,
    },
    ClaimAssente {
        claim: &'static str,
    },
    Sub {
        sub: String,
        client_id: String,
    },
    Aud {
        atteso: String,
        trovato: Vec<String>,
    },
    AudSchema {
        trovato: String,
    },
    Scaduta {
        exp: i64,
        adesso: i64,
    },
    IatFuturo {
        iat: i64,
        adesso: i64,
    },
    Durata {
        iat: i64,
        exp: i64,
    },
    Riutilizzata {
        jti: String,
    },
    Purpose {
        motivo: String,
    },
    Digest {
        motivo: String,
    },
    ClientSconosciuto {
        client_id: String,
    },
    ChiaveNonRegistrata {
        kid: String,
        client_id: String,
    },
    Firma,
    FinalitaSconosciuta {
        purpose_id: String,
    },
    FinalitaNonAttiva {
        purpose_id: String,
    },
    FinalitaAltroFruitore {
        purpose_id: String,
    },
    EServizioSconosciuto {
        eservice_id: String,
    },
    Interno {
        motivo: String,
    },
}

impl ErroreAsserzione {
    pub fn codice(&self) -> &'static str {
        use ErroreAsserzione::*;
        match self {
            GrantType { .. } => "RICHIESTA_GRANT_TYPE",
            TipoAsserzione { .. } => "RICHIESTA_TIPO_ASSERZIONE",
            CampoAssente { .. } => "RICHIESTA_CAMPO_ASSENTE",
            ClientId { .. } => "RICHIESTA_CLIENT_ID",
            Malformata { .. } => "ASSERZIONE_MALFORMATA",
            Alg { .. } => "ASSERZIONE_ALG",
            Kid { .. } => "ASSERZIONE_KID",
            ClaimNonAmmessi { .. } => "ASSERZIONE_CLAIM_NON_AMMESSI",
            ClaimAssente { .. } => "ASSERZIONE_CLAIM_ASSENTE",
            Sub { .. } => "ASSERZIONE_SUB",
            Aud { .. } => "ASSERZIONE_AUD",
            AudSchema { .. } => "ASSERZIONE_AUD_SCHEMA",
            Scaduta { .. } => "ASSERZIONE_SCADUTA",
            IatFuturo { .. } => "ASSERZIONE_IAT_FUTURO",
            Durata { .. } => "ASSERZIONE_DURATA",
            Riutilizzata { .. } => "ASSERZIONE_RIUTILIZZATA",
            Purpose { .. } => "ASSERZIONE_PURPOSE",
            Digest { .. } => "ASSERZIONE_DIGEST",
            ClientSconosciuto { .. } => "CLIENT_SCONOSCIUTO",
            ChiaveNonRegistrata { .. } => "ASSERZIONE_CHIAVE",
            Firma => "ASSERZIONE_FIRMA",
            FinalitaSconosciuta { .. } => "FINALITA_SCONOSCIUTA",
            FinalitaNonAttiva { .. } => "FINALITA_NON_ATTIVA",
            FinalitaAltroFruitore { .. } => "FINALITA_ALTRO_FRUITORE",
            EServizioSconosciuto { .. } => "ESERVIZIO_SCONOSCIUTO",
            Interno { .. } => "ERRORE_INTERNO",
        }
    }

    /// The RFC 6749 §5.2 `error` value.
    pub fn errore_oauth(&self) -> &'static str {
        use ErroreAsserzione::*;
        match self {
            GrantType { .. } => "unsupported_grant_type",
            TipoAsserzione { .. } | CampoAssente { .. } | ClientId { .. } => "invalid_request",
            FinalitaSconosciuta { .. }
            | FinalitaNonAttiva { .. }
            | FinalitaAltroFruitore { .. }
            | EServizioSconosciuto { .. } => "unauthorized_client",
            Interno { .. } => "server_error",
            _ => "invalid_client",
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            ErroreAsserzione::Interno { .. } => 500,
            _ => 400,
        }
    }

    pub fn messaggio(&self) -> String {
        use ErroreAsserzione::*;
        let mostra = |v: &Option<String>| {
            v.as_deref()
                .map_or_else(|| "assente".to_owned(), |s| format!("«{}»", jose::breve(s)))
        };
        match self {
            GrantType { trovato } => format!(
                "grant_type {}: ammesso solo «client_credentials»",
                mostra(trovato)
            ),
            TipoAsserzione { trovato } => format!(
                "client_assertion_type {}: atteso «{TIPO_ASSERZIONE}»",
                mostra(trovato)
            ),
            CampoAssente { campo } => format!("manca il campo «{campo}» del form"),
            ClientId { trovato } => format!("client_id «{trovato}» non è un UUID"),
            Malformata { motivo } => format!(
                "la client assertion non è un JWT valido: {}",
                jose::breve(motivo)
            ),
            Alg { trovato } => format!(
                "l'header della client assertion ha alg {}: PDND accetta solo «RS256»",
                mostra(trovato)
            ),
            Kid { trovato } => format!(
                "l'header della client assertion ha kid {}: serve l'impronta RFC 7638 della chiave (43 caratteri base64url) mostrata da PDND",
                mostra(trovato)
            ),
            ClaimNonAmmessi { claims } => format!(
                "claim non ammessi nella client assertion: {}{} (PDND accetta solo iss, sub, aud, jti, iat, exp, purposeId, digest)",
                claims
                    .iter()
                    .take(10)
                    .map(|c| jose::breve(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                if claims.len() > 10 {
                    format!(" e altri {}", claims.len() - 10)
                } else {
                    String::new()
                }
            ),
            ClaimAssente { claim } => {
                format!("la client assertion non ha il claim «{claim}» (o non è del tipo previsto)")
            }
            Sub { sub, client_id } => format!(
                "sub «{sub}» diverso dal client_id «{client_id}» del form (devono coincidere ed essere UUID)"
            ),
            Aud { atteso, trovato } => format!(
                "aud [{}] non contiene «{atteso}»",
                trovato
                    .iter()
                    .take(3)
                    .map(|a| format!("«{}»", jose::breve(a)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            AudSchema { trovato } => format!(
                "aud «{}» non deve iniziare con https:// (il valore atteso è senza schema)",
                jose::breve(trovato)
            ),
            Scaduta { exp, adesso } => {
                format!("la client assertion è scaduta (exp {exp}, ora {adesso})")
            }
            IatFuturo { iat, adesso } => format!(
                "la client assertion è emessa nel futuro (iat {iat}, ora {adesso}): controllare l'orologio"
            ),
            Durata { iat, exp } => format!(
                "la client assertion dura {} secondi (iat {iat}, exp {exp}): al massimo \
                 {DURATA_MASSIMA_ASSERZIONE_S} secondi; firmarne una nuova per ogni richiesta di voucher",
                exp.saturating_sub(*iat)
            ),
            Riutilizzata { jti } => format!(
                "la client assertion con jti «{}» è già stata usata: ogni richiesta di voucher \
                 vuole un'asserzione nuova, con un jti mai usato",
                jose::breve(jti)
            ),
            Purpose { motivo } => format!("purposeId non valido: {motivo}"),
            Digest { motivo } => format!(
                "digest non valido: {motivo} (atteso {{\"alg\":\"SHA256\",\"value\":<64 caratteri esadecimali>}})"
            ),
            ClientSconosciuto { client_id } => format!("il client «{client_id}» non è registrato"),
            ChiaveNonRegistrata { kid, client_id } => {
                format!("la chiave «{kid}» non è registrata per il client «{client_id}»")
            }
            Firma => {
                "la firma della client assertion non è valida per la chiave indicata dal kid".into()
            }
            FinalitaSconosciuta { purpose_id } => format!("la finalità «{purpose_id}» non esiste"),
            FinalitaNonAttiva { purpose_id } => format!("la finalità «{purpose_id}» non è attiva"),
            FinalitaAltroFruitore { purpose_id } => format!(
                "la finalità «{purpose_id}» appartiene a un altro fruitore, non a quello del client"
            ),
            EServizioSconosciuto { eservice_id } => {
                format!("l'e-service «{eservice_id}» della finalità non esiste")
            }
            Interno { motivo } => format!("errore interno: {motivo}"),
        }
    }
}

/// The client assertions already used, each kept until its `exp`: a replayed
/// assertion gets no second voucher. Keyed by client and `jti`; expired entries are
/// dropped as new ones come.
#[derive(Debug, Default)]
pub struct AsserzioniUsate {
    viste: Mutex<HashMap<(Uuid, String), i64>>,
}

impl AsserzioniUsate {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the assertion; `Ok(false)` if the same client already used this `jti`
    /// and it has not expired.
    fn segna(
        &self,
        client: Uuid,
        jti: &str,
        exp: i64,
        adesso: i64,
    ) -> std::result::Result<bool, ErroreAsserzione> {
        let mut viste = self.viste.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&scade) = viste.get(&(client, jti.to_owned()))
            && scade > adesso
        {
            return Ok(false);
        }
        if viste.len() >= ASSERZIONI_RICORDATE_MASSIME / 2 {
            viste.retain(|_, scade| *scade > adesso);
        }
        if viste.len() >= ASSERZIONI_RICORDATE_MASSIME {
            return Err(ErroreAsserzione::Interno {
                motivo: "troppe client assertion in uso: riprovare tra qualche minuto".into(),
            });
        }
        viste.insert((client, jti.to_owned()), exp);
        Ok(true)
    }

    /// Assertions remembered now.
    pub fn quante(&self) -> usize {
        self.viste.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Checks the token request and, when every rule holds, issues a voucher signed by
/// `chiave`. `usate` remembers the assertions already exchanged (one per server).
pub fn emetti_voucher(
    stato: &StatoPdnd,
    chiave: &ChiavePrivata,
    r: &RichiestaToken,
    adesso: i64,
    usate: &AsserzioniUsate,
) -> std::result::Result<RispostaToken, ErroreAsserzione> {
    use ErroreAsserzione as E;
    match r.grant_type.as_deref() {
        Some("client_credentials") => {}
        altro => {
            return Err(E::GrantType {
                trovato: altro.map(str::to_owned),
            });
        }
    }
    match r.client_assertion_type.as_deref() {
        Some(TIPO_ASSERZIONE) => {}
        altro => {
            return Err(E::TipoAsserzione {
                trovato: altro.map(str::to_owned),
            });
        }
    }
    let client_id_testo = r
        .client_id
        .as_deref()
        .ok_or(E::CampoAssente { campo: "client_id" })?;
    let client_id = Uuid::parse_str(client_id_testo).map_err(|_| E::ClientId {
        trovato: client_id_testo.chars().take(64).collect(),
    })?;
    let token = r
        .client_assertion
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(E::CampoAssente {
            campo: "client_assertion",
        })?;

    // 1. Structure, on the unverified token.
    let parti = jose::separa(token).ok_or_else(|| E::Malformata {
        motivo: "servono tre parti base64url separate da punti".into(),
    })?;
    let h = jose::intestazione(parti.intestazione).ok_or_else(|| E::Malformata {
        motivo: "l'header non è un oggetto JSON in base64url".into(),
    })?;
    if h.alg() != Some("RS256") {
        return Err(E::Alg {
            trovato: h.alg_testo(),
        });
    }
    let kid = match h.kid() {
        Some(k) if kid_ben_formato(k) => k,
        _ => {
            return Err(E::Kid {
                trovato: h.kid.as_ref().map(jose::testo_breve),
            });
        }
    };
    let c = jose::payload(parti.payload).ok_or_else(|| E::Malformata {
        motivo: "il payload non è un oggetto JSON in base64url".into(),
    })?;
    let Controllata {
        purpose_id,
        jti,
        exp,
    } = verifica_claims(&c, client_id, &stato.audience_asserzione, adesso)?;

    // 2. Client, key, signature.
    let client = stato.client(client_id).ok_or(E::ClientSconosciuto {
        client_id: client_id.to_string(),
    })?;
    let jwk =
        client
            .chiavi
            .iter()
            .find(|k| k.kid == kid)
            .ok_or_else(|| E::ChiaveNonRegistrata {
                kid: kid.to_owned(),
                client_id: client_id.to_string(),
            })?;
    let verifica = jwk.chiave_verifica().map_err(|e| E::Interno {
        motivo: e.to_string(),
    })?;
    jose::verifica_rs256(token, &verifica).map_err(|e| {
        if jose::errore_di_firma(&e) {
            E::Firma
        } else {
            E::Malformata {
                motivo: e.to_string(),
            }
        }
    })?;
    // Only a signed assertion is remembered: a forger cannot burn someone's `jti`.
    if !usate.segna(client_id, &jti, exp, adesso)? {
        return Err(E::Riutilizzata { jti });
    }

    // 3. Purpose, e-service.
    let p = purpose_id.to_string();
    let finalita = stato
        .finalita(purpose_id)
        .ok_or_else(|| E::FinalitaSconosciuta {
            purpose_id: p.clone(),
        })?;
    if finalita.consumer_id != client.consumer_id {
        return Err(E::FinalitaAltroFruitore { purpose_id: p });
    }
    if !finalita.attiva {
        return Err(E::FinalitaNonAttiva { purpose_id: p });
    }
    let es = stato
        .eservizio(finalita.eservice_id)
        .ok_or_else(|| E::EServizioSconosciuto {
            eservice_id: finalita.eservice_id.to_string(),
        })?;

    let mut claims = json!({
        "iss": stato.issuer,
        "sub": client_id.to_string(),
        "aud": [es.audience],
        "iat": adesso,
        "nbf": adesso,
        "exp": adesso.saturating_add(es.durata_voucher_s),
        "jti": Uuid::new_v4().to_string(),
        "client_id": client_id.to_string(),
        "purposeId": p,
        "producerId": es.producer_id.to_string(),
        "consumerId": client.consumer_id.to_string(),
        "eserviceId": es.id.to_string(),
        "descriptorId": es.descriptor_id.to_string(),
    });
    if let (Some(d), Some(m)) = (c.get("digest"), claims.as_object_mut()) {
        // Verbatim, as PDND does: the provider compares it case-insensitively.
        m.insert("digest".into(), d.clone());
    }
    let mut intestazione = Map::new();
    intestazione.insert("typ".into(), "at+jwt".into());
    intestazione.insert("use".into(), "sig".into());
    let access_token = chiave
        .firma_con_intestazione(intestazione, &claims)
        .map_err(|e| E::Interno {
            motivo: e.to_string(),
        })?;
    Ok(RispostaToken {
        access_token,
        token_type: "Bearer".into(),
        expires_in: es.durata_voucher_s,
    })
}

/// What the payload rules return.
struct Controllata {
    purpose_id: Uuid,
    jti: String,
    exp: i64,
}

/// The payload rules.
fn verifica_claims(
    c: &Map<String, Value>,
    client_id: Uuid,
    audience: &str,
    adesso: i64,
) -> std::result::Result<Controllata, ErroreAsserzione> {
    use ErroreAsserzione as E;
    let mut estranei: Vec<String> = c
        .keys()
        .filter(|k| !CLAIM_AMMESSI.contains(&k.as_str()))
        .map(|k| k.chars().take(64).collect())
        .collect();
    if !estranei.is_empty() {
        estranei.sort();
        return Err(E::ClaimNonAmmessi { claims: estranei });
    }
    let stringa = |nome: &'static str| match jose::stringa(c, nome) {
        Ok(s) if !s.is_empty() => Ok(s),
        _ => Err(E::ClaimAssente { claim: nome }),
    };
    stringa("iss")?;
    let jti = stringa("jti")?;
    if jti.len() > JTI_MASSIMO {
        return Err(E::Malformata {
            motivo: format!("jti di {} byte: al massimo {JTI_MASSIMO}", jti.len()),
        });
    }
    let sub = stringa("sub")?;
    if Uuid::parse_str(sub).ok() != Some(client_id) {
        return Err(E::Sub {
            sub: sub.chars().take(64).collect(),
            client_id: client_id.to_string(),
        });
    }
    let aud = jose::audience(c, "aud").map_err(|_| E::ClaimAssente { claim: "aud" })?;
    if let Some(a) = aud
        .iter()
        .find(|a| a.to_ascii_lowercase().starts_with("https://"))
    {
        return Err(E::AudSchema {
            trovato: jose::breve(a),
        });
    }
    if !aud.iter().any(|a| a == audience) {
        return Err(E::Aud {
            atteso: audience.to_owned(),
            trovato: aud,
        });
    }
    let exp = jose::intero(c, "exp").map_err(|_| E::ClaimAssente { claim: "exp" })?;
    if exp <= adesso {
        return Err(E::Scaduta { exp, adesso });
    }
    let iat = jose::intero(c, "iat").map_err(|_| E::ClaimAssente { claim: "iat" })?;
    if iat > adesso.saturating_add(TOLLERANZA_IAT_S) {
        return Err(E::IatFuturo { iat, adesso });
    }
    if exp.saturating_sub(iat) > DURATA_MASSIMA_ASSERZIONE_S || iat < 0 {
        return Err(E::Durata { iat, exp });
    }
    let purpose = match jose::stringa(c, "purposeId") {
        Ok(p) => Uuid::parse_str(p).map_err(|_| E::Purpose {
            motivo: format!("«{}» non è un UUID", p.chars().take(64).collect::<String>()),
        })?,
        Err(Difetto::Assente) => {
            return Err(E::Purpose {
                motivo: "claim purposeId assente, obbligatorio per un voucher di e-service".into(),
            });
        }
        Err(Difetto::Tipo) => {
            return Err(E::Purpose {
                motivo: "purposeId deve essere una stringa".into(),
            });
        }
    };
    if let Some(d) = c.get("digest") {
        verifica_digest(d)?;
    }
    Ok(Controllata {
        purpose_id: purpose,
        jti: jti.to_owned(),
        exp,
    })
}

fn verifica_digest(d: &Value) -> std::result::Result<(), ErroreAsserzione> {
    let errore = |motivo: &str| ErroreAsserzione::Digest {
        motivo: motivo.to_owned(),
    };
    let m = d.as_object().ok_or_else(|| errore("non è un oggetto"))?;
    if let Some(k) = m.keys().find(|k| *k != "alg" && *k != "value") {
        return Err(errore(&format!(
            "campo «{}» non ammesso",
            k.chars().take(32).collect::<String>()
        )));
    }
    if m.get("alg").and_then(Value::as_str) != Some("SHA256") {
        return Err(errore("alg deve essere «SHA256»"));
    }
    let v = m
        .get("value")
        .and_then(Value::as_str)
        .ok_or_else(|| errore("value assente"))?;
    if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(errore("value deve avere 64 caratteri esadecimali"));
    }
    Ok(())
}

/// Signs a client assertion as a consumer would (the `isee pdnd asserzione` helper).
pub fn crea_asserzione(
    chiave: &ChiavePrivata,
    client_id: &str,
    purpose_id: &str,
    aud: &str,
    digest: Option<&str>,
    iat: i64,
    durata_s: i64,
) -> Result<String> {
    let mut claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "jti": Uuid::new_v4().to_string(),
        "iat": iat,
        "exp": iat.saturating_add(durata_s),
        "purposeId": purpose_id,
    });
    if let (Some(d), Some(m)) = (digest, claims.as_object_mut()) {
        m.insert("digest".into(), json!({"alg": "SHA256", "value": d}));
    }
    chiave.firma("JWT", &claims)
}

/// Asks a PDND (`http://` base URL) for a voucher. A refusal carries PDND's JSON answer.
pub async fn richiedi_voucher(
    url_pdnd: &str,
    client_id: &str,
    asserzione: &str,
) -> Result<RispostaToken> {
    let url = format!("{}/token.oauth2", url_pdnd.trim_end_matches('/'));
    let corpo =
        serde_urlencoded::to_string(RichiestaToken::new(client_id, asserzione)).map_err(|e| {
            ErrorePdnd::Http {
                url: url.clone(),
                motivo: e.to_string(),
            }
        })?;
    let r = crate::http::richiesta(
        hyper::Method::POST,
        &url,
        Some("application/x-www-form-urlencoded"),
        corpo.into_bytes(),
    )
    .await?;
    if r.status != 200 {
        return Err(ErrorePdnd::Http {
            url,
            motivo: format!(
                "stato HTTP {}: {}",
                r.status,
                String::from_utf8_lossy(&r.corpo)
            ),
        });
    }
    serde_json::from_slice(&r.corpo).map_err(|errore| ErrorePdnd::Json {
        origine: url,
        errore,
    })
}
