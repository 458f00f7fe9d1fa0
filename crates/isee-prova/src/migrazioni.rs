//! The checks every store's migrations pass (docs/REGISTRO.md, "Rules of the
//! schema"), called from each store's unit tests with its own directory and migrators.

use sqlx::migrate::Migrator;
use std::collections::BTreeSet;
use std::path::Path;

/// The `.sql` files of `dir`, relative to the crate's manifest directory `radice`.
pub fn file(radice: &str, dir: &str) -> BTreeSet<String> {
    let path = Path::new(radice).join(dir);
    std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect()
}

fn leggi(radice: &str, dir: &str, f: &str) -> String {
    std::fs::read_to_string(Path::new(radice).join(dir).join(f)).unwrap()
}

/// `migrations/sqlite` and `migrations/postgres` hold the same files (same versions,
/// same names), the two embedded migrators agree, and both record in `tabella`.
pub fn in_passo(radice: &str, sqlite: &Migrator, postgres: &Migrator, tabella: &str) {
    let file_sqlite = file(radice, "migrations/sqlite");
    assert!(!file_sqlite.is_empty());
    assert_eq!(
        file_sqlite,
        file(radice, "migrations/postgres"),
        "stessi file, stesse versioni, stessi nomi"
    );
    let v = |m: &Migrator| {
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(v(sqlite), v(postgres));
    for m in [sqlite, postgres] {
        assert_eq!(m.table_name, tabella);
    }
}

/// No column type that sqlx `Any` cannot decode or that would turn money into a float
/// (`REAL`, `FLOAT`, `DOUBLE`, `NUMERIC`, `DECIMAL`, `TIMESTAMP`), comments excluded.
pub fn tipi_portabili(radice: &str) {
    for dir in ["migrations/sqlite", "migrations/postgres"] {
        for f in file(radice, dir) {
            let sql = leggi(radice, dir, &f)
                .lines()
                .map(|l| l.split("--").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n")
                .to_uppercase();
            for vietato in ["REAL", "FLOAT", "DOUBLE", "NUMERIC", "DECIMAL", "TIMESTAMP"] {
                assert!(!sql.contains(vietato), "{dir}/{f} usa {vietato}");
            }
        }
    }
}

/// Every SQLite table is `STRICT`.
pub fn sqlite_strict(radice: &str) {
    for f in file(radice, "migrations/sqlite") {
        let sql = leggi(radice, "migrations/sqlite", &f);
        assert_eq!(
            sql.matches("CREATE TABLE").count(),
            sql.matches(") STRICT;").count(),
            "{f}"
        );
    }
}
