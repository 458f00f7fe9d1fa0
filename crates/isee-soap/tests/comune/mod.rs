//! Fixtures and helpers shared by the integration tests: fixed data for the
//! inner documents, golden-file comparison, and independent readers built on
//! roxmltree.
#![allow(dead_code)]

use std::path::PathBuf;

use base64::Engine as _;
use chrono::NaiveDate;
use isee_soap::*;
use rust_decimal::Decimal;
use rust_decimal::dec;

pub(crate) const NS_SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub(crate) const NS_CON: &str = "http://inps.it/ConsultazioneISEE";
pub(crate) const NS_RIF: &str = "http://inps.it/ISEERiforma";

pub(crate) fn data(a: i32, m: u32, g: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(a, m, g).expect("data di prova valida")
}

pub(crate) fn percorso_golden(nome: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(nome)
}

pub(crate) fn leggi_golden(nome: &str) -> Vec<u8> {
    std::fs::read(percorso_golden(nome)).unwrap_or_else(|e| panic!("{nome}: {e}"))
}

/// Compares `prodotto` with the golden file byte for byte. With
/// `AGGIORNA_GOLDEN=1` the file is (re)written instead: review the diff.
pub(crate) fn confronta_golden(nome: &str, prodotto: &[u8]) {
    let p = percorso_golden(nome);
    if std::env::var_os("AGGIORNA_GOLDEN").is_some() {
        std::fs::write(&p, prodotto).expect("scrittura golden");
        return;
    }
    let atteso =
        std::fs::read(&p).unwrap_or_else(|e| panic!("{nome}: {e} (AGGIORNA_GOLDEN=1 per crearlo)"));
    assert!(
        atteso == prodotto,
        "{nome} differisce dal golden:\natteso:   {}\nprodotto: {}",
        String::from_utf8_lossy(&atteso),
        String::from_utf8_lossy(prodotto)
    );
}

pub(crate) fn indicatore_ordinario(ricerca: Ricerca, tipo: TipoIndicatore) -> DatiIndicatore {
    DatiIndicatore {
        tipo,
        ise: dec!(42911.75),
        scala_equivalenza: dec!(2.46),
        isee: dec!(17443.8),
        isr: dec!(36653.95),
        isp: dec!(31289),
        protocollo_dsu: "INPS-ISEE-2026-00012345A-00".into(),
        data_presentazione: data(2026, 1, 15),
        ricerca,
        nucleo: None,
    }
}

pub(crate) fn nucleo() -> Vec<ComponenteNucleo> {
    vec![
        ComponenteNucleo {
            rapporto: "D".into(),
            cognome: "D'ANGELO".into(),
            nome: "GIOVANNA".into(),
            codice_fiscale: "DNGGNN90C41F839K".into(),
        },
        ComponenteNucleo {
            rapporto: "C".into(),
            cognome: "ROSSI".into(),
            nome: "MARIO".into(),
            codice_fiscale: "RSSMRA80A01H501U".into(),
        },
        ComponenteNucleo {
            rapporto: "F".into(),
            cognome: "ROSSI".into(),
            nome: "NICCOLÒ".into(),
            codice_fiscale: "RSSNCL15T10L219P".into(),
        },
        ComponenteNucleo {
            rapporto: "F".into(),
            cognome: "ROSSI".into(),
            nome: "LUCIA".into(),
            codice_fiscale: "RSSLCU05E55F839Z".into(),
        },
    ]
}

pub(crate) fn modalita(
    isr: Decimal,
    isp: Decimal,
    ise: Decimal,
    scala: Decimal,
) -> ModalitaCalcolo {
    ModalitaCalcolo {
        somma_redditi_componenti: dec!(36473.40),
        somma_redditi_componenti_corrente: None,
        reddito_figurativo_patrimonio_mobiliare: dec!(180.55),
        detrazioni: dec!(0),
        isr,
        patrimonio_mobiliare: dec!(27681),
        detrazione_patrimonio_mobiliare: dec!(10000),
        patrimonio_immobiliare: dec!(67704),
        detrazione_patrimonio_immobiliare: dec!(54096),
        isp,
        ise,
        parametro_nucleo: dec!(2.46),
        maggiorazioni: dec!(0),
        scala_equivalenza: scala,
    }
}

