-- The transactional outbox: one row per change of the register (DSU filed, rectified,
-- substituted, annulled; attestation issued; omission noted), written in the change's
-- own transaction and published to NATS JetStream by `isee-eventi`
-- (isee_registro::StoreEventi; docs/EVENTI.md). A row carries no personal data: the
-- protocol, never a fiscal code. Keep in step with ../postgres/0005_evento.sql.
CREATE TABLE evento (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tipo TEXT NOT NULL,
    protocollo TEXT NOT NULL,
    riferimento TEXT,
    creato_il INTEGER NOT NULL,
    -- The publisher that took the row, and until when (unix µs): another takes it
    -- after that, so a publisher that dies holding rows delays them, never loses them.
    preso_da TEXT,
    presa_scade INTEGER,
    pubblicato_il INTEGER
) STRICT;
CREATE INDEX evento_da_pubblicare ON evento (id) WHERE pubblicato_il IS NULL;
CREATE INDEX evento_pubblicato ON evento (pubblicato_il) WHERE pubblicato_il IS NOT NULL;
