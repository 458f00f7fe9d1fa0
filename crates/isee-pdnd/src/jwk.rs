//! RSA keys and JWKs: the keys a PDND client registers, the key PDND signs vouchers with.
//!
//! The `kid` of every key is its RFC 7638 SHA-256 thumbprint, because that is what PDND
//! shows for an uploaded key and what it requires in a client assertion's header
//! (`^[A-Za-z0-9_-]{43}$`).
//!
//! [`Jwk`] is the PDND profile of a JWK (an RSA signing key: `kty`, `n`, `e`, `kid`,
//! `alg`, `use`), the shape stored in `stato.json` and served in JWKS documents. What is
//! generic is jsonwebtoken's: the thumbprint ([`jsonwebtoken::jwk::Jwk::thumbprint`]),
//! the verification key ([`jsonwebtoken::DecodingKey::from_jwk`]) and RS256 signing
//! ([`jsonwebtoken::encode`]); [`Jwk::in_jsonwebtoken`] is the bridge. This module
//! keeps what jsonwebtoken does not do: generating an RSA key (aws-lc-rs), reading and
//! writing it as PEM, the 2048-bit floor and the crate's error codes.

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, KeyAlgorithm, PublicKeyUse, RSAKeyParameters,
    RSAKeyType, ThumbprintHash,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::errore::{ErrorePdnd, Result};

/// A public RSA key as a JWK (RFC 7517). Other key types are not represented: PDND
/// accepts only RSA keys for clients and signs vouchers with RSA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub n: String,
    pub e: String,
    #[serde(default)]
    pub kid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Jwk {
    /// The same key as jsonwebtoken's JWK (members `kty`, `n`, `e`, `kid`, `alg`, `use`;
    /// an `alg` jsonwebtoken does not know is left out). Only RSA keys are represented.
    pub fn in_jsonwebtoken(&self) -> Result<jsonwebtoken::jwk::Jwk> {
        if self.kty != "RSA" {
            return Err(ErrorePdnd::Chiave(format!(
                "tipo di chiave «{}» non supportato: solo RSA",
                self.kty
            )));
        }
        Ok(jwk_jsonwebtoken(self))
    }

    /// A `jsonwebtoken` key to verify signatures made with this key.
    pub fn chiave_verifica(&self) -> Result<jsonwebtoken::DecodingKey> {
        jsonwebtoken::DecodingKey::from_jwk(&self.in_jsonwebtoken()?)
            .map_err(|e| ErrorePdnd::Chiave(format!("componenti RSA non valide: {e}")))
    }

    /// Reads a public key from PEM: SPKI (`PUBLIC KEY`), PKCS#1 (`RSA PUBLIC KEY`),
    /// or the public half of a private key (PKCS#8 or PKCS#1). The `kid` is the thumbprint.
    pub fn da_pem(pem_testo: &str) -> Result<Jwk> {
        let p = pem::parse(pem_testo)
            .map_err(|e| ErrorePdnd::Chiave(format!("PEM non leggibile: {e}")))?;
        match p.tag() {
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                let pk = aws_lc_rs::rsa::PublicKey::from_der(p.contents()).map_err(|e| {
                    ErrorePdnd::Chiave(format!("chiave pubblica RSA non valida: {e}"))
                })?;
                if pk.modulus_len() < 256 {
                    return Err(ErrorePdnd::Chiave(
                        "la chiave RSA deve avere almeno 2048 bit".into(),
                    ));
                }
                Ok(jwk_da_componenti(
                    pk.modulus().big_endian_without_leading_zero(),
                    pk.exponent().big_endian_without_leading_zero(),
                ))
            }
            _ => Ok(ChiavePrivata::da_pem(pem_testo)?.jwk_pubblica()),
        }
    }
}

fn jwk_da_componenti(n: &[u8], e: &[u8]) -> Jwk {
    let mut jwk = Jwk {
        kty: "RSA".into(),
        n: URL_SAFE_NO_PAD.encode(n),
        e: URL_SAFE_NO_PAD.encode(e),
        kid: String::new(),
        alg: Some("RS256".into()),
        use_: Some("sig".into()),
    };
    jwk.kid = thumbprint(&jwk);
    jwk
}

/// A JWK Set (RFC 7517 §5), as served at `/.well-known/jwks.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// jsonwebtoken's JWK of the RSA key `n`, `e` (whatever `kty` says: the callers check it).
fn jwk_jsonwebtoken(jwk: &Jwk) -> jsonwebtoken::jwk::Jwk {
    let public_key_use = jwk.use_.as_deref().map(|u| match u {
        "sig" => PublicKeyUse::Signature,
        "enc" => PublicKeyUse::Encryption,
        altro => PublicKeyUse::Other(altro.to_owned()),
    });
    jsonwebtoken::jwk::Jwk {
        common: CommonParameters {
            public_key_use,
            key_algorithm: jwk
                .alg
                .as_deref()
                .and_then(|a| a.parse::<KeyAlgorithm>().ok()),
            key_id: (!jwk.kid.is_empty()).then(|| jwk.kid.clone()),
            ..CommonParameters::default()
        },
        algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
            key_type: RSAKeyType::RSA,
            n: jwk.n.clone(),
            e: jwk.e.clone(),
        }),
    }
}

/// The RFC 7638 thumbprint of an RSA JWK: SHA-256 over `{"e":…,"kty":"RSA","n":…}`,
/// base64url without padding: 43 characters. `kid`, `alg` and `use` do not enter it.
pub fn thumbprint(jwk: &Jwk) -> String {
    // jsonwebtoken fails only for key types without an RFC 7638 form (Ed25519); an RSA
    // key always has one, so the empty string is unreachable, and would match no kid.
    jwk_jsonwebtoken(jwk)
        .thumbprint(ThumbprintHash::SHA256)
        .unwrap_or_default()
}

