-- Omissions and discrepancies noted on stored attestations (SQLite).
-- Keep in step with ../postgres/0003_omissioni.sql.
CREATE TABLE omissione (
    protocollo TEXT NOT NULL REFERENCES dsu (protocollo),
    codice_fiscale TEXT NOT NULL,
    tipo TEXT NOT NULL CHECK (tipo IN ('PatrimoniMobiliari', 'RedditiScostamento')),
    riferimento TEXT NOT NULL,
    tipo_rapporto TEXT,
    dichiarato_centesimi INTEGER,
    agenzia_entrate_centesimi INTEGER NOT NULL,
    data_controllo TEXT NOT NULL,
    PRIMARY KEY (protocollo, codice_fiscale, tipo, riferimento, data_controllo)
) STRICT;
