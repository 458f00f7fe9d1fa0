-- DSUs being filled in the portal ("Compila la DSU"), saved at every step so that a
-- lost session or a closed browser loses nothing. Keep in step with the other
-- backend's 0002_bozze.sql. A draft belongs to one account and is read and written
-- only with that account's id. The content is the wizard's form as typed (JSON),
-- bounded by the store (isee_utenti::bozza::LUNGHEZZA_MASSIMA).
CREATE TABLE utenti_bozza (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    utente INTEGER NOT NULL REFERENCES utenti_utente (id),
    -- What the list of drafts shows (the declarant's name, or "Nuova DSU").
    titolo TEXT NOT NULL,
    -- The wizard's step the draft was left at.
    passo TEXT NOT NULL,
    contenuto TEXT NOT NULL,
    creata_il INTEGER NOT NULL,
    aggiornata_il INTEGER NOT NULL
) STRICT;

CREATE INDEX utenti_bozza_utente ON utenti_bozza (utente);