/// True when `kid` has the shape PDND requires: 43 base64url characters.
pub fn kid_ben_formato(kid: &str) -> bool {
    kid.len() == 43
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An RSA private key (2048 bits or more) that signs compact RS256 JWS.
pub struct ChiavePrivata {
    coppia: RsaKeyPair,
    pkcs8: Vec<u8>,
    /// The same key for [`jsonwebtoken::encode`].
    firma: jsonwebtoken::EncodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for ChiavePrivata {
    // Never print the private key, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChiavePrivata")
            .field("kid", &self.jwk.kid)
            .finish_non_exhaustive()
    }
}

impl ChiavePrivata {
    /// Generates a new RSA 2048 key (slow: tens to hundreds of milliseconds).
    pub fn genera() -> Result<Self> {
        let coppia = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| ErrorePdnd::Chiave("generazione della chiave RSA non riuscita".into()))?;
        Self::da_coppia(coppia)
    }

    /// Reads a private key in PEM: PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`).
    pub fn da_pem(pem_testo: &str) -> Result<Self> {
        let p = pem::parse(pem_testo)
            .map_err(|e| ErrorePdnd::Chiave(format!("PEM non leggibile: {e}")))?;
        let coppia = match p.tag() {
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(p.contents()),
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(p.contents()),
            altro => {
                return Err(ErrorePdnd::Chiave(format!(
                    "il PEM contiene «{altro}», attesa una chiave privata RSA (PRIVATE KEY o RSA PRIVATE KEY)"
                )));
            }
        }
        .map_err(|e| ErrorePdnd::Chiave(format!("chiave privata RSA non valida: {e}")))?;
        Self::da_coppia(coppia)
    }

    fn da_coppia(coppia: RsaKeyPair) -> Result<Self> {
        if coppia.public_modulus_len() < 256 {
            return Err(ErrorePdnd::Chiave(
                "la chiave RSA deve avere almeno 2048 bit".into(),
            ));
        }
        let pkcs8 = coppia
            .as_der()
            .map_err(|_| ErrorePdnd::Chiave("esportazione PKCS#8 non riuscita".into()))?
            .as_ref()
            .to_vec();
        let pubblica = coppia.public_key();
        let jwk = jwk_da_componenti(
            pubblica.modulus().big_endian_without_leading_zero(),
            pubblica.exponent().big_endian_without_leading_zero(),
        );
        let firma = jsonwebtoken::EncodingKey::from_rsa_pem(pem_pkcs8(&pkcs8).as_bytes())
            .map_err(|e| ErrorePdnd::Chiave(format!("chiave di firma non utilizzabile: {e}")))?;
        Ok(ChiavePrivata {
            coppia,
            pkcs8,
            firma,
            jwk,
        })
    }

    /// The key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), LF line endings.
    pub fn in_pem(&self) -> String {
        pem_pkcs8(&self.pkcs8)
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), the form PDND's
    /// back-office asks a client to upload.
    pub fn pubblica_pem(&self) -> Result<String> {
        let der = self.coppia.public_key().as_der().map_err(|_| {
            ErrorePdnd::Chiave("esportazione della chiave pubblica non riuscita".into())
        })?;
        Ok(pem::encode_config(
            &pem::Pem::new("PUBLIC KEY", der.as_ref().to_vec()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        ))
    }

    /// The public key as a JWK with `kid` = thumbprint, `alg` RS256, `use` sig.
    pub fn jwk_pubblica(&self) -> Jwk {
        self.jwk.clone()
    }

    /// The RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.jwk.kid
    }

    /// A compact RS256 JWS with header `{alg: RS256, typ, kid}`.
    pub fn firma(&self, typ: &str, claims: &Value) -> Result<String> {
        let mut h = Map::new();
        h.insert("typ".into(), Value::String(typ.into()));
        self.firma_con_intestazione(h, claims)
    }

    /// A compact RS256 JWS with the given header fields; `alg` and `kid` are always set
    /// to RS256 and this key's thumbprint, whatever the map says.
    pub fn firma_con_intestazione(
        &self,
        intestazione: Map<String, Value>,
        claims: &Value,
    ) -> Result<String> {
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        h.typ = None;
        h.kid = Some(self.jwk.kid.clone());
        for (nome, valore) in intestazione {
            match (nome.as_str(), valore) {
                ("alg" | "kid", _) => {}
                ("typ", Value::String(typ)) => h.typ = Some(typ),
                (_, valore) => h.extras.insert(nome, valore),
            }
        }
        jsonwebtoken::encode(&h, claims, &self.firma)
            .map_err(|e| ErrorePdnd::Firma(format!("firma RSA non riuscita: {e}")))
    }
}

/// PKCS#8 DER as PEM (`-----BEGIN PRIVATE KEY-----`), LF line endings.
fn pem_pkcs8(der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new("PRIVATE KEY", der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprint_rfc7638_esempio() {
        // RFC 7638 §3.1.
        let jwk = Jwk {
            kty: "RSA".into(),
            n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw".into(),
            e: "AQAB".into(),
            kid: String::new(),
            alg: Some("RS256".into()),
            use_: None,
        };
        let t = thumbprint(&jwk);
        assert_eq!(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
        assert!(kid_ben_formato(&t));
        assert!(!kid_ben_formato(
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X"
        ));
        assert!(!kid_ben_formato(
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X="
        ));
    }
}
