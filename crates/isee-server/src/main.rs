//! `isee-server`: the service alone (the same as `isee serve`), for the durability
//! and load tests of this crate, which cannot depend on the `isee` binary.

#![forbid(unsafe_code)]

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "isee-server",
    version,
    about = "Servizio REST del registro DSU"
)]
struct Args {
    #[command(flatten)]
    serve: isee_server::cli::ArgsServe,
}

fn main() -> std::process::ExitCode {
    match isee_server::cli::serve(Args::parse().serve) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("isee-server: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
