//! The consultation side of `isee demo`: the sandbox (`isee-sandbox`), the local PDND
//! and the e-services started next to the register, one consultation run end to end through
//! the real flow (client assertion, voucher, mTLS), and the commands printed for
//! `isee` and `curl`.

use anyhow::{Context, Result};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The demo's consultation service and local PDND listen on the register's port plus
/// these offsets: 8080 → 8443 and 8444.
const SCARTO_CONSULTAZIONE: u16 = 363;
const SCARTO_PDND: u16 = 364;

/// The consumer the demo's self-check and printed commands act as: a capoluogo with
/// a client certificate, allowed on every e-service.
const ENTE_DEMO: &str = "c_h199";
/// The Belfiore code of Ravenna, among the demo's comuni.
pub(crate) const BELFIORE_RAVENNA: &str = "H199";
/// The benefit and the ente's application the demo's consultations are for.
const PRESTAZIONE_DEMO: &str = "A1.07";
const DOMANDA_DEMO: &str = "DEMO-NIDO-2026-0001";
const PERCORSO_REST: &str = "/rest/v1/indicatore/indicatore";
const PERCORSO_SOAP: &str = "/pdnd/soap/ConsultazioneISEE/v2/ConsultazioneIndicatore";

/// The first DSU filed: what the printed commands and the self-check look up.
pub(crate) struct Esempio {
    pub(crate) protocollo: String,
    pub(crate) cf: String,
    pub(crate) data: chrono::NaiveDate,
}

/// The running consultation side of the demo.
pub(crate) struct Consultazione {
    sandbox: isee_sandbox::Sandbox,
    servizio: SocketAddr,
    pdnd: SocketAddr,
    /// The SOAP request for the example's declarant, written in the sandbox.
    busta: Option<PathBuf>,
}

/// The ports of the consultation service and of the local PDND: the register's port
/// plus [`SCARTO_CONSULTAZIONE`] and [`SCARTO_PDND`]; with port 0, two free ports.
fn porte_consultazione(porta: u16) -> Result<(u16, u16)> {
    if porta == 0 {
        // Both held at once, so that they differ.
        let libera = || {
            std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
                .context("ricerca di una porta libera")
        };
        let (a, b) = (libera()?, libera()?);
        return Ok((a.local_addr()?.port(), b.local_addr()?.port()));
    }
    let derivata = |scarto: u16| {
        porta.checked_add(scarto).with_context(|| {
            format!("porta {porta} troppo alta: la demo usa anche la porta {porta}+{scarto}")
        })
    };
    Ok((derivata(SCARTO_CONSULTAZIONE)?, derivata(SCARTO_PDND)?))
}

