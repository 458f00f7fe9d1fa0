//! The local PDND's token endpoint (`isee_pdnd::asserzione::emetti_voucher`): the
//! OAuth form and the client assertion inside it. Raw inputs are the form body (read as
//! the server reads it); signed inputs are client assertions of client A. No panic; a
//! voucher issued passes the e-service's voucher validation.
#![no_main]

use isee_fuzz::{
    ADESSO, CLIENT, Ingresso, PDND, STATO, VALIDATORE, atteso, client, esegui, traccia,
};
use isee_pdnd::asserzione::{AsserzioniUsate, RichiestaToken, emetti_voucher};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|dati: &[u8]| {
    let richiesta = match Ingresso::leggi(dati) {
        Some(Ingresso::Grezzo(_)) | None => {
            match serde_urlencoded::from_bytes::<RichiestaToken>(dati) {
                Ok(r) => r,
                Err(_) => return,
            }
        }
        Some(firmare) => match firmare.token(&CLIENT) {
            Some(a) => RichiestaToken::new(&client().to_string(), &a),
            None => return,
        },
    };
    // A fresh replay cache per input, so that each input is judged alone.
    let esito = emetti_voucher(&STATO, &PDND, &richiesta, ADESSO, &AsserzioniUsate::new());
    traccia(&esito);
    match esito {
        Ok(r) => {
            assert_eq!(r.token_type, "Bearer");
            let v = esegui(VALIDATORE.valida(
                Some(&format!("Bearer {}", r.access_token)),
                &atteso(),
                ADESSO,
            ));
            assert!(v.is_ok(), "voucher emesso ma rifiutato: {v:?}");
        }
        Err(e) => {
            assert!(!e.codice().is_empty());
            let _ = (e.messaggio(), e.http_status(), e.errore_oauth());
        }
    }
});
