//! PDND's key set (`isee_pdnd::jwks::chiavi_rsa_da_json`), fetched over https or read
//! from a file at every refresh. No panic; every key kept is an RSA signing key with a
//! `kid`, and turning it into a verification key fails cleanly or succeeds.
#![no_main]

use isee_pdnd::jwks::chiavi_rsa_da_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|dati: &[u8]| {
    let Ok(chiavi) = chiavi_rsa_da_json(dati) else {
        return;
    };
    for k in &chiavi {
        assert_eq!(k.kty, "RSA");
        assert!(!k.kid.is_empty());
        let _ = k.chiave_verifica();
        let _ = isee_pdnd::jwk::thumbprint(k);
    }
});