/// Creates the sandbox in `<dir>/consultazione` (replacing the previous run's), starts
/// the local PDND and the consultation service on the ports derived from the
/// register's `porta` (called once the register listens, so that with port 0 the
/// free ports chosen here cannot be the register's), and writes the example SOAP
/// request.
pub(crate) async fn avvia_consultazione(
    dir: &std::path::Path,
    db: &std::path::Path,
    porta: u16,
    esempio: Option<&Esempio>,
) -> Result<Consultazione> {
    use isee_sandbox::{OpzioniSandbox, prepara};
    let (porta_servizio, porta_pdnd) = porte_consultazione(porta)?;
    let locale = IpAddr::from([127, 0, 0, 1]);
    let (servizio, pdnd) = (
        SocketAddr::new(locale, porta_servizio),
        SocketAddr::new(locale, porta_pdnd),
    );
    let dir_c = dir.join("consultazione");
    if dir_c.exists() {
        std::fs::remove_dir_all(&dir_c)
            .with_context(|| format!("rimozione della sandbox precedente {}", dir_c.display()))?;
    }
    let sandbox = prepara(&OpzioniSandbox {
        dir: dir_c,
        db_registro: db.display().to_string(),
        indirizzo: servizio,
        tls: true,
        chiamate_giornaliere: 100_000,
    })
    .await
    .context("creazione della sandbox")?;

    // The local PDND: `servi` binds inside its task, so check the port first to
    // report a busy one here rather than in the log.
    drop(
        std::net::TcpListener::bind(pdnd)
            .with_context(|| format!("ascolto del PDND locale su {pdnd}"))?,
    );
    let dir_pdnd = sandbox.dir_pdnd.clone();
    tokio::spawn(async move {
        if let Err(e) = isee_pdnd::server::servi(
            &dir_pdnd,
            pdnd,
            isee_http::server::Limits::default(),
            std::future::pending(),
        )
        .await
        {
            tracing::error!(errore = %e, "PDND locale interrotto");
        }
    });
    let servizio = isee_consultazione::avvio::servi(
        sandbox.configurazione.clone(),
        isee_http::server::shutdown_signal(),
    )
    .await
    .context("avvio delle e-service di consultazione")?
    .indirizzo;
    let mut pronto = false;
    for _ in 0..250 {
        if tokio::net::TcpStream::connect(pdnd).await.is_ok() {
            pronto = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    anyhow::ensure!(pronto, "il PDND locale non risponde su {pdnd}");

    let busta = match esempio {
        Some(e) => {
            let p = sandbox.dir.join("richiesta-indicatore.xml");
            std::fs::write(&p, isee_soap::scrivi_richiesta(&richiesta_soap(e)))
                .with_context(|| format!("scrittura di {}", p.display()))?;
            Some(p)
        }
        None => None,
    };
    Ok(Consultazione {
        sandbox,
        servizio,
        pdnd,
        busta,
    })
}

/// The REST body of the example consultation.
fn corpo_rest(e: &Esempio) -> String {
    serde_json::json!({
        "ricerca": {"codice_fiscale": e.cf, "data_validita": e.data},
        "prestazione_da_erogare": PRESTAZIONE_DEMO,
        "protocollo_domanda_ente_erogatore": DOMANDA_DEMO,
    })
    .to_string()
}

/// The same consultation as a SOAP `ConsultazioneIndicatore` request.
fn richiesta_soap(e: &Esempio) -> isee_soap::RichiestaSoap {
    isee_soap::RichiestaSoap {
        operazione: isee_soap::Operazione::ConsultazioneIndicatore,
        identity: None,
        tipo_indicatore: Some(isee_soap::TipoIndicatore::Ordinario),
        codice_soglia: None,
        fornitura_nucleo: false,
        ricerca: isee_soap::Ricerca::Cf(isee_soap::RicercaCf {
            codice_fiscale: e.cf.clone(),
            data_validita: Some(e.data),
            domanda: isee_soap::DatiDomanda {
                prestazione: Some(PRESTAZIONE_DEMO.into()),
                protocollo_domanda: Some(DOMANDA_DEMO.into()),
                stato_domanda: None,
            },
        }),
    }
}

/// The client-assertion audience of the sandbox's PDND (the default of
/// `isee pdnd asserzione --aud`).
fn aud_asserzione() -> String {
    format!("{}/client-assertion", isee_sandbox::ISSUER_LOCALE)
}

/// The whole flow once, as the Comune di Ravenna: client assertion, voucher from the
/// local PDND, REST consultation over mutual TLS. Returns the line to print.
pub(crate) async fn verifica(c: &Consultazione, e: &Esempio) -> Result<String> {
    let leggi = |p: &std::path::Path| {
        std::fs::read_to_string(p).with_context(|| format!("lettura di {}", p.display()))
    };
    let f = c
        .sandbox
        .fruitore(ENTE_DEMO)
        .with_context(|| format!("{ENTE_DEMO} non è tra i fruitori della sandbox"))?;
    let finalita = f
        .finalita_per("indicatore")
        .context("nessuna finalità sull'e-service «indicatore»")?;
    let client_id = f.client_id.to_string();
    let chiave = isee_pdnd::jwk::ChiavePrivata::da_pem(&leggi(&f.chiave)?)?;
    let asserzione = isee_pdnd::asserzione::crea_asserzione(
        &chiave,
        &client_id,
        &finalita.to_string(),
        &aud_asserzione(),
        None,
        isee_pdnd::adesso_unix(),
        300,
    )?;
    let voucher = isee_pdnd::asserzione::richiedi_voucher(
        &format!("http://{}", c.pdnd),
        &client_id,
        &asserzione,
    )
    .await
    .context("voucher dal PDND locale")?;
    let (cert, chiave_cert) = f
        .certificato
        .as_ref()
        .context("il fruitore non ha un certificato client")?;
    let cliente = isee_sandbox::cliente::Cliente::tls(
        c.servizio,
        &leggi(&c.sandbox.ca.join("ca.pem"))?,
        Some((&leggi(cert)?, &leggi(chiave_cert)?)),
    )?;
    let mut conn = cliente.connetti().await?;
    let bearer = format!("Bearer {}", voucher.access_token);
    let (stato, corpo) = conn
        .post(
            PERCORSO_REST,
            &[
                ("authorization", bearer.as_str()),
                ("content-type", "application/json"),
            ],
            corpo_rest(e).into_bytes(),
        )
        .await
        .context("chiamata REST")?;
    let j: serde_json::Value = serde_json::from_slice(&corpo).with_context(|| {
        format!(
            "risposta HTTP {stato} non JSON: {}",
            String::from_utf8_lossy(&corpo)
        )
    })?;
    if stato != 200 {
        anyhow::bail!(
            "HTTP {stato} {}: {}",
            j["codice"].as_str().unwrap_or("?"),
            j["detail"].as_str().unwrap_or_default()
        );
    }
    let i = &j["indicatore"];
    let testo = |k: &str| i[k].as_str().unwrap_or("?").to_string();
    Ok(format!(
        "ISEE {} di {}: {} euro (DSU {}, richiesta n. {} del registro degli accessi)",
        testo("tipo_indicatore"),
        e.cf,
        importo_italiano(&testo("isee")),
        testo("protocollo_dsu"),
        j["id_richiesta"]
    ))
}

/// `12345.67` → `12.345,67`.
fn importo_italiano(s: &str) -> String {
    let (intero, decimali) = s.split_once('.').unwrap_or((s, "00"));
    let (segno, cifre) = match intero.strip_prefix('-') {
        Some(c) => ("-", c),
        None => ("", intero),
    };
    let mut gruppi = Vec::new();
    let mut resto = cifre;
    while resto.len() > 3 {
        let (testa, coda) = resto.split_at(resto.len() - 3);
        gruppi.push(coda);
        resto = testa;
    }
    gruppi.push(resto);
    gruppi.reverse();
    format!("{segno}{},{decimali}", gruppi.join("."))
}

/// A word for a POSIX shell: as is when it is safe, in single quotes otherwise.
fn shell(s: &str) -> String {
    let sicuro = |c: char| c.is_ascii_alphanumeric() || "/._-:=@+,%".contains(c);
    if !s.is_empty() && s.chars().all(sicuro) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// How to call this binary in the printed commands: `isee` when that is what the
/// `PATH` finds, its full path otherwise (e.g. under `cargo run`).
fn comando_isee() -> String {
    let Ok(questo) = std::env::current_exe().and_then(std::fs::canonicalize) else {
        return "isee".into();
    };
    let nel_path = std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p)
            .any(|d| std::fs::canonicalize(d.join("isee")).is_ok_and(|x| x == questo))
    });
    if nel_path {
        "isee".into()
    } else {
        shell(&questo.display().to_string())
    }
}