pub(crate) fn blocco_ordinario() -> BloccoIsee {
    BloccoIsee {
        valori: Valori {
            ise: dec!(42911.75),
            scala_equivalenza: dec!(2.46),
            isee: dec!(17443.80),
            isr: dec!(36653.95),
            isp: dec!(31289.00),
        },
        modalita: modalita(dec!(36653.95), dec!(31289), dec!(42911.75), dec!(2.46)),
        data_rilascio: data(2026, 1, 18),
    }
}

pub(crate) fn attestazione() -> DatiAttestazione {
    let agg = BloccoIsee {
        valori: Valori {
            ise: dec!(51000.10),
            scala_equivalenza: dec!(3.13),
            isee: dec!(16293.96),
            isr: dec!(40000.10),
            isp: dec!(55000),
        },
        modalita: ModalitaCalcolo {
            maggiorazioni: dec!(0.2),
            ..modalita(dec!(40000.10), dec!(55000), dec!(51000.10), dec!(3.13))
        },
        data_rilascio: data(2026, 1, 18),
    };
    DatiAttestazione {
        cf_dichiarante: "DNGGNN90C41F839K".into(),
        protocollo_dsu: "INPS-ISEE-2026-00012345A-00".into(),
        data_presentazione: data(2026, 1, 15),
        data_validita: data(2026, 12, 31),
        protocollo_mittente: Some("CAF00018-MAR001-2026-N0001234".into()),
        data_scadenza_corrente: None,
        corrente: false,
        nucleo: nucleo(),
        ordinario: Some(blocco_ordinario()),
        famiglia: Some(BloccoIsee {
            valori: Valori {
                isee: dec!(16866.99),
                scala_equivalenza: dec!(2.544),
                ..blocco_ordinario().valori
            },
            modalita: ModalitaCalcolo {
                maggiorazioni: dec!(0.084),
                scala_equivalenza: dec!(2.544),
                ..blocco_ordinario().modalita
            },
            data_rilascio: data(2026, 1, 18),
        }),
        minorenni: vec![BloccoBeneficiario {
            codice_fiscale: "RSSNCL15T10L219P".into(),
            esito: EsitoBeneficiario::Agg(
                agg,
                ComponenteEsterna {
                    cognome: String::new(),
                    nome: String::new(),
                    codice_fiscale: "BNCGPP78B12H501X".into(),
                    valore: Some(dec!(1510.42)),
                },
            ),
        }],
        universitari: vec![BloccoBeneficiario {
            codice_fiscale: "RSSLCU05E55F839Z".into(),
            esito: EsitoBeneficiario::Ord,
        }],
        sociosanitario: vec![BloccoSocioSanitario {
            codice_fiscale: "RSSMRA80A01H501U".into(),
            esito: EsitoSocioSanitario::NonCalcolabile(
                "Dati della componente aggiuntiva non forniti".into(),
            ),
        }],
        ridotti: vec![Ridotto {
            codice_fiscale_beneficiario: "DNGGNN90C41F839K".into(),
            nucleo: vec![
                ComponenteRistretto {
                    relazione: "B".into(),
                    cognome: "D'ANGELO".into(),
                    nome: "GIOVANNA".into(),
                    codice_fiscale: "DNGGNN90C41F839K".into(),
                },
                ComponenteRistretto {
                    relazione: "F".into(),
                    cognome: "ROSSI".into(),
                    nome: "LUCIA".into(),
                    codice_fiscale: "RSSLCU05E55F839Z".into(),
                },
            ],
            isee: Some(BloccoIsee {
                valori: Valori {
                    ise: dec!(21000.00),
                    scala_equivalenza: dec!(1.57),
                    isee: dec!(13375.80),
                    isr: dec!(19000.00),
                    isp: dec!(10000.00),
                },
                modalita: modalita(dec!(19000), dec!(10000), dec!(21000), dec!(1.57)),
                data_rilascio: data(2026, 1, 18),
            }),
            residenziale: None,
        }],
        omissioni: vec![OmissioneDifformita {
            tipo: "PatrimoniMobiliari".into(),
            codice_fiscale: "RSSMRA80A01H501U".into(),
            data_controllo: data(2026, 1, 17),
            rapporti: vec![RapportoOmesso {
                tipo_rapporto: "01".into(),
                identificativo: "IT60X0542811101000000123456".into(),
                codice_fiscale_operatore: "00000000000".into(),
                saldo_3112: Some(dec!(1762)),
                consistenza_media: Some(dec!(1383.5)),
                valore: None,
            }],
        }],
    }
}

