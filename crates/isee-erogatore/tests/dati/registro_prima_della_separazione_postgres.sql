-- The DSU register (PostgreSQL). Keep in step with ../sqlite/0001_registro_dsu.sql.
-- Money: BIGINT cents. Dates: TEXT YYYY-MM-DD. Timestamps: BIGINT unix µs.
-- Only types sqlx's Any driver decodes: BIGINT and TEXT (no NUMERIC, no TIMESTAMPTZ).
CREATE TABLE sequenza_protocollo (
    anno BIGINT PRIMARY KEY,
    ultimo BIGINT NOT NULL
);

CREATE TABLE dsu (
    protocollo TEXT PRIMARY KEY,
    prefisso TEXT NOT NULL,
    anno BIGINT NOT NULL,
    numero BIGINT NOT NULL,
    suffisso BIGINT NOT NULL,
    ultimo_suffisso BIGINT NOT NULL DEFAULT 0,
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
    registrata_il BIGINT NOT NULL,
    annullata_il BIGINT,
    UNIQUE (mittente, chiave_idempotenza),
    UNIQUE (prefisso, anno, numero, suffisso)
);

CREATE INDEX dsu_protocollo_mittente ON dsu (mittente, protocollo_mittente);
CREATE INDEX dsu_riferimento ON dsu (riferimento);

CREATE TABLE componente_dsu (
    protocollo TEXT NOT NULL REFERENCES dsu (protocollo),
    codice_fiscale TEXT NOT NULL,
    PRIMARY KEY (protocollo, codice_fiscale)
);

CREATE INDEX componente_dsu_cf ON componente_dsu (codice_fiscale);

CREATE TABLE indicatore (
    protocollo TEXT NOT NULL REFERENCES dsu (protocollo),
    posizione BIGINT NOT NULL,
    tipo TEXT NOT NULL,
    prestazione TEXT,
    beneficiario TEXT,
    motivo_non_calcolabile TEXT,
    isee_centesimi BIGINT,
    ise_centesimi BIGINT,
    isr_centesimi BIGINT,
    isp_centesimi BIGINT,
    scala TEXT,
    valida_dal TEXT,
    valida_al TEXT,
    PRIMARY KEY (protocollo, posizione)
);

-- The ente's local ISEE register (PostgreSQL). Keep in step with ../sqlite/0002_registro_ente.sql.
CREATE TABLE domanda_ente (
    ente TEXT NOT NULL,
    id TEXT NOT NULL,
    servizio TEXT NOT NULL,
    codice_fiscale TEXT NOT NULL,
    tipo_richiesto TEXT NOT NULL,
    isee_tipo TEXT,
    isee_centesimi BIGINT,
    ise_centesimi BIGINT,
    isr_centesimi BIGINT,
    isp_centesimi BIGINT,
    scala TEXT,
    protocollo_dsu TEXT,
    data_presentazione_dsu TEXT,
    valida_al TEXT,
    fonte TEXT CHECK (fonte IN ('consultazione_inps', 'attestazione_presentata', 'registro_locale')),
    evidenza TEXT,
    hash_evidenza TEXT,
    aggiornata_il BIGINT NOT NULL,
    PRIMARY KEY (ente, id)
);

CREATE INDEX domanda_ente_valida_al ON domanda_ente (valida_al);
CREATE INDEX domanda_ente_cf ON domanda_ente (codice_fiscale);

-- Omissions and discrepancies noted on stored attestations (PostgreSQL).
-- Keep in step with ../sqlite/0003_omissioni.sql.
CREATE TABLE omissione (
    protocollo TEXT NOT NULL REFERENCES dsu (protocollo),
    codice_fiscale TEXT NOT NULL,
    tipo TEXT NOT NULL CHECK (tipo IN ('PatrimoniMobiliari', 'RedditiScostamento')),
    riferimento TEXT NOT NULL,
    tipo_rapporto TEXT,
    dichiarato_centesimi BIGINT,
    agenzia_entrate_centesimi BIGINT NOT NULL,
    data_controllo TEXT NOT NULL,
    PRIMARY KEY (protocollo, codice_fiscale, tipo, riferimento, data_controllo)
);

