//! Parsing of compact JWS without verifying them: the pieces every validator needs
//! before it may look up a key.
//!
//! The header is decoded here rather than by `jsonwebtoken::decode_header`, because that
//! one fails on an `alg` it does not know (`none`, for instance) and the validators must
//! report a refused algorithm as such, not as a malformed token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// The three base64url parts of a compact JWS.
pub(crate) struct Parti<'a> {
    pub intestazione: &'a str,
    pub payload: &'a str,
}

/// Splits a compact JWS into its parts; `None` unless there are exactly three parts,
/// the first two non-empty, all in the base64url alphabet.
pub(crate) fn separa(token: &str) -> Option<Parti<'_>> {
    let mut it = token.split('.');
    let (h, p, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || h.is_empty() || p.is_empty() {
        return None;
    }
    let b64url = |x: &str| {
        x.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !(b64url(h) && b64url(p) && b64url(s)) {
        return None;
    }
    Some(Parti {
        intestazione: h,
        payload: p,
    })
}

/// The JOSE header fields the validators look at; others are ignored.
#[derive(Debug)]
pub(crate) struct Intestazione {
    pub alg: Option<Value>,
    pub typ: Option<Value>,
    pub kid: Option<Value>,
}

impl Intestazione {
    pub(crate) fn alg(&self) -> Option<&str> {
        self.alg.as_ref().and_then(Value::as_str)
    }
    pub(crate) fn typ(&self) -> Option<&str> {
        self.typ.as_ref().and_then(Value::as_str)
    }
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_ref().and_then(Value::as_str)
    }
    /// `alg` as written, for messages (a non-string `alg` is shown as JSON), cut to
    /// [`CITAZIONE_MASSIMA`] characters: an error must not echo a 40 KB header back.
    pub(crate) fn alg_testo(&self) -> Option<String> {
        self.alg.as_ref().map(testo_breve)
    }
    pub(crate) fn typ_testo(&self) -> Option<String> {
        self.typ.as_ref().map(testo_breve)
    }
}

/// The most characters of a caller's value an error message quotes.
pub(crate) const CITAZIONE_MASSIMA: usize = 64;

/// A caller's value as an error message may quote it: at most [`CITAZIONE_MASSIMA`]
/// characters (then `…`), control characters as `\u{…}` escapes.
pub(crate) fn breve(s: &str) -> String {
    let mut o = String::with_capacity(s.len().min(CITAZIONE_MASSIMA * 4) + 3);
    for (i, c) in s.chars().enumerate() {
        if i == CITAZIONE_MASSIMA {
            o.push('…');
            break;
        }
        if c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            o.push_str(&c.escape_unicode().to_string());
        } else {
            o.push(c);
        }
    }
    o
}

/// A JSON value (a string as it is, anything else as JSON) through [`breve`].
pub(crate) fn testo_breve(v: &Value) -> String {
    match v {
        Value::String(s) => breve(s),
        // Serialised whole only to be cut: a header is at most the request's size.
        altro => breve(&altro.to_string()),
    }
}

/// The header, which must be a JSON object (serde would also read a struct from an
/// array, and `["RS256"]` is not a JOSE header).
pub(crate) fn intestazione(b64: &str) -> Option<Intestazione> {
    let mut m = payload(b64)?;
    Some(Intestazione {
        alg: m.remove("alg"),
        typ: m.remove("typ"),
        kid: m.remove("kid"),
    })
}

/// The payload as a JSON object, unverified.
pub(crate) fn payload(b64: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(b64).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Verifies an RS256 signature with `jsonwebtoken` and returns the payload.
///
/// Only the signature is checked here: the `Validation` allows RS256 alone and has every
/// claim check off, because the callers check the claims themselves, one error per claim.
pub(crate) fn verifica_rs256(
    token: &str,
    chiave: &jsonwebtoken::DecodingKey,
) -> Result<Map<String, Value>, jsonwebtoken::errors::Error> {
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.required_spec_claims.clear();
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.leeway = 0;
    jsonwebtoken::decode::<Map<String, Value>>(token, chiave, &v).map(|d| d.claims)
}

/// True when the `jsonwebtoken` error means "the signature does not verify" rather than
/// "the token is not well formed".
pub(crate) fn errore_di_firma(e: &jsonwebtoken::errors::Error) -> bool {
    use jsonwebtoken::errors::ErrorKind;
    matches!(
        e.kind(),
        ErrorKind::InvalidSignature
            | ErrorKind::InvalidRsaKey(_)
            | ErrorKind::InvalidKeyFormat
            | ErrorKind::Provider(_)
    )
}

/// How a claim can be wrong in shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Difetto {
    Assente,
    Tipo,
}

pub(crate) fn stringa<'a>(c: &'a Map<String, Value>, nome: &str) -> Result<&'a str, Difetto> {
    match c.get(nome) {
        None | Some(Value::Null) => Err(Difetto::Assente),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Difetto::Tipo),
    }
}

/// A NumericDate as whole seconds. Fractions are refused: PDND and the ModI consumers
/// write integers, and the crate keeps floats out of its arithmetic.
pub(crate) fn intero(c: &Map<String, Value>, nome: &str) -> Result<i64, Difetto> {
    match c.get(nome) {
        None | Some(Value::Null) => Err(Difetto::Assente),
        Some(Value::Number(n)) => n.as_i64().ok_or(Difetto::Tipo),
        Some(_) => Err(Difetto::Tipo),
    }
}

/// `aud` as RFC 7519 allows it: a string or an array of strings.
pub(crate) fn audience(c: &Map<String, Value>, nome: &str) -> Result<Vec<String>, Difetto> {
    match c.get(nome) {
        None | Some(Value::Null) => Err(Difetto::Assente),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or(Difetto::Tipo))
            .collect(),
        Some(_) => Err(Difetto::Tipo),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citazioni_brevi() {
        assert_eq!(breve("RS512"), "RS512");
        let lungo = "A".repeat(40_000);
        let b = breve(&lungo);
        assert_eq!(b.chars().count(), CITAZIONE_MASSIMA + 1);
        assert!(b.ends_with('…'));
        assert_eq!(breve("a\nb\u{202e}"), "a\\u{a}b\\u{202e}");
        let v = Value::Array(vec![Value::String("x".repeat(1000))]);
        assert!(testo_breve(&v).chars().count() <= CITAZIONE_MASSIMA + 1);
    }
}