/// The "Consultazione ISEE via PDND" section: addresses, the self-check's outcome and
/// the commands that repeat the flow with `isee` and `curl`.
pub(crate) fn stampa_consultazione(
    o: &mut impl std::io::Write,
    c: &Consultazione,
    esempio: Option<&Esempio>,
    verificata: Option<Result<String>>,
) -> Result<()> {
    let s = &c.sandbox;
    let base = format!("https://{}", c.servizio);
    writeln!(
        o,
        "\nConsultazione ISEE via PDND (sandbox in {})",
        s.dir.display()
    )?;
    writeln!(o, "  PDND locale:  http://{}/token.oauth2", c.pdnd)?;
    writeln!(
        o,
        "  e-service:    {base} (SOAP e REST; certificato del server dalla CA della sandbox, ca/ca.pem)"
    )?;
    writeln!(o, "  WSDL:         {base}{PERCORSO_SOAP}?wsdl")?;
    writeln!(o, "  OpenAPI:      {base}/rest/v1/openapi.json")?;
    match verificata {
        Some(Ok(riga)) => writeln!(
            o,
            "  Verifica:     Comune di Ravenna via PDND e TLS reciproco: {riga}"
        )?,
        Some(Err(e)) => writeln!(
            o,
            "  Verifica NON riuscita (Comune di Ravenna, REST): {e:#}"
        )?,
        None => writeln!(o, "  Verifica non eseguita: nessuna DSU presentata")?,
    }
    let (Some(e), Some(f)) = (esempio, s.fruitore(ENTE_DEMO)) else {
        return Ok(());
    };
    let (Some(finalita), Some((cert, chiave_cert))) =
        (f.finalita_per("indicatore"), f.certificato.as_ref())
    else {
        return Ok(());
    };
    // Paths under the sandbox are printed relative to $S.
    let rel = |p: &std::path::Path| match p.strip_prefix(&s.dir) {
        Ok(r) => format!("\"$S/{}\"", r.display()),
        Err(_) => shell(&p.display().to_string()),
    };
    let isee = comando_isee();
    let tls = format!(
        "--cacert {} --cert {} --key {}",
        rel(&s.ca.join("ca.pem")),
        rel(cert),
        rel(chiave_cert)
    );
    writeln!(
        o,
        "\nIl flusso del {} ({}) con «isee» e curl: client assertion, voucher, consultazione (REST e SOAP), registro degli accessi",
        f.nome, f.codice_ipa
    )?;
    writeln!(o, "  S={}", shell(&s.dir.display().to_string()))?;
    writeln!(
        o,
        "  ASSERZIONE=$({isee} pdnd asserzione --client {} --chiave {} --finalita {finalita})",
        f.client_id,
        rel(&f.chiave)
    )?;
    writeln!(
        o,
        "  VOUCHER=$(curl -s http://{}/token.oauth2 -d grant_type=client_credentials -d client_id={} -d client_assertion_type={} -d \"client_assertion=$ASSERZIONE\" | sed -n 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/p')",
        c.pdnd,
        f.client_id,
        isee_pdnd::asserzione::TIPO_ASSERZIONE
    )?;
    writeln!(
        o,
        "  curl -s {tls} -H \"Authorization: Bearer $VOUCHER\" -H 'Content-Type: application/json' -d {} {base}{PERCORSO_REST}",
        shell(&corpo_rest(e))
    )?;
    if let Some(busta) = &c.busta {
        writeln!(
            o,
            "  curl -s {tls} -H \"Authorization: Bearer $VOUCHER\" -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: \"{}\"' --data-binary @{} {base}{PERCORSO_SOAP}",
            isee_soap::Operazione::ConsultazioneIndicatore.soap_action(),
            rel(busta)
        )?;
    }
    let acc = &s.configurazione.accessi;
    let db_accessi = match std::path::Path::new(&acc.db).strip_prefix(&s.dir) {
        Ok(r) => format!("\"sqlite://$S/{}\"", r.display()),
        Err(_) => shell(&isee_consultazione::configurazione::url_db(&acc.db)),
    };
    writeln!(
        o,
        "  {isee} audit verifica --db {db_accessi} --chiave {}",
        rel(&acc.chiave)
    )?;
    Ok(())
}
