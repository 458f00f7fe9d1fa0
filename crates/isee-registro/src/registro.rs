//! The DSU register: filing (new, rectification, substitution), ISEE corrente
//! modules, annulment and queries, on any [`StoreDsu`].
//!
//! A filing is read and validated by isee-core (every problem at once; nothing is
//! stored on error), numbered, computed in full (`attestazione`) and stored with its
//! canonical JSON, attestation, indicator values and engine/parameter versions in one
//! transaction. Retries are safe: the same sender, idempotency key and request give
//! back the same receipt.
//!
//! Every change is checked against the access model (`crate::accesso`): a sender
//! changes only what it filed or what a mandate in force lets it change, and a
//! rectification or substitution keeps the declarant and the members. The reads of a
//! client go through [`RegistroDsu::consulta`], [`RegistroDsu::dsu_valida_per`] and
//! [`RegistroDsu::storico_per`]; the unchecked reads (`per_protocollo`, `dsu_valida`,
//! `storico`) are for the e-services, which run their own checks, and the command line.

use crate::accesso::{
    Ambito, Chiamante, LetturaBackOffice, Mandato, Permesso, Ruolo, Visibilita, Vista, permesso,
};
use crate::errore::{ErroreRegistro, Risultato};
use crate::omissioni::Annotazione;
use crate::protocollo::{PREFISSO_INPS, Protocollo};
use crate::registrazione::{
    NuovaRegistrazione, OperazioneRegistrata, Registrazione, Ricevuta, TipoRegistrazione,
    ValoreIndicatore, Valori,
};
use crate::store::{StoreAccesso, StoreDsu, StoreOmissioni};
use chrono::{Datelike, NaiveDate};
use isee_core::attestazione::{Attestazione, EsitoIndicatore, attestazione};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::dsu::ModuloCorrente;
use isee_core::{Dsu, DsuValidata, Motore, TipoIsee, valida};
use serde::Serialize;

/// A registered row with what it takes to show it: the validated DSU and the
/// omissioni/difformità notes ([`RegistroDsu::fascicolo`]).
#[derive(Clone, Debug)]
pub struct Fascicolo {
    pub registrazione: Registrazione,
    pub dsu: DsuValidata,
    pub annotazioni: Vec<Annotazione>,
}

impl Fascicolo {
    /// The attestation's issue date: the day the row was registered.
    pub fn data_rilascio(&self) -> NaiveDate {
        self.registrazione.registrata_il_data()
    }
}

/// What a filing does (INPS `Operazione/@Tipo` N, R, S).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operazione {
    Nuova,
    /// Corrects a DSU: the old one stays, marked `rettificata`.
    Rettifica {
        di: Protocollo,
    },
    /// Replaces a DSU: the old one stays, marked `sostituita`.
    Sostituzione {
        di: Protocollo,
    },
}

/// A DSU sent to the register.
#[derive(Clone, Debug)]
pub struct PresentazioneDsu {
    /// The DSU as JSON (the format of `schema/dsu.schema.json`).
    pub dsu_json: String,
    /// Chosen by the sender, unique per sender: a retry with the same key and the
    /// same request returns the first receipt.
    pub chiave_idempotenza: String,
    /// The sender (CAF, Comune, client id of the API).
    pub mittente: String,
    /// The sender's own protocol; when absent, the DSU's `protocollo_mittente`.
    pub protocollo_mittente: Option<String>,
    pub operazione: Operazione,
}

/// A stored attestation recomputed with today's engine.
#[derive(Clone, Debug, PartialEq)]
pub struct Ricalcolo {
    pub uguale: bool,
    pub memorizzata: serde_json::Value,
    pub ricalcolata: serde_json::Value,
}

/// The register: an engine and a store.
pub struct RegistroDsu<S: StoreDsu> {
    motore: Motore,
    store: S,
    prefisso: String,
}

