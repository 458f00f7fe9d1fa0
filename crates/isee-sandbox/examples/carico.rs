//! Load generator for the service, on loopback, bounded in time.
//!
//! ```text
//! cargo run --release -p isee-sandbox --example carico -- \
//!     --addr 127.0.0.1:8080 --chiave KEY --scenario presenta --rate 1000 --durata-s 20 [--pid SERVER_PID]
//! ```
//!
//! Scenarios: `salute` (baseline: the cheapest route), `presenta` (new DSUs from
//! isee-genera, each with its own idempotency key), `leggi` (the DSU valid on a date
//! by fiscal code, `POST /api/v1/ricerche/dsu-valida`, for households filed by an
//! earlier `presenta` run with the same seed).
//!
//! With `--rate R` the load is open-loop: request i is due at start + i/R and its
//! latency is measured from that instant, so a slow server shows up as latency, not
//! as a politely slower client (no coordinated omission). With `--rate 0` every
//! connection sends back-to-back (maximum throughput). With `--pid` the server's
//! peak resident memory (VmHWM) is reported.

// The one-connection HTTP client of the register's tests.
use isee_sandbox::registro_http as http;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use clap::Parser;
use http::Connessione;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser, Clone)]
struct Args {
    #[arg(long)]
    addr: SocketAddr,
    #[arg(long, default_value = "")]
    chiave: String,
    #[arg(long, default_value = "salute")]
    scenario: String,
    /// Requests per second (0: as fast as possible)
    #[arg(long, default_value_t = 0)]
    rate: u64,
    #[arg(long, default_value_t = 10)]
    durata_s: u64,
    #[arg(long, default_value_t = 32)]
    connessioni: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Households generated (presenta) or looked up (leggi)
    #[arg(long, default_value_t = 20_000)]
    nuclei: u64,
    /// Client threads
    #[arg(long, default_value_t = 1)]
    thread: usize,
    #[arg(long)]
    pid: Option<u32>,
}

enum Lavoro {
    Salute,
    Presenta { corpi: Vec<Bytes>, prefisso: String },
    Leggi { corpi: Vec<Bytes> },
}

fn memoria(pid: u32) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let campo = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    format!("VmHWM {} VmRSS {}", campo("VmHWM:"), campo("VmRSS:"))
}

fn prepara(a: &Args) -> Lavoro {
    let imp = isee_genera::Impostazioni {
        seed: a.seed,
        anno: 2026,
        comuni: vec!["H199".into(), "H183".into(), "E885".into(), "H501".into()],
    };
    match a.scenario.as_str() {
        "salute" => Lavoro::Salute,
        "presenta" => Lavoro::Presenta {
            corpi: (0..a.nuclei)
                .map(|i| Bytes::from(serde_json::to_string(&isee_genera::nucleo(&imp, i)).unwrap()))
                .collect(),
            prefisso: format!("carico-{:x}", fastrand::u64(..)),
        },
        "leggi" => Lavoro::Leggi {
            corpi: (0..a.nuclei)
                .filter_map(|i| {
                    let d = isee_genera::nucleo(&imp, i);
                    let cf = d.dichiarante()?.codice_fiscale;
                    let data = d.data_presentazione.get()?;
                    Some(Bytes::from(format!(
                        "{{\"codice_fiscale\":\"{}\",\"data\":\"{}\"}}",
                        cf.as_str(),
                        data.format("%Y-%m-%d")
                    )))
                })
                .collect(),
        },
        s => panic!("scenario sconosciuto: {s} (salute, presenta, leggi)"),
    }
}

async fn una(
    c: &mut Connessione,
    lavoro: &Lavoro,
    auth: &str,
    i: u64,
) -> Result<StatusCode, http::Errore> {
    match lavoro {
        Lavoro::Salute => c
            .invia(Method::GET, "/salute", &[], None)
            .await
            .map(|r| r.0),
        Lavoro::Presenta { corpi, prefisso } => {
            let corpo = corpi[(i % corpi.len() as u64) as usize].clone();
            let chiave = format!("{prefisso}-{i}");
            c.invia(
                Method::POST,
                "/api/v1/dsu",
                &[("authorization", auth), ("idempotency-key", &chiave)],
                Some(corpo),
            )
            .await
            .map(|r| r.0)
        }
        Lavoro::Leggi { corpi } => {
            let corpo = corpi[(i % corpi.len() as u64) as usize].clone();
            c.invia(
                Method::POST,
                "/api/v1/ricerche/dsu-valida",
                &[("authorization", auth)],
                Some(corpo),
            )
            .await
            .map(|r| r.0)
        }
    }
}

