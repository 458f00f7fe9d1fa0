//! Load test of the web portal: N concurrent simulated sessions against `isee demo`,
//! on loopback, with keep-alive connections (isee-http's client).
//!
//! ```text
//! cargo build --release -p isee-cli
//! cargo run --release -p isee-sandbox --example carico_portale -- --sessioni 200 [--pausa-ms 1000] [--giri 5]
//! ```
//!
//! The example starts `isee demo --porta 0 --nuclei 30` (the binary of `--isee`, by
//! default `$CARGO_TARGET_DIR/release/isee`) in a temporary directory, reads the base
//! URL and the declarant's password from what it prints, and kills it at the end.
//!
//! Each session has its own connection and cookies, and runs in three phases (all the
//! sessions of a phase at once, the next phase once every session finished it):
//!
//! 1. anonymous, `--giri` times: `GET /`, `GET /simulatore`, `POST /simulatore` (a
//!    two-member household in rent, with the page's CSRF token, the pre-session cookie
//!    and an `Origin`: one round trip gives the result), `GET /salute` (the floor);
//! 2. `GET /accedi` and `POST /accedi` as the demo's declarant, once: Argon2id is
//!    deliberately slow, so the login is reported on its own line and kept out of
//!    the other phases (its CPU would otherwise be measured as page latency);
//! 3. signed in, `--giri` times: `GET /le-mie-dsu`, `GET /le-mie-dsu/{protocollo}`
//!    (the first DSU listed), `GET /salute`.
//!
//! A session starts each phase after a random wait in 0–`--pausa-ms` (with
//! `--simultanee`, all at once: a burst of N requests queued on the server's cores).
//! Between two requests a session waits `--pausa-ms` (uniform in ½–1½ times it: a
//! person reading the page); `--pausa-ms 0` sends back to back (saturation, where
//! latency is mostly queueing: with 200 requests in flight on 2 cores, Little's law).
//! Latency is measured by the client from sending the request to the last byte of
//! the body, so it bounds the server's time from above.
//!
//! Page weight: the HTML of each page plus every `/static/` asset it references and the
//! assets those stylesheets reference (fonts), each fetched once; uncompressed (the
//! service sends no `Content-Encoding`), and every font counted though a browser
//! fetches only the faces it uses.
//!
//! Exits non-zero when any request failed or answered an unexpected status.

use bytes::Bytes;
use clap::Parser;
use hyper::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use hyper::{Method, Request, StatusCode};
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Clone)]
struct Args {
    /// Concurrent sessions
    #[arg(long, default_value_t = 200)]
    sessioni: usize,
    /// Rounds of pages per session in phases 1 and 3
    #[arg(long, default_value_t = 5)]
    giri: usize,
    /// Mean pause between two requests of a session, in ms (0: back to back)
    #[arg(long, default_value_t = 1000)]
    pausa_ms: u64,
    /// The `isee` binary (default: $CARGO_TARGET_DIR/release/isee, else target/release/isee)
    #[arg(long)]
    isee: Option<PathBuf>,
    /// Households the demo files
    #[arg(long, default_value_t = 30)]
    nuclei: u64,
    /// Every session starts each phase at the same instant (a burst of N requests)
    /// instead of after a random wait in 0–`--pausa-ms`
    #[arg(long)]
    simultanee: bool,
    /// Client threads (the server has the rest of the machine)
    #[arg(long, default_value_t = 1)]
    thread: usize,
}

type Errore = Box<dyn std::error::Error + Send + Sync>;

/// One measured request.
struct Misura {
    pagina: &'static str,
    us: u64,
    byte: usize,
}

/// One simulated browser: its connection and cookies.
struct Sessione {
    conn: isee_http::Connection,
    cookie: BTreeMap<String, String>,
    origine: String,
    misure: Vec<Misura>,
    fallite: Vec<String>,
    pausa_ms: u64,
    simultanee: bool,
    protocollo: Option<String>,
    /// The last HTML body of each page (for the page weight).
    ultime: BTreeMap<&'static str, Bytes>,
}

fn cliente() -> isee_http::Client {
    isee_http::Client::http().with_limits(isee_http::client::Limits {
        connect_timeout: Duration::from_secs(10),
        timeout: Duration::from_secs(120),
        max_body: 32 << 20,
    })
}

