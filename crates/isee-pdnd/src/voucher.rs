//! Provider-side validation of a PDND voucher (checklist §2.4, items 1–4).
//!
//! Every check has its own error and stable code, so that a consumer told "no" knows
//! whether to call PDND's support or ours (the most common complaint about PDND is the
//! single opaque error). The order is: header of the request, JOSE header (`alg` before
//! any key lookup, so `none`/HS256 never reach the key cache), key, signature, claims.
//!
//! The time is an argument: validation never reads the clock.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::jose;
use crate::jwks::CacheJwks;

/// A string claim of a bearer voucher (`Authorization: Bearer <jws>`), read **without
/// any check**: only to choose which expectations the voucher is then validated
/// against (the single SOAP endpoint picks the e-service of the threshold query by the
/// voucher's `eserviceId`). `None` unless the header holds a well-formed compact JWS.
pub fn claim_non_verificato(authorization: Option<&str>, nome: &str) -> Option<String> {
    let token = authorization?.strip_prefix("Bearer ")?;
    let parti = jose::separa(token)?;
    jose::payload(parti.payload)?
        .get(nome)?
        .as_str()
        .map(str::to_string)
}

/// What this e-service expects of a voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttesoVoucher {
    /// PDND's issuer (`interop.pagopa.it` in production).
    pub issuer: String,
    /// The audience of this e-service's descriptor.
    pub audience: String,
    pub eservice_id: String,
    pub descriptor_id: String,
    /// The provider's tenant id (INPS's), checked when given.
    pub producer_id: Option<String>,
    /// Clock skew allowed on `exp`, `nbf`, `iat`, in seconds.
    pub tolleranza_s: i64,
    /// Longest lifetime (`exp − iat`) accepted, in seconds
    /// ([`DURATA_MASSIMA_VOUCHER_S`] unless the provider knows its descriptors'
    /// `voucherLifespan`): a voucher valid for a century, or with a negative `iat`, is
    /// refused even when PDND's key signed it.
    pub durata_massima_s: i64,
}

/// The longest voucher lifetime accepted by default: one day, the most PDND's back
/// office lets a provider set as a descriptor's `voucherLifespan` (docs/SCELTE.md).
pub const DURATA_MASSIMA_VOUCHER_S: i64 = 86_400;

/// `digest` claim: the SHA-256 of the AUDIT_REST_02 evidence, copied by PDND.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    pub alg: String,
    pub value: String,
}

/// A voucher that passed every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    pub jti: String,
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub client_id: String,
    #[serde(rename = "purposeId")]
    pub purpose_id: String,
    #[serde(
        rename = "producerId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub producer_id: Option<String>,
    #[serde(rename = "consumerId")]
    pub consumer_id: String,
    #[serde(rename = "eserviceId")]
    pub eservice_id: String,
    #[serde(rename = "descriptorId")]
    pub descriptor_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
}

/// Why a voucher was refused. See [`ErroreVoucher::codice`] for the stable codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.messaggio())]
pub enum ErroreVoucher {
    Assente,
    Schema {
        schema: String,
    },
    DpopNonSupportato,
    Malformato {
        motivo: String,
    },
    Typ {
        trovato: Option<String>,
    },
    Alg {
        trovato: Option<String>,
    },
    KidAssente,
    KidSconosciuto {
        kid: String,
    },
    Firma,
    ClaimAssente {
        claim: &'static str,
    },
    Iss {
        atteso: String,
        trovato: Option<String>,
    },
    Aud {
        atteso: String,
        trovato: Vec<String>,
    },
    Scaduto {
        exp: i64,
        adesso: i64,
    },
    NonAncoraValido {
        nbf: i64,
        adesso: i64,
    },
    IatFuturo {
        iat: i64,
        adesso: i64,
    },
    Durata {
        iat: i64,
        exp: i64,
        massima: i64,
    },
    Sub {
        sub: Option<String>,
        client_id: Option<String>,
    },
    PurposeAssente,
    ConsumerAssente,
    EServizio {
        atteso: String,
        trovato: Option<String>,
    },
    Descriptor {
        atteso: String,
        trovato: Option<String>,
    },
    Producer {
        atteso: String,
        trovato: Option<String>,
    },
}

