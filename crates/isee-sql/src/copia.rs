//! Online backup of a SQLite database (`isee backup`, docs/DEPLOY.md "Backup e
//! ripristino"): a consistent snapshot taken while the services keep writing, checked
//! before it takes its name.
//!
//! The snapshot is SQLite's own `VACUUM INTO`: one read transaction on the source
//! (WAL mode: the writers go on, the snapshot includes every commit, also those still
//! in the `-wal` file that a plain file copy would miss), written to a temporary file
//! in the destination's directory. The temporary file is fsynced, reopened read-only
//! and checked (`PRAGMA integrity_check`, the sqlx migration tables equal to the
//! source's), and only then linked under the destination's name: a failure at any
//! step leaves no file behind and an existing destination untouched. The source is
//! opened read-only: a backup never writes, nor creates, the database it copies.
//!
//! PostgreSQL is refused ([`ErroreCopia::NonSqlite`]): its backup is the server's
//! own (`pg_basebackup` and continuous WAL archiving, docs/DEPLOY.md).

use crate::{Apertura, Backend, apri, senza_credenziali};
use sqlx::{AnyPool, AssertSqlSafe, Row};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Why a backup, or the check of a copy, failed. Nothing was left at the destination.
#[derive(Debug, thiserror::Error)]
pub enum ErroreCopia {
    /// A PostgreSQL URL (shown without its password).
    #[error(
        "{0} è una base dati PostgreSQL: «isee backup» copia solo file SQLite; per \
         PostgreSQL usare pg_basebackup con l'archiviazione continua del WAL \
         (docs/DEPLOY.md, «Backup e ripristino»)"
    )]
    NonSqlite(String),
    /// Neither SQLite nor PostgreSQL, or an in-memory database.
    #[error("base dati non copiabile: {0} (indicare un file SQLite o sqlite://percorso)")]
    UrlNonSupportato(String),
    #[error("la base dati da copiare {0} non esiste")]
    SorgenteAssente(PathBuf),
    #[error(
        "la destinazione {0} esiste già: indicare un altro file, o --sovrascrivi per \
         sostituirla"
    )]
    DestinazioneEsistente(PathBuf),
    #[error("la destinazione {0} è la base dati stessa: indicare un altro file")]
    DestinazioneUgualeSorgente(PathBuf),
    #[error("{operazione} {percorso}: {errore}")]
    File {
        operazione: &'static str,
        percorso: PathBuf,
        errore: std::io::Error,
    },
    /// `PRAGMA integrity_check` found problems (its first lines).
    #[error("controllo di integrità fallito su {percorso}: {}", problemi.join("; "))]
    IntegritaFallita {
        percorso: PathBuf,
        problemi: Vec<String>,
    },
    /// A migration table of the copy differs from the source's.
    #[error(
        "la tabella delle migrazioni {tabella} della copia è diversa da quella della base \
         dati (una migrazione durante la copia? ripetere il backup)"
    )]
    MigrazioniDiverse { tabella: String },
    #[error("{0} non contiene tabelle: non è una base dati di isee")]
    Vuota(PathBuf),
    #[error("base dati: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<crate::ErroreApertura> for ErroreCopia {
    fn from(e: crate::ErroreApertura) -> Self {
        match e {
            crate::ErroreApertura::UrlNonSupportato(u) => ErroreCopia::UrlNonSupportato(u),
            crate::ErroreApertura::SchemaNonAmmesso(s) => ErroreCopia::UrlNonSupportato(s),
            crate::ErroreApertura::Database(d) => ErroreCopia::Database(d),
        }
    }
}

/// One sqlx migration table (`_sqlx_migrations_<store>`): which store's layout the
/// file holds, and at which version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TabellaMigrazioni {
    pub nome: String,
    /// Applied migrations (successful ones).
    pub applicate: u64,
    /// The highest applied version.
    pub ultima: Option<i64>,
}

/// What a checked SQLite file holds.
#[derive(Clone, Debug)]
pub struct Contenuto {
    /// File size, in bytes.
    pub byte: u64,
    /// Every table but SQLite's own, with its row count, by name.
    pub tabelle: Vec<(String, u64)>,
    /// The sqlx migration tables, by name.
    pub migrazioni: Vec<TabellaMigrazioni>,
}

impl Contenuto {
    /// The row count of a table, if the file has it.
    pub fn righe(&self, tabella: &str) -> Option<u64> {
        self.tabelle
            .iter()
            .find(|(n, _)| n == tabella)
            .map(|(_, r)| *r)
    }
}

/// A backup taken and checked.
#[derive(Clone, Debug)]
pub struct Copia {
    pub destinazione: PathBuf,
    pub contenuto: Contenuto,
    /// From opening the source to the copy under its name.
    pub durata: Duration,
}