impl Sessione {
    async fn apri(addr: SocketAddr, pausa_ms: u64, simultanee: bool) -> Result<Sessione, Errore> {
        Ok(Sessione {
            conn: cliente().connect(addr).await?,
            cookie: BTreeMap::new(),
            origine: format!("http://{addr}"),
            misure: Vec::new(),
            fallite: Vec::new(),
            pausa_ms,
            simultanee,
            protocollo: None,
            ultime: BTreeMap::new(),
        })
    }

    async fn pausa(&self) {
        if self.pausa_ms > 0 {
            let ms = self.pausa_ms / 2 + fastrand::u64(0..=self.pausa_ms);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }

    /// The wait before a phase's first request: people do not click in step.
    async fn arrivo(&self) {
        if self.pausa_ms > 0 && !self.simultanee {
            let ms = fastrand::u64(0..self.pausa_ms);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }

    /// Sends one request with the session's cookies, keeps the cookies it sets, and
    /// records its latency under `pagina` when the status is `atteso`.
    async fn invia(
        &mut self,
        pagina: &'static str,
        metodo: Method,
        percorso: &str,
        modulo: Option<String>,
        atteso: StatusCode,
    ) -> Option<hyper::Response<Bytes>> {
        let mut b = Request::builder().method(metodo).uri(percorso);
        if !self.cookie.is_empty() {
            let c: Vec<String> = self
                .cookie
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            b = b.header(COOKIE, c.join("; "));
        }
        if modulo.is_some() {
            b = b
                .header("content-type", "application/x-www-form-urlencoded")
                .header(ORIGIN, &self.origine);
        }
        let req = match b.body(Bytes::from(modulo.unwrap_or_default())) {
            Ok(r) => r,
            Err(e) => {
                self.fallite.push(format!("{pagina}: {e}"));
                return None;
            }
        };
        let t = Instant::now();
        let r = match self.conn.send(req).await {
            Ok(r) => r,
            Err(e) => {
                self.fallite.push(format!("{pagina}: {}", e.full_message()));
                return None;
            }
        };
        let us = t.elapsed().as_micros() as u64;
        for v in r.headers().get_all(SET_COOKIE) {
            let Some((nome, valore)) = v
                .to_str()
                .ok()
                .and_then(|v| v.split(';').next())
                .and_then(|c| c.split_once('='))
            else {
                continue;
            };
            if valore.is_empty() {
                self.cookie.remove(nome.trim());
            } else {
                self.cookie
                    .insert(nome.trim().to_string(), valore.trim().to_string());
            }
        }
        if r.status() != atteso {
            self.fallite
                .push(format!("{pagina} {percorso}: stato {}", r.status()));
            return None;
        }
        self.misure.push(Misura {
            pagina,
            us,
            byte: r.body().len(),
        });
        Some(r)
    }

    async fn pagina(&mut self, pagina: &'static str, percorso: &str) -> Option<Bytes> {
        let r = self
            .invia(pagina, Method::GET, percorso, None, StatusCode::OK)
            .await?;
        let corpo = r.into_body();
        self.ultime.insert(pagina, corpo.clone());
        Some(corpo)
    }

    async fn anonima(&mut self, giri: usize) {
        self.arrivo().await;
        for _ in 0..giri {
            self.pagina("home", "/").await;
            self.pausa().await;
            let Some(html) = self.pagina("simulatore (GET)", "/simulatore").await else {
                return;
            };
            let Some(csrf) = csrf(&html) else {
                self.fallite.push("simulatore: nessun token CSRF".into());
                return;
            };
            self.pausa().await;
            let modulo = modulo_simulatore(&csrf);
            if let Some(r) = self
                .invia(
                    "simulatore (POST)",
                    Method::POST,
                    "/simulatore",
                    Some(modulo),
                    StatusCode::OK,
                )
                .await
            {
                let corpo = r.into_body();
                if !String::from_utf8_lossy(&corpo).contains("Scala di equivalenza") {
                    self.fallite
                        .push("simulatore (POST): nessun risultato nella pagina".into());
                }
                self.ultime.insert("simulatore (POST)", corpo);
            }
            self.pausa().await;
            self.invia("salute", Method::GET, "/salute", None, StatusCode::OK)
                .await;
            self.pausa().await;
        }
    }

    async fn accedi(&mut self, password: &str) {
        self.arrivo().await;
        let Some(html) = self.pagina("accedi (GET)", "/accedi").await else {
            return;
        };
        let Some(csrf) = csrf(&html) else {
            self.fallite.push("accedi: nessun token CSRF".into());
            return;
        };
        let modulo = format!(
            "csrf={}&nome=dichiarante&password={}",
            codifica(&csrf),
            codifica(password)
        );
        if let Some(r) = self
            .invia(
                "accedi (POST, Argon2id)",
                Method::POST,
                "/accedi",
                Some(modulo),
                StatusCode::SEE_OTHER,
            )
            .await
            && r.headers().get(LOCATION).and_then(|v| v.to_str().ok()) != Some("/area-personale")
        {
            self.fallite
                .push("accedi: non rimanda all'area personale".into());
        }
    }

    async fn firmata(&mut self, giri: usize) {
        self.arrivo().await;
        for _ in 0..giri {
            let Some(html) = self.pagina("le-mie-dsu", "/le-mie-dsu").await else {
                return;
            };
            if self.protocollo.is_none() {
                self.protocollo = String::from_utf8_lossy(&html)
                    .split("href=\"/le-mie-dsu/")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .map(str::to_string);
            }
            let Some(p) = self.protocollo.clone() else {
                self.fallite.push("le-mie-dsu: nessuna DSU elencata".into());
                return;
            };
            self.pausa().await;
            self.pagina("attestazione", &format!("/le-mie-dsu/{p}"))
                .await;
            self.pausa().await;
            self.invia("salute", Method::GET, "/salute", None, StatusCode::OK)
                .await;
            self.pausa().await;
        }
    }
}

/// The hidden `csrf` field's value.
fn csrf(html: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(html);
    let dopo = s.split("name=\"csrf\" value=\"").nth(1)?;
    Some(dopo.split('"').next()?.to_string())
}

/// Form urlencoding (RFC 3986 unreserved characters kept).
fn codifica(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A valid household: a declarant employee and a pensioner spouse, in rent.
fn modulo_simulatore(csrf: &str) -> String {
    let campi: &[(&str, &str)] = &[
        ("data", "15/03/2026"),
        ("titolo", "locazione"),
        ("canone", "7200"),
        ("n", "2"),
        ("c0_rapporto", "D"),
        ("c0_nascita", "12/05/1978"),
        ("c0_disabilita", ""),
        ("c0_mesi", "12"),
        ("c0_dipendente", "28500"),
        ("c0_pensione", ""),
        ("c0_altri", ""),
        ("c0_saldo", "8200"),
        ("c0_giacenza", "6100"),
        ("c0_imu", ""),
        ("c0_mutuo", ""),
        ("c1_rapporto", "C"),
        ("c1_nascita", "03/11/1955"),
        ("c1_disabilita", ""),
        ("c1_mesi", "0"),
        ("c1_dipendente", ""),
        ("c1_pensione", "14300,50"),
        ("c1_altri", ""),
        ("c1_saldo", "3000"),
        ("c1_giacenza", "2500"),
        ("c1_imu", ""),
        ("c1_mutuo", ""),
    ];
    let mut s = format!("csrf={}", codifica(csrf));
    for (k, v) in campi {
        s.push_str(&format!("&{k}={}", codifica(v)));
    }
    s
}

/// The `/static/` paths `testo` references.
fn risorse(testo: &[u8]) -> BTreeSet<String> {
    String::from_utf8_lossy(testo)
        .split("/static/")
        .skip(1)
        .filter_map(|s| {
            let nome: String = s
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ')' | '#' | '?' | ' ' | '<' | '>'))
                .collect();
            (!nome.is_empty()).then(|| format!("/static/{nome}"))
        })
        .collect()
}

/// The assets a stylesheet references with `url(...)`: absolute, or relative to
/// `/static/` (the fonts); `data:` URLs are inside the stylesheet already.
fn risorse_css(testo: &[u8]) -> BTreeSet<String> {
    String::from_utf8_lossy(testo)
        .split("url(")
        .skip(1)
        .filter_map(|s| {
            let u = s.split(')').next()?.trim().trim_matches(['"', '\'']);
            let u = u.split(['#', '?']).next()?;
            if u.is_empty() || u.starts_with("data:") {
                None
            } else if u.starts_with('/') {
                Some(u.to_string())
            } else {
                Some(format!("/static/{u}"))
            }
        })
        .collect()
}

/// The demo: its process and what it printed.
struct Demo {
    figlio: std::process::Child,
    addr: SocketAddr,
    password: String,
    _dir: tempfile::TempDir,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.figlio.kill();
        let _ = self.figlio.wait();
    }
}

