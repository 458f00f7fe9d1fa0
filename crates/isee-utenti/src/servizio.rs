//! [`Utenti`]: the operations the portal calls, over any [`StoreUtenti`].

use crate::blocco::PoliticaBlocco;
use crate::csrf::Segreto;
use crate::errore::{ErroreAccesso, ErroreReset, ErroreUtenti, Risultato};
use crate::evento::{EventoUtente, MotivoRifiuto, TipoEvento, sessione_breve};
use crate::password::{
    ParametriArgon2, PoliticaPassword, calcola_hash, richiede_aggiornamento, verifica_password,
};
use crate::sessione::{ConfigCookie, PoliticaSessione, Sessione, Token, delta};
use crate::store::{Pulizia, SoglieScadenza, StoreUtenti};
use crate::utente::{IdUtente, NomeUtente, NuovoUtente, Ruolo, Utente};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Every policy of the service, each with its default (docs/SCELTE.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regole {
    pub password: PoliticaPassword,
    pub argon2: ParametriArgon2,
    pub blocco: PoliticaBlocco,
    pub sessione: PoliticaSessione,
    pub cookie: ConfigCookie,
    /// How long a password-reset token is valid: 30 minutes.
    pub durata_reset: Duration,
    /// The least time a login answer should take, whatever the outcome: 300 ms. The
    /// caller waits out the rest ([`TentativoAccesso::ritardo_minimo`]).
    pub ritardo_minimo: Duration,
    /// How long a pending OpenID Connect login waits for the browser's return: 10
    /// minutes ([`crate::oidc`]).
    pub durata_attesa_oidc: Duration,
}

impl Default for Regole {
    fn default() -> Regole {
        Regole {
            password: PoliticaPassword::default(),
            argon2: ParametriArgon2::OWASP,
            blocco: PoliticaBlocco::default(),
            sessione: PoliticaSessione::default(),
            cookie: ConfigCookie::default(),
            durata_reset: Duration::from_secs(30 * 60),
            ritardo_minimo: Duration::from_millis(300),
            durata_attesa_oidc: Duration::from_secs(10 * 60),
        }
    }
}

/// A session just opened (or rotated): `id` goes in the cookie, once.
#[derive(Clone, Debug)]
pub struct Accesso {
    pub id: Token,
    pub sessione: Sessione,
    pub utente: Utente,
}

/// The outcome of a login, with its events and the minimum answer time.
#[derive(Debug)]
pub struct TentativoAccesso {
    pub esito: Result<Accesso, ErroreAccesso>,
    pub eventi: Vec<EventoUtente>,
    /// The caller answers no sooner than this after the request arrived, whatever
    /// the outcome ([`Regole::ritardo_minimo`]).
    pub ritardo_minimo: Duration,
}

/// A valid session and its account, as a request finds them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessioneAttiva {
    pub sessione: Sessione,
    pub utente: Utente,
}

/// A reset request: the token to send, when the name has an active account.
#[derive(Debug)]
pub struct RichiestaReset {
    /// `None` for an unknown or disabled account: the portal answers the same ("if
    /// the address is registered, a message was sent") and sends nothing.
    pub invio: Option<(Token, Utente)>,
    pub evento: EventoUtente,
}

/// The outcome of a password reset, with its events.
#[derive(Debug)]
pub struct EsitoReset {
    pub esito: Result<Utente, ErroreReset>,
    pub eventi: Vec<EventoUtente>,
}

/// Accounts, logins, sessions and password resets over a store.
#[derive(Clone, Debug)]
pub struct Utenti<S> {
    store: S,
    segreto: Segreto,
    regole: Regole,
    /// An Argon2id hash of a random password with the configured parameters: what an
    /// unknown name's password is checked against, so that it takes as long as a real
    /// one's.
    fittizio: String,
}

