//! AUDIT_REST_02 tracking evidence (`isee_pdnd::evidenza::valida_evidenza`): the
//! `Agid-JWT-TrackingEvidence` header. The voucher is bound to the evidence received
//! (its digest), so signed inputs reach every claim check. No panic; evidence accepted
//! names a fiscal code as operator and matches the voucher's purpose.
#![no_main]

use isee_fuzz::{ADESSO, AUD_ESERVICE, CLIENT, Ingresso, STATO, esegui, traccia, voucher_per};
use isee_pdnd::evidenza::valida_evidenza;
use isee_pdnd::stato::DirectoryFile;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static DIRECTORY: LazyLock<DirectoryFile> =
    LazyLock::new(|| DirectoryFile::da_stato(STATO.clone()));

fuzz_target!(|dati: &[u8]| {
    let Some(token) = Ingresso::leggi(dati).and_then(|i| i.token(&CLIENT)) else {
        return;
    };
    let voucher = voucher_per(&token);
    let esito = esegui(valida_evidenza(
        Some(&token),
        &voucher,
        AUD_ESERVICE,
        &*DIRECTORY,
        30,
        ADESSO,
    ));
    traccia(&esito);
    match esito {
        Ok(e) => {
            assert_eq!(e.iss, voucher.client_id);
            assert_eq!(e.user_id.len(), 16, "operatore: {}", e.user_id);
            assert!(e.exp + 30 > ADESSO && e.iat - 30 <= ADESSO, "{e:?}");
        }
        Err(e) => {
            assert!(!e.codice().is_empty());
            let _ = (e.messaggio(), e.http_status());
        }
    }
});
