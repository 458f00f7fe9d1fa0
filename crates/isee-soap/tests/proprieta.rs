//! Properties: every request the types can express is written and read back
//! unchanged; every `Indicatore` and `EsitoAttestazione` is well-formed XML
//! that an independent parser reads back with the same values.

mod comune;

use chrono::NaiveDate;
use comune::*;
use isee_soap::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn codice_fiscale() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z]{6}[0-9]{2}[A-Z][0-9]{2}[A-Z][A-Z0-9]{3}[A-Z]",
        "[0-9]{11}",
    ]
}

fn protocollo_dsu() -> impl Strategy<Value = String> {
    "INPS-ISEE-[0-9]{4}-[0-9]{8}[A-Z]-[0-9]{2}"
}

fn data_qualsiasi() -> impl Strategy<Value = NaiveDate> {
    (1000i32..=9999, 1u32..=12, 1u32..=28).prop_map(|(a, m, g)| data(a, m, g))
}

/// Free text as a client may send it: any characters XML can carry, without
/// leading or trailing blanks (which the reader trims).
fn testo_libero(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::char::range(' ', '~'),
            Just('&'),
            Just('<'),
            Just('>'),
            Just('\''),
            Just('"'),
            Just('È'),
            Just('№'),
            Just('\n'),
            Just('\t'),
            Just('\r'),
        ],
        1..max,
    )
    .prop_map(|c| c.into_iter().collect::<String>())
    .prop_filter("senza spazi ai bordi", |s| {
        let t = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
        !t.is_empty() && t.len() == s.len()
    })
}

fn domanda() -> impl Strategy<Value = DatiDomanda> {
    (
        prop::option::of(prop::sample::select(
            PRESTAZIONI.map(|(c, _)| c.to_owned()).to_vec(),
        )),
        prop::option::of(testo_libero(256)),
        prop::option::of(prop::sample::select(vec![
            StatoDomanda::DaErogare,
            StatoDomanda::Erogata,
        ])),
    )
        .prop_map(
            |(prestazione, protocollo_domanda, stato_domanda)| DatiDomanda {
                prestazione,
                protocollo_domanda,
                stato_domanda,
            },
        )
}

fn ricerca_cf() -> impl Strategy<Value = Ricerca> {
    (
        codice_fiscale(),
        prop::option::of(data_qualsiasi()),
        domanda(),
    )
        .prop_map(|(cf, d, dom)| {
            Ricerca::Cf(RicercaCf {
                codice_fiscale: cf,
                data_validita: d,
                domanda: dom,
            })
        })
}

fn ricerca_prot_dsu() -> impl Strategy<Value = Ricerca> {
    (protocollo_dsu(), codice_fiscale(), domanda()).prop_map(|(p, cf, dom)| {
        Ricerca::ProtDsu(RicercaProtDsu {
            protocollo_dsu: p,
            codice_fiscale_beneficiario: cf,
            domanda: dom,
        })
    })
}

fn ricerca_prot_mittente() -> impl Strategy<Value = Ricerca> {
    (testo_libero(29), codice_fiscale(), domanda()).prop_map(|(p, cf, dom)| {
        Ricerca::ProtMittente(RicercaProtMittente {
            protocollo_mittente: p,
            codice_fiscale_beneficiario: cf,
            domanda: dom,
        })
    })
}

fn tipo() -> impl Strategy<Value = TipoIndicatore> {
    prop::sample::select(TipoIndicatore::TUTTI.to_vec())
}

