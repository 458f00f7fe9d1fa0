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
