//! `isee consultazione serve` can be restarted at once (issue 10, point 4): after
//! SIGTERM or SIGINT it drains, closes the access log and releases its writer's lease;
//! after SIGKILL the next process proves the old one dead (same machine, pid gone) and
//! takes the lease over; a second writer beside a live one is still refused.

mod processo;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn sandbox(dir: &Path) -> PathBuf {
    let sb = dir.join("sandbox");
    let o = Command::new(env!("CARGO_BIN_EXE_isee"))
        .args([
            "consultazione",
            "sandbox",
            "--senza-tls",
            "--indirizzo",
            "127.0.0.1:0",
            "--dir",
        ])
        .arg(&sb)
        .arg("--registro")
        .arg(dir.join("registro.db"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    sb.join("consultazione.toml")
}

/// Starts the service; `Err(stderr)` when it exits instead of listening.
fn avvia(config: &Path) -> Result<(Child, SocketAddr), String> {
    let mut figlio = processo::isee()
        .args(["consultazione", "serve", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    processo::indirizzo(&mut figlio).map(|a| (figlio, a))
}

fn segnale(figlio: &Child, nome: &str) {
    let s = Command::new("kill")
        .args(["-s", nome, &figlio.id().to_string()])
        .status()
        .unwrap();
    assert!(s.success(), "kill -s {nome}");
}

fn uscita(figlio: &mut Child, entro: Duration) -> ExitStatus {
    let inizio = Instant::now();
    loop {
        if let Some(s) = figlio.try_wait().unwrap() {
            return s;
        }
        assert!(
            inizio.elapsed() < entro,
            "il servizio non è uscito entro {entro:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn salute(a: SocketAddr) -> String {
    let mut s = TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /salute HTTP/1.1\r\nHost: prova\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut r = String::new();
    let _ = s.read_to_string(&mut r);
    r
}

#[test]
fn riavvio_immediato_dopo_sigterm_sigint_e_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox(dir.path());

    // SIGTERM (systemctl stop): a clean exit, and the next start succeeds at once.
    let (mut s, a) = avvia(&config).unwrap();
    assert!(salute(a).starts_with("HTTP/1.1 200"));
    segnale(&s, "TERM");
    assert!(uscita(&mut s, Duration::from_secs(15)).success());

    // SIGINT (Ctrl-C): the same.
    let (mut s, a) = avvia(&config).expect("riavvio dopo SIGTERM");
    assert!(salute(a).starts_with("HTTP/1.1 200"));
    segnale(&s, "INT");
    assert!(uscita(&mut s, Duration::from_secs(15)).success());

    // SIGKILL (a crash): the lease stays behind, but its holder is provably gone.
    let (mut s, _) = avvia(&config).expect("riavvio dopo SIGINT");
    s.kill().unwrap();
    s.wait().unwrap();
    let (mut s, a) = avvia(&config).expect("riavvio dopo SIGKILL");
    assert!(salute(a).starts_with("HTTP/1.1 200"));

    // A second writer beside a live one is refused, whatever the timing.
    let errore = avvia(&config).expect_err("secondo scrittore accettato");
    assert!(errore.contains("pid"), "{errore}");
    assert!(salute(a).starts_with("HTTP/1.1 200"));
    segnale(&s, "TERM");
    assert!(uscita(&mut s, Duration::from_secs(15)).success());
}
