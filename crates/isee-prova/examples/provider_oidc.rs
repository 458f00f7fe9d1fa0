//! The local OpenID Connect provider as a process, to try the portal's sign-in in a
//! browser (`isee serve --oidc`): signs in one SPID-like user, prints its issuer and
//! serves until killed.
//!
//! `cargo run -p isee-prova --features oidc --example provider_oidc -- REDIRECT_URI SECRET [CF]`

use isee_prova::oidc::{Algoritmo, ConfigProvider, MetodoClient, ProviderOidc, UtenteProva};

fn main() {
    let argomenti: Vec<String> = std::env::args().skip(1).collect();
    let [redirect, segreto, resto @ ..] = argomenti.as_slice() else {
        eprintln!("uso: provider_oidc REDIRECT_URI SEGRETO [CODICE_FISCALE]");
        std::process::exit(2);
    };
    let cf = resto.first().map_or("RSSMRA85M01H199H", String::as_str);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("runtime: {e}");
            std::process::exit(1)
        });
    rt.block_on(async {
        let p = ProviderOidc::avvia(ConfigProvider {
            client_id: "isee-portale".into(),
            client_secret: segreto.clone(),
            metodo: MetodoClient::Basic,
            algoritmo: Algoritmo::Rs256,
            redirect: vec![redirect.clone()],
            utente: UtenteProva::spid("sub-prova", cf, "Mario", "Rossi"),
        })
        .await;
        println!("emittente: {}", p.emittente());
        std::future::pending::<()>().await;
    });
}
