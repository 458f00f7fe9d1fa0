//! Over a real mTLS listener: the client certificate the CA issued is what binds the
//! certificate e-services to the ente; and after a restart the daily quotas resume
//! from the access log instead of starting again from zero.

mod comune;

use comune::*;
use isee_consultazione::{app::app, avvio};
use isee_sandbox::cliente::Cliente;
use std::sync::Arc;

#[tokio::test]
async fn mtls_reale_con_il_certificato_dell_ente() {
    let a = ambiente().await;
    let mut cfg = a.sandbox.configurazione.clone();
    cfg.indirizzo = "127.0.0.1:0".parse().unwrap();
    // A second writer on the same log is refused, so this listener gets its own log.
    cfg.accessi.db = a.sandbox.dir.join("accessi-tls.db").display().to_string();
    let indirizzo = avvio::servi(cfg, std::future::pending())
        .await
        .unwrap()
        .indirizzo;
    let ca = std::fs::read_to_string(a.sandbox.ca.join("ca.pem")).unwrap();
    let leggi = |ipa: &str| {
        let (c, k) = a.fruitore(ipa).certificato.clone().unwrap();
        (
            std::fs::read_to_string(c).unwrap(),
            std::fs::read_to_string(k).unwrap(),
        )
    };
    let corpo = per_cf(CF_RAVENNA);
    // The pinned clock is not used by this listener: the voucher is minted now.
    let adesso = chrono::Utc::now().timestamp();
    let voucher = a.voucher_con("c_h199", "indicatore", |c| {
        c["iat"] = adesso.into();
        c["nbf"] = adesso.into();
        c["exp"] = (adesso + 300).into();
    });
    let auth = format!("Bearer {voucher}");
    let chiama = |cliente: Cliente| {
        let (auth, corpo) = (auth.clone(), corpo.to_string());
        async move {
            let mut c = cliente.connetti().await?;
            c.post(
                "/rest/v1/indicatore/indicatore",
                &[
                    ("authorization", auth.as_str()),
                    ("content-type", "application/json"),
                ],
                corpo.into_bytes(),
            )
            .await
        }
    };
    let (cert, key) = leggi("c_h199");
    let (stato, corpo_r) = chiama(Cliente::tls(indirizzo, &ca, Some((&cert, &key))).unwrap())
        .await
        .unwrap();
    assert_eq!(stato, 200, "{}", String::from_utf8_lossy(&corpo_r));

    let (stato, corpo_r) = chiama(Cliente::tls(indirizzo, &ca, None).unwrap())
        .await
        .unwrap();
    assert_eq!(stato, 401);
    assert!(String::from_utf8_lossy(&corpo_r).contains("CERTIFICATO_ASSENTE"));

    let (cert, key) = leggi("c_h183");
    let (stato, corpo_r) = chiama(Cliente::tls(indirizzo, &ca, Some((&cert, &key))).unwrap())
        .await
        .unwrap();
    assert_eq!(stato, 403);
    assert!(String::from_utf8_lossy(&corpo_r).contains("CERTIFICATO_ALTRO_ENTE"));

    // A certificate from another CA does not even complete the handshake.
    let altra = tempfile::tempdir().unwrap();
    let ca2 = isee_tls::Autorita::crea(&altra.path().join("ca"), "altra").unwrap();
    let falso = ca2
        .rilascia_client(
            &isee_tls::EnteCertificato {
                codice_ipa: "c_h199".into(),
                codice_fiscale: "00354730392".into(),
                denominazione: "Comune di Ravenna".into(),
            },
            30,
        )
        .unwrap();
    let esito =
        chiama(Cliente::tls(indirizzo, &ca, Some((&falso.cert_pem, &falso.chiave_pem))).unwrap())
            .await;
    assert!(
        esito.is_err(),
        "handshake con un certificato di un'altra CA accettato"
    );
}

