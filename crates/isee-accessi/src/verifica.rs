//! Verification of the chain: one pass in `seq` order, page by page (constant memory
//! whatever the size of the log), recomputing every MAC.
//!
//! What a pass can tell from the database alone: an altered record (its MAC no longer
//! matches), a record missing in the middle or at the start (a hole in `seq`), records
//! moved or swapped (a record whose MAC is valid for another position, or that does not
//! follow its predecessor), a forged or altered anchor, the wrong key. What it cannot
//! tell is the removal of the last records: a shorter chain is still a valid chain.
//! That needs a head kept outside the database (`isee audit testa`), passed to
//! [`crate::RegistroAccessi::verifica_con_testa`].

use crate::chiavi::{ChiaviAudit, hmac};
use crate::errore::Risultato;
use crate::record::{MAC_INIZIALE, Riga, mac_da_hex, mac_record, pulisci_campo};
use crate::schema::{SQL_LEGGI_META, colonne_select, riga};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, AssertSqlSafe, Row};

/// What verification found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EsitoVerifica {
    /// Records read and checked.
    pub record_verificati: u64,
    /// The last record (seq, MAC hex), or the anchor when retention removed every record.
    /// Export it: it is what detects a truncated tail next time.
    pub testa: Option<(i64, String)>,
    /// The anchor verification started from, if retention ever ran.
    pub ancora: Option<(i64, String)>,
    /// The first [`LIMITE_PROBLEMI`] problems, in `seq` order.
    pub problemi: Vec<Problema>,
    /// Every problem found, also those beyond the list.
    pub problemi_totali: u64,
}

