//! The command line of `isee`: every subcommand's arguments, file handling and
//! terminal output, one module per area (`comandi/<area>.rs`). The library crates
//! expose typed functions and errors; only this crate knows clap, anyhow and indicatif.

pub mod audit;
pub mod backup;
pub mod batch;
pub mod calcola;
pub mod certificati;
pub mod consultazione;
pub mod demo;
pub mod enti;
pub mod eventi;
pub mod genera;
pub mod pdnd;
pub mod registro;
pub mod registro_ente;
pub mod serve;
pub mod siuss;
pub mod tariffa;
pub mod utenti;
pub mod xml;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "isee",
    version,
    about = "ISEE: calcolo esatto e spiegato (DPCM 159/2013 e successive modifiche)"
)]
struct Cli {
    #[command(subcommand)]
    comando: Comando,
}

#[derive(Subcommand)]
enum Comando {
    /// Calcola l'ISEE di una DSU (file JSON, o - per lo standard input)
    Calcola(calcola::ArgsCalcola),
    /// Valida una DSU e riporta tutti i problemi (uscita 0 valida, 1 non valida, 2 illeggibile)
    Valida(calcola::ArgsValida),
    /// Mostra i parametri in vigore a una data, con le fonti
    Parametri(calcola::ArgsParametri),
    /// Genera una popolazione sintetica riproducibile di DSU (JSON lines)
    Genera(genera::ArgsGenera),
    /// Calcola un file JSON lines di DSU in parallelo, a memoria costante
    Batch(batch::ArgsBatch),
    /// Stampa lo schema JSON del formato DSU
    Schema,
    /// Servizio REST del registro DSU (docs/API.md)
    Serve(serve::ArgsServe),
    /// Base dati nuova con DSU generate, servizio e consultazione via PDND locale avviati, comandi curl pronti
    Demo(demo::ArgsDemo),
    /// Registro DSU: importazione dei dati dell'Agenzia delle Entrate e annotazione di omissioni e difformità; mandati dei dichiaranti ai CAF
    #[command(subcommand)]
    Registro(registro::ComandoRegistro),
    /// Banca dati ISEE dell'ente: importazione delle domande e scadenze (docs/REGISTRO.md)
    #[command(subcommand, name = "registro-ente")]
    RegistroEnte(registro_ente::ComandoRegistroEnte),
    /// Tariffe e compartecipazioni di un ente in funzione dell'ISEE (docs/TARIFFE.md)
    Tariffa {
        #[command(subcommand)]
        cmd: tariffa::ComandoTariffa,
    },
    /// Le otto e-service di consultazione ISEE su PDND (SOAP e REST) e la nona (Dichiarazione, REST), sandbox, catalogo
    #[command(subcommand)]
    Consultazione(consultazione::ComandoConsultazione),
    /// PDND locale e strumenti del fruitore: client assertion, evidenza, voucher
    #[command(subcommand)]
    Pdnd(pdnd::ComandoPdnd),
    /// Registro degli accessi alle e-service: verifica della catena, testa, conservazione, elenchi
    #[command(subcommand)]
    Audit(audit::ComandoAudit),
    /// Copia in linea di una base dati SQLite, verificata (docs/DEPLOY.md, «Backup e ripristino»); «verifica»: controlla una copia
    Backup(backup::ArgsBackup),
    /// Eventi del registro su NATS JetStream: coda in attesa, pubblicazione, riproduzione di un consumatore, notifiche (docs/EVENTI.md)
    #[command(subcommand)]
    Eventi(eventi::ComandoEventi),
    /// Enti ammessi alla consultazione: importazione di IPA e ISTAT, anagrafe
    #[command(subcommand)]
    Enti(enti::ComandoEnti),
    /// Abilitazioni degli operatori degli enti alle e-service Operatori (come l'MV62): rilascio, revoca, elenco
    #[command(subcommand)]
    Operatori(enti::ComandoOperatori),
    /// La DSU come documento INPS `ISEE_Dichiarazione` v1.3 (XML ISO-8859-1): esportazione e importazione
    #[command(subcommand)]
    Xml(xml::ComandoXml),
    /// Account del portale (cittadini, operatori CAF, amministratori) nella base dati del registro
    #[command(subcommand)]
    Utenti(utenti::ComandoUtenti),
    /// Alimentazione SIUSS di INPS (Welfare as a Service): prestazioni erogate, flussi, esiti, API su PDND (docs/SIUSS.md)
    #[command(subcommand)]
    Siuss(siuss::ComandoSiuss),
    /// Certificati per il TLS reciproco: CA, certificati del server e client degli enti, revoca
    #[command(subcommand)]
    Certificati(certificati::ComandoCertificati),
}

/// Parses the command line and runs the subcommand; the exit code of `isee`.
pub fn esegui() -> ExitCode {
    let cli = Cli::parse();
    let esito = match cli.comando {
        Comando::Calcola(a) => calcola::calcola(a),
        Comando::Valida(a) => calcola::valida(a),
        Comando::Parametri(a) => calcola::parametri(a).map(|_| ExitCode::SUCCESS),
        Comando::Genera(a) => genera::esegui(a).map(|_| ExitCode::SUCCESS),
        Comando::Batch(a) => batch::esegui(a),
        Comando::Tariffa { cmd } => tariffa::esegui(cmd),
        Comando::RegistroEnte(cmd) => registro_ente::esegui(cmd),
        Comando::Registro(cmd) => registro::esegui_registro(cmd),
        Comando::Serve(a) => serve::serve(a),
        Comando::Demo(a) => demo::demo(a),
        Comando::Consultazione(cmd) => consultazione::esegui(cmd),
        Comando::Pdnd(cmd) => pdnd::esegui(cmd),
        Comando::Audit(cmd) => audit::esegui(cmd),
        Comando::Backup(a) => backup::esegui(a),
        Comando::Eventi(cmd) => eventi::esegui(cmd),
        Comando::Enti(cmd) => enti::esegui_enti(cmd),
        Comando::Operatori(cmd) => enti::esegui_operatori(cmd),
        Comando::Certificati(cmd) => certificati::esegui(cmd),
        Comando::Siuss(cmd) => siuss::esegui(cmd),
        Comando::Xml(cmd) => xml::esegui(cmd),
        Comando::Utenti(cmd) => utenti::esegui(cmd),
        Comando::Schema => {
            print!("{}", isee_core::schema::schema_dsu());
            Ok(ExitCode::SUCCESS)
        }
    };
    match esito {
        Ok(c) => c,
        Err(e) => {
            // A closed pipe (`isee … | head`) is not a failure.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("errore: {e:#}");
            ExitCode::from(2)
        }
    }
}
