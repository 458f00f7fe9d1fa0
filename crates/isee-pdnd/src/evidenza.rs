//! AUDIT_REST_02: the `Agid-JWT-TrackingEvidence` of the operator behind a request, for
//! the "Operatori" e-services (§2.5, §2.8 of the research notes).
//!
//! The consumer signs the evidence with one of its PDND client keys, puts
//! `hex(sha256(evidence))` in its client assertion's `digest`, and PDND copies the digest
//! into the voucher. Checking the digest here binds the operator data to the voucher:
//! the consumer cannot swap the operator after obtaining it.
//!
//! Claims beyond the standard ones (`userID`, `userLocation`, `LoA`, `authnAssertion`) are
//! the agreement between consumer and provider that ModI leaves open; the spellings
//! accepted are listed on [`LivelloAssicurazione::da_testo`].
//!
//! Out of scope: the IdP's signature on `authnAssertion` (SAML assertion or OIDC
//! `id_token`) is **not** verified. Doing so needs the SPID/CIE federation metadata and
//! the consumer's SP entityID, and would only prove the operator logged in to the Comune,
//! not to us. The assertion is required, and its SHA-256 is returned for the access log.

use std::future::Future;

use serde_json::{Map, Value, json};

use crate::errore::Result;
use crate::jose::{self, Difetto};
use crate::jwk::{ChiavePrivata, Jwk};
use crate::voucher::Voucher;

/// The operator's authentication level, as the consumer declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LivelloAssicurazione {
    /// SPID level 2 (eIDAS substantial, ISO 29115 LoA3).
    SpidL2,
    /// SPID level 3 (eIDAS high, LoA4).
    SpidL3,
    /// CIE (electronic identity card, level 3).
    Cie,
}

/// Why a `LoA` value is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoaRifiutato {
    /// A known level below SPID level 2 (SpidL1, LoA1, LoA2, low).
    Insufficiente,
    /// Not a level this service knows.
    Sconosciuto,
}

impl LivelloAssicurazione {
    /// Reads the spellings in use, case-insensitively: the SPID `AuthnContextClassRef`
    /// URIs (`https://www.spid.gov.it/SpidL2`, `…/SpidL3`), their last segment, the ISO
    /// levels `LoA3`/`LoA4` (IDPay sends `LOA3`), the eIDAS words `substantial`/`high`,
    /// and `CIE`/`CieL3`.
    pub fn da_testo(testo: &str) -> std::result::Result<Self, LoaRifiutato> {
        let t = testo.trim().to_ascii_lowercase();
        let t = t
            .strip_prefix("https://www.spid.gov.it/")
            .unwrap_or(&t)
            .to_owned();
        match t.as_str() {
            "spidl2" | "loa3" | "substantial" => Ok(Self::SpidL2),
            "spidl3" | "loa4" | "high" => Ok(Self::SpidL3),
            "cie" | "ciel3" => Ok(Self::Cie),
            "spidl1" | "loa1" | "loa2" | "low" | "ciel1" | "ciel2" => {
                Err(LoaRifiutato::Insufficiente)
            }
            _ => Err(LoaRifiutato::Sconosciuto),
        }
    }

    /// The canonical spelling written by [`crea_evidenza`].
    pub fn come_testo(self) -> &'static str {
        match self {
            Self::SpidL2 => "https://www.spid.gov.it/SpidL2",
            Self::SpidL3 => "https://www.spid.gov.it/SpidL3",
            Self::Cie => "CieL3",
        }
    }
}

/// Evidence that passed every check: what the access log records.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidenza {
    pub jti: String,
    pub iss: String,
    /// The operator's fiscal code, without `TINIT-`.
    pub user_id: String,
    pub user_location: String,
    pub loa: LivelloAssicurazione,
    /// Lowercase hex SHA-256 of `authnAssertion` as received.
    pub hash_asserzione: String,
    pub iat: i64,
    pub exp: i64,
}

/// The consumer keys registered on PDND (Interop API `GET /keys/{kid}`).
pub trait ChiaviClient: Send + Sync {
    /// The key with this `kid` and the id of the client it belongs to.
    fn chiave(&self, kid: &str) -> impl Future<Output = Option<(String, Jwk)>> + Send;
}

