//! `isee utenti`: the portal's local accounts on the register's database
//! (crate `isee-utenti`). The password is read from the standard input, never from the
//! command line (it would stay in the shell's history and in `ps`).

use anyhow::{Context, Result};
use isee_utenti::{ErroreUtenti, NuovoUtente, Regole, Ruolo, Segreto};
use std::io::BufRead as _;
use std::process::ExitCode;

/// `isee utenti …`.
#[derive(clap::Subcommand, Clone, Debug)]
pub enum ComandoUtenti {
    /// Crea un account del portale; la password si legge dallo standard input (prima riga)
    Crea(ArgsCrea),
}

#[derive(clap::Args, Clone, Debug)]
pub struct ArgsCrea {
    /// Base dati del registro: un file SQLite (creato se manca), sqlite://… o postgres://…
    #[arg(long, default_value = "isee-registro.db")]
    pub db: String,
    /// PostgreSQL: schema di lavoro (creato se manca)
    #[arg(long)]
    pub schema_pg: Option<String>,
    /// Nome utente (lettere minuscole, cifre, «.», «-», «_»)
    #[arg(long)]
    pub nome: String,
    /// Nome da mostrare nel portale («Mario Rossi»)
    #[arg(long)]
    pub nome_visualizzato: String,
    /// Profilo: cittadino, operatore_caf, amministratore
    #[arg(long, default_value = "cittadino")]
    pub ruolo: String,
    /// Codice fiscale del cittadino (solo per il profilo cittadino): le sue DSU
    #[arg(long)]
    pub codice_fiscale: Option<String>,
    /// Codice del CAF (solo per il profilo operatore_caf)
    #[arg(long)]
    pub codice_caf: Option<String>,
}

pub fn esegui(c: ComandoUtenti) -> Result<ExitCode> {
    match c {
        ComandoUtenti::Crea(a) => crea(a),
    }
}

/// The first line of standard input, without its line ending.
fn password_da_stdin() -> Result<String> {
    let mut riga = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut riga)
        .context("lettura della password dallo standard input")?;
    Ok(riga.trim_end_matches(['\r', '\n']).to_string())
}

fn rifiutato(problemi: &[String]) -> ExitCode {
    eprintln!("isee: account non creato:");
    for p in problemi {
        eprintln!("  - {p}");
    }
    ExitCode::from(2)
}

fn crea(a: ArgsCrea) -> Result<ExitCode> {
    let Some(ruolo) = Ruolo::da_nome(&a.ruolo) else {
        anyhow::bail!(
            "profilo «{}» sconosciuto: cittadino, operatore_caf o amministratore",
            a.ruolo
        );
    };
    let password = password_da_stdin()?;
    let nuovo = NuovoUtente {
        nome_utente: a.nome.clone(),
        nome_visualizzato: a.nome_visualizzato.clone(),
        ruolo,
        codice_fiscale: a.codice_fiscale.clone(),
        codice_caf: a.codice_caf.clone(),
    };
    // Every problem at once: the fields' and the password's.
    let mut problemi = nuovo.valida().err().unwrap_or_default();
    problemi.extend(Regole::default().password.problemi(&password, &a.nome));
    if !problemi.is_empty() {
        return Ok(rifiutato(&problemi));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        // The key only signs forms and lock-out entries: creating an account needs none.
        let segreto =
            Segreto::genera().context("generatore casuale del sistema non disponibile")?;
        let utenti = super::serve::utenti(&a.db, a.schema_pg.clone(), segreto).await?;
        match utenti.registra(&nuovo, &password, chrono::Utc::now()).await {
            Ok(u) => {
                println!(
                    "account {} creato: «{}», profilo {}",
                    u.id,
                    u.nome_utente.as_str(),
                    u.ruolo.nome()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(ErroreUtenti::UtenteNonValido(v) | ErroreUtenti::PasswordNonValida(v)) => {
                Ok(rifiutato(&v))
            }
            Err(e @ ErroreUtenti::NomeGiaInUso(_)) => Ok(rifiutato(&[e.to_string()])),
            Err(e) => Err(e.into()),
        }
    })
}
