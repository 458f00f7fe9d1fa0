-- The notification stub's effect (isee_eventi::notifiche): one row per event that
-- would notify someone, keyed on the event id so that a redelivery adds nothing.
-- Keep in step with ../sqlite/0001_notifica.sql.
CREATE TABLE notifica (
    evento_id BIGINT PRIMARY KEY,
    tipo TEXT NOT NULL,
    protocollo TEXT NOT NULL,
    testo TEXT NOT NULL,
    creata_il BIGINT NOT NULL
);
