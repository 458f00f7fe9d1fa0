//! RSA keys and JWKs: the keys a PDND client registers, the key PDND signs vouchers with.
//!
//! The `kid` of every key is its RFC 7638 SHA-256 thumbprint, because that is what PDND
//! shows for an uploaded key and what it requires in a client assertion's header
//! (`^[A-Za-z0-9_-]{43}$`). Cryptography is aws-lc-rs's; this module only encodes.

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Digest as _;

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
    /// A `jsonwebtoken` key to verify signatures made with this key.
    pub fn chiave_verifica(&self) -> Result<jsonwebtoken::DecodingKey> {
        if self.kty != "RSA" {
            return Err(ErrorePdnd::Chiave(format!(
                "tipo di chiave «{}» non supportato: solo RSA",
                self.kty
            )));
        }
        jsonwebtoken::DecodingKey::from_rsa_components(&self.n, &self.e)
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

/// The RFC 7638 thumbprint of an RSA JWK: SHA-256 over `{"e":…,"kty":…,"n":…}`
/// (members in that order, no whitespace), base64url without padding: 43 characters.
pub fn thumbprint(jwk: &Jwk) -> String {
    // serde_json escapes the values exactly as RFC 7638 requires (RFC 7159 strings);
    // the member order is fixed by hand because the RFC sorts them lexicographically.
    let canonico = format!(
        r#"{{"e":{},"kty":{},"n":{}}}"#,
        Value::String(jwk.e.clone()),
        Value::String(jwk.kty.clone()),
        Value::String(jwk.n.clone()),
    );
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonico.as_bytes()))
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
        Ok(ChiavePrivata { coppia, pkcs8, jwk })
    }

    /// The key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), LF line endings.
    pub fn in_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("PRIVATE KEY", self.pkcs8.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
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
        mut intestazione: Map<String, Value>,
        claims: &Value,
    ) -> Result<String> {
        intestazione.insert("alg".into(), Value::String("RS256".into()));
        intestazione.insert("kid".into(), Value::String(self.jwk.kid.clone()));
        let h = serde_json::to_vec(&intestazione).map_err(|e| ErrorePdnd::Firma(e.to_string()))?;
        let p = serde_json::to_vec(claims).map_err(|e| ErrorePdnd::Firma(e.to_string()))?;
        let mut messaggio = URL_SAFE_NO_PAD.encode(h);
        messaggio.push('.');
        messaggio.push_str(&URL_SAFE_NO_PAD.encode(p));
        let mut firma = vec![0u8; self.coppia.public_modulus_len()];
        self.coppia
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                messaggio.as_bytes(),
                &mut firma,
            )
            .map_err(|_| ErrorePdnd::Firma("firma RSA non riuscita".into()))?;
        messaggio.push('.');
        messaggio.push_str(&URL_SAFE_NO_PAD.encode(firma));
        Ok(messaggio)
    }
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
