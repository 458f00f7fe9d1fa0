//! Golden request/response pairs for every operation.
//!
//! Each request file is parsed and every field checked; each answer is built
//! from fixed data, compared byte for byte with its golden file, and read back
//! with roxmltree — an independent XML parser — down to the inner document.

mod comune;

use chrono::NaiveDate;
use comune::*;
use isee_soap::*;

fn identity(user_id: &str) -> Option<Identity> {
    Some(Identity {
        user_id: user_id.into(),
        codice_ufficio: "001".into(),
    })
}

fn domanda(prestazione: &str, protocollo: &str, stato: StatoDomanda) -> DatiDomanda {
    DatiDomanda {
        prestazione: Some(prestazione.into()),
        protocollo_domanda: Some(protocollo.into()),
        stato_domanda: Some(stato),
    }
}

/// The request every golden request file must parse to.
fn richiesta_attesa(op: Operazione) -> RichiestaSoap {
    use Operazione as O;
    let (identity, tipo, soglia, ricerca) = match op {
        O::ConsultazioneIndicatore => (
            identity("00000000000"),
            Some(TipoIndicatore::Ordinario),
            None,
            Ricerca::Cf(RicercaCf {
                codice_fiscale: "RSSMRA80A01H501U".into(),
                data_validita: Some(data(2026, 1, 15)),
                domanda: domanda("A1.07", "PROT-2026-000123", StatoDomanda::DaErogare),
            }),
        ),
        O::ConsultazioneAttestazione => (
            None,
            None,
            None,
            Ricerca::ProtDsu(RicercaProtDsu {
                protocollo_dsu: "INPS-ISEE-2026-00012345A-00".into(),
                codice_fiscale_beneficiario: "DNGGNN90C41F839K".into(),
                domanda: domanda(
                    "A2.12",
                    "Mensa 2026 & trasporto № 77",
                    StatoDomanda::Erogata,
                ),
            }),
        ),
        O::ConsultazioneIndicatoreResidenti => (
            identity("80078750587"),
            Some(TipoIndicatore::Minorenne),
            None,
            Ricerca::Cf(RicercaCf {
                codice_fiscale: "BNCLCU15T10L219Q".into(),
                data_validita: None,
                domanda: domanda("A1.07", "NIDO/2026/0042", StatoDomanda::DaErogare),
            }),
        ),
        O::ConsultazioneAttestazioneResidenti => (
            identity("80078750587"),
            None,
            None,
            Ricerca::Cf(RicercaCf {
                codice_fiscale: "RSSMRA80A01H501U".into(),
                data_validita: Some(data(2026, 3, 1)),
                domanda: domanda("A2.06", "TARI-2026-118", StatoDomanda::DaErogare),
            }),
        ),
        O::ConsultazioneIndicatoreOperatori => (
            None,
            Some(TipoIndicatore::Universitario),
            None,
            Ricerca::Cf(RicercaCf {
                codice_fiscale: "VRDLGU02E15A944T".into(),
                data_validita: Some(data(2026, 9, 30)),
                domanda: domanda("A2.04", "UNI-TASSE-2026-5531", StatoDomanda::DaErogare),
            }),
        ),
        O::ConsultazioneAttestazioneOperatori => (
            None,
            None,
            None,
            Ricerca::ProtMittente(RicercaProtMittente {
                protocollo_mittente: "CAF00018-MAR001-2026-N0001234".into(),
                codice_fiscale_beneficiario: "RSSMRA80A01H501U".into(),
                // Blanks around a value are not part of it.
                domanda: domanda("A1.04", "SOST-2026-9", StatoDomanda::DaErogare),
            }),
        ),
        O::ConsultazioneIndicatoreRiscontro => (
            identity("00000000000"),
            Some(TipoIndicatore::Ordinario),
            None,
            Ricerca::ProtDsu(RicercaProtDsu {
                protocollo_dsu: "INPS-ISEE-2026-00012345A-00".into(),
                codice_fiscale_beneficiario: "RSSMRA80A01H501U".into(),
                domanda: domanda("A1.05", "ALL-2026-31", StatoDomanda::DaErogare),
            }),
        ),
        O::ConsultazioneIndicatoreNucleoRiscontro => (
            None,
            Some(TipoIndicatore::SocioSanitario),
            None,
            Ricerca::ProtDsu(RicercaProtDsu {
                protocollo_dsu: "INPS-ISEE-2026-00067890B-01".into(),
                codice_fiscale_beneficiario: "DNGGNN90C41F839K".into(),
                domanda: domanda("A1.14", "RSA-2026-007", StatoDomanda::Erogata),
            }),
        ),
        // INPS's threshold request, as a JAX-WS client sends it: four attributes
        // of `request`, no TipoIndicatore, no application fields.
        O::ConsultazioneSogliaIndicatore => (
            identity("80078750587"),
            None,
            Some("BVAC01".to_owned()),
            Ricerca::Cf(RicercaCf {
                codice_fiscale: "RSSMRA80A01H501U".into(),
                data_validita: Some(data(2026, 6, 1)),
                domanda: DatiDomanda::default(),
            }),
        ),
        O::ConsultazioneDichiarazione => unreachable!("solo REST, fuori da TUTTE"),
    };
    RichiestaSoap {
        operazione: op,
        identity,
        tipo_indicatore: tipo,
        codice_soglia: soglia,
        fornitura_nucleo: op == O::ConsultazioneSogliaIndicatore,
        ricerca,
    }
}