/// A caller's value in a message: quoted and cut ([`jose::breve`]).
fn mostra(v: &Option<String>) -> String {
    v.as_deref()
        .map_or_else(|| "assente".to_owned(), |s| format!("«{}»", jose::breve(s)))
}

/// A list of audiences in a message: the first three, each cut.
fn mostra_elenco(v: &[String]) -> String {
    let mut parti: Vec<String> = v
        .iter()
        .take(3)
        .map(|s| format!("«{}»", jose::breve(s)))
        .collect();
    if v.len() > 3 {
        parti.push(format!("e altri {}", v.len() - 3));
    }
    format!("[{}]", parti.join(", "))
}

impl ErroreVoucher {
    /// The stable code of the failed check (documented in the README).
    pub fn codice(&self) -> &'static str {
        use ErroreVoucher::*;
        match self {
            Assente => "VOUCHER_ASSENTE",
            Schema { .. } => "VOUCHER_SCHEMA",
            DpopNonSupportato => "VOUCHER_DPOP",
            Malformato { .. } => "VOUCHER_MALFORMATO",
            Typ { .. } => "VOUCHER_TYP",
            Alg { .. } => "VOUCHER_ALG",
            KidAssente => "VOUCHER_KID_ASSENTE",
            KidSconosciuto { .. } => "VOUCHER_KID_SCONOSCIUTO",
            Firma => "VOUCHER_FIRMA",
            ClaimAssente { .. } => "VOUCHER_CLAIM_ASSENTE",
            Iss { .. } => "VOUCHER_ISS",
            Aud { .. } => "VOUCHER_AUD",
            Scaduto { .. } => "VOUCHER_SCADUTO",
            NonAncoraValido { .. } => "VOUCHER_NON_ANCORA_VALIDO",
            IatFuturo { .. } => "VOUCHER_IAT_FUTURO",
            Durata { .. } => "VOUCHER_DURATA",
            Sub { .. } => "VOUCHER_SUB",
            PurposeAssente => "VOUCHER_PURPOSE_ASSENTE",
            ConsumerAssente => "VOUCHER_CONSUMER_ASSENTE",
            EServizio { .. } => "VOUCHER_ESERVICE",
            Descriptor { .. } => "VOUCHER_DESCRIPTOR",
            Producer { .. } => "VOUCHER_PRODUCER",
        }
    }

    /// What failed, in Italian, with the expected value where it is not secret.
    pub fn messaggio(&self) -> String {
        use ErroreVoucher::*;
        match self {
            Assente => "manca l'header Authorization: serve «Authorization: Bearer <voucher PDND>»".into(),
            Schema { schema } => format!(
                "schema di autorizzazione «{}» non ammesso: serve «Bearer <voucher PDND>»",
                jose::breve(schema)
            ),
            DpopNonSupportato => "i voucher DPoP non sono supportati da questo e-service: chiedere a PDND un voucher Bearer".into(),
            Malformato { motivo } => format!(
                "il voucher non è un JWT valido: {}",
                jose::breve(motivo)
            ),
            Typ { trovato } => format!(
                "l'header del voucher ha typ {}, atteso «at+jwt»",
                mostra(trovato)
            ),
            Alg { trovato } => format!(
                "l'header del voucher ha alg {}, ammesso solo «RS256»",
                mostra(trovato)
            ),
            KidAssente => "l'header del voucher non ha il campo kid".into(),
            KidSconosciuto { kid } => format!(
                "la chiave «{}» non è tra le chiavi di firma di PDND (JWKS), nemmeno dopo l'aggiornamento",
                jose::breve(kid)
            ),
            Firma => "la firma del voucher non è valida".into(),
            ClaimAssente { claim } => format!("il voucher non ha il claim «{claim}» (o non è del tipo previsto)"),
            Iss { atteso, trovato } => format!(
                "il voucher è emesso da {}, atteso «{atteso}»",
                mostra(trovato)
            ),
            Aud { atteso, trovato } => format!(
                "il voucher è destinato a {}, non a questo e-service («{atteso}»)",
                mostra_elenco(trovato)
            ),
            Scaduto { exp, adesso } => format!(
                "il voucher è scaduto (exp {exp}, ora {adesso}): chiederne uno nuovo a PDND"
            ),
            NonAncoraValido { nbf, adesso } => format!(
                "il voucher non è ancora valido (nbf {nbf}, ora {adesso}): controllare l'orologio"
            ),
            IatFuturo { iat, adesso } => format!(
                "il voucher risulta emesso nel futuro (iat {iat}, ora {adesso}): controllare l'orologio"
            ),
            Durata { iat, exp, massima } => format!(
                "il voucher dura {} secondi (iat {iat}, exp {exp}): oltre il massimo ammesso di {massima} secondi",
                exp.saturating_sub(*iat)
            ),
            Sub { sub, client_id } => format!(
                "sub {} diverso da client_id {}",
                mostra(sub),
                mostra(client_id)
            ),
            PurposeAssente => "il voucher non ha un purposeId valido (UUID)".into(),
            ConsumerAssente => "il voucher non ha il claim consumerId".into(),
            EServizio { atteso, trovato } => format!(
                "il voucher è per l'e-service {}, atteso «{atteso}»",
                mostra(trovato)
            ),
            Descriptor { atteso, trovato } => format!(
                "il voucher è per la versione (descriptor) {}, attesa «{atteso}»",
                mostra(trovato)
            ),
            Producer { atteso, trovato } => format!(
                "il voucher è per l'erogatore {}, atteso «{atteso}»",
                mostra(trovato)
            ),
        }
    }

    /// 401 when the caller is not authenticated, 403 when the voucher is valid but
    /// issued for another e-service, version or provider.
    pub fn http_status(&self) -> u16 {
        match self {
            ErroreVoucher::EServizio { .. }
            | ErroreVoucher::Descriptor { .. }
            | ErroreVoucher::Producer { .. } => 403,
            _ => 401,
        }
    }

    /// The `WWW-Authenticate` value of a 401 (RFC 6750 §3); `None` for a 403.
    pub fn www_authenticate(&self) -> Option<String> {
        match self {
            ErroreVoucher::Assente => Some(r#"Bearer realm="isee""#.into()),
            e if e.http_status() == 401 => Some(format!(
                r#"Bearer realm="isee", error="invalid_token", error_description="{}""#,
                e.codice()
            )),
            _ => None,
        }
    }
}

