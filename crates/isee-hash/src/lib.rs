//! isee-hash: the one way the project hashes.
//!
//! Every crate that needs a digest (idempotency keys of the register, API-key hashes of
//! the REST service, certificate fingerprints, PDND voucher digests, the access log's
//! HMAC chain) calls these functions instead of naming `sha2`/`hmac` itself, so that the
//! workspace compiles one version of them (the one sqlx's PostgreSQL driver already
//! pulls in; docs/DIPENDENZE.md).

use hmac::{KeyInit as _, Mac as _};
use sha2::Digest as _;

/// SHA-256 of `dati`.
pub fn sha256(dati: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(dati).into()
}

/// SHA-256 of `dati`, as 64 lowercase hexadecimal digits.
pub fn sha256_hex(dati: &[u8]) -> String {
    hex::encode(sha256(dati))
}

/// SHA-256 of several pieces read one after the other (no separator is added).
pub fn sha256_di(pezzi: &[&[u8]]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    for p in pezzi {
        h.update(p);
    }
    h.finalize().into()
}

/// [`sha256_di`] as 64 lowercase hexadecimal digits.
pub fn sha256_hex_di(pezzi: &[&[u8]]) -> String {
    hex::encode(sha256_di(pezzi))
}

/// HMAC-SHA256 (RFC 2104) of the concatenation of `dati` under `chiave`.
pub fn hmac_sha256(chiave: &[u8], dati: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of every length: `new_from_slice` cannot fail for it.
    let Ok(mut m) = hmac::Hmac::<sha2::Sha256>::new_from_slice(chiave) else {
        unreachable!("HMAC accepts keys of any length")
    };
    for d in dati {
        m.update(d);
    }
    m.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_dei_vettori_nist() {
        // FIPS 180-2, appendix B.1 ("abc") and the empty message.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(sha256_di(&[b"a", b"bc"]), sha256(b"abc"));
    }

    #[test]
    fn hmac_dei_vettori_rfc_4231() {
        // RFC 4231, test case 2.
        let m = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(m),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
