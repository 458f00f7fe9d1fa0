-- The register's access model (SQLite; docs/REGISTRO.md "Modello di accesso al registro").
-- Keep in step with ../postgres/0003_accesso.sql.
-- A CAF's mandate from a declarant: one per (sender, declarant); recording it again
-- replaces scope and expiry. `scadenza` is the last day it is valid (YYYY-MM-DD).
CREATE TABLE mandato (
    mittente TEXT NOT NULL,
    cf_dichiarante TEXT NOT NULL,
    ambito TEXT NOT NULL CHECK (ambito IN ('lettura', 'presentazione')),
    scadenza TEXT NOT NULL,
    registrato_da TEXT NOT NULL,
    registrato_il INTEGER NOT NULL,
    revocato_il INTEGER,
    PRIMARY KEY (mittente, cf_dichiarante)
) STRICT;

CREATE INDEX mandato_cf_dichiarante ON mandato (cf_dichiarante);

-- Every read by a back-office client: who, when, what it asked for (a protocol, or a
-- masked fiscal code for a search) and the protocols it was shown.
CREATE TABLE lettura_back_office (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cliente TEXT NOT NULL,
    operazione TEXT NOT NULL,
    oggetto TEXT NOT NULL,
    protocolli TEXT NOT NULL,
    letta_il INTEGER NOT NULL
) STRICT;
