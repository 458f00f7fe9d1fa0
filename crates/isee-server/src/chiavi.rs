//! Authentication by static API key: one key per client, configured by its SHA-256.
//!
//! The configuration file keeps only hashes, so reading it does not reveal the keys:
//!
//! ```toml
//! [[client]]
//! id = "caf-ra"
//! chiave_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//!
//! [[client]]
//! id = "inps-back-office"
//! chiave_sha256 = "…"
//! ruolo = "back_office"      # default: "mittente"
//! ```
//!
//! The role is the register's access model (`isee_registro::accesso`, docs/REGISTRO.md
//! "Modello di accesso al registro"): a `mittente` reads and changes what it filed or
//! holds a mandate for; a `back_office` client, only when configured so, also reads
//! every DSU, each read recorded.
//!
//! A presented key is hashed and compared with every configured hash in constant
//! time (no early exit on the first different byte, no early exit on the first
//! match), so response times do not tell how close a guess was. The client id becomes
//! the register's `mittente`. Keys are never logged (the `Authorization` header is
//! marked sensitive in the trace layer).

use isee_registro::{Chiamante, Ruolo};
use serde::Deserialize;
use std::sync::Arc;

/// One client of the API.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClienteConfigurato {
    id: String,
    /// Hex SHA-256 of the key (64 characters).
    chiave_sha256: String,
    #[serde(default)]
    ruolo: Ruolo,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileChiavi {
    #[serde(default)]
    client: Vec<ClienteConfigurato>,
}

/// The configured clients.
#[derive(Clone, Debug, Default)]
pub struct Clienti {
    voci: Vec<Voce>,
}

#[derive(Clone, Debug)]
struct Voce {
    id: Arc<str>,
    hash: [u8; 32],
    ruolo: Ruolo,
}

/// Why a key file is refused.
#[derive(Debug, thiserror::Error)]
pub enum ErroreChiavi {
    #[error("file delle chiavi non leggibile: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("client «{0}»: chiave_sha256 deve essere di 64 cifre esadecimali")]
    Hash(String),
    #[error("client «{0}»: id vuoto o ripetuto")]
    Id(String),
}

/// The SHA-256 of a key, in hex (what the configuration file holds).
pub fn sha256_hex(chiave: &str) -> String {
    isee_hash::sha256_hex(chiave.as_bytes())
}

fn da_hex(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, c) in b.chunks(2).enumerate() {
        let h = |x: u8| (x as char).to_digit(16);
        out[i] = u8::try_from(h(c[0])? * 16 + h(c[1])?).ok()?;
    }
    Some(out)
}

fn uguali_tempo_costante(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Clienti {
    /// Reads the TOML key file.
    pub fn da_toml(testo: &str) -> Result<Clienti, ErroreChiavi> {
        let f: FileChiavi = toml::from_str(testo)?;
        let mut c = Clienti::default();
        for v in f.client {
            let hash = da_hex(&v.chiave_sha256.to_ascii_lowercase())
                .ok_or_else(|| ErroreChiavi::Hash(v.id.clone()))?;
            c.aggiungi_hash(&v.id, hash, v.ruolo)
                .map_err(|()| ErroreChiavi::Id(v.id.clone()))?;
        }
        Ok(c)
    }

    fn aggiungi_hash(&mut self, id: &str, hash: [u8; 32], ruolo: Ruolo) -> Result<(), ()> {
        if id.trim().is_empty() || self.voci.iter().any(|v| &*v.id == id) {
            return Err(());
        }
        self.voci.push(Voce {
            id: Arc::from(id),
            hash,
            ruolo,
        });
        Ok(())
    }

    /// Adds a sender (`mittente`) by its clear key (tests and `isee demo`).
    pub fn con_chiave(self, id: &str, chiave: &str) -> Clienti {
        self.con_chiave_e_ruolo(id, chiave, Ruolo::Mittente)
    }

    /// Adds a client with a role by its clear key (tests).
    pub fn con_chiave_e_ruolo(mut self, id: &str, chiave: &str, ruolo: Ruolo) -> Clienti {
        let hash = da_hex(&sha256_hex(chiave)).unwrap_or([0; 32]);
        let _ = self.aggiungi_hash(id, hash, ruolo);
        self
    }

    pub fn len(&self) -> usize {
        self.voci.len()
    }

    pub fn is_empty(&self) -> bool {
        self.voci.is_empty()
    }

    /// The client owning `chiave`, if any, with its role.
    pub fn verifica(&self, chiave: &str) -> Option<Chiamante> {
        let hash = isee_hash::sha256(chiave.as_bytes());
        let mut trovato = None;
        for v in &self.voci {
            if uguali_tempo_costante(&v.hash, &hash) {
                trovato = Some(v);
            }
        }
        trovato.map(|v| Chiamante {
            id: v.id.to_string(),
            ruolo: v.ruolo,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_di_chiavi_e_verifica() {
        let testo = format!(
            "[[client]]\nid = \"caf-ra\"\nchiave_sha256 = \"{}\"\n",
            sha256_hex("segreto")
        );
        let c = Clienti::da_toml(&testo).unwrap();
        assert_eq!(c.verifica("segreto"), Some(Chiamante::mittente("caf-ra")));
        assert_eq!(c.verifica("segreta"), None);
        assert_eq!(c.verifica(""), None);
    }

    #[test]
    fn ruoli() {
        let testo = format!(
            "[[client]]\nid = \"caf-ra\"\nchiave_sha256 = \"{}\"\nruolo = \"mittente\"\n\
             [[client]]\nid = \"inps\"\nchiave_sha256 = \"{}\"\nruolo = \"back_office\"\n",
            sha256_hex("a"),
            sha256_hex("b")
        );
        let c = Clienti::da_toml(&testo).unwrap();
        assert_eq!(c.verifica("a").unwrap().ruolo, Ruolo::Mittente);
        assert_eq!(c.verifica("b"), Some(Chiamante::back_office("inps")));
        // An unknown role is refused, not read as a sender.
        let sbagliato = format!(
            "[[client]]\nid = \"x\"\nchiave_sha256 = \"{}\"\nruolo = \"amministratore\"\n",
            sha256_hex("a")
        );
        assert!(matches!(
            Clienti::da_toml(&sbagliato),
            Err(ErroreChiavi::Toml(_))
        ));
    }

    #[test]
    fn rifiuta_hash_sbagliati_e_id_ripetuti() {
        assert!(matches!(
            Clienti::da_toml("[[client]]\nid = \"a\"\nchiave_sha256 = \"abc\"\n"),
            Err(ErroreChiavi::Hash(_))
        ));
        let h = sha256_hex("x");
        let due = format!(
            "[[client]]\nid = \"a\"\nchiave_sha256 = \"{h}\"\n[[client]]\nid = \"a\"\nchiave_sha256 = \"{h}\"\n"
        );
        assert!(matches!(Clienti::da_toml(&due), Err(ErroreChiavi::Id(_))));
        assert!(Clienti::da_toml("[[cliente]]\n").is_err());
    }
}