fn main() {
    let a = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(a.thread.max(1))
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(esegui(a));
}

async fn esegui(a: Args) {
    let mut lavoro = prepara(&a);
    let auth = format!("Bearer {}", a.chiave);
    if let Lavoro::Leggi { corpi } = &lavoro {
        // Keep only households the register has (a generated DSU may be refused).
        let mut c = Connessione::apri(a.addr).await.unwrap();
        let mut trovati = Vec::new();
        for (i, corpo) in corpi.iter().enumerate() {
            if i >= 2000 {
                break;
            }
            let (s, _) = c
                .invia(
                    Method::POST,
                    "/api/v1/ricerche/dsu-valida",
                    &[("authorization", &auth)],
                    Some(corpo.clone()),
                )
                .await
                .unwrap();
            if s == StatusCode::OK {
                trovati.push(corpo.clone());
            }
        }
        assert!(
            !trovati.is_empty(),
            "nessuna DSU trovata: eseguire prima lo scenario presenta con lo stesso seme"
        );
        lavoro = Lavoro::Leggi { corpi: trovati };
    }
    let lavoro = Arc::new(lavoro);
    let prossimo = Arc::new(AtomicU64::new(0));
    let durata = Duration::from_secs(a.durata_s);
    let inizio = Instant::now() + Duration::from_millis(200);
    let fine = inizio + durata;
    let mut compiti = Vec::new();
    for _ in 0..a.connessioni {
        let (lavoro, prossimo, auth, a) =
            (lavoro.clone(), prossimo.clone(), auth.clone(), a.clone());
        compiti.push(tokio::spawn(async move {
            let mut c = Connessione::apri(a.addr).await.unwrap();
            let mut lat_us = Vec::with_capacity(1 << 16);
            let mut stati: BTreeMap<u16, u64> = BTreeMap::new();
            let mut errori = 0u64;
            tokio::time::sleep_until(inizio.into()).await;
            loop {
                let i = prossimo.fetch_add(1, Ordering::Relaxed);
                let dovuto = if let Some(ns) = (i * 1_000_000_000).checked_div(a.rate) {
                    let t = inizio + Duration::from_nanos(ns);
                    if t >= fine {
                        break;
                    }
                    tokio::time::sleep_until(t.into()).await;
                    t
                } else {
                    let t = Instant::now();
                    if t >= fine {
                        break;
                    }
                    t
                };
                match una(&mut c, &lavoro, &auth, i).await {
                    Ok(s) => {
                        *stati.entry(s.as_u16()).or_default() += 1;
                        lat_us.push(dovuto.elapsed().as_micros() as u64);
                    }
                    Err(_) => {
                        errori += 1;
                        match Connessione::apri(a.addr).await {
                            Ok(n) => c = n,
                            Err(_) => break,
                        }
                    }
                }
            }
            (lat_us, stati, errori)
        }));
    }
    let mut lat = Vec::new();
    let mut stati: BTreeMap<u16, u64> = BTreeMap::new();
    let mut errori = 0;
    for c in compiti {
        let (l, s, e) = c.await.unwrap();
        lat.extend(l);
        for (k, v) in s {
            *stati.entry(k).or_default() += v;
        }
        errori += e;
    }
    let trascorso = Instant::now()
        .saturating_duration_since(inizio)
        .as_secs_f64();
    lat.sort_unstable();
    let q = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map(|&u| u as f64 / 1000.0)
            .unwrap_or(f64::NAN)
    };
    let ok: u64 = stati
        .iter()
        .filter(|(k, _)| **k < 300)
        .map(|(_, v)| v)
        .sum();
    println!(
        "scenario={} rate={} connessioni={} durata={:.1}s richieste={} ok={} al_s={:.0} p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms stati={:?} errori_rete={}{}",
        a.scenario,
        a.rate,
        a.connessioni,
        trascorso,
        lat.len(),
        ok,
        ok as f64 / trascorso,
        q(0.50),
        q(0.90),
        q(0.99),
        lat.last().map(|&u| u as f64 / 1000.0).unwrap_or(f64::NAN),
        stati,
        errori,
        a.pid
            .map(|p| format!(" server: {}", memoria(p)))
            .unwrap_or_default()
    );
}