/// Any request the contract allows, for any of the nine operations.
fn richiesta() -> impl Strategy<Value = RichiestaSoap> {
    let identity =
        prop::option::of(
            (testo_libero(40), testo_libero(10)).prop_map(|(u, c)| Identity {
                user_id: u,
                codice_ufficio: c,
            }),
        );
    let op = prop::sample::select(Operazione::TUTTE.to_vec());
    (
        op,
        identity,
        tipo(),
        "[A-Za-z]{4}[0-9]{2}",
        ricerca_cf(),
        ricerca_prot_dsu(),
        ricerca_prot_mittente(),
        0usize..3,
    )
        .prop_map(|(op, identity, tipo, soglia, cf, dsu, mitt, scelta)| {
            use Operazione as O;
            let (tipo_indicatore, codice_soglia, ricerca) = match op {
                O::ConsultazioneIndicatore
                | O::ConsultazioneIndicatoreResidenti
                | O::ConsultazioneIndicatoreOperatori => (Some(tipo), None, cf),
                O::ConsultazioneIndicatoreRiscontro | O::ConsultazioneIndicatoreNucleoRiscontro => {
                    (Some(tipo), None, dsu)
                }
                // INPS's threshold request: no TipoIndicatore, no application fields.
                O::ConsultazioneSogliaIndicatore => {
                    let Ricerca::Cf(mut c) = cf else {
                        unreachable!("ricerca_cf")
                    };
                    c.domanda = DatiDomanda::default();
                    (None, Some(soglia), Ricerca::Cf(c))
                }
                O::ConsultazioneAttestazione
                | O::ConsultazioneAttestazioneResidenti
                | O::ConsultazioneAttestazioneOperatori => {
                    (None, None, [cf, dsu, mitt].into_iter().nth(scelta).unwrap())
                }
                O::ConsultazioneDichiarazione => unreachable!("solo REST, fuori da TUTTE"),
            };
            RichiestaSoap {
                operazione: op,
                identity,
                tipo_indicatore,
                codice_soglia,
                fornitura_nucleo: op == O::ConsultazioneSogliaIndicatore && scelta == 1,
                ricerca,
            }
        })
}

fn importo() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000i64..1_000_000_000_000i64, 0u32..=4).prop_map(|(m, s)| Decimal::new(m, s))
}

fn nome() -> impl Strategy<Value = String> {
    "[A-Z][A-Z' ÀÈÉÌÒÙ]{0,30}[A-Z]"
}

fn componente() -> impl Strategy<Value = ComponenteNucleo> {
    (
        prop::sample::select(vec!["D", "C", "F", "MA", "FC", "FNC", "P", "GNC"]),
        nome(),
        nome(),
        codice_fiscale(),
    )
        .prop_map(|(r, c, n, cf)| ComponenteNucleo {
            rapporto: r.into(),
            cognome: c,
            nome: n,
            codice_fiscale: cf,
        })
}

fn indicatore() -> impl Strategy<Value = DatiIndicatore> {
    (
        tipo(),
        [importo(), importo(), importo(), importo(), importo()],
        protocollo_dsu(),
        data_qualsiasi(),
        prop_oneof![ricerca_cf(), ricerca_prot_dsu()],
        prop::option::of(prop::collection::vec(componente(), 0..6)),
    )
        .prop_map(
            |(tipo, [ise, scala, isee, isr, isp], p, d, ricerca, nucleo)| DatiIndicatore {
                tipo,
                ise,
                scala_equivalenza: scala,
                isee,
                isr,
                isp,
                protocollo_dsu: p,
                data_presentazione: d,
                ricerca,
                nucleo,
            },
        )
}

