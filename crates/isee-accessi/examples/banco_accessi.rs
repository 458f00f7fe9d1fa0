//! Throughput of `registra` on SQLite: N registrations from C concurrent tasks,
//! records/s and p50/p99/max latency of each call (send → committed receipt).
//!
//! `cargo run --release -p isee-accessi --example banco_accessi -- [N] [C] [URL] [RITMO]`
//! (defaults: 100000, 64, a temporary SQLite file, as fast as possible). With RITMO
//! (records/s in total) each task keeps to its own schedule, like a server under a
//! steady load, and latency is measured from the scheduled instant.

use chrono::Utc;
use isee_accessi::{ChiaviAudit, NuovoAccesso, OpzioniScrittura, RegistroAccessi};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let argomenti: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = argomenti.first().map_or(Ok(100_000), |s| s.parse())?;
    let c: usize = argomenti.get(1).map_or(Ok(64), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let url = argomenti
        .get(2)
        .filter(|s| *s != "-")
        .cloned()
        .unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("banco.db").display()
            )
        });
    let ritmo: Option<f64> = argomenti.get(3).map(|s| s.parse()).transpose()?;
    let reg = RegistroAccessi::apri(
        &url,
        ChiaviAudit::da_segreto(&[1u8; 32]),
        OpzioniScrittura::default(),
    )
    .await?;
    let cf = reg.hash_cf("RSSMRA85T10A562S");
    let inizio = Instant::now();
    let mut compiti = Vec::with_capacity(c);
    for t in 0..c {
        let reg = reg.clone();
        let cf = cf.clone();
        compiti.push(tokio::spawn(async move {
            let mut latenze = Vec::with_capacity(n / c + 1);
            let mut i = t;
            // Task t starts t/C of a period late, so the load is spread evenly.
            let periodo = ritmo.map(|r| Duration::from_secs_f64(c as f64 / r));
            let avvio =
                Instant::now() + periodo.map_or(Duration::ZERO, |p| p * t as u32 / c as u32);
            let mut k: u32 = 0;
            while i < n {
                let previsto = periodo.map(|p| avvio + p * k);
                if let Some(p) = previsto {
                    tokio::time::sleep_until(p.into()).await;
                }
                k += 1;
                let a = NuovoAccesso {
                    eservizio: "indicatore".into(),
                    operazione: "ConsultazioneIndicatore".into(),
                    canale: "rest".into(),
                    esito: "OK".into(),
                    http_status: 200,
                    voucher_jti: Some(format!("{i:032x}")),
                    client_id: Some("4f1c6a2e-0000-4000-8000-000000000001".into()),
                    consumer_id: Some("9b3e1d7a-0000-4000-8000-000000000002".into()),
                    purpose_id: Some(format!("purpose-{}", i % 16)),
                    ente_ipa: Some("c_h501".into()),
                    ente_categoria: Some("L6".into()),
                    tipo_ricerca: Some("CF".into()),
                    cf_ricercato_hash: Some(cf.clone()),
                    prestazione: Some("A1.01".into()),
                    protocollo_domanda: Some(format!("DOM-2026-{i:08}")),
                    stato_domanda: Some("IN_ISTRUTTORIA".into()),
                    protocollo_dsu: Some("INPS-ISEE-2026-00000001A-00".into()),
                    id_richiesta: Some(i as i64),
                    request_id: Some(format!("{i:032x}")),
                    ip_client: Some("10.1.2.3".into()),
                    latenza_us: 850,
                    ts: Utc::now(),
                    ..NuovoAccesso::default()
                };
                let t0 = previsto.unwrap_or_else(Instant::now);
                reg.registra(a).await.expect("registrazione");
                latenze.push(t0.elapsed());
                i += c;
            }
            latenze
        }));
    }
    let mut latenze: Vec<Duration> = Vec::with_capacity(n);
    for compito in compiti {
        latenze.extend(compito.await?);
    }
    let durata = inizio.elapsed();
    latenze.sort();
    let q = |p: f64| latenze[((latenze.len() as f64 * p) as usize).min(latenze.len() - 1)];
    println!(
        "{n} registrazioni, {c} compiti: {:.2} s, {:.0} record/s; latenza p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        durata.as_secs_f64(),
        n as f64 / durata.as_secs_f64(),
        q(0.50).as_secs_f64() * 1e3,
        q(0.99).as_secs_f64() * 1e3,
        latenze.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    let t0 = Instant::now();
    let esito = reg.verifica().await?;
    println!(
        "verifica: {} record in {:.2} s ({:.0} record/s), integra: {}",
        esito.record_verificati,
        t0.elapsed().as_secs_f64(),
        esito.record_verificati as f64 / t0.elapsed().as_secs_f64(),
        esito.integro()
    );
    reg.chiudi().await;
    Ok(())
}