/// Why a tracking evidence was refused. See [`ErroreEvidenza::codice`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.messaggio())]
pub enum ErroreEvidenza {
    Assente,
    Malformata {
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
    KidAltroClient {
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
    Scaduta {
        exp: i64,
        adesso: i64,
    },
    NonAncoraValida {
        claim: &'static str,
        valore: i64,
        adesso: i64,
    },
    Purpose {
        atteso: String,
        trovato: Option<String>,
    },
    DigestAssente,
    DigestAlg {
        trovato: String,
    },
    DigestDiverso,
    Operatore {
        motivo: String,
    },
    LoaAssente,
    LoaSconosciuto {
        trovato: String,
    },
    LoaInsufficiente {
        trovato: String,
    },
    Postazione,
    Asserzione,
}

impl ErroreEvidenza {
    /// The stable code of the failed check (documented in the README).
    pub fn codice(&self) -> &'static str {
        use ErroreEvidenza::*;
        match self {
            Assente => "EVIDENZA_ASSENTE",
            Malformata { .. } | ClaimAssente { .. } => "EVIDENZA_MALFORMATA",
            Typ { .. } => "EVIDENZA_TYP",
            Alg { .. } => "EVIDENZA_ALG",
            KidAssente | KidSconosciuto { .. } | KidAltroClient { .. } => "EVIDENZA_KID",
            Firma => "EVIDENZA_FIRMA",
            Iss { .. } => "EVIDENZA_ISS",
            Aud { .. } => "EVIDENZA_AUD",
            Scaduta { .. } => "EVIDENZA_SCADUTA",
            NonAncoraValida { .. } => "EVIDENZA_NON_ANCORA_VALIDA",
            Purpose { .. } => "EVIDENZA_PURPOSE",
            DigestAssente | DigestAlg { .. } | DigestDiverso => "EVIDENZA_DIGEST",
            Operatore { .. } => "EVIDENZA_OPERATORE",
            LoaAssente | LoaSconosciuto { .. } | LoaInsufficiente { .. } => "EVIDENZA_LOA",
            Postazione => "EVIDENZA_POSTAZIONE",
            Asserzione => "EVIDENZA_ASSERZIONE",
        }
    }

    pub fn messaggio(&self) -> String {
        use ErroreEvidenza::*;
        let mostra = |v: &Option<String>| {
            v.as_deref()
                .map_or_else(|| "assente".to_owned(), |s| format!("«{s}»"))
        };
        match self {
            Assente => "manca l'header Agid-JWT-TrackingEvidence, obbligatorio per questo e-service (AUDIT_REST_02)".into(),
            Malformata { motivo } => format!("la TrackingEvidence non è un JWT valido: {motivo}"),
            Typ { trovato } => format!("l'header della TrackingEvidence ha typ {}, atteso «JWT»", mostra(trovato)),
            Alg { trovato } => format!("l'header della TrackingEvidence ha alg {}, ammesso solo «RS256»", mostra(trovato)),
            KidAssente => "l'header della TrackingEvidence non ha il campo kid".into(),
            KidSconosciuto { kid } => format!("la chiave «{kid}» non è registrata su PDND"),
            KidAltroClient { kid } => format!(
                "la chiave «{kid}» non appartiene al client del voucher: la TrackingEvidence va firmata con una chiave dello stesso client"
            ),
            Firma => "la firma della TrackingEvidence non è valida".into(),
            ClaimAssente { claim } => format!("la TrackingEvidence non ha il claim «{claim}» (o non è del tipo previsto)"),
            Iss { atteso, trovato } => format!("la TrackingEvidence ha iss {}, atteso il client_id del voucher «{atteso}»", mostra(trovato)),
            Aud { atteso, trovato } => format!("la TrackingEvidence è destinata a {trovato:?}, attesa «{atteso}»"),
            Scaduta { exp, adesso } => format!("la TrackingEvidence è scaduta (exp {exp}, ora {adesso})"),
            NonAncoraValida { claim, valore, adesso } => format!(
                "la TrackingEvidence non è ancora valida ({claim} {valore}, ora {adesso}): controllare l'orologio"
            ),
            Purpose { atteso, trovato } => format!("la TrackingEvidence ha purposeId {}, atteso quello del voucher «{atteso}»", mostra(trovato)),
            DigestAssente => "il voucher non ha il claim digest: la client assertion deve contenere digest = SHA-256 esadecimale della TrackingEvidence".into(),
            DigestAlg { trovato } => format!("il digest del voucher ha alg «{trovato}», atteso «SHA256»"),
            DigestDiverso => "il digest del voucher non corrisponde allo SHA-256 della TrackingEvidence ricevuta".into(),
            Operatore { motivo } => format!("userID non è il codice fiscale di un operatore: {motivo}"),
            LoaAssente => "la TrackingEvidence non ha il claim LoA".into(),
            LoaSconosciuto { trovato } => format!(
                "livello di autenticazione «{trovato}» non riconosciuto: ammessi SpidL2, SpidL3, CIE (o i loro URI SPID, LoA3, LoA4)"
            ),
            LoaInsufficiente { trovato } => format!(
                "livello di autenticazione «{trovato}» insufficiente: serve almeno SPID livello 2 o CIE"
            ),
            Postazione => "la TrackingEvidence non ha il claim userLocation (identificativo della postazione)".into(),
            Asserzione => "la TrackingEvidence non ha il claim authnAssertion (asserzione SPID/CIE dell'operatore)".into(),
        }
    }

    /// 401 when the evidence does not hold (the request is not attributable to an
    /// operator); 403 when it holds but the operator's authentication level is too low.
    pub fn http_status(&self) -> u16 {
        match self {
            // The LoA is authentic but not enough for this e-service.
            ErroreEvidenza::LoaInsufficiente { .. } => 403,
            _ => 401,
        }
    }
}

/// Validates an `Agid-JWT-TrackingEvidence` header against its voucher.
///
/// `audience` is what the evidence's `aud` must contain (this e-service's audience).
pub async fn valida_evidenza(
    header: Option<&str>,
    voucher: &Voucher,
    audience: &str,
    chiavi: &impl ChiaviClient,
    tolleranza_s: i64,
    adesso_s: i64,
) -> Result<Evidenza, ErroreEvidenza> {
    let token = header.map(str::trim).unwrap_or_default();
    if token.is_empty() {
        return Err(ErroreEvidenza::Assente);
    }
    let parti = jose::separa(token).ok_or_else(|| ErroreEvidenza::Malformata {
        motivo: "servono tre parti base64url separate da punti".into(),
    })?;
    let h = jose::intestazione(parti.intestazione).ok_or_else(|| ErroreEvidenza::Malformata {
        motivo: "l'header non è un oggetto JSON in base64url".into(),
    })?;
    if h.alg() != Some("RS256") {
        return Err(ErroreEvidenza::Alg {
            trovato: h.alg_testo(),
        });
    }
    if !h.typ().is_some_and(|t| t.eq_ignore_ascii_case("JWT")) {
        return Err(ErroreEvidenza::Typ {
            trovato: h.typ_testo(),
        });
    }
    let kid = h.kid().ok_or(ErroreEvidenza::KidAssente)?;
    let kid_breve: String = kid.chars().take(64).collect();
    let (client, jwk) = chiavi
        .chiave(kid)
        .await
        .ok_or_else(|| ErroreEvidenza::KidSconosciuto {
            kid: kid_breve.clone(),
        })?;
    if !client.eq_ignore_ascii_case(&voucher.client_id) {
        return Err(ErroreEvidenza::KidAltroClient { kid: kid_breve });
    }
    let chiave = jwk
        .chiave_verifica()
        .map_err(|_| ErroreEvidenza::KidSconosciuto {
            kid: kid_breve.clone(),
        })?;
    let c = jose::verifica_rs256(token, &chiave).map_err(|e| {
        if jose::errore_di_firma(&e) {
            ErroreEvidenza::Firma
        } else {
            ErroreEvidenza::Malformata {
                motivo: e.to_string(),
            }
        }
    })?;
    verifica_digest(token, voucher)?;
    verifica_claims(&c, voucher, audience, tolleranza_s.max(0), adesso_s)
}

fn verifica_digest(token: &str, voucher: &Voucher) -> Result<(), ErroreEvidenza> {
    let d = voucher
        .digest
        .as_ref()
        .ok_or(ErroreEvidenza::DigestAssente)?;
    if d.alg != "SHA256" {
        return Err(ErroreEvidenza::DigestAlg {
            trovato: d.alg.chars().take(32).collect(),
        });
    }
    // Case-insensitive: IDPay writes uppercase hex, PagoPA's examples lowercase, and
    // PDND copies the value as it gets it.
    if !crate::sha256_hex(token.as_bytes()).eq_ignore_ascii_case(d.value.trim()) {
        return Err(ErroreEvidenza::DigestDiverso);
    }
    Ok(())
}

fn verifica_claims(
    c: &Map<String, Value>,
    voucher: &Voucher,
    audience: &str,
    tol: i64,
    adesso: i64,
) -> Result<Evidenza, ErroreEvidenza> {
    let stringa = |nome: &str| jose::stringa(c, nome).ok().map(str::to_owned);
    let iss = stringa("iss");
    if iss.as_deref() != Some(voucher.client_id.as_str()) {
        return Err(ErroreEvidenza::Iss {
            atteso: voucher.client_id.clone(),
            trovato: iss,
        });
    }
    let aud = jose::audience(c, "aud").unwrap_or_default();
    if !aud.iter().any(|a| a == audience) {
        return Err(ErroreEvidenza::Aud {
            atteso: audience.to_owned(),
            trovato: aud,
        });
    }
    let tempo = |nome: &'static str| {
        jose::intero(c, nome).map_err(|_| ErroreEvidenza::ClaimAssente { claim: nome })
    };
    let exp = tempo("exp")?;
    if adesso >= exp.saturating_add(tol) {
        return Err(ErroreEvidenza::Scaduta { exp, adesso });
    }
    let iat = tempo("iat")?;
    if iat > adesso.saturating_add(tol) {
        return Err(ErroreEvidenza::NonAncoraValida {
            claim: "iat",
            valore: iat,
            adesso,
        });
    }
    match jose::intero(c, "nbf") {
        Ok(nbf) if nbf > adesso.saturating_add(tol) => {
            return Err(ErroreEvidenza::NonAncoraValida {
                claim: "nbf",
                valore: nbf,
                adesso,
            });
        }
        Err(Difetto::Tipo) => return Err(ErroreEvidenza::ClaimAssente { claim: "nbf" }),
        _ => {}
    }
    let jti = match jose::stringa(c, "jti") {
        Ok(j) if !j.is_empty() => j.to_owned(),
        _ => return Err(ErroreEvidenza::ClaimAssente { claim: "jti" }),
    };
    let purpose = stringa("purposeId");
    if !purpose
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case(&voucher.purpose_id))
    {
        return Err(ErroreEvidenza::Purpose {
            atteso: voucher.purpose_id.clone(),
            trovato: purpose,
        });
    }
    let user_id = operatore(stringa("userID").as_deref())?;
    let user_location = match stringa("userLocation") {
        Some(l) if !l.trim().is_empty() => l,
        _ => return Err(ErroreEvidenza::Postazione),
    };
    // ModI does not fix the spelling: GovWay and IDPay write `LoA`, IT-Wallet `loa`.
    let loa_testo = stringa("LoA")
        .or_else(|| stringa("loa"))
        .ok_or(ErroreEvidenza::LoaAssente)?;
    let loa = LivelloAssicurazione::da_testo(&loa_testo).map_err(|r| {
        let trovato = loa_testo.chars().take(64).collect();
        match r {
            LoaRifiutato::Insufficiente => ErroreEvidenza::LoaInsufficiente { trovato },
            LoaRifiutato::Sconosciuto => ErroreEvidenza::LoaSconosciuto { trovato },
        }
    })?;
    let asserzione = match jose::stringa(c, "authnAssertion") {
        Ok(a) if !a.trim().is_empty() => a,
        _ => return Err(ErroreEvidenza::Asserzione),
    };
    Ok(Evidenza {
        jti,
        iss: voucher.client_id.clone(),
        user_id,
        user_location,
        loa,
        hash_asserzione: crate::sha256_hex(asserzione.as_bytes()),
        iat,
        exp,
    })
}

