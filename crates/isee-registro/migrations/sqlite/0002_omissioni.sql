-- Omissions and discrepancies noted on stored attestations (SQLite).
-- IF NOT EXISTS: a database made before the register had its own migration table
-- (_sqlx_migrations_registro) already has these tables; see docs/REGISTRO.md.
-- Keep in step with ../postgres/0002_omissioni.sql.
CREATE TABLE IF NOT EXISTS omissione (
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
