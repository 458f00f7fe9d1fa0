//! The enti that may call the ISEE consultation e-services, and the operators they
//! authorise.
//!
//! * [`ipa`] and [`istat`] read the two open-data files (IPA's list of enti, ISTAT's
//!   list of comuni) into plain records, reporting every bad record at once as an
//!   [`Avviso`] instead of stopping at the first;
//! * [`anagrafe`] joins them ([`unisci`]) into an [`AnagrafeEnti`]: one [`Ente`] per
//!   IPA code, with the capoluogo flag and the Belfiore code of the Comuni;
//! * [`categorie`] says which IPA categories may use which group of e-services
//!   (INPS message 3269/2025);
//! * [`registro`] keeps the current anagrafe and the operator authorisations (the
//!   equivalent of INPS's MV62 enablement) on SQLite or PostgreSQL;
//! * [`cache`] answers "may this operator call this e-service for this ente today?"
//!   from memory, refreshed when the register changes;
//!
//! The command line (`isee enti …`, `isee operatori …`) is in the `isee` binary
//! (`isee-cli`). Import is pure (bytes in, records out): no file, clock or network is touched, so
//! the dated sample files under `dati/` make every test reproducible.

pub mod anagrafe;
pub mod cache;
pub mod categorie;
pub mod errore;
pub mod ipa;
pub mod istat;
pub mod registro;
mod testo;

pub use anagrafe::{AnagrafeEnti, Ente, Importazione, importa, unisci};
pub use cache::{CacheAbilitazioni, MotivoNegato};
pub use categorie::{CATEGORIE_AMMESSE, Esclusione, GruppoEservizi, ammesso};
pub use errore::{Avviso, ErroreEnti, ErroreImport, Fonte, ProblemaAbilitazione};
pub use ipa::{EnteIpa, leggi_ipa};
pub use istat::{ComuneIstat, leggi_istat};
pub use registro::{
    Abilitazione, ConfigurazioneDb, ESERVIZI_OPERATORI, InfoAnagrafe, NuovaAbilitazione, StoreEnti,
};