/// The operator's fiscal code: `TINIT-` (the SPID `fiscalNumber` form) is stripped.
fn operatore(user_id: Option<&str>) -> Result<String, ErroreEvidenza> {
    let Some(u) = user_id.map(str::trim) else {
        return Err(ErroreEvidenza::Operatore {
            motivo: "claim userID assente".into(),
        });
    };
    let cf = u
        .strip_prefix("TINIT-")
        .or_else(|| u.strip_prefix("tinit-"))
        .unwrap_or(u);
    if cf.len() != 16 {
        return Err(ErroreEvidenza::Operatore {
            motivo: "il codice fiscale deve avere 16 caratteri".into(),
        });
    }
    let cf = isee_core::codice_fiscale::CodiceFiscale::new(cf);
    isee_core::codice_fiscale::verifica(&cf).map_err(|d| ErroreEvidenza::Operatore {
        motivo: d.messaggio(),
    })?;
    Ok(cf.as_str().to_owned())
}

/// What a consumer puts in its evidence (the `isee pdnd evidenza` helper).
#[derive(Debug, Clone)]
pub struct DatiEvidenza {
    pub client_id: String,
    pub aud: String,
    pub purpose_id: String,
    pub operatore: String,
    pub loa: LivelloAssicurazione,
    pub postazione: String,
    pub asserzione_idp: String,
    pub iat: i64,
    pub durata_s: i64,
}

