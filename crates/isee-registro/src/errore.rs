//! The register's errors: one enum, an Italian message for the user and a stable code
//! for programs (`ErroreRegistro::codice`).
//!
//! Messages never carry a fiscal code in clear: where one is needed it is masked with
//! `CodiceFiscale::mascherato`.

use crate::importo::ErroreImporto;
use crate::protocollo::ErroreProtocollo;
use isee_core::Problema;
use isee_core::calcolo::ErroreCalcolo;
use isee_core::dsu::ErroreLettura;

#[derive(Debug, thiserror::Error)]
pub enum ErroreRegistro {
    #[error("la DSU non è leggibile: {0}")]
    DsuIlleggibile(ErroreLettura),
    #[error("la DSU contiene {} errori: {}", .0.len(), elenco(.0))]
    DsuNonValida(Vec<Problema>),
    #[error("il modulo ISEE corrente non è leggibile: {0}")]
    ModuloCorrenteIlleggibile(String),
    #[error("ISEE corrente non calcolabile: {0}")]
    CorrenteNonCalcolabile(String),
    #[error("la DSU non è calcolabile: {0}")]
    Calcolo(ErroreCalcolo),
    #[error("manca la chiave di idempotenza")]
    ChiaveMancante,
    #[error("manca il mittente")]
    MittenteMancante,
    #[error("il protocollo mittente supera i 29 caratteri")]
    ProtocolloMittenteTroppoLungo,
    #[error(
        "la chiave di idempotenza «{0}» è già stata usata da questo mittente per una richiesta diversa"
    )]
    ChiaveRiusata(String),
    #[error("protocollo DSU non valido: {0}")]
    ProtocolloNonValido(#[from] ErroreProtocollo),
    /// Also a protocol that exists but that the caller may not read: the two are
    /// indistinguishable (docs/REGISTRO.md, "Modello di accesso al registro").
    #[error("il protocollo {0} non è registrato tra le DSU consultabili da questo client")]
    ProtocolloSconosciuto(String),
    #[error(
        "la DSU {0} è consultabile ma non modificabile da questo client: serve la presentazione da parte sua o un mandato del dichiarante con ambito «presentazione»"
    )]
    ModificaNonConsentita(String),
    #[error(
        "il dichiarante della DSU presentata è diverso da quello della DSU {0}: una rettifica o una sostituzione deve mantenere il dichiarante"
    )]
    DichiaranteDiverso(String),
    #[error(
        "i componenti della DSU presentata (codici fiscali) sono diversi da quelli della DSU {0}: un cambio di nucleo richiede una nuova DSU"
    )]
    NucleoDiverso(String),
    #[error("mandato non valido: {0}")]
    MandatoNonValido(String),
    #[error("nessun mandato di {dichiarante} a «{mittente}»")]
    MandatoSconosciuto {
        mittente: String,
        /// Masked.
        dichiarante: String,
    },
    #[error("il protocollo {protocollo} non è attivo (stato: {stato})")]
    ProtocolloNonAttivo { protocollo: String, stato: String },
    #[error("il protocollo {0} è un modulo ISEE corrente, non una DSU")]
    NonUnaDsu(String),
    #[error(
        "l'attestazione registrata per {protocollo} (motore {versione}) differisce dal ricalcolo con il motore attuale: vale quella registrata, consultabile in JSON"
    )]
    MotoreCambiato {
        protocollo: String,
        versione: String,
    },
    #[error("numerazione dei protocolli esaurita per l'anno {0}")]
    NumerazioneEsaurita(i32),
    #[error("importo non memorizzabile: {0}")]
    Importo(#[from] ErroreImporto),
    #[error("indirizzo della base dati non supportato: «{0}» (ammessi sqlite:// e postgres://)")]
    UrlNonSupportato(String),
    #[error("dato memorizzato non leggibile ({0}): la base dati è stata modificata a mano?")]
    DatoCorrotto(String),
    #[error("errore della base dati: {0}")]
    Database(#[from] sqlx::Error),
    #[error("aggiornamento dello schema della base dati non riuscito: {0}")]
    Migrazione(#[from] sqlx::migrate::MigrateError),
}

fn elenco(p: &[Problema]) -> String {
    p.iter()
        .map(|p| format!("{}: {}", p.percorso, p.messaggio))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ErroreRegistro {
    /// The stable code of the error, for programs and API clients.
    pub fn codice(&self) -> &'static str {
        match self {
            ErroreRegistro::DsuIlleggibile(_) => "registro.dsu_illeggibile",
            ErroreRegistro::DsuNonValida(_) => "registro.dsu_non_valida",
            ErroreRegistro::ModuloCorrenteIlleggibile(_) => "registro.modulo_corrente_illeggibile",
            ErroreRegistro::CorrenteNonCalcolabile(_) => "registro.corrente_non_calcolabile",
            ErroreRegistro::Calcolo(_) => "registro.calcolo",
            ErroreRegistro::ChiaveMancante => "registro.chiave_mancante",
            ErroreRegistro::MittenteMancante => "registro.mittente_mancante",
            ErroreRegistro::ProtocolloMittenteTroppoLungo => "registro.protocollo_mittente_lungo",
            ErroreRegistro::ChiaveRiusata(_) => "registro.chiave_riusata",
            ErroreRegistro::ProtocolloNonValido(_) => "registro.protocollo_non_valido",
            ErroreRegistro::ProtocolloSconosciuto(_) => "registro.protocollo_sconosciuto",
            ErroreRegistro::ModificaNonConsentita(_) => "registro.modifica_non_consentita",
            ErroreRegistro::DichiaranteDiverso(_) => "registro.dichiarante_diverso",
            ErroreRegistro::NucleoDiverso(_) => "registro.nucleo_diverso",
            ErroreRegistro::MandatoNonValido(_) => "registro.mandato_non_valido",
            ErroreRegistro::MandatoSconosciuto { .. } => "registro.mandato_sconosciuto",
            ErroreRegistro::ProtocolloNonAttivo { .. } => "registro.protocollo_non_attivo",
            ErroreRegistro::NonUnaDsu(_) => "registro.non_una_dsu",
            ErroreRegistro::MotoreCambiato { .. } => "registro.motore_cambiato",
            ErroreRegistro::NumerazioneEsaurita(_) => "registro.numerazione_esaurita",
            ErroreRegistro::Importo(_) => "registro.importo",
            ErroreRegistro::UrlNonSupportato(_) => "registro.url_non_supportato",
            ErroreRegistro::DatoCorrotto(_) => "registro.dato_corrotto",
            ErroreRegistro::Database(_) => "registro.database",
            ErroreRegistro::Migrazione(_) => "registro.migrazione",
        }
    }
}

pub type Risultato<T> = Result<T, ErroreRegistro>;

/// The shared opener's errors (`isee-sql`) as this crate's variants, messages unchanged.
impl From<isee_sql::ErroreApertura> for ErroreRegistro {
    fn from(e: isee_sql::ErroreApertura) -> ErroreRegistro {
        match e {
            isee_sql::ErroreApertura::UrlNonSupportato(url) => {
                ErroreRegistro::UrlNonSupportato(url)
            }
            isee_sql::ErroreApertura::SchemaNonAmmesso(s) => {
                ErroreRegistro::UrlNonSupportato(format!("schema «{s}»"))
            }
            isee_sql::ErroreApertura::Database(e) => ErroreRegistro::Database(e),
        }
    }
}
