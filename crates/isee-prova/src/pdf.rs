//! Text extraction from PDF files with a real extractor: poppler's `pdftotext`
//! (Debian `poppler-utils`, which `scripts/verifica.sh` installs when missing).
//! With `CI` set a missing `pdftotext` fails the test; without it the check is
//! reported as not run and [`testo`] returns `None`.

use std::process::{Command, Stdio};

/// Whether `pdftotext` can run. Without it: under `CI` a panic, otherwise `false`
/// (with a warning on stderr).
pub fn pdftotext_disponibile() -> bool {
    let ok = Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!(
            "pdftotext non disponibile: installare poppler-utils (scripts/verifica.sh lo fa da sé)"
        );
    }
    if !ok {
        eprintln!(
            "avviso: pdftotext non disponibile, testo del PDF non controllato (poppler-utils)"
        );
    }
    ok
}

/// The text of `pdf` as `pdftotext -enc UTF-8 - -` extracts it (pages separated by
/// form feeds). `None` when pdftotext is missing outside CI; panics when pdftotext
/// rejects the file or writes errors.
pub fn testo(pdf: &[u8]) -> Option<String> {
    if !pdftotext_disponibile() {
        return None;
    }
    let mut figlio = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("esecuzione di pdftotext");
    let mut ingresso = figlio.stdin.take().expect("stdin di pdftotext");
    let dati = pdf.to_vec();
    let scrittore = std::thread::spawn(move || {
        use std::io::Write as _;
        let _ = ingresso.write_all(&dati);
    });
    let uscita = figlio.wait_with_output().expect("uscita di pdftotext");
    let _ = scrittore.join();
    let errori = String::from_utf8_lossy(&uscita.stderr);
    assert!(
        uscita.status.success() && errori.trim().is_empty(),
        "pdftotext ha rifiutato il PDF ({}): {errori}",
        uscita.status
    );
    Some(String::from_utf8(uscita.stdout).expect("pdftotext -enc UTF-8 scrive UTF-8"))
}