fn id_richiesta(op: Operazione) -> i64 {
    1000 + Operazione::TUTTE.iter().position(|o| *o == op).unwrap() as i64
}

/// The OK answer of each operation, from fixed data.
fn risposta_ok(r: &RichiestaSoap) -> Risposta {
    let op = r.operazione;
    let contenuto = if op == Operazione::ConsultazioneSogliaIndicatore {
        Contenuto::Soglia(DatiSoglia {
            tipo_indicatore: TipoIndicatoreSoglia::Ordinario,
            sotto_soglia: true,
            protocollo_dsu: "INPS-ISEE-2026-00012345A-00".into(),
            data_presentazione_dsu: data(2026, 1, 15),
            presenza_difformita: false,
            componenti: nucleo(),
        })
    } else if op.restituisce_attestazione() {
        Contenuto::Attestazione(xml_esito_attestazione(Some(&attestazione()), &r.ricerca))
    } else {
        let mut d = indicatore_ordinario(r.ricerca.clone(), r.tipo_indicatore.unwrap());
        // A riscontro answers about the DSU it was asked about.
        if let Ricerca::ProtDsu(p) = &r.ricerca {
            d.protocollo_dsu = p.protocollo_dsu.clone();
        }
        if op == Operazione::ConsultazioneIndicatoreNucleoRiscontro {
            d.nucleo = Some(nucleo());
        }
        Contenuto::Indicatore(xml_indicatore(&d))
    };
    Risposta {
        operazione: op,
        id_richiesta: id_richiesta(op),
        esito: Esito::Ok,
        descrizione_errore: None,
        contenuto,
    }
}

fn protocollo_valido_indipendente(p: &str) -> bool {
    // INPS-ISEE-[0-9]{4}-[0-9]{8}[A-Z]-[0-9]{2}, checked piece by piece.
    let parti: Vec<&str> = p.split('-').collect();
    parti.len() == 5
        && parti[0] == "INPS"
        && parti[1] == "ISEE"
        && parti[2].len() == 4
        && parti[2].chars().all(|c| c.is_ascii_digit())
        && parti[3].len() == 9
        && parti[3][..8].chars().all(|c| c.is_ascii_digit())
        && parti[3][8..].chars().all(|c| c.is_ascii_uppercase())
        && parti[4].len() == 2
        && parti[4].chars().all(|c| c.is_ascii_digit())
}

fn data_valida(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| panic!("data {s}"))
}

/// The search echoed by the inner documents, checked against the request.
fn controlla_eco_ricerca(n: roxmltree::Node<'_, '_>, ricerca: &Ricerca) {
    assert_eq!(n.tag_name().namespace(), Some(NS_RIF));
    assert_eq!(n.tag_name().name(), ricerca.elemento());
    assert!(n.first_element_child().is_none());
    let mut attesi: Vec<(String, String)> = Vec::new();
    match ricerca {
        Ricerca::Cf(r) => {
            attesi.push(("CodiceFiscale".into(), r.codice_fiscale.clone()));
            if let Some(d) = r.data_validita {
                attesi.push(("DataValidita".into(), d.format("%Y-%m-%d").to_string()));
            }
        }
        Ricerca::ProtDsu(r) => {
            attesi.push(("ProtocolloDSU".into(), r.protocollo_dsu.clone()));
            attesi.push((
                "CodiceFiscaleBeneficiario".into(),
                r.codice_fiscale_beneficiario.clone(),
            ));
        }
        Ricerca::ProtMittente(r) => {
            attesi.push(("ProtocolloMittente".into(), r.protocollo_mittente.clone()));
            attesi.push((
                "CodiceFiscaleBeneficiario".into(),
                r.codice_fiscale_beneficiario.clone(),
            ));
        }
    }
    let d = ricerca.domanda();
    if let Some(p) = &d.prestazione {
        attesi.push(("PrestazioneDaErogare".into(), p.clone()));
    }
    if let Some(p) = &d.protocollo_domanda {
        attesi.push(("ProtocolloDomandaEnteErogatore".into(), p.clone()));
    }
    if let Some(s) = d.stato_domanda {
        attesi.push(("StatodomandaPrestazione".into(), s.nome().into()));
    }
    assert_eq!(attributi(n), attesi);
}