/// The amount as the writer must show it, computed independently: rounded
/// half away from zero to the cent, with two digits.
fn atteso_due_decimali(d: Decimal) -> String {
    let centesimi = (d * Decimal::from(100))
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let c: i128 = centesimi.mantissa() / 10i128.pow(centesimi.scale());
    let segno = if c < 0 { "-" } else { "" };
    let c = c.unsigned_abs();
    format!("{segno}{}.{:02}", c / 100, c % 100)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ogni_richiesta_si_rilegge_uguale(r in richiesta()) {
        let xml = scrivi_richiesta(&r);
        let azione = format!("\"{}\"", r.operazione.soap_action());
        let letta = leggi_richiesta(&xml, Some(&azione));
        prop_assert_eq!(letta.as_ref().ok(), Some(&r), "{:?}\n{}", letta, String::from_utf8_lossy(&xml));
    }

    #[test]
    fn ogni_indicatore_e_xml_valido(d in indicatore()) {
        let xml = xml_indicatore(&d);
        let testo = String::from_utf8(xml).unwrap();
        let doc = roxmltree::Document::parse(&testo).unwrap();
        let radice = doc.root_element();
        prop_assert_eq!(radice.tag_name().namespace(), Some(NS_RIF));
        prop_assert_eq!(radice.tag_name().name(), "Indicatore");
        prop_assert_eq!(attributo(radice, "ISE"), atteso_due_decimali(d.ise));
        prop_assert_eq!(attributo(radice, "ScalaEquivalenza"), atteso_due_decimali(d.scala_equivalenza));
        prop_assert_eq!(attributo(radice, "ISEE"), atteso_due_decimali(d.isee));
        prop_assert_eq!(attributo(radice, "ISR"), atteso_due_decimali(d.isr));
        prop_assert_eq!(attributo(radice, "ISP"), atteso_due_decimali(d.isp));
        prop_assert_eq!(attributo(radice, "ProtocolloDSU"), d.protocollo_dsu.as_str());
        // INPS's Indicatore always echoes a RicercaCF (the beneficiary's code).
        let ricerca = radice.first_element_child().unwrap();
        prop_assert_eq!(ricerca.tag_name().name(), "RicercaCF");
        prop_assert_eq!(attributo(ricerca, "CodiceFiscale"), d.ricerca.codice_fiscale());
        prop_assert_eq!(
            ricerca.attribute("ProtocolloDomandaEnteErogatore"),
            d.ricerca.domanda().protocollo_domanda.as_deref()
        );
        let componenti: Vec<ComponenteNucleo> = radice
            .descendants()
            .filter(|n| n.has_tag_name((NS_RIF, "ComponenteNucleo")))
            .map(|n| ComponenteNucleo {
                rapporto: attributo(n, "RapportoConDichiarante").into(),
                cognome: attributo(n, "Cognome").into(),
                nome: attributo(n, "Nome").into(),
                codice_fiscale: attributo(n, "CodiceFiscale").into(),
            })
            .collect();
        prop_assert_eq!(componenti, d.nucleo.clone().unwrap_or_default());
    }

    #[test]
    fn ogni_esito_attestazione_e_xml_valido(
        r in prop_oneof![ricerca_cf(), ricerca_prot_dsu(), ricerca_prot_mittente()],
        trovata in any::<bool>(),
        nome_dichiarante in nome(),
    ) {
        let mut a = attestazione();
        a.nucleo[0].cognome = nome_dichiarante.clone();
        let xml = xml_esito_attestazione(trovata.then_some(&a), &r);
        let testo = String::from_utf8(xml).unwrap();
        let doc = roxmltree::Document::parse(&testo).unwrap();
        let radice = doc.root_element();
        prop_assert_eq!(radice.tag_name().name(), "EsitoAttestazione");
        let cognomi: Vec<&str> = radice
            .descendants()
            .filter(|n| n.has_tag_name((NS_RIF, "ComponenteNucleo")))
            .map(|n| attributo(n, "Cognome"))
            .collect();
        if trovata {
            prop_assert_eq!(cognomi[0], nome_dichiarante.as_str());
        } else {
            prop_assert!(cognomi.is_empty());
        }
        let eco = radice.last_element_child().unwrap().first_element_child().unwrap();
        prop_assert_eq!(eco.tag_name().name(), r.elemento());
    }

    #[test]
    fn ogni_risposta_e_xml_valido(
        op in prop::sample::select(Operazione::TUTTE.to_vec()),
        id in any::<i32>(),
        esito in prop::sample::select(Esito::TUTTI.to_vec()),
        descrizione in prop::option::of(testo_libero(200)),
    ) {
        let risposta = Risposta {
            operazione: op,
            id_richiesta: i64::from(id),
            esito,
            descrizione_errore: descrizione.clone(),
            contenuto: Contenuto::Nessuno,
        };
        let xml = scrivi_risposta(&risposta);
        let testo = String::from_utf8(xml).unwrap();
        let doc = roxmltree::Document::parse(&testo).unwrap();
        let ris = risultato(&doc, op);
        prop_assert_eq!(testo_figlio(ris, "IdRichiesta"), Some(id.to_string()));
        prop_assert_eq!(testo_figlio(ris, "Esito"), Some(esito.nome().to_owned()));
        prop_assert_eq!(testo_figlio(ris, "DescrizioneErrore"), descrizione);
    }

    /// Garbage never panics the reader.
    #[test]
    fn nessun_panico_su_input_arbitrario(b in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = leggi_richiesta(&b, None);
    }

    /// Nor does a valid request cut at any point or with a byte changed.
    #[test]
    fn nessun_panico_su_richieste_alterate(r in richiesta(), taglio in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut xml = scrivi_richiesta(&r);
        let i = taglio.index(xml.len());
        let mut alterata = xml.clone();
        alterata[i] = byte;
        let _ = leggi_richiesta(&alterata, None);
        xml.truncate(i);
        prop_assert!(leggi_richiesta(&xml, None).is_err());
    }
}