/// Validates vouchers against PDND's keys.
#[derive(Debug, Clone)]
pub struct ValidatoreVoucher {
    chiavi: Arc<CacheJwks>,
}

impl ValidatoreVoucher {
    pub fn new(chiavi: Arc<CacheJwks>) -> Self {
        ValidatoreVoucher { chiavi }
    }

    /// Validates the `Authorization` header value at time `adesso_s` (Unix seconds).
    pub async fn valida(
        &self,
        authorization: Option<&str>,
        atteso: &AttesoVoucher,
        adesso_s: i64,
    ) -> Result<Voucher, ErroreVoucher> {
        let token = estrai_bearer(authorization)?;
        let parti = jose::separa(token).ok_or_else(|| ErroreVoucher::Malformato {
            motivo: "servono tre parti base64url separate da punti".into(),
        })?;
        let h =
            jose::intestazione(parti.intestazione).ok_or_else(|| ErroreVoucher::Malformato {
                motivo: "l'header non è un oggetto JSON in base64url".into(),
            })?;
        // alg first, and before the key lookup: an attacker's `none`/HS256 token must
        // not cost a JWKS refresh nor reach a verifier.
        if h.alg() != Some("RS256") {
            return Err(ErroreVoucher::Alg {
                trovato: h.alg_testo(),
            });
        }
        if !h.typ().is_some_and(typ_at_jwt) {
            return Err(ErroreVoucher::Typ {
                trovato: h.typ_testo(),
            });
        }
        let kid = h.kid().ok_or(ErroreVoucher::KidAssente)?;
        let chiave =
            self.chiavi
                .chiave(kid)
                .await
                .ok_or_else(|| ErroreVoucher::KidSconosciuto {
                    kid: kid.chars().take(64).collect(),
                })?;
        let claims = jose::verifica_rs256(token, &chiave).map_err(|e| {
            if jose::errore_di_firma(&e) {
                ErroreVoucher::Firma
            } else {
                ErroreVoucher::Malformato {
                    motivo: e.to_string(),
                }
            }
        })?;
        verifica_claims(&claims, atteso, adesso_s)
    }
}

