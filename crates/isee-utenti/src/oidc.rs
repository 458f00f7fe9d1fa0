//! OpenID Connect sign-in, the accounts' side: the pending login between the
//! redirect to the identity provider and the browser's return, and the link from a
//! verified identity (issuer and `sub`) to a citizen's account.
//!
//! The protocol itself (discovery, the token request, the ID token's signature and
//! claims) is the portal's (`isee-portale`, module `oidc`); this module receives what
//! it verified, as an [`IdentitaOidc`].
//!
//! * **A pending login** ([`Utenti::avvia_oidc`]) is two random 256-bit values: the
//!   `state` sent to the provider and a value kept in the browser's pending-login
//!   cookie. The store keeps only the SHA-256 of each, with the expiry (10 minutes,
//!   [`crate::Regole::durata_attesa_oidc`]); the `nonce` and the PKCE verifier are
//!   HMACs of the two under the portal's key ([`crate::Segreto::nonce_oidc`]), so a copy
//!   of the database holds nothing that completes a login. [`Utenti::riprendi_oidc`]
//!   deletes the row as it reads it (a `state` works once, even when two requests
//!   race) and checks the expiry and the browser.
//! * **Identity to account** ([`Utenti::accedi_oidc`]): an identity already linked
//!   signs in as its account; otherwise the citizen account with the same verified
//!   fiscal code is linked (the oldest, if an administrator made several), or a new
//!   citizen account is created with the fiscal code, the name from the claims and a
//!   password no one knows. OpenID Connect never creates, nor signs in as, an operator
//!   or an administrator. Then a session as for a password login: a new id, the
//!   browser's previous session ended.

use crate::errore::{ErroreUtenti, Risultato};
use crate::evento::{EventoUtente, TipoEvento};
use crate::servizio::{Accesso, Utenti, al_microsecondo, evento};
use crate::sessione::{Token, delta};
use crate::store::{StoreOidc, StoreUtenti};
use crate::utente::{NuovoUtente, Ruolo, Utente};
use chrono::{DateTime, Utc};
use isee_core::codice_fiscale::CodiceFiscale;
use subtle::ConstantTimeEq as _;

/// What the portal verified of the person at the identity provider.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentitaOidc {
    /// The issuer (`iss`), as configured and as the ID token says.
    pub emittente: String,
    /// The `sub` claim: the person at that issuer.
    pub soggetto: String,
    /// The fiscal code from the configured claim, its checksum verified.
    pub codice_fiscale: CodiceFiscale,
    pub nome: Option<String>,
    pub cognome: Option<String>,
}

impl std::fmt::Debug for IdentitaOidc {
    // Neither the `sub` nor the fiscal code in clear, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentitaOidc")
            .field("emittente", &self.emittente)
            .field("codice_fiscale", &self.codice_fiscale.mascherato())
            .finish_non_exhaustive()
    }
}

/// A pending login just stored: `stato` goes to the provider in the authorization
/// request, `browser` in the browser's pending-login cookie, `nonce` and the PKCE
/// challenge of `verificatore` in the authorization request.
#[derive(Debug)]
pub struct AvvioOidc {
    pub stato: Token,
    pub browser: Token,
    pub nonce: String,
    pub verificatore: String,
    pub scade_il: DateTime<Utc>,
}

/// A pending login found again at the callback: what the token request and the ID
/// token's check need.
#[derive(Debug)]
pub struct RipresaOidc {
    pub nonce: String,
    pub verificatore: String,
}

/// Why a callback's `state` opens nothing. The portal shows one message for the
/// three (the login must be started again), and logs which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ErroreAttesaOidc {
    /// Malformed, unknown, or already used.
    #[error("stato OIDC sconosciuto o già usato")]
    Sconosciuta,
    #[error("stato OIDC scaduto")]
    Scaduta,
    /// The `state` is real but the browser does not hold its pending-login cookie.
    #[error("stato OIDC di un altro browser")]
    AltroBrowser,
}

impl ErroreAttesaOidc {
    /// A stable code for the log.
    pub fn codice(self) -> &'static str {
        match self {
            ErroreAttesaOidc::Sconosciuta => "OIDC_STATO_SCONOSCIUTO",
            ErroreAttesaOidc::Scaduta => "OIDC_STATO_SCADUTO",
            ErroreAttesaOidc::AltroBrowser => "OIDC_STATO_ALTRO_BROWSER",
        }
    }
}

/// Why a verified identity opens no session.
#[derive(Debug, thiserror::Error)]
pub enum ErroreAccessoOidc {
    /// The linked (or same fiscal code) account is disabled.
    #[error("account disabilitato")]
    Disabilitato,
    /// The identity is linked to an account with another fiscal code.
    #[error("il codice fiscale dell'identità non è quello dell'account collegato")]
    CodiceFiscaleDiverso,
    /// The linked account is not a citizen's (never made by OIDC; refused anyway).
    #[error("l'account collegato non è di un cittadino")]
    NonCittadino,
    #[error(transparent)]
    Interno(#[from] ErroreUtenti),
}

impl ErroreAccessoOidc {
    /// A stable code for the log.
    pub fn codice(&self) -> &'static str {
        match self {
            ErroreAccessoOidc::Disabilitato => "OIDC_ACCOUNT_DISABILITATO",
            ErroreAccessoOidc::CodiceFiscaleDiverso => "OIDC_CF_DIVERSO",
            ErroreAccessoOidc::NonCittadino => "OIDC_NON_CITTADINO",
            ErroreAccessoOidc::Interno(_) => "OIDC_ERRORE_INTERNO",
        }
    }
}

