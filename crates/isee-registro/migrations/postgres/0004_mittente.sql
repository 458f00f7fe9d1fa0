-- A sender's own filings by time: the CAF's list and its monthly report by nucleus
-- size (isee_registro::StoreDsu::del_mittente, conteggio_per_nucleo).
CREATE INDEX dsu_mittente_registrata ON dsu (mittente, registrata_il);
