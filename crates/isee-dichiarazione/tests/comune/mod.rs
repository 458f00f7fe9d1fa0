//! Shared by the tests: the INPS data our DSUs lack, made up for each DSU.

#![allow(dead_code)]

use isee_core::Dsu;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::dsu::{CodiceComune, Componente, SituazioneFiglioEsterno, SituazioneGenitore};
use isee_dichiarazione::{
    Certificazione, ContrattoLocazione, DatiPersona, Indirizzo, Integrazioni, Sottoscrizione,
};
use std::path::{Path, PathBuf};

pub(crate) fn schema() -> PathBuf {
    isee_prova::xsd::riferimenti_inps(Path::new(env!("CARGO_MANIFEST_DIR")))
        .join("ISEE_Dichiarazione.xsd")
}

fn persona(c: &Componente) -> DatiPersona {
    DatiPersona {
        cittadinanza: "ITALIANA".into(),
        provincia_nascita: "RM".into(),
        certificazione: c.disabilita.map(|_| Certificazione {
            ente: "ASL ROMA 1".into(),
            documento: "VERBALE 123/2020".into(),
            data: chrono::NaiveDate::from_ymd_opt(2020, 5, 4).unwrap(),
            prestazioni_residenziali: false,
        }),
        ..DatiPersona::default()
    }
}

/// The registry data, signature, address and lease INPS requires, for every
/// person whose sheet the document carries.
pub(crate) fn integrazioni_per(dsu: &Dsu) -> Integrazioni {
    let mut i = Integrazioni::default();
    let dichiarante = dsu
        .dichiarante()
        .map(|d| d.codice_fiscale)
        .unwrap_or_else(|| CodiceFiscale::new("RSSMRA80A01H501U"));
    i.sottoscrizione = Some(Sottoscrizione {
        codice_fiscale: dichiarante,
        protocollo_mittente: dsu
            .protocollo_mittente
            .is_none()
            .then(|| "CAF-PROVA-0001".into()),
        luogo: "Forlì".into(),
        data: None,
        note: None,
        impedimento_temporaneo: false,
        rappresentanza_legale: false,
        pec: None,
        autorizzazione_ritiro: true,
        numero_ricevuta: None,
    });
    i.indirizzo_abitazione = Some(Indirizzo {
        indirizzo: "VIA GARIBALDI".into(),
        civico: "1".into(),
        codice_comune: dsu
            .abitazione
            .codice_comune
            .unwrap_or(CodiceComune::new("H501")),
        provincia: "RM".into(),
        cap: "00100".into(),
    });
    if dsu.abitazione.canone_annuo.is_some() {
        i.locazione = Some(ContrattoLocazione {
            data: chrono::NaiveDate::from_ymd_opt(2022, 1, 10).unwrap(),
            serie: "3T".into(),
            numero: "001234".into(),
            codice_ufficio: "TJN".into(),
            intestatari: vec![dichiarante],
        });
    }
    let mut fogli: Vec<&Componente> = dsu.componenti.iter().collect();
    for g in &dsu.genitori_non_conviventi {
        match &g.situazione {
            SituazioneGenitore::ComponenteAggiuntiva { dati, .. } => fogli.push(&dati.foglio),
            SituazioneGenitore::Escluso { .. } => {
                i.persone.insert(
                    g.codice_fiscale.as_str().into(),
                    DatiPersona {
                        cognome: Some("BIANCHI".into()),
                        nome: Some("LUCA".into()),
                        ..DatiPersona::default()
                    },
                );
            }
            SituazioneGenitore::Attratto => {}
        }
    }
    if let Some(r) = &dsu.residenziale {
        i.riceventi_donazioni = r
            .donazioni
            .iter()
            .map(|d| {
                d.donatario
                    .is_none()
                    .then(|| CodiceFiscale::new("VRDGPP70A01H501Y"))
            })
            .collect();
        while i.riceventi_donazioni.last().is_some_and(Option::is_none) {
            i.riceventi_donazioni.pop();
        }
        for f in &r.figli_esterni {
            if let SituazioneFiglioEsterno::ComponenteAggiuntiva { dati } = &f.situazione {
                fogli.push(&dati.foglio);
            }
        }
    }
    for c in fogli {
        i.persone
            .insert(c.codice_fiscale.as_str().into(), persona(c));
    }
    i
}
