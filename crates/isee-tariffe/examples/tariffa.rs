//! Stand-alone `isee tariffa` for trying the engine before it is wired into the `isee` binary:
//! `cargo run -p isee-tariffe --example tariffa -- verifica regole/*.toml`.

use std::process::ExitCode;

use clap::Parser;
use isee_tariffe::cli::{ComandoTariffa, esegui};

#[derive(Parser)]
#[command(
    name = "isee-tariffa",
    about = "Tariffe e compartecipazioni ISEE degli enti erogatori"
)]
struct Args {
    #[command(subcommand)]
    comando: ComandoTariffa,
}

fn main() -> ExitCode {
    match esegui(Args::parse().comando) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("errore: {e:#}");
            ExitCode::from(1)
        }
    }
}
