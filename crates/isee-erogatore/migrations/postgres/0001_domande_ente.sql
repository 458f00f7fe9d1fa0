-- The ente's local ISEE register (PostgreSQL). Keep in step with ../sqlite/0001_domande_ente.sql.
-- IF NOT EXISTS: a database made when this table belonged to isee-registro (its
-- migration 0002) already has it; see docs/REGISTRO.md, "Migrazioni".
CREATE TABLE IF NOT EXISTS domanda_ente (
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

CREATE INDEX IF NOT EXISTS domanda_ente_valida_al ON domanda_ente (valida_al);
CREATE INDEX IF NOT EXISTS domanda_ente_cf ON domanda_ente (codice_fiscale);
