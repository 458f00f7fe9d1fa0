-- The SIUSS feed (postgres). Keep in step with ../sqlite/0001_siuss.sql.
-- One row per flow: one beneficiary and one benefit, keyed by the ente's application
-- protocol and benefit code; ts_ms is ts_flusso (Unix ms), unique and increasing.
CREATE TABLE siuss_flusso (
    id_flusso TEXT PRIMARY KEY,
    codice_ente TEXT NOT NULL,
    denominazione_ente TEXT NOT NULL,
    protocollo_domanda TEXT NOT NULL,
    codice_prestazione TEXT NOT NULL,
    tipo TEXT NOT NULL CHECK (tipo IN ('PS_PSA_SINA', 'SINBA')),
    ts_ms BIGINT NOT NULL UNIQUE,
    record TEXT NOT NULL,
    stato TEXT NOT NULL CHECK (stato IN ('da_trasmettere', 'acquisito', 'scartato')),
    id_acquisizione_siuss TEXT,
    creato_ms BIGINT NOT NULL,
    UNIQUE (codice_ente, protocollo_domanda, codice_prestazione)
);

-- The daily progressive of the flow ids, per ente and type.
CREATE TABLE siuss_progressivo (
    codice_ente TEXT NOT NULL,
    sigla TEXT NOT NULL,
    giorno TEXT NOT NULL,
    ultimo BIGINT NOT NULL,
    PRIMARY KEY (codice_ente, sigla, giorno)
);

-- INPS's outcomes, as posted (a repeated delivery is recorded once).
CREATE TABLE siuss_esito (
    id_flusso TEXT NOT NULL REFERENCES siuss_flusso (id_flusso),
    ts_flusso_ms BIGINT NOT NULL,
    ts_acquisizione_ms BIGINT NOT NULL,
    tipo TEXT NOT NULL,
    codice_esito TEXT NOT NULL CHECK (codice_esito IN ('OK', 'DATI_NON_TROVATI', 'RICHIESTA_INVALIDA', 'ERRORE_GENERICO')),
    descrizione_esito TEXT,
    id_acquisizione_siuss TEXT,
    ricevuto_ms BIGINT NOT NULL,
    PRIMARY KEY (id_flusso, ts_flusso_ms, ts_acquisizione_ms, codice_esito)
);