/// The path of a SQLite database named by a path or a `sqlite:` URL (its query
/// string dropped).
pub fn percorso_sqlite(db: &str) -> Result<PathBuf, ErroreCopia> {
    let url = crate::url_da_percorso(db);
    match Backend::da_url(&url)? {
        Backend::Postgres => return Err(ErroreCopia::NonSqlite(senza_credenziali(&url))),
        Backend::Sqlite => {}
    }
    crate::file_sqlite(&url).ok_or(ErroreCopia::UrlNonSupportato(url))
}

/// Takes an online backup of the SQLite database `sorgente` (a path or `sqlite://…`)
/// into the file `destinazione`, which must not exist unless `sovrascrivi`; returns
/// what the checked copy holds.
pub async fn copia_sqlite(
    sorgente: &str,
    destinazione: &Path,
    sovrascrivi: bool,
) -> Result<Copia, ErroreCopia> {
    let inizio = Instant::now();
    let origine = percorso_sqlite(sorgente)?;
    if !origine.is_file() {
        return Err(ErroreCopia::SorgenteAssente(origine));
    }
    if destinazione.exists() {
        if same_file(&origine, destinazione) {
            return Err(ErroreCopia::DestinazioneUgualeSorgente(
                destinazione.to_path_buf(),
            ));
        }
        if !sovrascrivi {
            return Err(ErroreCopia::DestinazioneEsistente(
                destinazione.to_path_buf(),
            ));
        }
    }
    let cartella = match destinazione.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let nome = destinazione
        .file_name()
        .ok_or_else(|| ErroreCopia::File {
            operazione: "nome del file di destinazione",
            percorso: destinazione.to_path_buf(),
            errore: std::io::Error::from(std::io::ErrorKind::InvalidInput),
        })?
        .to_string_lossy()
        .into_owned();
    // Unique enough: one process, one backup at a time per destination name.
    let istante = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let temporaneo =
        Temporaneo(cartella.join(format!(".{nome}.parziale-{}-{istante}", std::process::id())));

    let testo = temporaneo.0.to_str().ok_or_else(|| ErroreCopia::File {
        operazione: "percorso non UTF-8",
        percorso: temporaneo.0.clone(),
        errore: std::io::Error::from(std::io::ErrorKind::InvalidInput),
    })?;
    let sorgente_ro = url_sola_lettura(&origine);
    let (pool, _, _) = apri(Apertura {
        url: &sorgente_ro,
        max_connessioni: 1,
        schema: None,
        pragma_sqlite: &["PRAGMA busy_timeout = 10000"],
    })
    .await?;
    let esito = async {
        sqlx::query("VACUUM INTO $1")
            .bind(testo)
            .execute(&pool)
            .await?;
        migrazioni(&pool).await
    }
    .await;
    pool.close().await;
    let migrazioni_origine = esito?;

    let file = |operazione: &'static str, percorso: &Path| {
        let percorso = percorso.to_path_buf();
        move |errore| ErroreCopia::File {
            operazione,
            percorso,
            errore,
        }
    };
    std::fs::File::open(&temporaneo.0)
        .and_then(|f| f.sync_all())
        .map_err(file("sincronizzazione di", &temporaneo.0))?;

    let (contenuto, righe_migrazioni) = esamina(&temporaneo.0).await?;
    for (tabella, righe) in &migrazioni_origine {
        if righe_migrazioni
            .iter()
            .find(|(t, _)| t == tabella)
            .map(|(_, r)| r)
            != Some(righe)
        {
            return Err(ErroreCopia::MigrazioniDiverse {
                tabella: tabella.clone(),
            });
        }
    }
    if righe_migrazioni.len() != migrazioni_origine.len() {
        let tabella = righe_migrazioni
            .iter()
            .find(|(t, _)| !migrazioni_origine.iter().any(|(o, _)| o == t))
            .map(|(t, _)| t.clone())
            .unwrap_or_default();
        return Err(ErroreCopia::MigrazioniDiverse { tabella });
    }

    if sovrascrivi {
        std::fs::rename(&temporaneo.0, destinazione)
            .map_err(file("sostituzione di", destinazione))?;
    } else {
        // A hard link fails if the name exists: no window in which another file
        // created meanwhile would be replaced.
        std::fs::hard_link(&temporaneo.0, destinazione).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                ErroreCopia::DestinazioneEsistente(destinazione.to_path_buf())
            } else {
                file("creazione di", destinazione)(e)
            }
        })?;
    }
    drop(temporaneo);
    std::fs::File::open(&cartella)
        .and_then(|d| d.sync_all())
        .map_err(file("sincronizzazione della cartella", &cartella))?;
    Ok(Copia {
        destinazione: destinazione.to_path_buf(),
        contenuto,
        durata: inizio.elapsed(),
    })
}

