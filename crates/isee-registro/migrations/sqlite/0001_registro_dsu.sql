-- The DSU register (SQLite). Keep in step with ../postgres/0001_registro_dsu.sql.
-- IF NOT EXISTS: a database made before the register had its own migration table
-- (_sqlx_migrations_registro) already has these tables; see docs/REGISTRO.md.
-- Money: INTEGER cents. Dates: TEXT YYYY-MM-DD. Timestamps: INTEGER unix µs.
CREATE TABLE IF NOT EXISTS sequenza_protocollo (
    anno INTEGER PRIMARY KEY,
    ultimo INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS dsu (
    protocollo TEXT PRIMARY KEY,
    prefisso TEXT NOT NULL,
    anno INTEGER NOT NULL,
    numero INTEGER NOT NULL,
    suffisso INTEGER NOT NULL,
    ultimo_suffisso INTEGER NOT NULL DEFAULT 0,
    tipo TEXT NOT NULL CHECK (tipo IN ('dsu', 'corrente')),
    operazione TEXT NOT NULL CHECK (operazione IN ('nuova', 'rettifica', 'sostituzione', 'corrente')),
    riferimento TEXT REFERENCES dsu (protocollo),
    mittente TEXT NOT NULL,
    chiave_idempotenza TEXT NOT NULL,
    hash_richiesta TEXT NOT NULL,
    protocollo_mittente TEXT,
    data_presentazione TEXT NOT NULL,
    valida_dal TEXT NOT NULL,
    valida_al TEXT NOT NULL,
    stato TEXT NOT NULL CHECK (stato IN ('attiva', 'rettificata', 'sostituita', 'annullata')),
    sostituita_da TEXT,
    cf_dichiarante TEXT NOT NULL,
    dsu_json TEXT NOT NULL,
    attestazione_json TEXT NOT NULL,
    versione_motore TEXT NOT NULL,
    versione_parametri TEXT NOT NULL,
    regole_dal TEXT NOT NULL,
    registrata_il INTEGER NOT NULL,
    annullata_il INTEGER,
    UNIQUE (mittente, chiave_idempotenza),
    UNIQUE (prefisso, anno, numero, suffisso)
) STRICT;

CREATE INDEX IF NOT EXISTS dsu_protocollo_mittente ON dsu (mittente, protocollo_mittente);
CREATE INDEX IF NOT EXISTS dsu_riferimento ON dsu (riferimento);

CREATE TABLE IF NOT EXISTS componente_dsu (
    protocollo TEXT NOT NULL REFERENCES dsu (protocollo),
    codice_fiscale TEXT NOT NULL,
    PRIMARY KEY (protocollo, codice_fiscale)
) STRICT;

CREATE INDEX IF NOT EXISTS componente_dsu_cf ON componente_dsu (codice_fiscale);

CREATE TABLE IF NOT EXISTS indicatore (
    protocollo TEXT NOT NULL REFERENCES dsu (protocollo),
    posizione INTEGER NOT NULL,
    tipo TEXT NOT NULL,
    prestazione TEXT,
    beneficiario TEXT,
    motivo_non_calcolabile TEXT,
    isee_centesimi INTEGER,
    ise_centesimi INTEGER,
    isr_centesimi INTEGER,
    isp_centesimi INTEGER,
    scala TEXT,
    valida_dal TEXT,
    valida_al TEXT,
    PRIMARY KEY (protocollo, posizione)
) STRICT;
