-- The access log (SQLite). Keep in step with ../postgres/0001_registro_accessi.sql.
-- `IF NOT EXISTS` throughout: a log created before the migrations (by the
-- hand-written DDL of earlier versions, identical to this) is adopted as it is; its
-- layout-version row `accessi_meta('versione_schema')` is dropped, the migration
-- table `_sqlx_migrations_accessi` now says which layout the log has.
CREATE TABLE IF NOT EXISTS accessi_meta (chiave TEXT PRIMARY KEY, valore TEXT NOT NULL) STRICT;

-- `seq INTEGER PRIMARY KEY` is SQLite's rowid: the chain order is the table order.
CREATE TABLE IF NOT EXISTS accessi_record (
    seq INTEGER PRIMARY KEY, ts TEXT NOT NULL,
    eservizio TEXT NOT NULL, operazione TEXT NOT NULL, canale TEXT NOT NULL,
    esito TEXT NOT NULL, http_status INTEGER NOT NULL,
    voucher_jti TEXT, client_id TEXT, consumer_id TEXT, purpose_id TEXT,
    ente_ipa TEXT, ente_categoria TEXT, operatore_cf_hash TEXT, operatore_loa TEXT,
    operatore_postazione TEXT, evidenza_jti TEXT, tipo_ricerca TEXT,
    cf_ricercato_hash TEXT, prestazione TEXT, protocollo_domanda TEXT,
    stato_domanda TEXT, protocollo_dsu TEXT, id_richiesta INTEGER, request_id TEXT,
    ip_client TEXT, latenza_us INTEGER NOT NULL,
    mac_precedente TEXT NOT NULL, mac TEXT NOT NULL) STRICT;

CREATE INDEX IF NOT EXISTS accessi_record_ts ON accessi_record (ts);

CREATE INDEX IF NOT EXISTS accessi_record_cf ON accessi_record (cf_ricercato_hash)
    WHERE cf_ricercato_hash IS NOT NULL;

CREATE TABLE IF NOT EXISTS accessi_ancora (
    id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, mac TEXT NOT NULL,
    creata_il TEXT NOT NULL, eliminati_totali INTEGER NOT NULL,
    mac_ancora TEXT NOT NULL) STRICT;

CREATE TABLE IF NOT EXISTS accessi_processo (
    id INTEGER PRIMARY KEY CHECK (id = 1), titolare TEXT NOT NULL,
    descrizione TEXT NOT NULL, scadenza INTEGER NOT NULL) STRICT;

CREATE TABLE IF NOT EXISTS accessi_in_attesa (
    id INTEGER PRIMARY KEY AUTOINCREMENT, dati TEXT NOT NULL, mac TEXT NOT NULL) STRICT;

DELETE FROM accessi_meta WHERE chiave = 'versione_schema';