/// The contract of `isee certificati csr` + `firma`: an ente's RSA key, made on its side,
/// with the certificate the authority signed from the CSR alone, is accepted by the mTLS
/// listener and identifies the ente.
#[tokio::test]
async fn mtls_con_chiave_rsa_dell_ente_e_certificato_da_csr() {
    let a = ambiente().await;
    let mut cfg = a.sandbox.configurazione.clone();
    cfg.indirizzo = "127.0.0.1:0".parse().unwrap();
    cfg.accessi.db = a.sandbox.dir.join("accessi-csr.db").display().to_string();
    let indirizzo = avvio::servi(cfg, std::future::pending())
        .await
        .unwrap()
        .indirizzo;
    let ca_pem = std::fs::read_to_string(a.sandbox.ca.join("ca.pem")).unwrap();

    // The ente: key and CSR. The key is never handed to the authority below.
    let richiesta =
        isee_tls::crea_richiesta("Comune di Ravenna", isee_tls::AlgoritmoChiave::Rsa2048).unwrap();
    // The authority: the CSR PEM and the ente's data, nothing else.
    let ca = isee_tls::Autorita::carica(&a.sandbox.ca).unwrap();
    let firmato = ca
        .firma_csr(
            &richiesta.csr_pem,
            &isee_tls::EnteCertificato {
                codice_ipa: "c_h199".into(),
                codice_fiscale: "00354730392".into(),
                denominazione: "Comune di Ravenna".into(),
            },
            30,
        )
        .unwrap();
    assert_eq!(firmato.chiave, "RSA 2048");

    let adesso = chrono::Utc::now().timestamp();
    let voucher = a.voucher_con("c_h199", "indicatore", |c| {
        c["iat"] = adesso.into();
        c["nbf"] = adesso.into();
        c["exp"] = (adesso + 300).into();
    });
    let auth = format!("Bearer {voucher}");
    let cliente = Cliente::tls(
        indirizzo,
        &ca_pem,
        Some((&firmato.cert_pem, &richiesta.chiave_pem)),
    )
    .unwrap();
    let mut c = cliente.connetti().await.unwrap();
    let (stato, corpo) = c
        .post(
            "/rest/v1/indicatore/indicatore",
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
            per_cf(CF_RAVENNA).to_string().into_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(stato, 200, "{}", String::from_utf8_lossy(&corpo));

    // The same certificate with another key does not complete the handshake.
    let altra =
        isee_tls::crea_richiesta("Comune di Ravenna", isee_tls::AlgoritmoChiave::Rsa2048).unwrap();
    let esito = Cliente::tls(
        indirizzo,
        &ca_pem,
        Some((&firmato.cert_pem, &altra.chiave_pem)),
    );
    let rifiutato = match esito {
        Err(_) => true,
        Ok(cliente) => cliente.connetti().await.is_err(),
    };
    assert!(
        rifiutato,
        "a key that is not the certificate's was accepted"
    );
}

#[tokio::test]
async fn le_quote_riprendono_dal_registro_accessi_dopo_un_riavvio() {
    let a = ambiente_con(3, |_| {}).await;
    let e = "indicatore-riscontro";
    let corpo = per_protocollo(&a.protocolli[0], CF_RAVENNA);
    for _ in 0..2 {
        let r = a
            .rest(
                e,
                "indicatore",
                &solo(a.voucher("c_h183", e)),
                corpo.clone(),
            )
            .await;
        assert_eq!(r.stato, 200, "{}", r.corpo);
    }
    a.servizio.accessi.chiudi().await;
    let b = avvio::costruisci_con_orologio(&a.sandbox.configurazione, Arc::new(adesso))
        .await
        .unwrap();
    let riavviato = Ambiente {
        app: app(b.servizio.clone()),
        servizio: b.servizio,
        ..a
    };
    let r = riavviato
        .rest(
            e,
            "indicatore",
            &solo(riavviato.voucher("c_h183", e)),
            corpo.clone(),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    let r = riavviato
        .rest(
            e,
            "indicatore",
            &solo(riavviato.voucher("c_h183", e)),
            corpo,
        )
        .await;
    assert_eq!(
        r.stato, 429,
        "la quota deve contare le chiamate di prima del riavvio: {}",
        r.corpo
    );
    let log = riavviato.registro_accessi().await;
    assert_eq!(log.len(), 4);
}

fn solo(v: String) -> Credenziali {
    Credenziali {
        voucher: Some(v),
        ..Credenziali::default()
    }
}
