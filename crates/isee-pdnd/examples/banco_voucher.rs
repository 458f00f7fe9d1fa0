//! Micro benchmark of voucher validation: prints the median and the 99th percentile of
//! N validations of a valid voucher (RS256 verify plus every claim check).
//!
//! `cargo run --release -p isee-pdnd --example banco_voucher [N]`

use std::sync::Arc;
use std::time::Instant;

use isee_pdnd::jwk::{ChiavePrivata, JwkSet};
use isee_pdnd::jwks::CacheJwks;
use isee_pdnd::voucher::{AttesoVoucher, ValidatoreVoucher};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5000);
    let pdnd = ChiavePrivata::genera()?;
    let adesso = 1_760_000_000_i64;
    let claims = json!({
        "iss": "pdnd.isee.local", "sub": "c1", "client_id": "c1",
        "aud": ["https://inps.isee.local/operatori/v1"],
        "iat": adesso, "nbf": adesso, "exp": adesso + 600, "jti": "j",
        "purposeId": "5b1f7c0e-6a63-4b8e-9c55-2d1c4f1b2a01",
        "producerId": "p", "consumerId": "c", "eserviceId": "e", "descriptorId": "d",
    });
    let mut h = serde_json::Map::new();
    h.insert("typ".into(), "at+jwt".into());
    let header = format!("Bearer {}", pdnd.firma_con_intestazione(h, &claims)?);
    let atteso = AttesoVoucher {
        issuer: "pdnd.isee.local".into(),
        audience: "https://inps.isee.local/operatori/v1".into(),
        eservice_id: "e".into(),
        descriptor_id: "d".into(),
        producer_id: Some("p".into()),
        tolleranza_s: 30,
        durata_massima_s: isee_pdnd::voucher::DURATA_MASSIMA_VOUCHER_S,
    };
    let v = ValidatoreVoucher::new(Arc::new(CacheJwks::da_set(JwkSet {
        keys: vec![pdnd.jwk_pubblica()],
    })));
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let mut tempi = rt.block_on(async {
        let mut tempi = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let r = v.valida(Some(&header), &atteso, adesso).await;
            tempi.push(t.elapsed());
            assert!(r.is_ok(), "{r:?}");
        }
        tempi
    });
    tempi.sort();
    let mediana = tempi[tempi.len() / 2];
    let p99 = tempi[tempi.len() * 99 / 100];
    println!("validazione voucher, {n} ripetizioni: mediana {mediana:?}, p99 {p99:?}");
    Ok(())
}
