//! `isee utenti crea` through the binary: the password from the standard input, an
//! account created in the register's database, every problem listed at once (fields
//! and password) with exit 2, the same name refused the second time, an unknown
//! profile refused.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

fn crea(db: &str, argomenti: &[&str], password: &str) -> Output {
    let mut figlio = Command::new(env!("CARGO_BIN_EXE_isee"))
        .args(["utenti", "crea", "--db", db])
        .args(argomenti)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("isee non eseguibile");
    writeln!(figlio.stdin.take().unwrap(), "{password}").unwrap();
    figlio.wait_with_output().unwrap()
}

#[test]
fn crea_un_account_e_rifiuta_ogni_problema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("registro.db").display().to_string();
    let ok = crea(
        &db,
        &[
            "--nome",
            "mario.rossi",
            "--nome-visualizzato",
            "Mario Rossi",
            "--codice-fiscale",
            "RSSMRA85M01H199H",
        ],
        "una password lunga e nuova",
    );
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        out.contains("«mario.rossi»") && out.contains("cittadino"),
        "{out}"
    );
    // The password is nowhere in what the command printed.
    assert!(!out.contains("lunga e nuova"));

    // A broken fiscal code, a fiscal code on an operator, and a short password: all
    // three reported, nothing created.
    let no = crea(
        &db,
        &[
            "--nome",
            "operatore",
            "--nome-visualizzato",
            "Operatore",
            "--ruolo",
            "operatore_caf",
            "--codice-fiscale",
            "RSSMRA85M01H199X",
        ],
        "corta",
    );
    assert_eq!(no.status.code(), Some(2));
    let err = String::from_utf8_lossy(&no.stderr);
    assert!(
        err.contains("solo un cittadino ha un codice fiscale"),
        "{err}"
    );
    assert!(
        err.lines().filter(|l| l.starts_with("  - ")).count() >= 2,
        "{err}"
    );
    assert!(err.to_lowercase().contains("password"), "{err}");

    // The same name again.
    let doppio = crea(
        &db,
        &["--nome", "mario.rossi", "--nome-visualizzato", "Mario"],
        "un'altra password lunga",
    );
    assert_eq!(doppio.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&doppio.stderr).contains("già in uso"));

    let sconosciuto = crea(
        &db,
        &[
            "--nome",
            "x.y",
            "--nome-visualizzato",
            "X",
            "--ruolo",
            "capo",
        ],
        "una password lunga e nuova",
    );
    assert!(!sconosciuto.status.success());
    assert!(String::from_utf8_lossy(&sconosciuto.stderr).contains("profilo «capo» sconosciuto"));
}