fn avvia_demo(a: &Args) -> Result<Demo, Errore> {
    let isee = a.isee.clone().unwrap_or_else(|| {
        PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
            .join("release/isee")
    });
    let dir = tempfile::tempdir()?;
    let log = std::fs::File::create(dir.path().join("demo.log"))?;
    let mut figlio = Command::new(&isee)
        .args(["demo", "--porta", "0", "--nuclei", &a.nuclei.to_string()])
        .arg("--dir")
        .arg(dir.path().join("demo"))
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(|e| {
            format!(
                "{}: {e} (cargo build --release -p isee-cli)",
                isee.display()
            )
        })?;
    let stdout = figlio.stdout.take().ok_or("stdout della demo")?;
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    // Reads the demo's stdout to the end, so it never blocks on a full pipe.
    std::thread::spawn(move || {
        for riga in std::io::BufReader::new(stdout).lines() {
            let Ok(riga) = riga else { break };
            // Once nobody listens the lines are dropped, and the pipe still drained.
            let _ = tx.send(riga);
        }
    });
    let (mut addr, mut password) = (None, None);
    let scadenza = Instant::now() + Duration::from_secs(300);
    let mut demo = Demo {
        figlio,
        addr: "127.0.0.1:0".parse()?,
        password: String::new(),
        _dir: dir,
    };
    loop {
        let resto = scadenza.saturating_duration_since(Instant::now());
        let riga = rx
            .recv_timeout(resto)
            .map_err(|_| "isee demo non ha stampato la chiave API in tempo")?;
        if let Some(u) = riga.split("in ascolto su http://").nth(1) {
            addr = Some(u.trim().parse::<SocketAddr>()?);
        }
        if let Some(resto) = riga.split("nome utente dichiarante").nth(1) {
            password = resto.split("password").nth(1).map(|p| p.trim().to_string());
        }
        if riga.contains("export ISEE_CHIAVE=") {
            break;
        }
    }
    demo.addr = addr.ok_or("la demo non ha stampato il suo indirizzo")?;
    demo.password = password.ok_or("la demo non ha stampato l'account del dichiarante")?;
    Ok(demo)
}