const DICHIARAZIONE_INTERNA: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

fn controlla_indicatore(xml: &[u8], r: &RichiestaSoap) {
    assert!(xml.starts_with(DICHIARAZIONE_INTERNA.as_bytes()));
    let testo = std::str::from_utf8(xml).expect("UTF-8");
    let doc = roxmltree::Document::parse(testo).expect("Indicatore ben formato");
    let ind = doc.root_element();
    assert_eq!(ind.tag_name().namespace(), Some(NS_RIF));
    assert_eq!(ind.tag_name().name(), "Indicatore");
    let nomi: Vec<String> = attributi(ind).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        nomi,
        [
            "TipoIndicatore",
            "ISE",
            "ScalaEquivalenza",
            "ISEE",
            "ISR",
            "ISP",
            "ProtocolloDSU",
            "DataPresentazione"
        ]
    );
    assert_eq!(
        attributo(ind, "TipoIndicatore"),
        r.tipo_indicatore.unwrap().nome()
    );
    for nome in ["ISE", "ScalaEquivalenza", "ISEE", "ISR", "ISP"] {
        assert!(due_decimali(attributo(ind, nome)), "{nome}");
    }
    assert_eq!(attributo(ind, "ISE"), "42911.75");
    assert_eq!(attributo(ind, "ScalaEquivalenza"), "2.46");
    assert_eq!(attributo(ind, "ISEE"), "17443.80");
    assert_eq!(attributo(ind, "ISR"), "36653.95");
    assert_eq!(attributo(ind, "ISP"), "31289.00");
    assert!(protocollo_valido_indipendente(attributo(
        ind,
        "ProtocolloDSU"
    )));
    let protocollo_atteso = match &r.ricerca {
        Ricerca::ProtDsu(p) => p.protocollo_dsu.as_str(),
        _ => "INPS-ISEE-2026-00012345A-00",
    };
    assert_eq!(attributo(ind, "ProtocolloDSU"), protocollo_atteso);
    assert_eq!(
        data_valida(attributo(ind, "DataPresentazione")),
        data(2026, 1, 15)
    );

    let figli = figli(ind);
    // INPS's Indicatore echoes a RicercaCF, for the riscontro operations too: the
    // beneficiary's code and the application fields (the protocol is @ProtocolloDSU).
    let d = r.ricerca.domanda().clone();
    let eco = match &r.ricerca {
        Ricerca::Cf(c) => Ricerca::Cf(c.clone()),
        altra => Ricerca::Cf(RicercaCf {
            codice_fiscale: altra.codice_fiscale().to_owned(),
            data_validita: None,
            domanda: d,
        }),
    };
    controlla_eco_ricerca(figli[0].1, &eco);
    if r.operazione == Operazione::ConsultazioneIndicatoreNucleoRiscontro {
        assert_eq!(figli.len(), 2);
        let (nome, nf) = &figli[1];
        assert_eq!(nome, "NucleoFamiliare");
        let componenti: Vec<Vec<(String, String)>> = nf
            .children()
            .filter(|c| c.is_element())
            .map(|c| {
                assert_eq!(c.tag_name().name(), "ComponenteNucleo");
                assert_eq!(c.tag_name().namespace(), Some(NS_RIF));
                attributi(c)
            })
            .collect();
        let attesi: Vec<Vec<(String, String)>> = nucleo()
            .into_iter()
            .map(|c| {
                vec![
                    ("RapportoConDichiarante".into(), c.rapporto),
                    ("Cognome".into(), c.cognome),
                    ("Nome".into(), c.nome),
                    ("CodiceFiscale".into(), c.codice_fiscale),
                ]
            })
            .collect();
        assert_eq!(componenti, attesi);
        assert_eq!(componenti[0][1].1, "D'ANGELO");
    } else {
        assert_eq!(figli.len(), 1);
    }
}