impl EsitoVerifica {
    pub fn integro(&self) -> bool {
        self.problemi_totali == 0
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problema {
    /// Where: the record's `seq` (the first missing one for a hole; 0 for the key).
    pub seq: i64,
    pub tipo: TipoProblema,
    /// In Italian, for the operator.
    pub dettaglio: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TipoProblema {
    /// The record's content, `seq` or MAC was changed.
    Alterato,
    /// Records missing: a hole in `seq`, or a tail shorter than the exported head.
    Mancante,
    /// The `seq` order differs from the chain order: a record authentic for another
    /// position, or one that does not follow its predecessor.
    Riordinato,
    /// The retention anchor's own MAC is wrong: forged or altered.
    AncoraNonValida,
    /// The key's fingerprint differs from the one the log was written with and no
    /// record verifies with it: the wrong key; every MAC looks wrong, so use the right
    /// key before concluding anything.
    ChiaveErrata,
    /// The fingerprint stored in the log (`accessi_meta`) is not the key's, or is
    /// missing, yet the key verifies the records: the key is right and the stored
    /// fingerprint was altered.
    ImprontaAlterata,
}

/// Problems kept in the list; the rest are only counted (the wrong key on a log of
/// millions would otherwise fill the memory with one problem per record).
pub const LIMITE_PROBLEMI: usize = 10_000;

/// Records per page.
const PAGINA: i64 = 2_000;

/// How far (in positions) a record with a wrong MAC is looked for elsewhere in the
/// chain, to tell a moved record from an altered one; and for how many records.
const FINESTRA_RICERCA: i64 = 256;
const RICERCHE_MASSIME: u32 = 1_000;

const ETICHETTA_ANCORA: &[u8] = b"isee-accessi/ancora/v1";

/// MAC of the anchor = HMAC-SHA256(chain key, label ‖ seq (8 bytes BE) ‖ len ‖ MAC hex ‖
/// len ‖ created-at text ‖ removed-so-far (8 bytes BE)), lengths as 4 bytes BE.
pub(crate) fn mac_ancora(
    chiavi: &ChiaviAudit,
    seq: i64,
    mac: &str,
    creata_il: &str,
    eliminati_totali: i64,
) -> String {
    let l1 = (mac.len() as u32).to_be_bytes();
    let l2 = (creata_il.len() as u32).to_be_bytes();
    hex::encode(hmac(
        chiavi.catena(),
        &[
            ETICHETTA_ANCORA,
            &seq.to_be_bytes(),
            &l1,
            mac.as_bytes(),
            &l2,
            creata_il.as_bytes(),
            &eliminati_totali.to_be_bytes(),
        ],
    ))
}

/// The stored anchor.
#[derive(Clone, Debug)]
pub(crate) struct Ancora {
    pub seq: i64,
    pub mac: String,
    pub creata_il: String,
    pub eliminati_totali: i64,
    pub mac_ancora: String,
}

pub(crate) const SQL_ANCORA: &str = "SELECT seq, mac, creata_il, eliminati_totali, mac_ancora \
     FROM accessi_ancora WHERE id = 1";

pub(crate) async fn leggi_ancora<'c, E>(e: E) -> Risultato<Option<Ancora>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let Some(r) = sqlx::query(SQL_ANCORA).fetch_optional(e).await? else {
        return Ok(None);
    };
    Ok(Some(Ancora {
        seq: r.try_get(0)?,
        mac: r.try_get(1)?,
        creata_il: r.try_get(2)?,
        eliminati_totali: r.try_get(3)?,
        mac_ancora: r.try_get(4)?,
    }))
}

struct Stato {
    esito: EsitoVerifica,
    ricerche: u32,
}

impl Stato {
    fn segnala(&mut self, seq: i64, tipo: TipoProblema, dettaglio: String) {
        self.esito.problemi_totali += 1;
        if self.esito.problemi.len() < LIMITE_PROBLEMI {
            self.esito.problemi.push(Problema {
                seq,
                tipo,
                dettaglio,
            });
        }
    }
}

/// The position `riga` would be authentic at, near its own, if any.
fn posizione_autentica(
    chiave: &[u8; 32],
    riga: &Riga,
    precedente: &[u8; 32],
    mac: &[u8; 32],
) -> Option<i64> {
    let mut canonica = riga.canonica();
    // Bytes 2..10 hold `seq` (after the version byte and the presence byte).
    for d in 1..=FINESTRA_RICERCA {
        for j in [riga.seq - d, riga.seq + d] {
            if j < 1 {
                continue;
            }
            canonica[2..10].copy_from_slice(&j.to_be_bytes());
            if &mac_record(chiave, precedente, &canonica) == mac {
                return Some(j);
            }
        }
    }
    None
}

/// Verifies the chain (up to `fino_a` included, if given), checking the end against
/// an exported head if one is given. `avanzamento` gets the records read so far.
pub(crate) async fn verifica_catena(
    pool: &AnyPool,
    chiavi: &ChiaviAudit,
    testa_esterna: Option<(i64, String)>,
    fino_a: Option<i64>,
    avanzamento: &mut (dyn FnMut(u64) + Send),
) -> Risultato<EsitoVerifica> {
    let mut st = Stato {
        esito: EsitoVerifica {
            record_verificati: 0,
            testa: None,
            ancora: None,
            problemi: Vec::new(),
            problemi_totali: 0,
        },
        ricerche: RICERCHE_MASSIME,
    };
    let registrata: Option<String> = sqlx::query(SQL_LEGGI_META)
        .bind("impronta_chiave")
        .fetch_optional(pool)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    // Whether the key or the stored fingerprint is wrong is told at the end, by
    // whether any MAC verifies with the key (an HMAC does not verify with another key).
    let impronta_diversa = registrata
        .as_ref()
        .filter(|r| *r != chiavi.impronta())
        .map(|r| pulisci_campo(r, 64).into_owned());
    if impronta_diversa.is_some() {
        // With the wrong key every record would be searched for in vain; the search
        // is switched back on at the first record that verifies.
        st.ricerche = 0;
    }
    let mut mac_validi: u64 = 0;

    // Where the chain starts: the anchor, or the beginning.
    let mut attesa: i64 = 1;
    let mut mac_rif: [u8; 32] = MAC_INIZIALE;
    if let Some(a) = leggi_ancora(pool).await? {
        if mac_ancora(chiavi, a.seq, &a.mac, &a.creata_il, a.eliminati_totali) != a.mac_ancora {
            st.segnala(
                a.seq,
                TipoProblema::AncoraNonValida,
                format!(
                    "l'ancora di conservazione (record {}, creata il {}) ha un MAC non valido: \
                     falsificata o modificata",
                    a.seq, a.creata_il
                ),
            );
        }
        match mac_da_hex(&a.mac) {
            Some(m) => mac_rif = m,
            None => st.segnala(
                a.seq,
                TipoProblema::AncoraNonValida,
                "il MAC dell'ancora non è esadecimale".into(),
            ),
        }
        attesa = a.seq + 1;
        let residui = sqlx::query("SELECT COUNT(*), MIN(seq) FROM accessi_record WHERE seq <= $1")
            .bind(a.seq)
            .fetch_one(pool)
            .await?;
        let quanti: i64 = residui.try_get(0)?;
        if quanti > 0 {
            let primo: i64 = residui.try_get(1)?;
            st.segnala(
                primo,
                TipoProblema::Alterato,
                format!(
                    "{quanti} record con seq fino a {} compaiono prima dell'ancora: \
                     avrebbero dovuto essere eliminati con la conservazione",
                    a.seq
                ),
            );
        }
        st.esito.ancora = Some((a.seq, a.mac.clone()));
        st.esito.testa = Some((a.seq, a.mac));
    }
    let inizio = attesa;

    let sql = format!(
        "SELECT {} FROM accessi_record WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
        colonne_select()
    );
    let limite_superiore = fino_a.unwrap_or(i64::MAX);
    let mut cursore = attesa - 1;
    let mut precedente_valido = true;
    let mut testa_vista = false;
    loop {
        let righe = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(cursore)
            .bind(limite_superiore)
            .bind(PAGINA)
            .fetch_all(pool)
            .await?;
        let n = righe.len();
        for r in righe {
            let riga = riga(&r)?;
            st.esito.record_verificati += 1;
            let seq = riga.seq;
            let lacuna = seq > attesa;
            if lacuna {
                let dettaglio = if seq - attesa == 1 {
                    format!("il record {attesa} manca")
                } else {
                    format!(
                        "mancano i record da {attesa} a {} ({} record)",
                        seq - 1,
                        seq - attesa
                    )
                };
                st.segnala(attesa, TipoProblema::Mancante, dettaglio);
            }
            let prec = mac_da_hex(&riga.mac_precedente);
            let mac = mac_da_hex(&riga.mac);
            let valido = match (&prec, &mac) {
                (Some(p), Some(m)) => &mac_record(chiavi.catena(), p, &riga.canonica()) == m,
                _ => false,
            };
            if valido {
                if mac_validi == 0 && impronta_diversa.is_some() {
                    st.ricerche = RICERCHE_MASSIME;
                }
                mac_validi += 1;
            }
            if !valido {
                let altrove = match (&prec, &mac) {
                    (Some(p), Some(m)) if st.ricerche > 0 => {
                        st.ricerche -= 1;
                        posizione_autentica(chiavi.catena(), &riga, p, m)
                    }
                    _ => None,
                };
                match altrove {
                    Some(j) => st.segnala(
                        seq,
                        TipoProblema::Riordinato,
                        format!(
                            "in posizione {seq} c'è il record autentico {j}: record scambiati o spostati"
                        ),
                    ),
                    None => st.segnala(
                        seq,
                        TipoProblema::Alterato,
                        "MAC non valido: contenuto, seq o MAC del record modificati".into(),
                    ),
                }
            } else if !lacuna && precedente_valido && prec != Some(mac_rif) {
                st.segnala(
                    seq,
                    TipoProblema::Riordinato,
                    format!(
                        "il record {seq} è autentico ma non segue il record {} nella catena",
                        seq - 1
                    ),
                );
            }
            if let Some((t_seq, t_mac)) = &testa_esterna
                && *t_seq == seq
            {
                testa_vista = true;
                if *t_mac != riga.mac {
                    st.segnala(
                        seq,
                        TipoProblema::Alterato,
                        "il MAC del record non corrisponde alla testa esportata".into(),
                    );
                }
            }
            precedente_valido = valido;
            mac_rif = mac.unwrap_or(MAC_INIZIALE);
            attesa = seq + 1;
            cursore = seq;
            st.esito.testa = Some((seq, riga.mac));
        }
        avanzamento(st.esito.record_verificati);
        if (n as i64) < PAGINA {
            break;
        }
    }

    if let Some((t_seq, t_mac)) = testa_esterna {
        let ultimo = attesa - 1;
        if t_seq > ultimo {
            st.segnala(
                ultimo + 1,
                TipoProblema::Mancante,
                format!(
                    "la testa esportata è il record {t_seq}, ma il registro finisce al {ultimo}: \
                     mancano {} record in coda (troncamento)",
                    t_seq - ultimo
                ),
            );
        } else if t_seq == inizio - 1 && !testa_vista {
            // The exported head is the anchor's record.
            if st.esito.ancora.as_ref().is_some_and(|(_, m)| *m != t_mac) {
                st.segnala(
                    t_seq,
                    TipoProblema::Alterato,
                    "il MAC dell'ancora non corrisponde alla testa esportata".into(),
                );
            }
        }
        // A head older than the anchor was removed by retention: nothing to compare.
    }

    let letti = st.esito.record_verificati;
    let fornita = chiavi.impronta();
    let chiave = match (&impronta_diversa, &registrata) {
        (Some(r), _) if mac_validi > 0 => Some((
            TipoProblema::ImprontaAlterata,
            format!(
                "l'impronta della chiave registrata nel database ({r}) non è quella della chiave \
                 fornita ({fornita}), ma la chiave fornita verifica {mac_validi} record su {letti}: \
                 la chiave è quella giusta ed è l'impronta registrata (tabella accessi_meta) a \
                 essere stata alterata"
            ),
        )),
        (Some(r), _) if letti > 0 => Some((
            TipoProblema::ChiaveErrata,
            format!(
                "la chiave fornita (impronta {fornita}) non è quella del registro (impronta {r}): \
                 nessuno dei {letti} record verifica con essa, e i problemi «alterato» che \
                 seguono ne sono la conseguenza; ripetere la verifica con la chiave giusta"
            ),
        )),
        (Some(r), _) => Some((
            TipoProblema::ChiaveErrata,
            format!(
                "la chiave fornita (impronta {fornita}) non è quella registrata nel registro \
                 (impronta {r}); il registro non ha record con cui stabilire se sia sbagliata la \
                 chiave o alterata l'impronta"
            ),
        )),
        (None, None) if letti > 0 => Some((
            TipoProblema::ImprontaAlterata,
            format!(
                "l'impronta della chiave manca dal registro (tabella accessi_meta), che pure ha \
                 {letti} record: è stata cancellata"
            ),
        )),
        _ => None,
    };
    if let Some((tipo, dettaglio)) = chiave {
        // First in the list: it says how to read every other problem.
        st.esito.problemi_totali += 1;
        st.esito.problemi.insert(
            0,
            Problema {
                seq: 0,
                tipo,
                dettaglio,
            },
        );
        st.esito.problemi.truncate(LIMITE_PROBLEMI);
    }
    Ok(st.esito)
}