/// Today's date where the register runs: the day against which mandates' expiry is
/// checked.
fn oggi() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Now, in unix microseconds (the register's timestamps).
fn adesso_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn hash_richiesta(parti: &[&str]) -> String {
    // Length-prefixed, so that no two different requests hash the same text.
    let lunghezze: Vec<[u8; 8]> = parti
        .iter()
        .map(|p| (p.len() as u64).to_be_bytes())
        .collect();
    let mut pezzi: Vec<&[u8]> = Vec::with_capacity(parti.len() * 2);
    for (p, l) in parti.iter().zip(&lunghezze) {
        pezzi.push(l);
        pezzi.push(p.as_bytes());
    }
    isee_hash::sha256_hex_di(&pezzi)
}

fn json<T: Serialize>(v: &T) -> Risultato<String> {
    serde_json::to_string(v).map_err(|e| ErroreRegistro::DatoCorrotto(e.to_string()))
}

fn valori_indicatori(att: &Attestazione) -> Vec<ValoreIndicatore> {
    att.indicatori
        .iter()
        .map(|i| match &i.esito {
            EsitoIndicatore::Calcolato(e) => ValoreIndicatore {
                tipo: e.tipo,
                prestazione: e.prestazione,
                beneficiario: e.beneficiario,
                valori: Some(Valori {
                    isee: e.isee,
                    ise: e.righe.ise,
                    isr: e.righe.isr,
                    isp: e.righe.isp,
                    scala: e.righe.scala_equivalenza,
                    validita: e.validita,
                }),
                motivo_non_calcolabile: None,
            },
            EsitoIndicatore::NonCalcolabile(m) => ValoreIndicatore {
                tipo: i.richiesta.tipo,
                prestazione: i.richiesta.prestazione,
                beneficiario: i.richiesta.beneficiario,
                valori: None,
                motivo_non_calcolabile: Some(m.clone()),
            },
        })
        .collect()
}

/// What the engine says about a validated DSU, ready to store.
struct Calcolato {
    canonica: String,
    attestazione_json: String,
    indicatori: Vec<ValoreIndicatore>,
    validita: isee_core::calcolo::Validita,
    versione_motore: String,
    versione_parametri: String,
    regole_dal: NaiveDate,
    data: NaiveDate,
    dichiarante: CodiceFiscale,
    componenti: Vec<CodiceFiscale>,
}

/// What a filing adds to a computed DSU: who filed it, how, and its number's year.
struct Testata {
    prefisso: String,
    anno: i32,
    tipo: TipoRegistrazione,
    operazione: OperazioneRegistrata,
    riferimento: Option<Protocollo>,
    mittente: String,
    chiave_idempotenza: String,
    hash_richiesta: String,
    protocollo_mittente: Option<String>,
    data_presentazione: NaiveDate,
}

impl Calcolato {
    /// The row to store: the filing's header and what the engine computed. Both
    /// filing paths (DSU and corrente module) go through here, so they store the same
    /// computed fields.
    fn in_registrazione(self, t: Testata) -> NuovaRegistrazione {
        NuovaRegistrazione {
            prefisso: t.prefisso,
            anno: t.anno,
            tipo: t.tipo,
            operazione: t.operazione,
            riferimento: t.riferimento,
            mittente: t.mittente,
            chiave_idempotenza: t.chiave_idempotenza,
            hash_richiesta: t.hash_richiesta,
            protocollo_mittente: t.protocollo_mittente,
            data_presentazione: t.data_presentazione,
            validita: self.validita,
            cf_dichiarante: self.dichiarante,
            componenti: self.componenti,
            dsu_json: self.canonica,
            attestazione_json: self.attestazione_json,
            versione_motore: self.versione_motore,
            versione_parametri: self.versione_parametri,
            regole_dal: self.regole_dal,
            registrata_il: adesso_us(),
            indicatori: self.indicatori,
        }
    }
}

impl<S: StoreDsu> RegistroDsu<S> {
    /// The official parameters and INPS's prefix.
    pub fn new(store: S) -> RegistroDsu<S> {
        RegistroDsu::con_motore(Motore::predefinito(), store, PREFISSO_INPS)
    }

    pub fn con_motore(motore: Motore, store: S, prefisso: &str) -> RegistroDsu<S> {
        RegistroDsu {
            motore,
            store,
            prefisso: prefisso.to_string(),
        }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn motore(&self) -> &Motore {
        &self.motore
    }

    fn calcola(&self, dsu: &DsuValidata, tipo: TipoRegistrazione) -> Risultato<Calcolato> {
        let att = attestazione(&self.motore, dsu).map_err(ErroreRegistro::Calcolo)?;
        let d = dsu.dsu();
        let data = d.data_presentazione.o_minima();
        // The row's validity: the ordinario's for a DSU (31 December of the filing
        // year), the corrente's own for a corrente module.
        let principale = att.indicatori.iter().find_map(|i| match &i.esito {
            EsitoIndicatore::Calcolato(e)
                if e.prestazione.is_none()
                    && e.tipo
                        == match tipo {
                            TipoRegistrazione::Dsu => TipoIsee::Ordinario,
                            TipoRegistrazione::Corrente => TipoIsee::Corrente,
                        } =>
            {
                Some(e.as_ref())
            }
            _ => None,
        });
        let Some(principale) = principale else {
            let motivo = att
                .indicatori
                .iter()
                .find_map(|i| match &i.esito {
                    EsitoIndicatore::NonCalcolabile(m)
                        if i.richiesta.tipo == TipoIsee::Corrente
                            || tipo == TipoRegistrazione::Dsu =>
                    {
                        Some(m.clone())
                    }
                    _ => None,
                })
                .unwrap_or_else(|| "indicatore principale assente".into());
            return Err(match tipo {
                TipoRegistrazione::Corrente => ErroreRegistro::CorrenteNonCalcolabile(motivo),
                TipoRegistrazione::Dsu => {
                    ErroreRegistro::Calcolo(isee_core::ErroreCalcolo::NonCalcolabile {
                        tipo: TipoIsee::Ordinario.etichetta(),
                        motivo,
                    })
                }
            });
        };
        let dichiarante = d
            .dichiarante()
            .map(|c| c.codice_fiscale)
            .ok_or_else(|| ErroreRegistro::DatoCorrotto("DSU senza dichiarante".into()))?;
        Ok(Calcolato {
            canonica: json(d)?,
            attestazione_json: json(&att)?,
            indicatori: valori_indicatori(&att),
            validita: principale.validita,
            versione_motore: principale.versione_motore.to_string(),
            versione_parametri: principale.versione_parametri.to_string(),
            regole_dal: principale.regole_dal,
            data,
            dichiarante,
            componenti: d.componenti.iter().map(|c| c.codice_fiscale).collect(),
        })
    }

    /// Resolves a retry: the first receipt if the request is the same, an error if the
    /// key was used for another one, `None` if the key is new.
    async fn riprova(
        &self,
        mittente: &str,
        chiave: &str,
        hash: &str,
    ) -> Risultato<Option<Ricevuta>> {
        match self.store.per_chiave(mittente, chiave).await? {
            Some((r, h)) if h == hash => Ok(Some(r)),
            Some(_) => Err(ErroreRegistro::ChiaveRiusata(chiave.to_string())),
            None => Ok(None),
        }
    }

    async fn registra(&self, n: NuovaRegistrazione) -> Risultato<Ricevuta> {
        let (mittente, chiave, hash) = (
            n.mittente.clone(),
            n.chiave_idempotenza.clone(),
            n.hash_richiesta.clone(),
        );
        let dichiarante = n.cf_dichiarante.mascherato();
        match self.store.registra(n).await {
            Ok(r) => {
                tracing::info!(
                    target: "registro",
                    protocollo = %r.protocollo,
                    operazione = r.operazione.nome(),
                    dichiarante = %dichiarante,
                    "registrata"
                );
                Ok(r)
            }
            // Two retries raced: the other one stored the request first.
            Err(ErroreRegistro::ChiaveRiusata(_)) => self
                .riprova(&mittente, &chiave, &hash)
                .await?
                .ok_or(ErroreRegistro::ChiaveRiusata(chiave)),
            Err(e) => Err(e),
        }
    }

    fn controlla_mittente(mittente: &str, chiave: &str) -> Risultato<()> {
        if mittente.trim().is_empty() {
            return Err(ErroreRegistro::MittenteMancante);
        }
        if chiave.trim().is_empty() {
            return Err(ErroreRegistro::ChiaveMancante);
        }
        Ok(())
    }

    /// The row of `protocollo`, or `ProtocolloSconosciuto` (the checked reads start here).
    async fn riga(&self, protocollo: &Protocollo) -> Risultato<Registrazione> {
        self.store
            .per_protocollo(protocollo)
            .await?
            .ok_or_else(|| ErroreRegistro::ProtocolloSconosciuto(protocollo.to_string()))
    }

    /// The unchecked reads: the e-services (which run their own checks) and the
    /// command line. A client's reads go through [`RegistroDsu::consulta`] and the
    /// `_per` searches.
    pub async fn per_protocollo(
        &self,
        protocollo: &Protocollo,
    ) -> Risultato<Option<Registrazione>> {
        self.store.per_protocollo(protocollo).await
    }

    pub async fn per_protocollo_mittente(
        &self,
        mittente: &str,
        protocollo_mittente: &str,
    ) -> Risultato<Vec<Registrazione>> {
        self.store
            .per_protocollo_mittente(mittente, protocollo_mittente)
            .await
    }

    /// The active DSU listing `cf` that is valid on `data` (the latest filed).
    pub async fn dsu_valida(
        &self,
        cf: &CodiceFiscale,
        data: NaiveDate,
    ) -> Risultato<Option<Registrazione>> {
        self.store
            .valida_alla_data(cf, data, TipoRegistrazione::Dsu, &Visibilita::Tutte)
            .await
    }

    /// The active ISEE corrente listing `cf` that is valid on `data`.
    pub async fn corrente_valida(
        &self,
        cf: &CodiceFiscale,
        data: NaiveDate,
    ) -> Risultato<Option<Registrazione>> {
        self.store
            .valida_alla_data(cf, data, TipoRegistrazione::Corrente, &Visibilita::Tutte)
            .await
    }

    /// Every DSU and corrente module listing `cf`, in filing order, in any state.
    pub async fn storico(&self, cf: &CodiceFiscale) -> Risultato<Vec<Registrazione>> {
        self.store.storico(cf, &Visibilita::Tutte).await
    }

    /// Recomputes a stored attestation from its canonical DSU with this register's
    /// engine and compares the two.
    pub async fn ricalcola(&self, protocollo: &Protocollo) -> Risultato<Ricalcolo> {
        let documenti = self
            .store
            .documenti(protocollo)
            .await?
            .ok_or_else(|| ErroreRegistro::ProtocolloSconosciuto(protocollo.to_string()))?;
        let corrotto = |e: String| ErroreRegistro::DatoCorrotto(e);
        let dsu = Dsu::da_json(&documenti.dsu_json).map_err(|e| corrotto(e.to_string()))?;
        let dsu = valida(dsu).map_err(ErroreRegistro::DsuNonValida)?;
        let att = attestazione(&self.motore, &dsu).map_err(ErroreRegistro::Calcolo)?;
        let ricalcolata = serde_json::to_value(&att).map_err(|e| corrotto(e.to_string()))?;
        let memorizzata: serde_json::Value = serde_json::from_str(&documenti.attestazione_json)
            .map_err(|e| corrotto(e.to_string()))?;
        Ok(Ricalcolo {
            uguale: memorizzata == ricalcolata,
            memorizzata,
            ricalcolata,
        })
    }
}

impl<S: StoreDsu + StoreOmissioni> RegistroDsu<S> {
    /// The stored documents of a row the caller may read.
    async fn documenti_di(&self, p: &Protocollo) -> Risultato<crate::registrazione::Documenti> {
        self.store
            .documenti(p)
            .await?
            .ok_or_else(|| ErroreRegistro::ProtocolloSconosciuto(p.to_string()))
    }

    /// The DSU of a row the caller may read, as it was filed (for the receipt, which
    /// prints what was filed whatever today's engine computes).
    pub async fn dsu_registrata(&self, registrazione: &Registrazione) -> Risultato<Dsu> {
        let p = &registrazione.protocollo;
        let doc = self.documenti_di(p).await?;
        Dsu::da_json(&doc.dsu_json)
            .map_err(|e| ErroreRegistro::DatoCorrotto(format!("DSU di {p}: {e}")))
    }

    /// Every row listing `cf` among its members, in filing order, with how the
    /// citizen `cf` sees it ([`Vista`]): the portal's "Le mie DSU".
    pub async fn del_cittadino(
        &self,
        cf: &CodiceFiscale,
    ) -> Risultato<Vec<(Registrazione, Vista)>> {
        let righe = self.store.storico(cf, &Visibilita::Tutte).await?;
        Ok(righe
            .into_iter()
            .map(|r| {
                let v = Vista::di(cf, &r.cf_dichiarante);
                (r, v)
            })
            .collect())
    }

    /// The row `protocollo` as the citizen `cf` sees it. A row that does not list
    /// `cf` among its members answers `ProtocolloSconosciuto`, exactly as an unknown
    /// one: changing the protocol in an address reveals nothing.
    pub async fn per_cittadino(
        &self,
        cf: &CodiceFiscale,
        protocollo: &Protocollo,
    ) -> Risultato<(Registrazione, Vista)> {
        let r = self.riga(protocollo).await?;
        if !self.store.componenti(protocollo).await?.contains(cf) {
            return Err(ErroreRegistro::ProtocolloSconosciuto(
                protocollo.to_string(),
            ));
        }
        let v = Vista::di(cf, &r.cf_dichiarante);
        Ok((r, v))
    }

    /// What it takes to show a row the caller may read (from [`RegistroDsu::consulta`]
    /// or [`RegistroDsu::per_cittadino`]): its DSU, validated again, and its notes.
    /// The attestation shown is recomputed (for its trace), so it must be the stored
    /// one: when today's engine gives another, `MotoreCambiato` (the stored JSON stays
    /// the attestation of record).
    pub async fn fascicolo(&self, registrazione: Registrazione) -> Risultato<Fascicolo> {
        let p = &registrazione.protocollo;
        let doc = self.documenti_di(p).await?;
        let dsu = Dsu::da_json(&doc.dsu_json)
            .map_err(|e| ErroreRegistro::DatoCorrotto(format!("DSU di {p}: {e}")))?;
        let dsu = valida(dsu).map_err(ErroreRegistro::DsuNonValida)?;
        let ricalcolata = attestazione(&self.motore, &dsu).map_err(ErroreRegistro::Calcolo)?;
        let memorizzata: serde_json::Value = serde_json::from_str(&doc.attestazione_json)
            .map_err(|e| ErroreRegistro::DatoCorrotto(format!("attestazione di {p}: {e}")))?;
        if serde_json::to_value(&ricalcolata).ok().as_ref() != Some(&memorizzata) {
            return Err(ErroreRegistro::MotoreCambiato {
                protocollo: p.to_string(),
                versione: registrazione.versione_motore.clone(),
            });
        }
        let annotazioni = self.store.annotazioni(p).await?;
        Ok(Fascicolo {
            registrazione,
            dsu,
            annotazioni,
        })
    }
}

impl<S: StoreDsu + StoreAccesso> RegistroDsu<S> {
    /// `chiamante`'s permission on `r` today.
    async fn permesso_su(&self, chiamante: &Chiamante, r: &Registrazione) -> Risultato<Permesso> {
        if r.mittente == chiamante.id {
            return Ok(Permesso::Modifica);
        }
        let mandato = self.store.mandato(&chiamante.id, &r.cf_dichiarante).await?;
        Ok(permesso(chiamante, &r.mittente, mandato.as_ref(), oggi()))
    }

    /// The row `chiamante` wants to change: unknown and unreadable are the same error;
    /// readable but not changeable is `ModificaNonConsentita`.
    async fn da_modificare(
        &self,
        chiamante: &Chiamante,
        protocollo: &Protocollo,
    ) -> Risultato<Registrazione> {
        let r = self.riga(protocollo).await?;
        match self.permesso_su(chiamante, &r).await? {
            Permesso::Modifica => Ok(r),
            Permesso::Lettura => Err(ErroreRegistro::ModificaNonConsentita(
                protocollo.to_string(),
            )),
            Permesso::Nessuno => Err(ErroreRegistro::ProtocolloSconosciuto(
                protocollo.to_string(),
            )),
        }
    }

    /// A rectification or substitution keeps the declarant and the members (a change
    /// of nucleus is a new DSU).
    async fn stessa_famiglia(&self, vecchia: &Registrazione, nuova: &Calcolato) -> Risultato<()> {
        let p = vecchia.protocollo.to_string();
        if vecchia.cf_dichiarante != nuova.dichiarante {
            return Err(ErroreRegistro::DichiaranteDiverso(p));
        }
        let mut componenti = nuova.componenti.clone();
        componenti.sort();
        componenti.dedup();
        if self.store.componenti(&vecchia.protocollo).await? != componenti {
            return Err(ErroreRegistro::NucleoDiverso(p));
        }
        Ok(())
    }

    /// Records a back-office read (before the answer leaves) and logs it.
    async fn registra_lettura(
        &self,
        chiamante: &Chiamante,
        operazione: &str,
        oggetto: String,
        protocolli: Vec<Protocollo>,
    ) -> Risultato<()> {
        if chiamante.ruolo != Ruolo::BackOffice {
            return Ok(());
        }
        let elenco = protocolli
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        self.store
            .registra_lettura(&LetturaBackOffice {
                cliente: chiamante.id.clone(),
                operazione: operazione.to_string(),
                oggetto: oggetto.clone(),
                protocolli,
                letta_il: adesso_us(),
            })
            .await?;
        tracing::info!(
            target: "registro::back_office",
            cliente = %chiamante.id,
            operazione,
            oggetto = %oggetto,
            protocolli = %elenco,
            "lettura del back office"
        );
        Ok(())
    }

    /// A row as `chiamante` may see it: `ProtocolloSconosciuto` for an unknown
    /// protocol and for one it may not read alike. `operazione` names the read in the
    /// back-office log (`dettaglio`, `attestazione`).
    pub async fn consulta(
        &self,
        chiamante: &Chiamante,
        protocollo: &Protocollo,
        operazione: &str,
    ) -> Risultato<Registrazione> {
        let r = self.riga(protocollo).await?;
        if self.permesso_su(chiamante, &r).await? == Permesso::Nessuno {
            return Err(ErroreRegistro::ProtocolloSconosciuto(
                protocollo.to_string(),
            ));
        }
        self.registra_lettura(
            chiamante,
            operazione,
            protocollo.to_string(),
            vec![protocollo.clone()],
        )
        .await?;
        Ok(r)
    }

    /// [`RegistroDsu::dsu_valida`] among the rows `chiamante` may read.
    pub async fn dsu_valida_per(
        &self,
        chiamante: &Chiamante,
        cf: &CodiceFiscale,
        data: NaiveDate,
    ) -> Risultato<Option<Registrazione>> {
        let r = self
            .store
            .valida_alla_data(
                cf,
                data,
                TipoRegistrazione::Dsu,
                &Visibilita::di(chiamante, oggi()),
            )
            .await?;
        let protocolli = r.iter().map(|r| r.protocollo.clone()).collect();
        self.registra_lettura(
            chiamante,
            "dsu_valida",
            cf.mascherato().to_string(),
            protocolli,
        )
        .await?;
        Ok(r)
    }

    /// [`RegistroDsu::storico`] among the rows `chiamante` may read.
    pub async fn storico_per(
        &self,
        chiamante: &Chiamante,
        cf: &CodiceFiscale,
    ) -> Risultato<Vec<Registrazione>> {
        let v = self
            .store
            .storico(cf, &Visibilita::di(chiamante, oggi()))
            .await?;
        let protocolli = v.iter().map(|r| r.protocollo.clone()).collect();
        self.registra_lettura(
            chiamante,
            "storico",
            cf.mascherato().to_string(),
            protocolli,
        )
        .await?;
        Ok(v)
    }

    /// Records (or replaces) a declarant's mandate to `mittente`. Who may record one
    /// is the caller's business: the REST service lets only back-office clients, the
    /// command line is the register's operator.
    pub async fn registra_mandato(
        &self,
        mittente: &str,
        cf_dichiarante: CodiceFiscale,
        ambito: Ambito,
        scadenza: NaiveDate,
        registrato_da: &str,
    ) -> Risultato<Mandato> {
        let mut problemi = Vec::new();
        if mittente.trim().is_empty() {
            problemi.push("manca il mittente che riceve il mandato".to_string());
        }
        if let Err(d) = isee_core::codice_fiscale::verifica(&cf_dichiarante) {
            problemi.push(format!("codice fiscale del dichiarante: {}", d.messaggio()));
        }
        if scadenza < oggi() {
            problemi.push(format!("la scadenza {scadenza} è già passata"));
        }
        if !problemi.is_empty() {
            return Err(ErroreRegistro::MandatoNonValido(problemi.join("; ")));
        }
        let m = Mandato {
            mittente: mittente.trim().to_string(),
            cf_dichiarante,
            ambito,
            scadenza,
            registrato_da: registrato_da.to_string(),
            registrato_il: adesso_us(),
            revocato_il: None,
        };
        self.store.registra_mandato(&m).await?;
        tracing::info!(
            target: "registro",
            mittente = %m.mittente,
            dichiarante = %m.cf_dichiarante.mascherato(),
            ambito = m.ambito.nome(),
            scadenza = %m.scadenza,
            registrato_da,
            "mandato registrato"
        );
        Ok(m)
    }

    /// Revokes the mandate of `mittente` from `cf` (from now on it gives nothing).
    pub async fn revoca_mandato(&self, mittente: &str, cf: &CodiceFiscale) -> Risultato<Mandato> {
        let sconosciuto = || ErroreRegistro::MandatoSconosciuto {
            mittente: mittente.to_string(),
            dichiarante: cf.mascherato().to_string(),
        };
        if !self.store.revoca_mandato(mittente, cf, adesso_us()).await? {
            return Err(sconosciuto());
        }
        tracing::info!(target: "registro", mittente, dichiarante = %cf.mascherato(), "mandato revocato");
        self.store
            .mandato(mittente, cf)
            .await?
            .ok_or_else(sconosciuto)
    }

    /// Every mandate given by `cf`.
    pub async fn mandati(&self, cf: &CodiceFiscale) -> Risultato<Vec<Mandato>> {
        self.store.mandati(cf).await
    }

    /// Files a DSU for its sender (`p.mittente`, with the sender's role). A
    /// rectification or substitution is a change of the DSU it names: its sender, or a
    /// sender with the declarant's mandate to file, may; the new DSU keeps its
    /// declarant and members.
    pub async fn presenta(&self, p: PresentazioneDsu) -> Risultato<Ricevuta> {
        let chiamante = Chiamante::mittente(&p.mittente);
        self.presenta_come(&chiamante, p).await
    }

    /// [`RegistroDsu::presenta`] with the caller's role (the REST service: a back
    /// office that may read the DSU it names is told `ModificaNonConsentita`, not
    /// `ProtocolloSconosciuto`). `p.mittente` is the filer, normally `chiamante.id`.
    pub async fn presenta_come(
        &self,
        chiamante: &Chiamante,
        p: PresentazioneDsu,
    ) -> Risultato<Ricevuta> {
        RegistroDsu::<S>::controlla_mittente(&p.mittente, &p.chiave_idempotenza)?;
        let dsu = Dsu::da_json(&p.dsu_json).map_err(ErroreRegistro::DsuIlleggibile)?;
        let protocollo_mittente = p
            .protocollo_mittente
            .clone()
            .or_else(|| dsu.protocollo_mittente.clone())
            .filter(|s| !s.is_empty());
        if protocollo_mittente
            .as_ref()
            .is_some_and(|s| s.chars().count() > 29)
        {
            return Err(ErroreRegistro::ProtocolloMittenteTroppoLungo);
        }
        let dsu = valida(dsu).map_err(ErroreRegistro::DsuNonValida)?;
        let c = self.calcola(&dsu, TipoRegistrazione::Dsu)?;
        let (operazione, riferimento) = match &p.operazione {
            Operazione::Nuova => (OperazioneRegistrata::Nuova, None),
            Operazione::Rettifica { di } => (OperazioneRegistrata::Rettifica, Some(di.clone())),
            Operazione::Sostituzione { di } => {
                (OperazioneRegistrata::Sostituzione, Some(di.clone()))
            }
        };
        let rif = riferimento
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default();
        let hash = hash_richiesta(&[
            operazione.nome(),
            &rif,
            protocollo_mittente.as_deref().unwrap_or(""),
            &c.canonica,
        ]);
        if let Some(r) = self
            .riprova(&p.mittente, &p.chiave_idempotenza, &hash)
            .await?
        {
            return Ok(r);
        }
        if let Some(di) = &riferimento {
            let vecchia = self.da_modificare(chiamante, di).await?;
            self.stessa_famiglia(&vecchia, &c).await?;
        }
        let anno = c.data.year();
        let data = c.data;
        self.registra(c.in_registrazione(Testata {
            prefisso: self.prefisso.clone(),
            anno,
            tipo: TipoRegistrazione::Dsu,
            operazione,
            riferimento,
            mittente: p.mittente,
            chiave_idempotenza: p.chiave_idempotenza,
            hash_richiesta: hash,
            protocollo_mittente,
            data_presentazione: data,
        }))
        .await
    }

    /// Files an ISEE corrente module (the `corrente` object of the DSU format) on top
    /// of an active DSU. The protocol is the DSU's with the next suffix.
    pub async fn modulo_corrente(
        &self,
        protocollo: &Protocollo,
        modulo_json: &str,
        chiamante: &Chiamante,
        chiave_idempotenza: &str,
    ) -> Risultato<Ricevuta> {
        let mittente = chiamante.id.as_str();
        RegistroDsu::<S>::controlla_mittente(mittente, chiave_idempotenza)?;
        let modulo: ModuloCorrente = serde_json::from_str(modulo_json)
            .map_err(|e| ErroreRegistro::ModuloCorrenteIlleggibile(e.to_string()))?;
        let base = self.da_modificare(chiamante, protocollo).await?;
        if base.tipo != TipoRegistrazione::Dsu {
            return Err(ErroreRegistro::NonUnaDsu(protocollo.to_string()));
        }
        let documenti = self
            .store
            .documenti(protocollo)
            .await?
            .ok_or_else(|| ErroreRegistro::ProtocolloSconosciuto(protocollo.to_string()))?;
        let mut dsu = Dsu::da_json(&documenti.dsu_json)
            .map_err(|e| ErroreRegistro::DatoCorrotto(format!("DSU memorizzata: {e}")))?;
        dsu.corrente = Some(modulo);
        let dsu = valida(dsu).map_err(ErroreRegistro::DsuNonValida)?;
        let c = self.calcola(&dsu, TipoRegistrazione::Corrente)?;
        let hash = hash_richiesta(&[
            OperazioneRegistrata::Corrente.nome(),
            &protocollo.to_string(),
            "",
            &c.canonica,
        ]);
        if let Some(r) = self.riprova(mittente, chiave_idempotenza, &hash).await? {
            return Ok(r);
        }
        // The module's own filing date is the row's date; its validity is the
        // corrente's.
        let data_modulo = dsu
            .dsu()
            .corrente
            .as_ref()
            .and_then(|m| m.data_presentazione.get())
            .unwrap_or(c.data);
        self.registra(c.in_registrazione(Testata {
            prefisso: self.prefisso.clone(),
            anno: protocollo.anno(),
            tipo: TipoRegistrazione::Corrente,
            operazione: OperazioneRegistrata::Corrente,
            riferimento: Some(protocollo.clone()),
            mittente: mittente.to_string(),
            chiave_idempotenza: chiave_idempotenza.to_string(),
            hash_richiesta: hash,
            protocollo_mittente: None,
            data_presentazione: data_modulo,
        }))
        .await
    }

    /// Annuls an active DSU (with its corrente modules) or corrente module, for
    /// `chiamante`: its sender, or a sender with the declarant's mandate to file.
    pub async fn annulla(
        &self,
        protocollo: &Protocollo,
        chiamante: &Chiamante,
    ) -> Risultato<Registrazione> {
        self.da_modificare(chiamante, protocollo).await?;
        let r = self.store.annulla(protocollo, adesso_us()).await?;
        tracing::info!(target: "registro", protocollo = %protocollo, mittente = %chiamante.id, "annullata");
        Ok(r)
    }
}