const IMPORTI: [&str; 16] = [
    "ISE",
    "ScalaEquivalenza",
    "ISEE",
    "ISR",
    "ISP",
    "SommaRedditiComponenti",
    "SommaRedditiComponentiCorrente",
    "RedditoFigurativoPatrimonioMobiliare",
    "Detrazioni",
    "PatrimonioMobiliare",
    "DetrazionePatrimonioMobiliare",
    "PatrimonioImmobiliare",
    "DetrazionePatrimonioImmobiliare",
    "ParametroNucleo",
    "Maggiorazioni",
    "ValoreComponenteAggiuntiva",
];

/// INPS's whole-euro amounts of a `Rapporto` (`xs:unsignedInt`).
const EURO_INTERI: [&str; 3] = ["Saldo3112", "ConsistenzaMedia", "Valore"];

fn controlla_attestazione(xml: &[u8], r: &RichiestaSoap) {
    assert!(xml.starts_with(DICHIARAZIONE_INTERNA.as_bytes()));
    let testo = std::str::from_utf8(xml).expect("UTF-8");
    let doc = roxmltree::Document::parse(testo).expect("EsitoAttestazione ben formato");
    let esito = doc.root_element();
    assert_eq!(esito.tag_name().namespace(), Some(NS_RIF));
    assert_eq!(esito.tag_name().name(), "EsitoAttestazione");
    for n in esito.descendants().filter(|n| n.is_element()) {
        assert_eq!(n.tag_name().namespace(), Some(NS_RIF), "{:?}", n.tag_name());
        for a in n.attributes() {
            if IMPORTI.contains(&a.name()) {
                assert!(due_decimali(a.value()), "{}={}", a.name(), a.value());
            }
            if EURO_INTERI.contains(&a.name()) {
                assert!(
                    !a.value().is_empty() && a.value().bytes().all(|b| b.is_ascii_digit()),
                    "{}={}",
                    a.name(),
                    a.value()
                );
            }
            if a.name().starts_with("Data") {
                data_valida(a.value());
            }
        }
    }
    let figli_esito = figli(esito);
    assert_eq!(
        figli_esito
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["Attestazione", "Ricerca"]
    );
    let att = figli_esito[0].1;
    assert_eq!(
        attributi(att),
        [
            ("CodiceFiscaleDichiarante", "DNGGNN90C41F839K"),
            ("NumeroProtocolloDSU", "INPS-ISEE-2026-00012345A-00"),
            ("DataPresentazione", "2026-01-15"),
            ("DataValidita", "2026-12-31"),
            ("ProtocolloMittente", "CAF00018-MAR001-2026-N0001234"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert!(protocollo_valido_indipendente(attributo(
        att,
        "NumeroProtocolloDSU"
    )));
    let figli_att = figli(att);
    assert_eq!(
        figli_att
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["Ordinario", "Ridotto", "OmissioneDifformita"]
    );
    let ord = figli_att[0].1;
    assert_eq!(ord.attribute("Corrente"), None);
    let figli_ord = figli(ord);
    assert_eq!(
        figli_ord
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        [
            "NucleoFamiliare",
            "ISEEOrdinario",
            "ISEEFamiglia",
            "ISEEMin",
            "ISEEUni",
            "ISEESocioSanRes"
        ]
    );
    let componenti = figli(figli_ord[0].1);
    assert_eq!(componenti.len(), 4);
    assert_eq!(attributo(componenti[0].1, "Cognome"), "D'ANGELO");
    assert_eq!(attributo(componenti[2].1, "Nome"), "NICCOLÒ");
    assert_eq!(attributo(componenti[0].1, "RapportoConDichiarante"), "D");

    let iseeord = figli_ord[1].1;
    assert_eq!(attributo(iseeord, "DataRilascio"), "2026-01-18");
    let parti = figli(iseeord);
    assert_eq!(parti[0].0, "Valori");
    assert_eq!(
        attributi(parti[0].1),
        [
            ("ISE", "42911.75"),
            ("ScalaEquivalenza", "2.46"),
            ("ISEE", "17443.80"),
            ("ISR", "36653.95"),
            ("ISP", "31289.00")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(parti[1].0, "ModalitaCalcoloISEEOrdinario");
    let m = parti[1].1;
    assert_eq!(attributo(m, "SommaRedditiComponenti"), "36473.40");
    assert_eq!(m.attribute("SommaRedditiComponentiCorrente"), None);
    assert_eq!(attributo(m, "DetrazionePatrimonioImmobiliare"), "54096.00");
    assert_eq!(attributo(m, "Maggiorazioni"), "0.00");
    assert_eq!(m.attributes().count(), 13);

    // The 2026 family ISEE, shaped like ISEEOrdinario (what OpenMSP reads).
    let famiglia = figli_ord[2].1;
    assert_eq!(attributo(famiglia, "DataRilascio"), "2026-01-18");
    let parti_f = figli(famiglia);
    assert_eq!(parti_f[0].0, "Valori");
    assert_eq!(attributo(parti_f[0].1, "ISEE"), "16866.99");
    assert_eq!(parti_f[1].0, "ModalitaCalcoloISEEFamiglia");

    let minore = figli(figli_ord[3].1);
    assert_eq!(minore[0].0, "ComponenteMinorenne");
    let cm = minore[0].1;
    assert_eq!(attributo(cm, "Cognome"), "ROSSI");
    assert_eq!(attributo(cm, "CodiceFiscale"), "RSSNCL15T10L219P");
    assert_eq!(attributo(cm, "ISEE"), "16293.96");
    let agg = figli(cm);
    assert_eq!(agg[0].0, "ISEEMinAgg");
    let parti_agg = figli(agg[0].1);
    // INPS's spelling: ComponenteAgguntiva, ModalitaCalcoloISEEMinAggr.
    assert_eq!(parti_agg[0].0, "ComponenteAgguntiva");
    let persona = figli(parti_agg[0].1);
    assert_eq!(persona[0].0, "ComponenteAttrattaAggiuntiva");
    assert_eq!(attributo(persona[0].1, "CodiceFiscale"), "BNCGPP78B12H501X");
    assert_eq!(
        attributo(persona[0].1, "ValoreComponenteAggiuntiva"),
        "1510.42"
    );
    assert_eq!(parti_agg[1].0, "Valori");
    assert_eq!(parti_agg[2].0, "ModalitaCalcoloISEEMinAggr");
    assert_eq!(attributo(parti_agg[2].1, "Maggiorazioni"), "0.20");

    let studente = figli(figli_ord[4].1);
    assert_eq!(studente[0].0, "StudenteUniversitario");
    assert_eq!(attributo(studente[0].1, "ISEE"), "17443.80");
    assert_eq!(figli(studente[0].1)[0].0, "ISEEOrd");

    let ss = figli(figli_ord[5].1);
    assert_eq!(ss[0].0, "ComponenteSocioSanitarieRes");
    assert_eq!(ss[0].1.attribute("ISEE"), None);
    let nc = figli(ss[0].1);
    assert_eq!(nc[0].0, "ISEENonCalcolabile");
    assert_eq!(
        nc[0].1.text(),
        Some("Dati della componente aggiuntiva non forniti")
    );

    let ridotto = figli_att[1].1;
    assert_eq!(
        attributo(ridotto, "CodiceFiscaleBeneficiario"),
        "DNGGNN90C41F839K"
    );
    let parti_r = figli(ridotto);
    assert_eq!(parti_r[0].0, "NucleoRistretto");
    let membri = figli(parti_r[0].1);
    assert_eq!(attributo(membri[0].1, "RelazioneConBeneficiario"), "B");
    assert_eq!(parti_r[1].0, "ISEERistretto");
    assert_eq!(figli(parti_r[1].1)[1].0, "ModalitaCalcoloISEERistretto");

    let om = figli_att[2].1;
    assert_eq!(
        attributo(om, "TipoOmissioneDifformita"),
        "PatrimoniMobiliari"
    );
    assert_eq!(attributo(om, "DataControlloAE"), "2026-01-17");
    let rapporto = figli(om)[0].1;
    assert_eq!(attributo(rapporto, "TipoRapporto"), "01");
    // Whole euros, half away from zero.
    assert_eq!(attributo(rapporto, "Saldo3112"), "1762");
    assert_eq!(attributo(rapporto, "ConsistenzaMedia"), "1384");
    assert_eq!(rapporto.attribute("Valore"), None);

    let ricerca = figli(figli_esito[1].1);
    assert_eq!(ricerca.len(), 1);
    controlla_eco_ricerca(ricerca[0].1, &r.ricerca);
}

fn controlla_soglia(risultato: roxmltree::Node<'_, '_>) {
    let dati = figli(risultato)
        .into_iter()
        .find(|(n, _)| n == "DatiIndicatore")
        .expect("DatiIndicatore")
        .1;
    assert_eq!(
        attributi(dati),
        [
            ("TipoIndicatore", "ISEE Ordinario"),
            ("SottoSoglia", "SI"),
            ("ProtocolloDSU", "INPS-ISEE-2026-00012345A-00"),
            ("DataPresentazioneDSU", "2026-01-15"),
            ("PresenzaDifformita", "NO"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    // No amount of any kind: a yes/no answer.
    assert!(dati.attributes().all(|a| !due_decimali(a.value())));
    // FornituraNucleo="SI": the nucleus as INPS's NucleoType (CF, Cognome, Nome).
    let componenti: Vec<Vec<(String, String)>> = figli(dati)
        .into_iter()
        .map(|(n, c)| {
            assert_eq!(n, "Componente");
            assert_eq!(c.tag_name().namespace(), Some(NS_CON));
            attributi(c)
        })
        .collect();
    let attesi: Vec<Vec<(String, String)>> = nucleo()
        .into_iter()
        .map(|c| {
            vec![
                ("CodiceFiscale".into(), c.codice_fiscale),
                ("Cognome".into(), c.cognome),
                ("Nome".into(), c.nome),
            ]
        })
        .collect();
    assert_eq!(componenti, attesi);
}

fn caso_golden(op: Operazione) {
    let richiesta = leggi_golden(&format!("{}.richiesta.xml", op.nome()));
    let azione = format!("\"{}\"", op.soap_action());
    let letta = leggi_richiesta(&richiesta, Some(&azione)).unwrap_or_else(|e| panic!("{op}: {e}"));
    assert_eq!(letta, richiesta_attesa(op), "{op}");
    // Without a SOAPAction, or with the unquoted one, the body decides alike.
    assert_eq!(leggi_richiesta(&richiesta, None).unwrap(), letta);
    assert_eq!(
        leggi_richiesta(&richiesta, Some(op.soap_action())).unwrap(),
        letta
    );

    let risposta = risposta_ok(&letta);
    let xml = scrivi_risposta(&risposta);
    confronta_golden(&format!("{}.risposta.xml", op.nome()), &xml);

    let testo = std::str::from_utf8(&xml).expect("UTF-8");
    let doc = roxmltree::Document::parse(testo).expect("risposta ben formata");
    let ris = risultato(&doc, op);
    let nomi: Vec<String> = figli(ris).into_iter().map(|(n, _)| n).collect();
    let atteso_xml = op.elemento_xml_esito().unwrap_or("DatiIndicatore");
    assert_eq!(nomi, ["IdRichiesta", "Esito", atteso_xml]);
    assert_eq!(
        testo_figlio(ris, "IdRichiesta").unwrap(),
        id_richiesta(op).to_string()
    );
    assert_eq!(testo_figlio(ris, "Esito").unwrap(), "OK");
    match op.elemento_xml_esito() {
        Some("XmlEsitoIndicatore") => {
            let interno = decodifica_base64(&testo_figlio(ris, "XmlEsitoIndicatore").unwrap());
            controlla_indicatore(&interno, &letta);
        }
        Some("XmlEsitoAttestazione") => {
            let interno = decodifica_base64(&testo_figlio(ris, "XmlEsitoAttestazione").unwrap());
            controlla_attestazione(&interno, &letta);
        }
        _ => controlla_soglia(ris),
    }
}

#[test]
fn consultazione_indicatore() {
    caso_golden(Operazione::ConsultazioneIndicatore);
}
#[test]
fn consultazione_attestazione() {
    caso_golden(Operazione::ConsultazioneAttestazione);
}
#[test]
fn consultazione_indicatore_residenti() {
    caso_golden(Operazione::ConsultazioneIndicatoreResidenti);
}
#[test]
fn consultazione_attestazione_residenti() {
    caso_golden(Operazione::ConsultazioneAttestazioneResidenti);
}
#[test]
fn consultazione_indicatore_operatori() {
    caso_golden(Operazione::ConsultazioneIndicatoreOperatori);
}
#[test]
fn consultazione_attestazione_operatori() {
    caso_golden(Operazione::ConsultazioneAttestazioneOperatori);
}
#[test]
fn consultazione_indicatore_riscontro() {
    caso_golden(Operazione::ConsultazioneIndicatoreRiscontro);
}
#[test]
fn consultazione_indicatore_nucleo_riscontro() {
    caso_golden(Operazione::ConsultazioneIndicatoreNucleoRiscontro);
}
#[test]
fn consultazione_soglia_indicatore() {
    caso_golden(Operazione::ConsultazioneSogliaIndicatore);
}

/// An error answer read back: envelope, names, `Esito`, `DescrizioneErrore`
/// and what follows it.
fn controlla_errore(
    xml: &[u8],
    op: Operazione,
    id: i64,
    esito: &str,
    descrizione: &str,
) -> Vec<String> {
    let testo = std::str::from_utf8(xml).unwrap();
    let doc = roxmltree::Document::parse(testo).unwrap();
    let ris = risultato(&doc, op);
    assert_eq!(testo_figlio(ris, "IdRichiesta").unwrap(), id.to_string());
    assert_eq!(testo_figlio(ris, "Esito").unwrap(), esito);
    assert_eq!(testo_figlio(ris, "DescrizioneErrore").unwrap(), descrizione);
    figli(ris).into_iter().map(|(n, _)| n).collect()
}

#[test]
fn richiesta_invalida_con_piu_problemi() {
    let op = Operazione::ConsultazioneIndicatore;
    let richiesta = leggi_golden("ConsultazioneIndicatore.richiesta-invalida.xml");
    let errore = leggi_richiesta(&richiesta, Some(op.soap_action())).unwrap_err();
    let ErroreRichiesta::Invalida {
        operazione,
        problemi,
    } = &errore
    else {
        panic!("atteso Invalida, ottenuto {errore:?}");
    };
    assert_eq!(*operazione, op);
    let percorsi: Vec<&str> = problemi.iter().map(|p| p.percorso.as_str()).collect();
    assert_eq!(
        percorsi,
        [
            "request/TipoIndicatore",
            "request/RicercaCF/CodiceFiscale",
            "request/RicercaCF/DataValidita",
            "request/RicercaCF/PrestazioneDaErogare",
            "request/RicercaCF/StatodomandaPrestazione",
        ]
    );
    let descrizione = descrizione_problemi(problemi);
    // The fiscal code is personal data: it is not repeated in the message.
    assert!(!descrizione.contains("RSSMRA80A01H501"));
    assert!(descrizione.contains("«Familiare»"));

    let risposta = Risposta {
        operazione: op,
        id_richiesta: 2001,
        esito: Esito::RichiestaInvalida,
        descrizione_errore: Some(descrizione.clone()),
        contenuto: Contenuto::Nessuno,
    };
    let xml = scrivi_risposta(&risposta);
    confronta_golden("ConsultazioneIndicatore.risposta-invalida.xml", &xml);
    let nomi = controlla_errore(&xml, op, 2001, "RICHIESTA_INVALIDA", &descrizione);
    assert_eq!(nomi, ["IdRichiesta", "Esito", "DescrizioneErrore"]);
}

#[test]
fn dati_non_trovati() {
    let op = Operazione::ConsultazioneAttestazione;
    let letta = leggi_richiesta(
        &leggi_golden("ConsultazioneAttestazione.richiesta.xml"),
        None,
    )
    .unwrap();
    let descrizione = "Nessuna attestazione ISEE valida per la ricerca indicata";
    // The inner document says "not found" too: EsitoAttestazione without
    // Attestazione, with the search echoed.
    let risposta = Risposta {
        operazione: op,
        id_richiesta: 2002,
        esito: Esito::DatiNonTrovati,
        descrizione_errore: Some(descrizione.into()),
        contenuto: Contenuto::Attestazione(xml_esito_attestazione(None, &letta.ricerca)),
    };
    let xml = scrivi_risposta(&risposta);
    confronta_golden(
        "ConsultazioneAttestazione.risposta-dati-non-trovati.xml",
        &xml,
    );
    let nomi = controlla_errore(&xml, op, 2002, "DATI_NON_TROVATI", descrizione);
    assert_eq!(
        nomi,
        [
            "IdRichiesta",
            "Esito",
            "DescrizioneErrore",
            "XmlEsitoAttestazione"
        ]
    );

    let doc_testo = String::from_utf8(xml).unwrap();
    let doc = roxmltree::Document::parse(&doc_testo).unwrap();
    let b64 = testo_figlio(risultato(&doc, op), "XmlEsitoAttestazione").unwrap();
    let interno = String::from_utf8(decodifica_base64(&b64)).unwrap();
    let interno = roxmltree::Document::parse(&interno).unwrap();
    let radice = interno.root_element();
    assert_eq!(radice.tag_name().namespace(), Some(NS_RIF));
    let figli = figli(radice);
    assert_eq!(figli.len(), 1);
    assert_eq!(figli[0].0, "Ricerca");
    controlla_eco_ricerca(figli[0].1.first_element_child().unwrap(), &letta.ricerca);
}

#[test]
fn riscontro_non_valido() {
    let op = Operazione::ConsultazioneIndicatoreRiscontro;
    let descrizione = "Il protocollo DSU indicato non corrisponde al beneficiario";
    let risposta = Risposta {
        operazione: op,
        id_richiesta: 2003,
        esito: Esito::RiscontroNonValido,
        descrizione_errore: Some(descrizione.into()),
        contenuto: Contenuto::Nessuno,
    };
    let xml = scrivi_risposta(&risposta);
    confronta_golden(
        "ConsultazioneIndicatoreRiscontro.risposta-riscontro-non-valido.xml",
        &xml,
    );
    let nomi = controlla_errore(&xml, op, 2003, "RISCONTRO_NON_VALIDO", descrizione);
    assert_eq!(nomi, ["IdRichiesta", "Esito", "DescrizioneErrore"]);
}

fn controlla_fault(xml: &[u8], faultcode: &str, problema: &Problem) {
    let testo = std::str::from_utf8(xml).unwrap();
    let doc = roxmltree::Document::parse(testo).unwrap();
    let busta = doc.root_element();
    assert_eq!(busta.tag_name().namespace(), Some(NS_SOAP));
    let fault = busta
        .first_element_child()
        .unwrap()
        .first_element_child()
        .unwrap();
    assert_eq!(fault.tag_name().namespace(), Some(NS_SOAP));
    assert_eq!(fault.tag_name().name(), "Fault");
    let parti = figli(fault);
    assert_eq!(
        parti.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["faultcode", "faultstring", "detail"]
    );
    // SOAP 1.1: the fault's children are unqualified.
    assert!(
        parti
            .iter()
            .all(|(_, n)| n.tag_name().namespace().is_none())
    );
    // faultcode is a QName: its prefix must resolve to the SOAP namespace.
    let codice = parti[0].1.text().unwrap();
    let (prefisso, locale) = codice.split_once(':').unwrap();
    assert_eq!(
        parti[0].1.lookup_namespace_uri(Some(prefisso)),
        Some(NS_SOAP)
    );
    assert_eq!(locale, faultcode);
    let problem = parti[2].1.first_element_child().unwrap();
    assert_eq!(problem.tag_name().namespace(), Some("urn:ietf:rfc:7807"));
    assert_eq!(problem.tag_name().name(), "problem");
    assert_eq!(testo_figlio(problem, "type").unwrap(), problema.tipo);
    assert_eq!(testo_figlio(problem, "title").unwrap(), problema.titolo);
    assert_eq!(
        testo_figlio(problem, "status").unwrap(),
        problema.stato.to_string()
    );
    assert_eq!(testo_figlio(problem, "detail").unwrap(), problema.dettaglio);
    assert_eq!(
        testo_figlio(problem, "govway_id"),
        problema.govway_id.clone()
    );
}

#[test]
fn fault_client_per_busta_soap12() {
    let richiesta = leggi_golden("ConsultazioneIndicatore.richiesta-soap12.xml");
    let errore = leggi_richiesta(&richiesta, None).unwrap_err();
    let ErroreRichiesta::Envelope { messaggio } = &errore else {
        panic!("atteso Envelope, ottenuto {errore:?}");
    };
    assert!(messaggio.contains("SOAP 1.2 non supportato"), "{messaggio}");
    let problema = Problem {
        tipo: "https://govway.org/handling-errors/400/InvalidRequestContent.html".into(),
        titolo: "InvalidRequestContent".into(),
        stato: 400,
        dettaglio: messaggio.clone(),
        codice: "InvalidRequestContent".into(),
        govway_id: Some("6c0e8a2e-7d1f-4c59-9d0a-3f2b1c4d5e6f".into()),
    };
    let xml = scrivi_fault(FaultCode::Client, "Richiesta non valida", &problema);
    confronta_golden("fault-client.xml", &xml);
    controlla_fault(&xml, "Client.InvalidRequestContent", &problema);
}

#[test]
fn fault_server_come_govway() {
    let problema = Problem {
        tipo: "https://govway.org/handling-errors/503/APIUnavailable.html".into(),
        titolo: "APIUnavailable".into(),
        stato: 503,
        dettaglio: "Il servizio non è al momento disponibile <riprovare più tardi>".into(),
        codice: "APIUnavailable".into(),
        govway_id: None,
    };
    let xml = scrivi_fault(FaultCode::Server, "Servizio non disponibile", &problema);
    confronta_golden("fault-server.xml", &xml);
    controlla_fault(&xml, "Server.APIUnavailable", &problema);
}
