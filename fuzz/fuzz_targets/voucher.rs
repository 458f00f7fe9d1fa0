//! PDND voucher validation (`isee_pdnd::voucher::ValidatoreVoucher::valida`): the
//! `Authorization` header of every e-service call. No panic; a voucher accepted
//! satisfies what the e-service expects.
#![no_main]

use isee_fuzz::{ADESSO, Ingresso, PDND, VALIDATORE, atteso, esegui, traccia};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|dati: &[u8]| {
    let Some(ingresso) = Ingresso::leggi(dati) else {
        return;
    };
    let authorization = match ingresso {
        Ingresso::Grezzo(t) => t.to_owned(),
        firmare => match firmare.token(&PDND) {
            Some(t) => format!("Bearer {t}"),
            None => return,
        },
    };
    let a = atteso();
    let esito = esegui(VALIDATORE.valida(Some(&authorization), &a, ADESSO));
    traccia(&esito);
    if let Ok(v) = &esito {
        assert!(v.aud.contains(&a.audience), "aud: {:?}", v.aud);
        assert_eq!(v.iss, a.issuer);
        // Ids are UUIDs, compared as the validator does: case-insensitively (RFC 9562).
        assert!(
            v.eservice_id.eq_ignore_ascii_case(&a.eservice_id),
            "{}",
            v.eservice_id
        );
        assert!(
            v.descriptor_id.eq_ignore_ascii_case(&a.descriptor_id),
            "{}",
            v.descriptor_id
        );
        assert!(v.exp + a.tolleranza_s > ADESSO, "scaduto: {}", v.exp);
        assert!(
            v.nbf - a.tolleranza_s <= ADESSO,
            "non ancora valido: {}",
            v.nbf
        );
    }
    // Every refusal has its stable code and a message; neither may panic.
    if let Err(e) = &esito {
        assert!(!e.codice().is_empty());
        let _ = (e.messaggio(), e.http_status(), e.www_authenticate());
    }
});