/// RFC 9068 §4: `at+jwt`, or its full media type, compared case-insensitively.
fn typ_at_jwt(typ: &str) -> bool {
    typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt")
}

fn estrai_bearer(authorization: Option<&str>) -> Result<&str, ErroreVoucher> {
    let valore = authorization.map(str::trim).unwrap_or_default();
    if valore.is_empty() {
        return Err(ErroreVoucher::Assente);
    }
    let (schema, resto) = valore.split_once(' ').unwrap_or((valore, ""));
    if schema.eq_ignore_ascii_case("DPoP") {
        return Err(ErroreVoucher::DpopNonSupportato);
    }
    if !schema.eq_ignore_ascii_case("Bearer") {
        return Err(ErroreVoucher::Schema {
            schema: schema.chars().take(32).collect(),
        });
    }
    let token = resto.trim();
    if token.is_empty() {
        return Err(ErroreVoucher::Malformato {
            motivo: "dopo «Bearer» manca il token".into(),
        });
    }
    Ok(token)
}

fn stringa_opz(c: &Map<String, Value>, nome: &str) -> Option<String> {
    jose::stringa(c, nome).ok().map(str::to_owned)
}

fn tempo(c: &Map<String, Value>, nome: &'static str) -> Result<i64, ErroreVoucher> {
    jose::intero(c, nome).map_err(|_| ErroreVoucher::ClaimAssente { claim: nome })
}

fn uguale_id(a: &str, b: &str) -> bool {
    // UUIDs: PDND writes them lowercase, a configuration file may not.
    a.eq_ignore_ascii_case(b)
}

