//! This crate's fixture: records that satisfy every rule, the ente, the store opened
//! on a test's fresh database (`isee-prova`).

// Each test binary uses part of it.
#![allow(dead_code)]

use isee_prova::Ambiente;
use isee_siuss::store::Configurazione;
use isee_siuss::{Ente, RecordGrezzo, StoreSiussSql};

/// Valid fiscal codes (check character included) of invented people.
pub(crate) const CF_BENEFICIARIO: &str = "RSSMRA85M01H199H";
pub(crate) const CF_FIGLIO: &str = "RSSGLI15P10H199Z";
pub(crate) const CF_OPERATORE: &str = "VRDLGU80A01H183S";

pub(crate) fn ente() -> Ente {
    Ente::new("H199", "Comune di Ravenna").unwrap()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

/// A periodic, ISEE-based benefit with its DSU, taken in charge, shares adding up.
pub(crate) fn periodica() -> RecordGrezzo {
    RecordGrezzo {
        codice_fiscale: s(CF_BENEFICIARIO),
        cognome: s("ROSSI"),
        nome: s("MARIA"),
        anno_nascita: s("1985"),
        luogo_nascita: s("H199"),
        genere: s("2"),
        cittadinanza: s("380"),
        nazione_residenza: s("380"),
        regione_residenza: s("08"),
        comune_residenza: s("039014"),
        tipo_operazione: s("I"),
        presenza_prova_mezzi: s("1"),
        carattere_prestazione: s("1"),
        protocollo_dsu: s("INPS-ISEE-2026-00000123A-00"),
        anno_protocollo_dsu: s("2026"),
        data_dsu: s("2026-01-20"),
        codice_prestazione: s("A1.16"),
        denominazione_prestazione: s("Contributi economici per servizio trasporto e mobilità"),
        protocollo_domanda: s("RA-2026-0001"),
        data_evento: s("2026-01-25"),
        data_inizio: s("2026-02-01"),
        data_fine: s("2026-12-31"),
        importo_mensile: s("150.00"),
        periodo_erogazione: s("11"),
        quota_ente: s("120.50"),
        quota_utente: s("29.50"),
        quota_richiesta: s("200.00"),
        soglia_isee: s("25000.00"),
        ore_servizio_mensile: s("10.30"),
        presa_carico: s("1"),
        area_utenza: s("1"),
        cf_operatore: s(CF_OPERATORE),
        ..RecordGrezzo::default()
    }
}

/// A one-off benefit, no means test, not taken in charge, residence abroad.
pub(crate) fn occasionale() -> RecordGrezzo {
    RecordGrezzo {
        codice_fiscale: s(CF_FIGLIO),
        cognome: s("ROSSI"),
        nome: s("GIULIA"),
        anno_nascita: s("2015"),
        luogo_nascita: s("H199"),
        genere: s("F"),
        cittadinanza: s("380"),
        seconda_cittadinanza: s("250"),
        nazione_residenza: s("250"),
        presenza_prova_mezzi: s("4"),
        carattere_prestazione: s("2"),
        codice_prestazione: s("A1.09"),
        denominazione_prestazione: s("Telesoccorso e teleassistenza"),
        protocollo_domanda: s("RA-2026-0002"),
        data_erogazione: s("2026-03-10"),
        importo_prestazione: s("80"),
        presa_carico: s("2"),
        cf_operatore: s(CF_OPERATORE),
        ..RecordGrezzo::default()
    }
}

/// `periodica` for another application (protocol `RA-2026-1nnn`).
pub(crate) fn periodica_n(n: usize) -> RecordGrezzo {
    RecordGrezzo {
        protocollo_domanda: Some(format!("RA-2026-1{n:03}")),
        ..periodica()
    }
}

pub(crate) async fn store(amb: &Ambiente) -> StoreSiussSql {
    let mut cfg = Configurazione::new(&amb.url);
    cfg.schema = amb.schema.clone();
    if amb.schema.is_some() {
        cfg.max_connessioni = 3;
    }
    StoreSiussSql::connetti_con(cfg)
        .await
        .expect("apertura della base dati SIUSS")
}

/// The fixture of `su_entrambi!`.
pub(crate) async fn apri(amb: Ambiente) -> StoreSiussSql {
    store(&amb).await
}
