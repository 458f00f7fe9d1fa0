//! `isee serve --oidc FILE`: the `[oidc]` section read (the client's secret from an
//! environment variable), the login page's button, and a whole sign-in through the
//! real server process and a local OpenID Connect provider (`isee_prova::oidc`), over
//! HTTP; the secret never appears in the log.

mod processo;

use axum::body::Bytes;
use axum::http::{Request, StatusCode, header};
use isee_prova::oidc::{Algoritmo, ConfigProvider, MetodoClient, ProviderOidc, UtenteProva};
use std::process::{Command, Stdio};

const SEGRETO: &str = "segreto-del-client-mai-nel-log";

/// The `nome=valore` of every `Set-Cookie`, replacing those of the same name.
fn aggiorna(biscotti: &mut Vec<String>, r: &axum::http::Response<Bytes>) {
    for v in r.headers().get_all(header::SET_COOKIE) {
        let c = v.to_str().unwrap().split(';').next().unwrap().to_string();
        let nome = c.split('=').next().unwrap().to_string();
        biscotti.retain(|x| !x.starts_with(&format!("{nome}=")));
        if !c.ends_with('=') {
            biscotti.push(c);
        }
    }
}

async fn chiedi(
    url: &str,
    biscotti: &[String],
    corpo: Option<String>,
) -> axum::http::Response<Bytes> {
    let r = match &corpo {
        Some(_) => {
            Request::post(url).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        }
        None => Request::get(url),
    };
    let r = if biscotti.is_empty() {
        r
    } else {
        r.header(header::COOKIE, biscotti.join("; "))
    };
    let req = r.body(Bytes::from(corpo.unwrap_or_default())).unwrap();
    isee_http::Client::http().request(req).await.unwrap()
}

fn testo(r: &axum::http::Response<Bytes>) -> String {
    String::from_utf8_lossy(r.body()).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_con_oidc_accesso_completo() {
    let porta = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{porta}");
    let ritorno = format!("{base}/accedi/oidc/ritorno");
    let provider = ProviderOidc::avvia(ConfigProvider {
        client_id: "isee-portale".into(),
        client_secret: SEGRETO.into(),
        metodo: MetodoClient::Basic,
        algoritmo: Algoritmo::Rs256,
        redirect: vec![ritorno.clone()],
        utente: UtenteProva::spid("sub-1", "RSSMRA85M01H199H", "Mario", "Rossi"),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("oidc.toml");
    std::fs::write(
        &config,
        format!(
            "[oidc]\nissuer = \"{}\"\nclient_id = \"isee-portale\"\nclient_secret_env = \"ISEE_OIDC_SEGRETO\"\nredirect_uri = \"{ritorno}\"\netichetta = \"Entra con SPID o CIE\"\n",
            provider.emittente()
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.path().join("log")).unwrap();
    let mut figlio = Command::new(env!("CARGO_BIN_EXE_isee"))
        .args(["serve", "--porta", &porta.to_string(), "--db"])
        .arg(dir.path().join("registro.db"))
        .arg("--oidc")
        .arg(&config)
        .env("ISEE_OIDC_SEGRETO", SEGRETO)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    processo::indirizzo(&mut figlio).unwrap();

    let mut biscotti = Vec::new();
    let modulo = chiedi(&format!("{base}/accedi"), &biscotti, None).await;
    assert_eq!(modulo.status(), StatusCode::OK);
    let pagina = testo(&modulo);
    assert!(pagina.contains("Entra con SPID o CIE"), "{pagina}");
    aggiorna(&mut biscotti, &modulo);

    let avvio = chiedi(&format!("{base}/accedi/oidc"), &biscotti, None).await;
    assert_eq!(avvio.status(), StatusCode::SEE_OTHER, "{}", testo(&avvio));
    aggiorna(&mut biscotti, &avvio);
    let al_provider = avvio.headers()[header::LOCATION].to_str().unwrap();
    assert!(
        al_provider.starts_with(provider.emittente()),
        "{al_provider}"
    );
    let dal_provider = isee_http::Client::http().get(al_provider).await.unwrap();
    let indietro = dal_provider.headers()[header::LOCATION].to_str().unwrap();
    assert!(indietro.starts_with(&ritorno), "{indietro}");
    let fine = chiedi(indietro, &biscotti, None).await;
    assert_eq!(fine.status(), StatusCode::SEE_OTHER, "{}", testo(&fine));
    aggiorna(&mut biscotti, &fine);
    let area = chiedi(&format!("{base}/area-personale"), &biscotti, None).await;
    assert_eq!(area.status(), StatusCode::OK);
    assert!(testo(&area).contains("Mario Rossi"), "{}", testo(&area));

    figlio.kill().unwrap();
    figlio.wait().unwrap();
    let log = std::fs::read_to_string(dir.path().join("log")).unwrap();
    assert!(log.contains("accesso OIDC configurato"), "{log}");
    for segreto in [SEGRETO, "RSSMRA85M01H199H", "sub-1"] {
        assert!(!log.contains(segreto), "«{segreto}» nel log:\n{log}");
    }
}

#[test]
fn serve_con_oidc_sbagliato_non_parte() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("oidc.toml");
    std::fs::write(
        &config,
        "[oidc]\nissuer = \"http://idp.example\"\nclient_id = \"isee\"\nclient_secret_env = \"ISEE_OIDC_SEGRETO\"\nredirect_uri = \"https://isee.example/altro\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_isee"))
        .args(["serve", "--porta", "0", "--db"])
        .arg(dir.path().join("registro.db"))
        .arg("--oidc")
        .arg(&config)
        .env("ISEE_OIDC_SEGRETO", SEGRETO)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("emittente") && err.contains("redirect"),
        "{err}"
    );
    assert!(!err.contains(SEGRETO), "{err}");
}