/// The result element of an answer, read with roxmltree, after checking the
/// envelope, the namespaces and the response/result names.
pub(crate) fn risultato<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    op: Operazione,
) -> roxmltree::Node<'a, 'i> {
    let busta = doc.root_element();
    assert_eq!(busta.tag_name().namespace(), Some(NS_SOAP));
    assert_eq!(busta.tag_name().name(), "Envelope");
    let elementi: Vec<_> = busta.children().filter(|n| n.is_element()).collect();
    assert_eq!(elementi.len(), 1, "solo il Body");
    let corpo = elementi[0];
    assert_eq!(corpo.tag_name().namespace(), Some(NS_SOAP));
    assert_eq!(corpo.tag_name().name(), "Body");
    let risposta = corpo.first_element_child().expect("risposta");
    assert_eq!(risposta.tag_name().namespace(), Some(NS_CON));
    assert_eq!(risposta.tag_name().name(), format!("{}Response", op.nome()));
    let risultato = risposta.first_element_child().expect("risultato");
    assert_eq!(risultato.tag_name().namespace(), Some(NS_CON));
    assert_eq!(risultato.tag_name().name(), format!("{}Result", op.nome()));
    for figlio in risultato.children().filter(|n| n.is_element()) {
        assert_eq!(figlio.tag_name().namespace(), Some(NS_CON), "{figlio:?}");
    }
    risultato
}

/// The element children of a node by name, in order.
pub(crate) fn figli<'a, 'i>(n: roxmltree::Node<'a, 'i>) -> Vec<(String, roxmltree::Node<'a, 'i>)> {
    n.children()
        .filter(|c| c.is_element())
        .map(|c| (c.tag_name().name().to_owned(), c))
        .collect()
}

pub(crate) fn testo_figlio(n: roxmltree::Node<'_, '_>, nome: &str) -> Option<String> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == nome)
        .map(|c| c.text().unwrap_or("").to_owned())
}

pub(crate) fn decodifica_base64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64 valido")
}

/// `TypeDecimal` as written by INPS: digits, a point, exactly two digits.
pub(crate) fn due_decimali(s: &str) -> bool {
    let Some((intero, frazione)) = s.split_once('.') else {
        return false;
    };
    let intero = intero.strip_prefix('-').unwrap_or(intero);
    !intero.is_empty()
        && intero.bytes().all(|b| b.is_ascii_digit())
        && frazione.len() == 2
        && frazione.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn attributi(n: roxmltree::Node<'_, '_>) -> Vec<(String, String)> {
    n.attributes()
        .map(|a| {
            assert_eq!(a.namespace(), None, "attributi non qualificati");
            (a.name().to_owned(), a.value().to_owned())
        })
        .collect()
}

pub(crate) fn attributo<'a>(n: roxmltree::Node<'a, '_>, nome: &str) -> &'a str {
    n.attribute(nome)
        .unwrap_or_else(|| panic!("attributo {nome} mancante su {:?}", n.tag_name()))
}
