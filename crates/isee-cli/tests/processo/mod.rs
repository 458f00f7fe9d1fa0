//! Starting the real `isee` binary as a service, shared by the tests that run one
//! (`durabilita.rs`, `backup.rs`, `riavvio.rs`, `oidc.rs`). Each test file uses part
//! of it, hence the `dead_code` allowances.

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Waits for the service's first line on stdout (`… in ascolto su http://ADDR`, which
/// every `serve` prints once it listens) and returns the address. `Err(stderr)` when
/// the process exits instead; stderr must then be piped.
#[allow(dead_code)]
pub(crate) fn indirizzo(figlio: &mut Child) -> Result<SocketAddr, String> {
    let mut riga = String::new();
    BufReader::new(figlio.stdout.take().expect("stdout piped"))
        .read_line(&mut riga)
        .unwrap();
    match riga
        .trim()
        .rsplit("http://")
        .next()
        .and_then(|a| a.parse().ok())
    {
        Some(a) if riga.contains("in ascolto") => Ok(a),
        _ => {
            let _ = figlio.wait();
            let mut errore = format!("riga di avvio inattesa: {riga:?}\n");
            if let Some(mut e) = figlio.stderr.take() {
                let _ = e.read_to_string(&mut errore);
            }
            Err(errore)
        }
    }
}

/// `isee serve` on the SQLite file `db` with the API keys `chiavi`, on a free port;
/// `c` carries the test's environment, `stderr` where the log goes.
#[allow(dead_code)]
pub(crate) fn serve(
    c: &mut Command,
    db: &Path,
    chiavi: &Path,
    stderr: Stdio,
) -> (Child, SocketAddr) {
    let mut figlio = c
        .args(["serve", "--porta", "0", "--db"])
        .arg(db)
        .arg("--chiavi")
        .arg(chiavi)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let a = indirizzo(&mut figlio).unwrap_or_else(|e| panic!("{e}"));
    (figlio, a)
}

/// The `isee` binary under test, logging warnings only.
#[allow(dead_code)]
pub(crate) fn isee() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_isee"));
    c.env("RUST_LOG", "warn");
    c
}
