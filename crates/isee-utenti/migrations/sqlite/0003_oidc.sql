-- OpenID Connect sign-in (SQLite). Keep in step with ../postgres/0003_oidc.sql.
-- A pending login: the `state` the portal sent to the identity provider, kept until
-- the browser comes back (single use: deleted when read) or for at most ten minutes.
-- Only SHA-256 digests are stored: of the `state`, and of the random value of the
-- browser's pending-login cookie, which the callback must present. The nonce and the
-- PKCE verifier are derived from the two under the portal's key, so neither is here.
CREATE TABLE utenti_oidc_attesa (
    stato TEXT PRIMARY KEY,
    browser TEXT NOT NULL,
    creata_il INTEGER NOT NULL,
    scade_il INTEGER NOT NULL
) STRICT;

CREATE INDEX utenti_oidc_attesa_scade_il ON utenti_oidc_attesa (scade_il);

-- Which identity of which provider signs in as which (citizen) account: the issuer
-- and the `sub` claim, as the provider gives them.
CREATE TABLE utenti_oidc_legame (
    emittente TEXT NOT NULL,
    soggetto TEXT NOT NULL,
    utente INTEGER NOT NULL REFERENCES utenti_utente (id),
    creato_il INTEGER NOT NULL,
    PRIMARY KEY (emittente, soggetto)
) STRICT;

CREATE INDEX utenti_oidc_legame_utente ON utenti_oidc_legame (utente);
CREATE INDEX utenti_utente_codice_fiscale ON utenti_utente (codice_fiscale);