/// `t` to the microsecond, what the store keeps: values compare equal after a round
/// trip.
pub(crate) fn al_microsecondo(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

pub(crate) fn evento(quando: DateTime<Utc>, tipo: TipoEvento) -> EventoUtente {
    EventoUtente {
        quando,
        tipo,
        utente: None,
        nome_impronta: None,
        soggetto_impronta: None,
        sessione: None,
    }
}

/// How many Argon2id computations run at once in the process: one per core. Without a
/// bound, N concurrent logins take N blocking threads and N × 19 MiB (200 logins of
/// the portal's load test: 2.5 GB resident), and their threads outnumber the runtime's
/// on the cores, so every other request waits behind them (docs/PERFORMANCE.md,
/// Portale). Waiting logins queue here instead, and take their memory in turn. The
/// permit goes with the computation: a login dropped mid-way (the client left) holds
/// it until its hash is done.
static ARGON2: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| {
        std::sync::Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        ))
    });

async fn in_blocco<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Risultato<T> {
    let permesso = ARGON2
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ErroreUtenti::Interrotto(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let esito = f();
        drop(permesso);
        esito
    })
    .await
    .map_err(|e| ErroreUtenti::Interrotto(e.to_string()))
}

impl<S: StoreUtenti> Utenti<S> {
    /// The service over `store`. Computes the dummy hash once (tens of milliseconds
    /// with OWASP's parameters).
    pub fn new(store: S, segreto: Segreto, regole: Regole) -> Risultato<Utenti<S>> {
        let casuale = Token::genera()?.testo();
        let fittizio = calcola_hash(&casuale, regole.argon2)?;
        Ok(Utenti {
            store,
            segreto,
            regole,
            fittizio,
        })
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn regole(&self) -> &Regole {
        &self.regole
    }

    pub fn segreto(&self) -> &Segreto {
        &self.segreto
    }

    /// The session's CSRF token ([`Segreto::token_csrf`]).
    pub fn token_csrf(&self, sessione: &Sessione) -> String {
        self.segreto.token_csrf(sessione)
    }

    /// Whether `token` is the session's CSRF token, in constant time.
    pub fn verifica_csrf(&self, sessione: &Sessione, token: &str) -> bool {
        self.segreto.verifica_csrf(sessione, token)
    }

    /// The lock-out key of what the user typed as username.
    fn chiave(&self, nome_digitato: &str) -> String {
        self.segreto
            .impronta_nome(&nome_digitato.trim().to_lowercase())
    }

    pub(crate) async fn hash(&self, password: &str) -> Risultato<String> {
        let p = password.to_string();
        let parametri = self.regole.argon2;
        Ok(in_blocco(move || calcola_hash(&p, parametri)).await??)
    }

    /// Creates an account. Errors: `UtenteNonValido` (every problem of the fields),
    /// `PasswordNonValida` (every rule the password breaks), `NomeGiaInUso`.
    pub async fn registra(
        &self,
        nuovo: &NuovoUtente,
        password: &str,
        adesso: DateTime<Utc>,
    ) -> Risultato<Utente> {
        let valido = nuovo.valida().map_err(ErroreUtenti::UtenteNonValido)?;
        self.regole
            .password
            .verifica(password, valido.nome_utente.as_str())
            .map_err(ErroreUtenti::PasswordNonValida)?;
        let hash = self.hash(password).await?;
        self.store
            .crea_utente(&valido, &hash, al_microsecondo(adesso))
            .await
    }

    /// Signs in: one Argon2id verification whatever the outcome (against a dummy hash
    /// for an unknown name), the lock-out counted per typed name, and on success a new
    /// session. `precedente`, the session the browser already had, is ended (a login
    /// never keeps an id the browser had before: session fixation). The answer to a
    /// refusal is the same for every reason.
    pub async fn accedi(
        &self,
        nome: &str,
        password: &str,
        precedente: Option<&Token>,
        adesso: DateTime<Utc>,
    ) -> TentativoAccesso {
        let adesso = al_microsecondo(adesso);
        let mut eventi = Vec::new();
        let esito = self
            .accedi_dentro(nome, password, precedente, adesso, &mut eventi)
            .await;
        TentativoAccesso {
            esito,
            eventi,
            ritardo_minimo: self.regole.ritardo_minimo,
        }
    }

    async fn accedi_dentro(
        &self,
        nome: &str,
        password: &str,
        precedente: Option<&Token>,
        adesso: DateTime<Utc>,
        eventi: &mut Vec<EventoUtente>,
    ) -> Result<Accesso, ErroreAccesso> {
        let chiave = self.chiave(nome);
        let stato = self.store.stato_blocco(&chiave).await?;
        let trovato = match NomeUtente::new(nome) {
            Ok(n) => self.store.utente_per_nome(&n).await?,
            Err(_) => None,
        };
        let hash = trovato
            .as_ref()
            .map_or_else(|| self.fittizio.clone(), |(_, h)| h.clone());
        let p = password.to_string();
        let h = hash.clone();
        let giusta = in_blocco(move || verifica_password(&p, &h)).await?;

        let base = |tipo| EventoUtente {
            utente: trovato.as_ref().map(|(u, _)| u.id),
            nome_impronta: Some(chiave.clone()),
            ..evento(adesso, tipo)
        };
        if let Some(attendi) = stato.attesa(adesso) {
            eventi.push(base(TipoEvento::AccessoRifiutato {
                motivo: MotivoRifiuto::Bloccato,
            }));
            return Err(ErroreAccesso::Rifiutato {
                attendi: Some(attendi),
            });
        }
        let motivo = match &trovato {
            None => Some(MotivoRifiuto::UtenteSconosciuto),
            Some(_) if !giusta => Some(MotivoRifiuto::PasswordErrata),
            Some((u, _)) if !u.attivo() => Some(MotivoRifiuto::Disabilitato),
            Some(_) => None,
        };
        if let Some(motivo) = motivo {
            eventi.push(base(TipoEvento::AccessoRifiutato { motivo }));
            let dopo = self
                .store
                .registra_fallimento(&chiave, &self.regole.blocco, adesso)
                .await?;
            let attendi = dopo.attesa(adesso);
            if let Some(durata) = attendi {
                eventi.push(base(TipoEvento::Blocco {
                    durata,
                    blocchi: dopo.blocchi,
                }));
            }
            return Err(ErroreAccesso::Rifiutato { attendi });
        }
        let Some((utente, _)) = trovato.clone() else {
            return Err(ErroreAccesso::Rifiutato { attendi: None });
        };
        self.store.azzera_blocco(&chiave).await?;
        if richiede_aggiornamento(&hash, self.regole.argon2) {
            let nuovo = self.hash(password).await?;
            self.store.imposta_hash(utente.id, &nuovo).await?;
            eventi.push(base(TipoEvento::PasswordAggiornata));
        }
        Ok(self
            .apri_sessione(
                utente,
                precedente,
                adesso,
                &base,
                TipoEvento::AccessoRiuscito,
                eventi,
            )
            .await?)
    }

    /// The end of every sign-in (password or OpenID Connect): the session the browser
    /// had (`precedente`) is ended, a new one opened for `utente`; the events are
    /// `base`'s (the caller's account and marks), the last one `riuscito`.
    pub(crate) async fn apri_sessione(
        &self,
        utente: Utente,
        precedente: Option<&Token>,
        adesso: DateTime<Utc>,
        base: &(dyn Fn(TipoEvento) -> EventoUtente + Sync),
        riuscito: TipoEvento,
        eventi: &mut Vec<EventoUtente>,
    ) -> Risultato<Accesso> {
        if let Some(p) = precedente {
            let impronta = p.impronta();
            if self.store.termina_sessione(&impronta).await? {
                eventi.push(EventoUtente {
                    sessione: Some(sessione_breve(&impronta)),
                    ..base(TipoEvento::SessioneTerminata)
                });
            }
        }
        let id = Token::genera().map_err(ErroreUtenti::from)?;
        let sessione = Sessione {
            impronta: id.impronta(),
            utente: utente.id,
            ruolo: utente.ruolo,
            creata_il: adesso,
            ultimo_uso: adesso,
        };
        self.store.crea_sessione(&sessione).await?;
        eventi.push(EventoUtente {
            sessione: Some(sessione_breve(&sessione.impronta)),
            ..base(riuscito)
        });
        Ok(Accesso {
            id,
            sessione,
            utente,
        })
    }

    /// The session of a request's cookie, if valid at `adesso`: known, not idle for
    /// longer than allowed, within its maximum duration, its account active and with
    /// the role the session was opened with. The last use is written at most once per
    /// [`PoliticaSessione::intervallo_aggiornamento`]. An expired session is deleted.
    pub async fn sessione(
        &self,
        id: &Token,
        adesso: DateTime<Utc>,
    ) -> Risultato<Option<SessioneAttiva>> {
        let adesso = al_microsecondo(adesso);
        let Some(mut sessione) = self.store.sessione(&id.impronta()).await? else {
            return Ok(None);
        };
        let politica = &self.regole.sessione;
        let utente = if sessione.valida(politica, adesso) {
            self.store.utente(sessione.utente).await?
        } else {
            None
        };
        let Some(utente) = utente.filter(|u| u.attivo() && u.ruolo == sessione.ruolo) else {
            self.store.termina_sessione(&sessione.impronta).await?;
            return Ok(None);
        };
        if sessione.da_aggiornare(politica, adesso) {
            self.store
                .tocca_sessione(&sessione.impronta, adesso)
                .await?;
            sessione.ultimo_uso = adesso;
        }
        Ok(Some(SessioneAttiva { sessione, utente }))
    }

    /// Gives a valid session a new id (after a privilege change, such as a
    /// re-authentication): the old id stops working at once; the login time, and so the
    /// maximum duration, stays. `None` when the session is not valid (or a concurrent
    /// rotation won).
    pub async fn ruota(
        &self,
        id: &Token,
        adesso: DateTime<Utc>,
    ) -> Risultato<Option<(Accesso, EventoUtente)>> {
        let adesso = al_microsecondo(adesso);
        let Some(attiva) = self.sessione(id, adesso).await? else {
            return Ok(None);
        };
        let nuovo = Token::genera()?;
        let sessione = Sessione {
            impronta: nuovo.impronta(),
            ultimo_uso: adesso,
            ..attiva.sessione.clone()
        };
        if !self
            .store
            .sostituisci_sessione(&attiva.sessione.impronta, &sessione)
            .await?
        {
            return Ok(None);
        }
        let ev = EventoUtente {
            utente: Some(attiva.utente.id),
            sessione: Some(sessione_breve(&sessione.impronta)),
            ..evento(
                adesso,
                TipoEvento::SessioneRuotata {
                    precedente: sessione_breve(&attiva.sessione.impronta),
                },
            )
        };
        Ok(Some((
            Accesso {
                id: nuovo,
                sessione,
                utente: attiva.utente,
            },
            ev,
        )))
    }

    /// Ends a session (logout); the event when there was one.
    pub async fn termina(
        &self,
        id: &Token,
        adesso: DateTime<Utc>,
    ) -> Risultato<Option<EventoUtente>> {
        let impronta = id.impronta();
        let sessione = self.store.sessione(&impronta).await?;
        if !self.store.termina_sessione(&impronta).await? {
            return Ok(None);
        }
        Ok(Some(EventoUtente {
            utente: sessione.map(|s| s.utente),
            sessione: Some(sessione_breve(&impronta)),
            ..evento(al_microsecondo(adesso), TipoEvento::SessioneTerminata)
        }))
    }

    /// Ends every session of an account ("sign out everywhere"); how many.
    pub async fn termina_tutte(&self, utente: IdUtente) -> Risultato<u64> {
        self.store.termina_sessioni(utente).await
    }

    /// Disables an account: it can no longer sign in; its sessions and reset token end.
    pub async fn disabilita(&self, utente: IdUtente, adesso: DateTime<Utc>) -> Risultato<bool> {
        self.store.disabilita(utente, al_microsecondo(adesso)).await
    }

    /// Changes an account's role; its sessions end (the next login gets the new role).
    pub async fn cambia_ruolo(&self, utente: IdUtente, ruolo: Ruolo) -> Risultato<u64> {
        self.store.cambia_ruolo(utente, ruolo).await
    }

    /// Asks for a password reset for the typed name. An active account gets a new
    /// token valid for [`Regole::durata_reset`], which replaces any earlier one.
    pub async fn richiedi_reset(
        &self,
        nome: &str,
        adesso: DateTime<Utc>,
    ) -> Risultato<RichiestaReset> {
        let adesso = al_microsecondo(adesso);
        let chiave = self.chiave(nome);
        let trovato = match NomeUtente::new(nome) {
            Ok(n) => self.store.utente_per_nome(&n).await?,
            Err(_) => None,
        };
        let Some((utente, _)) = trovato.filter(|(u, _)| u.attivo()) else {
            return Ok(RichiestaReset {
                invio: None,
                evento: EventoUtente {
                    nome_impronta: Some(chiave),
                    ..evento(adesso, TipoEvento::ResetRichiestoSconosciuto)
                },
            });
        };
        let token = Token::genera()?;
        let scade_il = adesso
            .checked_add_signed(delta(self.regole.durata_reset))
            .unwrap_or(adesso);
        self.store
            .salva_reset(utente.id, &token.impronta(), scade_il)
            .await?;
        Ok(RichiestaReset {
            evento: EventoUtente {
                utente: Some(utente.id),
                nome_impronta: Some(chiave),
                ..evento(adesso, TipoEvento::ResetRichiesto)
            },
            invio: Some((token, utente)),
        })
    }

    /// Sets a new password with a reset token (the text of the link): the token works
    /// once and only before it expires; the new password must meet the policy (if it
    /// does not, the token stays valid); every session of the account ends and its
    /// lock-out is forgotten.
    pub async fn reimposta_password(
        &self,
        token: &str,
        nuova: &str,
        adesso: DateTime<Utc>,
    ) -> EsitoReset {
        let adesso = al_microsecondo(adesso);
        let mut eventi = Vec::new();
        let esito = self
            .reimposta_dentro(token, nuova, adesso, &mut eventi)
            .await;
        if matches!(esito, Err(ErroreReset::TokenNonValido)) {
            eventi.push(evento(adesso, TipoEvento::ResetRifiutato));
        }
        EsitoReset { esito, eventi }
    }

    async fn reimposta_dentro(
        &self,
        token: &str,
        nuova: &str,
        adesso: DateTime<Utc>,
        eventi: &mut Vec<EventoUtente>,
    ) -> Result<Utente, ErroreReset> {
        let Some(token) = Token::da_testo(token.trim()) else {
            return Err(ErroreReset::TokenNonValido);
        };
        let impronta = token.impronta();
        let Some(id) = self.store.utente_del_reset(&impronta, adesso).await? else {
            return Err(ErroreReset::TokenNonValido);
        };
        let Some(utente) = self.store.utente(id).await? else {
            return Err(ErroreReset::TokenNonValido);
        };
        self.regole
            .password
            .verifica(nuova, utente.nome_utente.as_str())
            .map_err(ErroreReset::PasswordNonValida)?;
        let hash = self.hash(nuova).await?;
        let Some((_, sessioni_terminate)) = self.store.usa_reset(&impronta, &hash, adesso).await?
        else {
            return Err(ErroreReset::TokenNonValido);
        };
        let chiave = self.chiave(utente.nome_utente.as_str());
        self.store.azzera_blocco(&chiave).await?;
        eventi.push(EventoUtente {
            utente: Some(utente.id),
            nome_impronta: Some(chiave),
            ..evento(adesso, TipoEvento::ResetEseguito { sessioni_terminate })
        });
        Ok(utente)
    }

    /// Removes expired sessions and reset tokens, and lock-out counters with no
    /// failure for [`PoliticaBlocco::blocco_massimo`] and not locked now. Run it from
    /// time to time (every few minutes).
    pub async fn pulisci(&self, adesso: DateTime<Utc>) -> Risultato<Pulizia> {
        let adesso = al_microsecondo(adesso);
        let prima = |d: Duration| adesso.checked_sub_signed(delta(d)).unwrap_or(adesso);
        let politica = &self.regole.sessione;
        self.store
            .pulisci(&SoglieScadenza {
                ultimo_uso_prima_di: prima(politica.inattivita),
                create_prima_di: prima(politica.durata_massima),
                reset_prima_di: adesso,
                attese_oidc_prima_di: adesso,
                blocchi_prima_di: prima(self.regole.blocco.blocco_massimo),
                adesso,
            })
            .await
    }
}
