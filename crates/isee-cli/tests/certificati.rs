//! `isee certificati …` end to end on a temporary directory, parsed as the `isee` binary
//! parses it.

use clap::Parser;
use isee_cli::comandi::certificati::{ComandoCertificati, esegui};
use isee_tls::{Autorita, identita_da_der};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use std::path::Path;

#[derive(Parser)]
struct Certificati {
    #[command(subcommand)]
    comando: ComandoCertificati,
}

fn esegui_args(args: &[&str]) -> anyhow::Result<std::process::ExitCode> {
    let mut tutti = vec!["certificati"];
    tutti.extend_from_slice(args);
    esegui(Certificati::try_parse_from(tutti)?.comando)
}

fn seriali_crl(dir: &Path) -> Vec<String> {
    let pem = std::fs::read(dir.join("crl.pem")).unwrap();
    let der = CertificateRevocationListDer::from_pem_slice(&pem).unwrap();
    let (_, crl) = x509_parser::parse_x509_crl(&der).unwrap();
    crl.iter_revoked_certificates()
        .map(|r| hex::encode(r.raw_serial()))
        .collect()
}

#[test]
fn ca_server_client_revoca_elenco() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let d = dir.to_str().unwrap();
    esegui_args(&["ca", "--dir", d]).unwrap();
    assert!(dir.join("ca.pem").exists() && dir.join("ca-chiave.pem").exists());
    assert!(seriali_crl(&dir).is_empty());
    // A second `ca` on the same directory is refused.
    assert!(esegui_args(&["ca", "--dir", d, "--nome", "altra"]).is_err());

    let server = tmp.path().join("server");
    let s = server.to_str().unwrap();
    esegui_args(&[
        "server",
        "--dir",
        d,
        "--nome",
        "localhost",
        "--nome",
        "127.0.0.1",
        "-o",
        s,
    ])
    .unwrap();
    assert!(tmp.path().join("server.pem").exists());
    assert!(tmp.path().join("server-chiave.pem").exists());

    let ente = tmp.path().join("ravenna");
    let e = ente.to_str().unwrap();
    let client_args = [
        "client",
        "--dir",
        d,
        "--ipa",
        "c_h199",
        "--cf",
        "00354730392",
        "--denominazione",
        "Comune di Ravenna",
        "--giorni",
        "30",
        "-o",
        e,
    ];
    esegui_args(&client_args).unwrap();
    let pem = std::fs::read(tmp.path().join("ravenna.pem")).unwrap();
    let der = CertificateDer::from_pem_slice(&pem).unwrap();
    let id = identita_da_der(&der).unwrap();
    assert_eq!(id.codice_ipa.as_deref(), Some("c_h199"));
    assert_eq!(id.codice_fiscale.as_deref(), Some("00354730392"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let modo = std::fs::metadata(tmp.path().join("ravenna-chiave.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(modo & 0o777, 0o600);
    }

    // Same output prefix again: refused before issuing, so the register does not grow.
    assert!(esegui_args(&client_args).is_err());
    let ca = Autorita::carica(&dir).unwrap();
    assert_eq!(ca.rilasciati().unwrap().len(), 2);

    esegui_args(&["revoca", "--dir", d, &id.seriale.to_uppercase()]).unwrap();
    assert_eq!(seriali_crl(&dir), vec![id.seriale.clone()]);
    assert!(esegui_args(&["revoca", "--dir", d, "abcdef"]).is_err());

    esegui_args(&["elenco", "--dir", d]).unwrap();
    assert!(
        esegui_args(&[
            "elenco",
            "--dir",
            tmp.path().join("nessuna").to_str().unwrap()
        ])
        .is_err()
    );
}

#[test]
fn client_con_dati_non_validi_non_scrive_nulla() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    esegui_args(&["ca", "--dir", d]).unwrap();
    let prefisso = tmp.path().join("x");
    let errore = esegui_args(&[
        "client",
        "--dir",
        d,
        "--ipa",
        "c_h199",
        "--cf",
        "12345678901",
        "--denominazione",
        "X",
        "-o",
        prefisso.to_str().unwrap(),
    ])
    .unwrap_err();
    assert!(
        format!("{errore:#}").contains("codice fiscale"),
        "{errore:#}"
    );
    assert!(!tmp.path().join("x.pem").exists());
    assert!(
        Autorita::carica(tmp.path())
            .unwrap()
            .rilasciati()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn csr_dell_ente_firmata_dall_autorita_e_client_rsa() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let d = dir.to_str().unwrap();
    esegui_args(&["ca", "--dir", d]).unwrap();

    // The ente's side: key and CSR, nothing of the authority.
    let chiave = tmp.path().join("ente-chiave.pem");
    let csr = tmp.path().join("ente.csr");
    esegui_args(&[
        "csr",
        "--chiave",
        chiave.to_str().unwrap(),
        "--csr",
        csr.to_str().unwrap(),
        "--cn",
        "Comune di Ravenna",
        "--algoritmo",
        "rsa-3072",
    ])
    .unwrap();
    let testo_chiave = std::fs::read_to_string(&chiave).unwrap();
    assert!(testo_chiave.starts_with("-----BEGIN PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let modo = std::fs::metadata(&chiave).unwrap().permissions().mode();
        assert_eq!(modo & 0o777, 0o600);
    }

    // The authority's side: only the CSR file.
    let cert = tmp.path().join("ente.pem");
    let firma = |output: &Path| {
        esegui_args(&[
            "firma",
            "--dir",
            d,
            "--csr",
            csr.to_str().unwrap(),
            "--ipa",
            "c_h199",
            "--cf",
            "00354730392",
            "--denominazione",
            "Comune di Ravenna",
            "-o",
            output.to_str().unwrap(),
        ])
    };
    firma(&cert).unwrap();
    assert!(firma(&cert).is_err(), "no overwrite");
    let der = CertificateDer::from_pem_slice(&std::fs::read(&cert).unwrap()).unwrap();
    let id = identita_da_der(&der).unwrap();
    assert_eq!(id.codice_ipa.as_deref(), Some("c_h199"));
    assert_eq!(bit_rsa(&der), Some(3072));
    // The ente's key is the certificate's (rustls refuses a key that is not).
    let ca_pem = std::fs::read_to_string(dir.join("ca.pem")).unwrap();
    let cert_pem = std::fs::read_to_string(&cert).unwrap();
    isee_tls::config_server(&cert_pem, &testo_chiave, &ca_pem, None).unwrap();
    let rilasci = Autorita::carica(&dir).unwrap().rilasciati().unwrap();
    assert_eq!(rilasci.len(), 1);
    assert!(rilasci[0].da_csr);
    assert_eq!(rilasci[0].chiave.as_deref(), Some("RSA 3072"));

    // A CSR that is not one: refused, nothing issued.
    std::fs::write(&csr, "non è una richiesta").unwrap();
    let e = firma(&tmp.path().join("altro.pem")).unwrap_err();
    assert!(format!("{e:#}").contains("CSR"), "{e:#}");
    assert_eq!(
        Autorita::carica(&dir).unwrap().rilasciati().unwrap().len(),
        1
    );

    // All-in-one with RSA, and an unknown algorithm refused by the parser.
    let ente = tmp.path().join("rsa");
    let args = |algoritmo: &'static str| {
        [
            "client",
            "--dir",
            d,
            "--ipa",
            "c_h199",
            "--cf",
            "00354730392",
            "--denominazione",
            "Comune di Ravenna",
            "--algoritmo",
            algoritmo,
            "-o",
            ente.to_str().unwrap(),
        ]
        .map(str::to_owned)
    };
    let a = args("rsa-2048");
    esegui_args(&a.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
    let der = CertificateDer::from_pem_slice(&std::fs::read(tmp.path().join("rsa.pem")).unwrap())
        .unwrap();
    assert_eq!(bit_rsa(&der), Some(2048));
    let a = args("dsa-1024");
    let e = esegui_args(&a.iter().map(String::as_str).collect::<Vec<_>>()).unwrap_err();
    assert!(e.to_string().contains("rsa-2048"), "{e}");
}

/// The RSA modulus size of a certificate's key, `None` for another kind of key.
fn bit_rsa(der: &[u8]) -> Option<usize> {
    let (_, x509) = x509_parser::parse_x509_certificate(der).unwrap();
    match x509.public_key().parsed().unwrap() {
        x509_parser::public_key::PublicKey::RSA(rsa) => Some(rsa.key_size()),
        _ => None,
    }
}
