//! A NATS server with JetStream of the test's own: `nats-server -js` on a free port of
//! 127.0.0.1 with its store in a temporary directory, so that a test may stop it and
//! start it again (same port, same store) to see what survives.
//!
//! The binary is `nats-server` on the `PATH` or in `/usr/sbin` (Debian's package
//! `nats-server`). When it is missing: with `CI` set, `apt-get install -y nats-server`
//! is run once, and the test fails if it is still missing; without `CI`,
//! [`ServerNats::avvia`] returns `None` and the caller skips, saying so.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn binario() -> Option<PathBuf> {
    static BINARIO: OnceLock<Option<PathBuf>> = OnceLock::new();
    BINARIO
        .get_or_init(|| {
            let cerca = || {
                std::env::var_os("PATH")
                    .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
                    .unwrap_or_default()
                    .into_iter()
                    .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
                    .map(|d| d.join("nats-server"))
                    .find(|p| p.is_file())
            };
            if let Some(b) = cerca() {
                return Some(b);
            }
            if std::env::var_os("CI").is_some() {
                let esito = Command::new("apt-get")
                    .args(["install", "-y", "-q", "nats-server"])
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .status();
                eprintln!("apt-get install nats-server: {esito:?}");
                let b = cerca();
                assert!(b.is_some(), "nats-server non installabile sotto CI");
                return b;
            }
            None
        })
        .clone()
}

/// A running `nats-server -js`; stopped (SIGKILL) when dropped.
pub struct ServerNats {
    porta: u16,
    cartella: tempfile::TempDir,
    figlio: Option<Child>,
}

fn porta_libera() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("porta libera")
}

impl ServerNats {
    /// Starts a server, or `None` (with a line on stderr) when there is no binary
    /// outside CI.
    pub fn avvia() -> Option<ServerNats> {
        if binario().is_none() {
            eprintln!("nats-server assente: test saltato (con CI=1 viene installato)");
            return None;
        }
        let mut s = ServerNats {
            porta: porta_libera(),
            cartella: tempfile::tempdir().expect("cartella del server NATS"),
            figlio: None,
        };
        s.riavvia();
        Some(s)
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.porta)
    }

    /// Kills the server (SIGKILL: what JetStream has not synced is lost, as in a crash).
    pub fn ferma(&mut self) {
        if let Some(mut f) = self.figlio.take() {
            let _ = f.kill();
            let _ = f.wait();
        }
    }

    /// Starts the server again on the same port and store (stopping it first if it
    /// runs), and waits until it accepts connections.
    pub fn riavvia(&mut self) {
        self.ferma();
        let b = binario().expect("nats-server");
        let figlio = Command::new(b)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.porta.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.cartella.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("avvio di nats-server");
        self.figlio = Some(figlio);
        let inizio = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.porta)).is_err() {
            assert!(
                inizio.elapsed() < Duration::from_secs(10),
                "nats-server non risponde sulla porta {}",
                self.porta
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerNats {
    fn drop(&mut self) {
        self.ferma();
    }
}
