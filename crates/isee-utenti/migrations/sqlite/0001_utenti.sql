-- The portal's accounts, lock-out counters, sessions and password-reset tokens
-- (SQLite). Keep in step with ../postgres/0001_utenti.sql.
-- Columns INTEGER or TEXT only (the types sqlx `Any` decodes on both backends):
-- instants as unix microseconds. Secrets are stored only as SHA-256 (hex).
CREATE TABLE utenti_utente (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Lower-case login or e-mail address (NomeUtente).
    nome_utente TEXT NOT NULL UNIQUE,
    nome_visualizzato TEXT NOT NULL,
    ruolo TEXT NOT NULL CHECK (ruolo IN ('cittadino', 'operatore_caf', 'amministratore')),
    codice_fiscale TEXT,
    codice_caf TEXT,
    -- Argon2id PHC string.
    hash_password TEXT NOT NULL,
    creato_il INTEGER NOT NULL,
    disabilitato_il INTEGER
) STRICT;

-- Failed logins per username, whether or not an account has it. `chiave` is a keyed
-- hash of the name (HMAC-SHA256 under the server's key), never the name.
CREATE TABLE utenti_blocco (
    chiave TEXT PRIMARY KEY,
    fallimenti INTEGER NOT NULL,
    blocchi INTEGER NOT NULL,
    bloccato_fino INTEGER,
    ultimo_fallimento INTEGER NOT NULL
) STRICT;

CREATE TABLE utenti_sessione (
    -- SHA-256 (hex) of the session id.
    impronta TEXT PRIMARY KEY,
    utente INTEGER NOT NULL REFERENCES utenti_utente (id),
    ruolo TEXT NOT NULL,
    creata_il INTEGER NOT NULL,
    ultimo_uso INTEGER NOT NULL
) STRICT;

CREATE INDEX utenti_sessione_utente ON utenti_sessione (utente);
CREATE INDEX utenti_sessione_ultimo_uso ON utenti_sessione (ultimo_uso);

-- At most one reset token per account: a new request replaces the old one.
CREATE TABLE utenti_reset (
    utente INTEGER PRIMARY KEY REFERENCES utenti_utente (id),
    -- SHA-256 (hex) of the token.
    impronta TEXT NOT NULL UNIQUE,
    scade_il INTEGER NOT NULL
) STRICT;
