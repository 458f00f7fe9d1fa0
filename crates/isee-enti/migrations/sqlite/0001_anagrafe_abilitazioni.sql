-- The enti register (SQLite). Keep in step with ../postgres/0001_anagrafe_abilitazioni.sql.
-- `IF NOT EXISTS` throughout: a database created before the migrations (by the
-- hand-written DDL of earlier versions, identical to this) is adopted as it is.
-- Columns BIGINT or TEXT only: dates `YYYY-MM-DD`, timestamps unix µs, booleans 0/1.
CREATE TABLE IF NOT EXISTS enti_anagrafe (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    data_ipa TEXT NOT NULL,
    data_istat TEXT NOT NULL,
    fonte TEXT NOT NULL,
    importata_il BIGINT NOT NULL,
    enti BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS enti_ente (
    codice_ipa TEXT PRIMARY KEY CHECK (length(codice_ipa) > 0),
    chiave TEXT NOT NULL UNIQUE,
    denominazione TEXT NOT NULL,
    codice_fiscale TEXT NOT NULL,
    categoria TEXT NOT NULL CHECK (length(categoria) > 0),
    tipologia TEXT NOT NULL,
    codice_istat TEXT,
    codice_catastale TEXT,
    comune TEXT,
    capoluogo BIGINT NOT NULL CHECK (capoluogo IN (0, 1))
);

CREATE INDEX IF NOT EXISTS enti_ente_cf ON enti_ente (codice_fiscale);

CREATE TABLE IF NOT EXISTS enti_abilitazione (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    codice_fiscale_operatore TEXT NOT NULL,
    ente_ipa TEXT NOT NULL,
    eservizi TEXT NOT NULL,
    dal TEXT NOT NULL,
    al TEXT NOT NULL,
    riferimento TEXT,
    revocata_il BIGINT,
    creata_il BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS enti_abilitazione_ente ON enti_abilitazione (ente_ipa);

CREATE INDEX IF NOT EXISTS enti_abilitazione_cf ON enti_abilitazione (codice_fiscale_operatore);

-- Data, not schema versions: counters bumped by every change of the anagrafe and of
-- the authorisations, so that the caches know when to reload.
CREATE TABLE IF NOT EXISTS enti_versione (
    nome TEXT PRIMARY KEY,
    valore BIGINT NOT NULL
);

INSERT INTO enti_versione (nome, valore) VALUES ('abilitazioni', 0), ('anagrafe', 0)
    ON CONFLICT (nome) DO NOTHING;