/// Signs a TrackingEvidence (header `typ: JWT`). Its digest for the client assertion is
/// [`crate::sha256_hex`] of the returned string.
pub fn crea_evidenza(chiave: &ChiavePrivata, d: &DatiEvidenza) -> Result<String> {
    let claims = json!({
        "iss": d.client_id,
        "aud": d.aud,
        "iat": d.iat,
        "exp": d.iat.saturating_add(d.durata_s),
        "jti": uuid::Uuid::new_v4().to_string(),
        "purposeId": d.purpose_id,
        "userID": d.operatore,
        "userLocation": d.postazione,
        "LoA": d.loa.come_testo(),
        "authnAssertion": d.asserzione_idp,
    });
    chiave.firma("JWT", &claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn livelli() {
        use LivelloAssicurazione::*;
        for (t, atteso) in [
            ("https://www.spid.gov.it/SpidL2", Ok(SpidL2)),
            ("https://www.spid.gov.it/SpidL3", Ok(SpidL3)),
            ("SpidL2", Ok(SpidL2)),
            ("LOA3", Ok(SpidL2)),
            ("LoA4", Ok(SpidL3)),
            ("CIE", Ok(Cie)),
            ("CieL3", Ok(Cie)),
            (
                "https://www.spid.gov.it/SpidL1",
                Err(LoaRifiutato::Insufficiente),
            ),
            ("LoA2", Err(LoaRifiutato::Insufficiente)),
            ("boh", Err(LoaRifiutato::Sconosciuto)),
        ] {
            assert_eq!(LivelloAssicurazione::da_testo(t), atteso, "{t}");
        }
    }

    #[test]
    fn operatore_tinit() {
        let cf = "RSSMRA80A01H501U";
        assert_eq!(operatore(Some(&format!("TINIT-{cf}"))).as_deref(), Ok(cf));
        assert_eq!(operatore(Some(cf)).as_deref(), Ok(cf));
        assert_eq!(
            operatore(Some("RSSMRA80A01H501X")).map_err(|e| e.codice()),
            Err("EVIDENZA_OPERATORE")
        );
        assert_eq!(
            operatore(Some("TINIT-RSSMRA80A01H501UU")).map_err(|e| e.codice()),
            Err("EVIDENZA_OPERATORE")
        );
    }
}