/// Runs `fase` on every session at once; returns them and the phase's duration.
async fn fase<F, Fut>(sessioni: Vec<Sessione>, f: F) -> (Vec<Sessione>, Duration)
where
    F: Fn(Sessione) -> Fut,
    Fut: std::future::Future<Output = Sessione> + Send + 'static,
{
    let t = Instant::now();
    let compiti: Vec<_> = sessioni.into_iter().map(|s| tokio::spawn(f(s))).collect();
    let mut v = Vec::with_capacity(compiti.len());
    for c in compiti {
        if let Ok(s) = c.await {
            v.push(s);
        }
    }
    (v, t.elapsed())
}

fn quantile(v: &[u64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i] as f64 / 1000.0
}

fn main() -> ExitCode {
    let a = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(a.thread.max(1))
        .enable_all()
        .build()
        .expect("runtime");
    match rt.block_on(esegui(a)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("carico_portale: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn esegui(a: Args) -> Result<bool, Errore> {
    let demo = avvia_demo(&a)?;
    let addr = demo.addr;
    let password = Arc::new(demo.password.clone());
    println!(
        "isee demo su http://{addr}: {} sessioni, {} giri, pausa media {} ms{}, {} thread del client",
        a.sessioni,
        a.giri,
        a.pausa_ms,
        if a.simultanee {
            ", fasi simultanee"
        } else {
            ""
        },
        a.thread
    );
    let mut sessioni = Vec::with_capacity(a.sessioni);
    for _ in 0..a.sessioni {
        sessioni.push(Sessione::apri(addr, a.pausa_ms, a.simultanee).await?);
    }
    let giri = a.giri;
    let (sessioni, t1) = fase(sessioni, move |mut s| async move {
        s.anonima(giri).await;
        s
    })
    .await;
    let (sessioni, t2) = fase(sessioni, move |mut s| {
        let password = password.clone();
        async move {
            s.accedi(&password).await;
            s
        }
    })
    .await;
    let (sessioni, t3) = fase(sessioni, move |mut s| async move {
        s.firmata(giri).await;
        s
    })
    .await;
    println!(
        "fasi: anonima {:.1} s, accesso {:.1} s, con accesso {:.1} s",
        t1.as_secs_f64(),
        t2.as_secs_f64(),
        t3.as_secs_f64()
    );

    // The page weights: every asset referenced, fetched once.
    let mut ultime: BTreeMap<&'static str, Bytes> = BTreeMap::new();
    let mut per_pagina: BTreeMap<&'static str, (Vec<u64>, Vec<usize>)> = BTreeMap::new();
    let mut fallite: Vec<String> = Vec::new();
    for s in &sessioni {
        for m in &s.misure {
            let e = per_pagina.entry(m.pagina).or_default();
            e.0.push(m.us);
            e.1.push(m.byte);
        }
        fallite.extend(s.fallite.iter().cloned());
        for (k, v) in &s.ultime {
            ultime.entry(k).or_insert_with(|| v.clone());
        }
    }
    let mut conn = cliente().connect(addr).await?;
    let mut dimensioni: BTreeMap<String, usize> = BTreeMap::new();
    let mut da_leggere: Vec<String> = ultime.values().flat_map(|h| risorse(h)).collect();
    let mut figlie: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    while let Some(r) = da_leggere.pop() {
        if dimensioni.contains_key(&r) {
            continue;
        }
        let risposta = conn.get(&r).await?;
        if risposta.status() != StatusCode::OK {
            fallite.push(format!("{r}: stato {}", risposta.status()));
            continue;
        }
        let corpo = risposta.into_body();
        if r.ends_with(".css") {
            let f = risorse_css(&corpo);
            da_leggere.extend(f.iter().cloned());
            figlie.insert(r.clone(), f);
        }
        dimensioni.insert(r, corpo.len());
    }
    let peso = |html: &Bytes| -> (usize, usize) {
        let mut tutte: BTreeSet<String> = BTreeSet::new();
        let mut coda: Vec<String> = risorse(html).into_iter().collect();
        while let Some(r) = coda.pop() {
            if tutte.insert(r.clone())
                && let Some(f) = figlie.get(&r)
            {
                coda.extend(f.iter().cloned());
            }
        }
        let n = tutte.len();
        (n, tutte.iter().filter_map(|r| dimensioni.get(r)).sum())
    };

    println!();
    println!(
        "{:<26} {:>7} {:>9} {:>9} {:>9} {:>9} {:>10} {:>12}",
        "pagina", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "HTML byte", "totale byte"
    );
    let mut superati = Vec::new();
    for (pagina, (mut lat, byte)) in per_pagina {
        lat.sort_unstable();
        let html = byte.iter().sum::<usize>() / byte.len().max(1);
        let totale = match ultime.get(pagina) {
            Some(h) => {
                let (_, asset) = peso(h);
                format!("{}", html + asset)
            }
            None => "-".into(),
        };
        let p95 = quantile(&lat, 0.95);
        if p95 > 20.0 && !pagina.starts_with("accedi (POST") {
            superati.push(pagina);
        }
        println!(
            "{:<26} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>10} {:>12}",
            pagina,
            lat.len(),
            quantile(&lat, 0.50),
            p95,
            quantile(&lat, 0.99),
            lat.last().map_or(f64::NAN, |&u| u as f64 / 1000.0),
            html,
            totale
        );
    }
    println!();
    println!("risorse (ciascuna letta una volta):");
    for (r, b) in &dimensioni {
        println!("  {r:<60} {b:>10} byte");
    }
    println!(
        "  {:<60} {:>10} byte",
        "totale delle risorse",
        dimensioni.values().sum::<usize>()
    );
    let stato =
        std::fs::read_to_string(format!("/proc/{}/status", demo.figlio.id())).unwrap_or_default();
    let campo = |k: &str| {
        stato
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .map_or_else(|| "?".to_string(), |v| v.trim().to_string())
    };
    println!(
        "memoria della demo: VmHWM {} VmRSS {}",
        campo("VmHWM:"),
        campo("VmRSS:")
    );
    if superati.is_empty() {
        println!("\np95 < 20 ms su ogni pagina (escluso l'accesso con Argon2id)");
    } else {
        println!("\np95 oltre 20 ms: {}", superati.join(", "));
    }
    if !fallite.is_empty() {
        println!("\n{} richieste fallite, per esempio:", fallite.len());
        for f in fallite.iter().take(10) {
            println!("  {f}");
        }
        return Ok(false);
    }
    drop(demo);
    Ok(true)
}
