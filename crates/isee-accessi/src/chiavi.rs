//! The audit keys: one 32-byte master secret in a file, from which the chain key and
//! the fiscal-code key are derived with HMAC labels.
//!
//! Two derived keys instead of one so that the keyed hash of a fiscal code (which is
//! stored, and searched by) can never be confused with, or used to forge, a chain MAC.
//! The master never leaves this module; `Debug` shows only a fingerprint, itself a
//! derived value that reveals nothing about the keys.

use crate::errore::{ErroreAccessi, Risultato};
use std::io::Write;
use std::path::Path;

const ETICHETTA_CATENA: &[u8] = b"isee-accessi/catena";
const ETICHETTA_CF: &[u8] = b"isee-accessi/cf";
const ETICHETTA_IMPRONTA: &[u8] = b"isee-accessi/impronta";

/// Length of the master secret in bytes.
pub const LUNGHEZZA_SEGRETO: usize = 32;

/// HMAC-SHA256 of `dati` under `chiave` (isee-hash, the project's one hashing helper).
pub(crate) fn hmac(chiave: &[u8], dati: &[&[u8]]) -> [u8; 32] {
    isee_hash::hmac_sha256(chiave, dati)
}

/// The keys of one access log.
#[derive(Clone)]
pub struct ChiaviAudit {
    catena: [u8; 32],
    cf: [u8; 32],
    impronta: String,
}

impl std::fmt::Debug for ChiaviAudit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChiaviAudit")
            .field("impronta", &self.impronta)
            .finish_non_exhaustive()
    }
}

impl ChiaviAudit {
    /// Derives the keys from a master secret. For tests and for callers that keep the
    /// secret elsewhere (a vault); production reads a file with [`ChiaviAudit::da_file`].
    pub fn da_segreto(segreto: &[u8]) -> ChiaviAudit {
        let impronta = hex::encode(&hmac(segreto, &[ETICHETTA_IMPRONTA])[..8]);
        ChiaviAudit {
            catena: hmac(segreto, &[ETICHETTA_CATENA]),
            cf: hmac(segreto, &[ETICHETTA_CF]),
            impronta,
        }
    }

    /// Reads a key file: 32 bytes as 64 hex digits (surrounding whitespace ignored).
    pub fn da_file(percorso: impl AsRef<Path>) -> Risultato<ChiaviAudit> {
        let percorso = percorso.as_ref();
        let errore_io = |errore| ErroreAccessi::FileChiave {
            percorso: percorso.display().to_string(),
            errore,
        };
        let testo = std::fs::read_to_string(percorso).map_err(errore_io)?;
        avvisa_se_leggibile(percorso);
        let segreto = hex::decode(testo.trim()).map_err(|_| {
            ErroreAccessi::Chiave(format!(
                "{}: il file deve contenere {} byte in esadecimale",
                percorso.display(),
                LUNGHEZZA_SEGRETO
            ))
        })?;
        if segreto.len() != LUNGHEZZA_SEGRETO {
            return Err(ErroreAccessi::Chiave(format!(
                "{}: il segreto è di {} byte, ne servono {}",
                percorso.display(),
                segreto.len(),
                LUNGHEZZA_SEGRETO
            )));
        }
        Ok(ChiaviAudit::da_segreto(&segreto))
    }

    /// Creates a key file with a fresh random secret, readable only by its owner.
    /// Refuses to overwrite an existing file: losing the old key would make the whole
    /// existing log unverifiable.
    pub fn genera_file(percorso: impl AsRef<Path>) -> Risultato<ChiaviAudit> {
        let percorso = percorso.as_ref();
        let errore_io = |errore| ErroreAccessi::FileChiave {
            percorso: percorso.display().to_string(),
            errore,
        };
        let mut segreto = [0u8; LUNGHEZZA_SEGRETO];
        getrandom::fill(&mut segreto).map_err(|e| {
            ErroreAccessi::Chiave(format!(
                "generatore casuale del sistema non disponibile: {e}"
            ))
        })?;
        let mut opzioni = std::fs::OpenOptions::new();
        opzioni.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opzioni.mode(0o600);
        }
        let mut file = opzioni.open(percorso).map_err(errore_io)?;
        file.write_all(format!("{}\n", hex::encode(segreto)).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(errore_io)?;
        Ok(ChiaviAudit::da_segreto(&segreto))
    }