/// The outcome of [`Utenti::accedi_oidc`], with its events.
#[derive(Debug)]
pub struct TentativoOidc {
    pub esito: Result<Accesso, ErroreAccessoOidc>,
    pub eventi: Vec<EventoUtente>,
}

/// What [`StoreOidc::collega_oidc`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollegamentoOidc {
    pub utente: Utente,
    /// A new account was created for the identity.
    pub creato: bool,
}

/// At most this many pending logins at once: a flood of unauthenticated starts fills
/// no disk (each row is about 200 bytes; they expire in 10 minutes and are purged at
/// every start).
pub const MAX_ATTESE: u64 = 100_000;

/// The username of an account created by OpenID Connect: `oidc-` and 24 hex digits of
/// the SHA-256 of issuer and `sub` (stable, and tells nothing of the person).
pub fn nome_utente_oidc(emittente: &str, soggetto: &str) -> String {
    let h = isee_hash::sha256_hex_di(&[emittente.as_bytes(), b"\0", soggetto.as_bytes()]);
    format!("oidc-{}", &h[..24])
}

/// The display name from the claims: given and family name, without control
/// characters, at most 200 characters; "Cittadino" when the provider gave neither.
fn nome_da_mostrare(id: &IdentitaOidc) -> String {
    let pulito = |s: &Option<String>| {
        s.as_deref()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .trim()
            .to_string()
    };
    let intero = [pulito(&id.nome), pulito(&id.cognome)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if intero.is_empty() {
        "Cittadino".into()
    } else {
        intero.chars().take(200).collect()
    }
}

impl<S: StoreUtenti + StoreOidc> Utenti<S> {
    /// Starts a login at the identity provider: stores the pending login (its
    /// `state`'s and browser value's SHA-256, the expiry) and returns what the
    /// redirect and the cookie carry. The expired ones go first; `TroppeAttese` past
    /// [`MAX_ATTESE`] live ones.
    pub async fn avvia_oidc(&self, adesso: DateTime<Utc>) -> Risultato<AvvioOidc> {
        let adesso = al_microsecondo(adesso);
        let stato = Token::genera()?;
        let browser = Token::genera()?;
        let scade_il = adesso
            .checked_add_signed(delta(self.regole().durata_attesa_oidc))
            .unwrap_or(adesso);
        self.store()
            .salva_attesa_oidc(
                &stato.impronta(),
                &browser.impronta(),
                adesso,
                scade_il,
                MAX_ATTESE,
            )
            .await?;
        let nonce = self.segreto().nonce_oidc(&browser.testo(), &stato.testo());
        let verificatore = self
            .segreto()
            .verificatore_pkce(&browser.testo(), &stato.testo());
        Ok(AvvioOidc {
            stato,
            browser,
            nonce,
            verificatore,
            scade_il,
        })
    }

    /// The callback's `state`, with the pending-login cookie the browser sent: the
    /// pending login is deleted as it is read (it works once), then its expiry and the
    /// browser are checked.
    pub async fn riprendi_oidc(
        &self,
        stato: &str,
        browser: Option<&str>,
        adesso: DateTime<Utc>,
    ) -> Result<RipresaOidc, ErroreRipresaOidc> {
        let Some(stato) = Token::da_testo(stato.trim()) else {
            return Err(ErroreAttesaOidc::Sconosciuta.into());
        };
        let Some((impronta_browser, scade_il)) =
            self.store().usa_attesa_oidc(&stato.impronta()).await?
        else {
            return Err(ErroreAttesaOidc::Sconosciuta.into());
        };
        if al_microsecondo(adesso) >= scade_il {
            return Err(ErroreAttesaOidc::Scaduta.into());
        }
        let browser = browser.and_then(Token::da_testo);
        let stesso = browser.as_ref().is_some_and(|b| {
            bool::from(b.impronta().as_bytes().ct_eq(impronta_browser.as_bytes()))
        });
        let Some(browser) = browser.filter(|_| stesso) else {
            return Err(ErroreAttesaOidc::AltroBrowser.into());
        };
        Ok(RipresaOidc {
            nonce: self.segreto().nonce_oidc(&browser.testo(), &stato.testo()),
            verificatore: self
                .segreto()
                .verificatore_pkce(&browser.testo(), &stato.testo()),
        })
    }

    /// Signs in a verified identity: its linked account, or the citizen account with
    /// its fiscal code (linked now), or a new citizen account; then a new session, the
    /// browser's previous one (`precedente`) ended.
    pub async fn accedi_oidc(
        &self,
        identita: &IdentitaOidc,
        precedente: Option<&Token>,
        adesso: DateTime<Utc>,
    ) -> TentativoOidc {
        let adesso = al_microsecondo(adesso);
        let mut eventi = Vec::new();
        let esito = self
            .accedi_oidc_dentro(identita, precedente, adesso, &mut eventi)
            .await;
        if let Err(e) = &esito {
            eventi.push(EventoUtente {
                soggetto_impronta: Some(
                    self.segreto()
                        .impronta_soggetto(&identita.emittente, &identita.soggetto),
                ),
                ..evento(
                    adesso,
                    TipoEvento::AccessoOidcRifiutato {
                        codice: e.codice().to_string(),
                    },
                )
            });
        }
        TentativoOidc { esito, eventi }
    }

    async fn accedi_oidc_dentro(
        &self,
        identita: &IdentitaOidc,
        precedente: Option<&Token>,
        adesso: DateTime<Utc>,
        eventi: &mut Vec<EventoUtente>,
    ) -> Result<Accesso, ErroreAccessoOidc> {
        let store = self.store();
        let collegamento = match store
            .utente_oidc(&identita.emittente, &identita.soggetto)
            .await?
        {
            Some(utente) => CollegamentoOidc {
                utente,
                creato: false,
            },
            None => {
                let nuovo = NuovoUtente {
                    nome_utente: nome_utente_oidc(&identita.emittente, &identita.soggetto),
                    nome_visualizzato: nome_da_mostrare(identita),
                    ruolo: Ruolo::Cittadino,
                    codice_fiscale: Some(identita.codice_fiscale.as_str().to_string()),
                    codice_caf: None,
                }
                .valida()
                .map_err(ErroreUtenti::UtenteNonValido)?;
                // A password no one knows, hashed like any other: the account's login
                // by password takes as long as anyone's and never succeeds.
                let hash = self
                    .hash(&Token::genera().map_err(ErroreUtenti::from)?.testo())
                    .await?;
                store
                    .collega_oidc(
                        &identita.emittente,
                        &identita.soggetto,
                        &nuovo,
                        &hash,
                        adesso,
                    )
                    .await?
            }
        };
        let utente = collegamento.utente;
        if utente.ruolo != Ruolo::Cittadino {
            return Err(ErroreAccessoOidc::NonCittadino);
        }
        if !utente.attivo() {
            return Err(ErroreAccessoOidc::Disabilitato);
        }
        if utente.codice_fiscale.as_ref() != Some(&identita.codice_fiscale) {
            return Err(ErroreAccessoOidc::CodiceFiscaleDiverso);
        }
        let soggetto = self
            .segreto()
            .impronta_soggetto(&identita.emittente, &identita.soggetto);
        let id = utente.id;
        let base = |tipo| EventoUtente {
            utente: Some(id),
            soggetto_impronta: Some(soggetto.clone()),
            ..evento(adesso, tipo)
        };
        let riuscito = TipoEvento::AccessoOidcRiuscito {
            account_creato: collegamento.creato,
        };
        Ok(self
            .apri_sessione(utente, precedente, adesso, &base, riuscito, eventi)
            .await?)
    }
}

/// Why [`Utenti::riprendi_oidc`] failed: the `state`, or the store.
#[derive(Debug, thiserror::Error)]
pub enum ErroreRipresaOidc {
    #[error(transparent)]
    Attesa(#[from] ErroreAttesaOidc),
    #[error(transparent)]
    Interno(#[from] ErroreUtenti),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identita(nome: Option<&str>, cognome: Option<&str>) -> IdentitaOidc {
        IdentitaOidc {
            emittente: "https://idp.example".into(),
            soggetto: "abc".into(),
            codice_fiscale: CodiceFiscale::new("RSSMRA80A01H501U"),
            nome: nome.map(str::to_string),
            cognome: cognome.map(str::to_string),
        }
    }

    #[test]
    fn nome_utente_stabile_e_opaco() {
        let a = nome_utente_oidc("https://idp.example", "abc");
        assert_eq!(a, nome_utente_oidc("https://idp.example", "abc"));
        assert_ne!(a, nome_utente_oidc("https://idp.example", "abd"));
        assert_ne!(a, nome_utente_oidc("https://idp.exampl", "eabc"));
        assert_eq!(a.len(), 29);
        assert!(crate::NomeUtente::new(&a).is_ok());
    }

    #[test]
    fn nome_dai_claim_pulito() {
        assert_eq!(
            nome_da_mostrare(&identita(Some(" Mario\u{7}"), Some("Rossi"))),
            "Mario Rossi"
        );
        assert_eq!(nome_da_mostrare(&identita(None, None)), "Cittadino");
        let lungo = "a".repeat(500);
        assert_eq!(
            nome_da_mostrare(&identita(Some(&lungo), None))
                .chars()
                .count(),
            200
        );
    }

    #[test]
    fn debug_senza_sub_ne_codice_fiscale() {
        let d = format!("{:?}", identita(None, None));
        assert!(!d.contains("abc") && !d.contains("RSSMRA80A01H501U"), "{d}");
    }
}