fn verifica_claims(
    c: &Map<String, Value>,
    atteso: &AttesoVoucher,
    adesso: i64,
) -> Result<Voucher, ErroreVoucher> {
    let tol = atteso.tolleranza_s.max(0);
    let iss = stringa_opz(c, "iss");
    if iss.as_deref() != Some(atteso.issuer.as_str()) {
        return Err(ErroreVoucher::Iss {
            atteso: atteso.issuer.clone(),
            trovato: iss,
        });
    }
    let aud = jose::audience(c, "aud").unwrap_or_default();
    if !aud.iter().any(|a| a == &atteso.audience) {
        return Err(ErroreVoucher::Aud {
            atteso: atteso.audience.clone(),
            trovato: aud,
        });
    }
    let exp = tempo(c, "exp")?;
    if adesso >= exp.saturating_add(tol) {
        return Err(ErroreVoucher::Scaduto { exp, adesso });
    }
    let nbf = tempo(c, "nbf")?;
    if nbf > adesso.saturating_add(tol) {
        return Err(ErroreVoucher::NonAncoraValido { nbf, adesso });
    }
    let iat = tempo(c, "iat")?;
    if iat > adesso.saturating_add(tol) {
        return Err(ErroreVoucher::IatFuturo { iat, adesso });
    }
    let massima = atteso.durata_massima_s.max(0);
    if exp.saturating_sub(iat) > massima || iat < 0 {
        return Err(ErroreVoucher::Durata { iat, exp, massima });
    }
    let jti = jose::stringa(c, "jti")
        .map_err(|_| ErroreVoucher::ClaimAssente { claim: "jti" })?
        .to_owned();
    let sub = stringa_opz(c, "sub");
    let client_id = stringa_opz(c, "client_id");
    let (Some(sub), Some(client_id)) = (sub.clone(), client_id.clone()) else {
        return Err(ErroreVoucher::Sub { sub, client_id });
    };
    if sub != client_id {
        return Err(ErroreVoucher::Sub {
            sub: Some(sub),
            client_id: Some(client_id),
        });
    }
    let purpose_id = match jose::stringa(c, "purposeId") {
        Ok(p) if uuid::Uuid::parse_str(p).is_ok() => p.to_owned(),
        _ => return Err(ErroreVoucher::PurposeAssente),
    };
    let eservice_id = stringa_opz(c, "eserviceId");
    if !eservice_id
        .as_deref()
        .is_some_and(|e| uguale_id(e, &atteso.eservice_id))
    {
        return Err(ErroreVoucher::EServizio {
            atteso: atteso.eservice_id.clone(),
            trovato: eservice_id,
        });
    }
    let descriptor_id = stringa_opz(c, "descriptorId");
    if !descriptor_id
        .as_deref()
        .is_some_and(|d| uguale_id(d, &atteso.descriptor_id))
    {
        return Err(ErroreVoucher::Descriptor {
            atteso: atteso.descriptor_id.clone(),
            trovato: descriptor_id,
        });
    }
    let producer_id = stringa_opz(c, "producerId");
    if let Some(p) = &atteso.producer_id
        && !producer_id.as_deref().is_some_and(|t| uguale_id(t, p))
    {
        return Err(ErroreVoucher::Producer {
            atteso: p.clone(),
            trovato: producer_id,
        });
    }
    let consumer_id = match jose::stringa(c, "consumerId") {
        Ok(s) if !s.is_empty() => s.to_owned(),
        _ => return Err(ErroreVoucher::ConsumerAssente),
    };
    let digest = match c.get("digest") {
        None | Some(Value::Null) => None,
        Some(v) => Some(serde_json::from_value::<Digest>(v.clone()).map_err(|_| {
            ErroreVoucher::Malformato {
                motivo: "il claim digest non è {alg, value}".into(),
            }
        })?),
    };
    Ok(Voucher {
        jti,
        iss: atteso.issuer.clone(),
        sub,
        aud,
        exp,
        nbf,
        iat,
        client_id,
        purpose_id,
        producer_id,
        consumer_id,
        eservice_id: eservice_id.unwrap_or_default(),
        descriptor_id: descriptor_id.unwrap_or_default(),
        digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_authorization() {
        assert_eq!(estrai_bearer(None), Err(ErroreVoucher::Assente));
        assert_eq!(estrai_bearer(Some("  ")), Err(ErroreVoucher::Assente));
        assert_eq!(estrai_bearer(Some("bearer a.b.c")), Ok("a.b.c"));
        assert_eq!(
            estrai_bearer(Some("DPoP a.b.c")),
            Err(ErroreVoucher::DpopNonSupportato)
        );
        assert_eq!(
            estrai_bearer(Some("Basic dXNlcjpwdw==")).map_err(|e| e.codice()),
            Err("VOUCHER_SCHEMA")
        );
        assert_eq!(
            estrai_bearer(Some("Bearer")).map_err(|e| e.codice()),
            Err("VOUCHER_MALFORMATO")
        );
    }

    #[test]
    fn typ_accettati() {
        assert!(typ_at_jwt("at+jwt"));
        assert!(typ_at_jwt("AT+JWT"));
        assert!(typ_at_jwt("application/at+jwt"));
        assert!(!typ_at_jwt("JWT"));
    }
}