    /// A short public fingerprint of the master secret, stored in the database so that
    /// a writer started with the wrong key is refused instead of forking the chain.
    pub fn impronta(&self) -> &str {
        &self.impronta
    }

    pub(crate) fn catena(&self) -> &[u8; 32] {
        &self.catena
    }

    /// Keyed hash of a fiscal code (hex). The code is normalised (trimmed, upper case)
    /// first, so the same person is found however the code was typed.
    pub fn hash_cf(&self, cf: &str) -> String {
        let normale = cf.trim().to_uppercase();
        hex::encode(hmac(&self.cf, &[normale.as_bytes()]))
    }
}

/// Warns when the key file can be read by others: an operator should notice, but a
/// container secret mounted 0644 must not stop the service.
fn avvisa_se_leggibile(percorso: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(percorso) {
            let modo = m.permissions().mode() & 0o777;
            if modo & 0o077 != 0 {
                tracing::warn!(
                    "il file di chiave {} ha permessi {:o}: dovrebbe essere leggibile solo dal proprietario (chmod 600)",
                    percorso.display(),
                    modo
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = percorso;
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn chiavi_derivate_e_distinte() {
        let c = ChiaviAudit::da_segreto(&[5; 32]);
        assert_ne!(c.catena, c.cf);
        assert_eq!(c.catena, hmac(&[5; 32], &[b"isee-accessi/catena"]));
        assert_eq!(c.cf, hmac(&[5; 32], &[b"isee-accessi/cf"]));
        assert_ne!(c.impronta(), ChiaviAudit::da_segreto(&[6; 32]).impronta());
    }

    #[test]
    fn debug_senza_segreti() {
        let c = ChiaviAudit::da_segreto(&[5; 32]);
        let d = format!("{c:?}");
        assert!(d.contains(c.impronta()));
        assert!(!d.contains(&hex::encode(c.catena)) && !d.contains(&hex::encode(c.cf)));
        assert!(!d.contains(&hex::encode([5u8; 32])));
        assert!(!d.contains("[5, 5"), "{d}");
    }

    #[test]
    fn file_di_chiave() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.key");
        let c = ChiaviAudit::genera_file(&p).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let letta = ChiaviAudit::da_file(&p).unwrap();
        assert_eq!(letta.catena, c.catena);
        assert_eq!(
            letta.hash_cf("RSSMRA85T10A562S"),
            c.hash_cf("RSSMRA85T10A562S")
        );
        // No overwrite: the old log would become unverifiable.
        let prima = std::fs::read(&p).unwrap();
        assert!(ChiaviAudit::genera_file(&p).is_err());
        assert_eq!(std::fs::read(&p).unwrap(), prima);
        // Two generated keys differ.
        let q = dir.path().join("altra.key");
        assert_ne!(ChiaviAudit::genera_file(&q).unwrap().catena, c.catena);
        // Bad contents.
        std::fs::write(&q, "abcd").unwrap();
        assert!(matches!(
            ChiaviAudit::da_file(&q),
            Err(ErroreAccessi::Chiave(_))
        ));
        std::fs::write(&q, "zz".repeat(32)).unwrap();
        assert!(matches!(
            ChiaviAudit::da_file(&q),
            Err(ErroreAccessi::Chiave(_))
        ));
        assert!(matches!(
            ChiaviAudit::da_file(dir.path().join("manca")),
            Err(ErroreAccessi::FileChiave { .. })
        ));
    }
}