/// Checks a SQLite file (a backup, before restoring it): read-only, never created;
/// `PRAGMA integrity_check`, then what it holds.
pub async fn verifica_sqlite(file: &Path) -> Result<Contenuto, ErroreCopia> {
    if !file.is_file() {
        return Err(ErroreCopia::SorgenteAssente(file.to_path_buf()));
    }
    let (contenuto, _) = esamina(file).await?;
    if contenuto.tabelle.is_empty() {
        return Err(ErroreCopia::Vuota(file.to_path_buf()));
    }
    Ok(contenuto)
}

/// Removes the temporary copy unless it was handed over (then the name is gone and
/// the removal fails harmlessly; after a hard link it removes the extra name only).
struct Temporaneo(PathBuf);

impl Drop for Temporaneo {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn url_sola_lettura(p: &Path) -> String {
    format!("sqlite://{}?mode=ro", p.display())
}

/// Each migration table's rows (version, checksum, success), in version order.
type RigheMigrazioni = Vec<(String, Vec<(i64, String, i64)>)>;

const SQL_TABELLE: &str = "SELECT name FROM sqlite_master WHERE type = 'table' \
     AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";

async fn tabelle(pool: &AnyPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(SQL_TABELLE).fetch_all(pool).await
}

/// A table name as a quoted SQL identifier.
fn identificatore(nome: &str) -> String {
    format!("\"{}\"", nome.replace('"', "\"\""))
}

async fn migrazioni(pool: &AnyPool) -> Result<RigheMigrazioni, sqlx::Error> {
    let mut tutte = Vec::new();
    for t in tabelle(pool).await? {
        if !t.starts_with("_sqlx_migrations") {
            continue;
        }
        // A name read from the database itself, quoted.
        let righe = sqlx::query(AssertSqlSafe(format!(
            "SELECT version, hex(checksum) AS c, CAST(success AS INTEGER) AS s FROM {} \
             ORDER BY version",
            identificatore(&t)
        )))
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        tutte.push((t, righe));
    }
    Ok(tutte)
}

/// Integrity check and contents of a file, opened read-only.
async fn esamina(file: &Path) -> Result<(Contenuto, RigheMigrazioni), ErroreCopia> {
    let (pool, _, _) = apri(Apertura {
        url: &url_sola_lettura(file),
        max_connessioni: 1,
        schema: None,
        pragma_sqlite: &["PRAGMA busy_timeout = 10000"],
    })
    .await?;
    let esito = async {
        let problemi: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check(20)")
            .fetch_all(&pool)
            .await?;
        if problemi != ["ok"] {
            return Err(ErroreCopia::IntegritaFallita {
                percorso: file.to_path_buf(),
                problemi,
            });
        }
        let mut righe = Vec::new();
        for t in tabelle(&pool).await? {
            // A name read from the database itself, quoted.
            let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {}",
                identificatore(&t)
            )))
            .fetch_one(&pool)
            .await?;
            righe.push((t, n.max(0) as u64));
        }
        let migr = migrazioni(&pool).await?;
        Ok((righe, migr))
    }
    .await;
    pool.close().await;
    let (tabelle, migr) = esito?;
    let byte = std::fs::metadata(file)
        .map_err(|errore| ErroreCopia::File {
            operazione: "lettura di",
            percorso: file.to_path_buf(),
            errore,
        })?
        .len();
    let migrazioni = migr
        .iter()
        .map(|(nome, righe)| TabellaMigrazioni {
            nome: nome.clone(),
            applicate: righe.iter().filter(|(_, _, s)| *s != 0).count() as u64,
            ultima: righe.iter().filter(|(_, _, s)| *s != 0).map(|r| r.0).max(),
        })
        .collect();
    Ok((
        Contenuto {
            byte,
            tabelle,
            migrazioni,
        },
        migr,
    ))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn percorsi_e_url() {
        assert_eq!(
            percorso_sqlite("dati/r.db").unwrap(),
            PathBuf::from("dati/r.db")
        );
        assert_eq!(
            percorso_sqlite("sqlite:///tmp/r.db?mode=rwc").unwrap(),
            PathBuf::from("/tmp/r.db")
        );
        let e = percorso_sqlite("postgres://u:segreto@h/db").unwrap_err();
        assert!(matches!(e, ErroreCopia::NonSqlite(_)));
        let testo = e.to_string();
        assert!(
            !testo.contains("segreto") && testo.contains("docs/DEPLOY.md"),
            "{testo}"
        );
        assert!(matches!(
            percorso_sqlite("sqlite::memory:"),
            Err(ErroreCopia::UrlNonSupportato(_))
        ));
    }

    #[test]
    fn identificatori_quotati() {
        assert_eq!(identificatore("dsu"), "\"dsu\"");
        assert_eq!(identificatore("a\"b"), "\"a\"\"b\"");
    }
}
