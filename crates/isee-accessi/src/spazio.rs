//! Free space on the filesystem of a SQLite log: when the disk fills, every write of
//! the log fails and every consultation becomes `DATABASE_OFFLINE`. The writer's
//! handle checks the space at start and then periodically, and warns (a tracing
//! `warn` line, and [`SpazioDisco::in_esaurimento`] for the service's metrics) well
//! before that, below a [`SogliaSpazio`].
//!
//! PostgreSQL's disk is the database server's: not measured here.

use serde::Serialize;
use std::path::{Path, PathBuf};

/// Below which free space the log warns: fewer than `byte_minimi` bytes, or less than
/// `percento_minimo` % of the filesystem, whichever comes first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SogliaSpazio {
    pub byte_minimi: u64,
    /// 0 turns the percentage off.
    pub percento_minimo: u8,
}

impl Default for SogliaSpazio {
    fn default() -> Self {
        SogliaSpazio {
            byte_minimi: 1 << 30,
            percento_minimo: 5,
        }
    }
}

/// The last measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SpazioDisco {
    /// Bytes an unprivileged process may still write.
    pub libero: u64,
    /// Size of the filesystem.
    pub totale: u64,
    /// Below the threshold.
    pub in_esaurimento: bool,
}

impl SogliaSpazio {
    pub fn superata(&self, libero: u64, totale: u64) -> bool {
        libero < self.byte_minimi
            || u128::from(libero) * 100 < u128::from(totale) * u128::from(self.percento_minimo)
    }
}

/// Free and total bytes of the filesystem holding `file` (or its directory, if the
/// file does not exist yet).
pub(crate) fn misura(file: &Path) -> std::io::Result<(u64, u64)> {
    let dove = if file.exists() {
        file.to_path_buf()
    } else {
        match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    statvfs(&dove)
}

#[cfg(unix)]
fn statvfs(p: &Path) -> std::io::Result<(u64, u64)> {
    let s = rustix::fs::statvfs(p).map_err(std::io::Error::from)?;
    let blocco = s.f_frsize.max(1);
    Ok((
        s.f_bavail.saturating_mul(blocco),
        s.f_blocks.saturating_mul(blocco),
    ))
}

#[cfg(not(unix))]
fn statvfs(_: &Path) -> std::io::Result<(u64, u64)> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "misura dello spazio libero disponibile solo su Unix",
    ))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn soglia() {
        let s = SogliaSpazio::default();
        assert!(s.superata(100, 1 << 40));
        assert!(!s.superata(200 << 30, 1 << 40));
        // 5 % of 1 TiB is about 51 GiB.
        assert!(s.superata(40 << 30, 1 << 40));
        let solo_byte = SogliaSpazio {
            byte_minimi: 10,
            percento_minimo: 0,
        };
        assert!(!solo_byte.superata(10, u64::MAX));
    }

    #[test]
    fn misura_il_disco_vero() {
        let dir = tempfile::tempdir().unwrap();
        let (libero, totale) = misura(&dir.path().join("non-ancora.db")).unwrap();
        assert!(totale > 0 && libero <= totale, "{libero} / {totale}");
    }
}
