//! The published WSDL and XSD agree with the code: every operation, action,
//! element and enumeration the codec knows is declared, and nothing else.

use std::collections::BTreeSet;

use isee_soap::*;

const NS_WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
const NS_WSDL_SOAP: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const NS_XS: &str = "http://www.w3.org/2001/XMLSchema";

fn nomi<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    ns: &str,
    tag: &str,
) -> Vec<roxmltree::Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.has_tag_name((ns, tag)))
        .collect()
}

#[test]
fn wsdl_dichiara_le_nove_operazioni() {
    let doc = roxmltree::Document::parse(WSDL).expect("WSDL ben formato");
    let radice = doc.root_element();
    assert_eq!(radice.attribute("targetNamespace"), Some(NS_CONSULTAZIONE));

    let port_types = nomi(&doc, NS_WSDL, "portType");
    assert_eq!(port_types.len(), 1);
    assert_eq!(port_types[0].attribute("name"), Some("ISvcConsultazione"));
    let operazioni: Vec<&str> = port_types[0]
        .children()
        .filter(|n| n.has_tag_name((NS_WSDL, "operation")))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    let attese: Vec<&str> = Operazione::TUTTE.iter().map(|o| o.nome()).collect();
    assert_eq!(operazioni, attese);

    // Every binding operation carries the SOAPAction the reader expects.
    let azioni: Vec<(String, String)> = nomi(&doc, NS_WSDL_SOAP, "operation")
        .into_iter()
        .map(|n| {
            assert_eq!(n.attribute("style"), Some("document"));
            let op = n.parent().unwrap().attribute("name").unwrap().to_owned();
            (op, n.attribute("soapAction").unwrap().to_owned())
        })
        .collect();
    assert_eq!(azioni.len(), 9);
    for (op, azione) in azioni {
        assert_eq!(
            Operazione::da_soap_action(&azione).map(|o| o.nome().to_owned()),
            Some(op)
        );
    }
    for body in nomi(&doc, NS_WSDL_SOAP, "body") {
        assert_eq!(body.attribute("use"), Some("literal"));
    }
    let binding = nomi(&doc, NS_WSDL_SOAP, "binding");
    assert_eq!(
        binding[0].attribute("transport"),
        Some("http://schemas.xmlsoap.org/soap/http")
    );

    // Messages point at elements that the XSD declares.
    let xsd = roxmltree::Document::parse(XSD).unwrap();
    let elementi: BTreeSet<&str> = xsd
        .root_element()
        .children()
        .filter(|n| n.has_tag_name((NS_XS, "element")))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    for parte in nomi(&doc, NS_WSDL, "part") {
        let elemento = parte.attribute("element").unwrap();
        if let Some(locale) = elemento.strip_prefix("tns:") {
            assert!(
                elementi.contains(locale),
                "{locale} non dichiarato nello XSD"
            );
        } else {
            assert_eq!(elemento, "inps:Identity");
        }
    }
}

#[test]
fn wsdl_con_indirizzo_sostituisce_soap_address() {
    let w = wsdl_con_indirizzo("https://isee.comune.example/soap?a=1&b=2");
    let doc = roxmltree::Document::parse(&w).unwrap();
    let indirizzo = nomi(&doc, NS_WSDL_SOAP, "address")[0]
        .attribute("location")
        .unwrap();
    assert_eq!(indirizzo, "https://isee.comune.example/soap?a=1&b=2");
}

fn tipo_semplice<'a>(xsd: &'a roxmltree::Document<'a>, nome: &str) -> roxmltree::Node<'a, 'a> {
    xsd.root_element()
        .children()
        .find(|n| n.has_tag_name((NS_XS, "simpleType")) && n.attribute("name") == Some(nome))
        .unwrap_or_else(|| panic!("simpleType {nome}"))
}

fn enumerazione(xsd: &roxmltree::Document<'_>, nome: &str) -> Vec<String> {
    tipo_semplice(xsd, nome)
        .descendants()
        .filter(|n| n.has_tag_name((NS_XS, "enumeration")))
        .map(|n| n.attribute("value").unwrap().to_owned())
        .collect()
}

#[test]
fn xsd_coerente_con_il_codice() {
    let xsd = roxmltree::Document::parse(XSD).expect("XSD ben formato");
    let radice = xsd.root_element();
    assert_eq!(radice.attribute("targetNamespace"), Some(NS_CONSULTAZIONE));
    assert_eq!(radice.attribute("elementFormDefault"), Some("qualified"));

    let elementi: Vec<&str> = radice
        .children()
        .filter(|n| n.has_tag_name((NS_XS, "element")))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    let mut attesi = Vec::new();
    for op in Operazione::TUTTE {
        attesi.push(op.nome().to_owned());
        attesi.push(op.elemento_risposta().to_owned());
    }
    assert_eq!(elementi, attesi);
    // Each response wraps its `<Op>Result`.
    for op in Operazione::TUTTE {
        let risposta = radice
            .children()
            .find(|n| n.attribute("name") == Some(op.elemento_risposta()))
            .unwrap();
        assert!(
            risposta
                .descendants()
                .any(|n| n.attribute("name") == Some(op.elemento_risultato()))
        );
    }

    assert_eq!(
        enumerazione(&xsd, "TipoIndicatoreSinteticoEnum"),
        TipoIndicatore::TUTTI.map(|t| t.nome().to_owned())
    );
    assert_eq!(
        enumerazione(&xsd, "EsitoEnum"),
        Esito::TUTTI.map(|e| e.nome().to_owned())
    );
    assert_eq!(
        enumerazione(&xsd, "PrestazioneDaErogareType"),
        PRESTAZIONI.map(|(c, _)| c.to_owned())
    );
    assert_eq!(
        enumerazione(&xsd, "TipoIndicatoreSogliaEnum"),
        TipoIndicatoreSoglia::TUTTI.map(|t| t.etichetta().to_owned())
    );
    assert_eq!(
        enumerazione(&xsd, "StatoDomandaPrestazioneEnum"),
        [StatoDomanda::DaErogare, StatoDomanda::Erogata].map(|s| s.nome().to_owned())
    );

    let pattern = |nome: &str| {
        tipo_semplice(&xsd, nome)
            .descendants()
            .find(|n| n.has_tag_name((NS_XS, "pattern")))
            .unwrap()
            .attribute("value")
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        pattern("CodiceFiscaleType"),
        r"([A-Z]{6}\d{2}[A-Z]\d{2}[A-Z][A-Z0-9]{3}[A-Z])|(\d{11})"
    );
    assert_eq!(
        pattern("ProtocolloDSUType"),
        "INPS-ISEE-[0-9]{4}-[0-9]{8}[A-Z]-[0-9]{2}"
    );
    assert_eq!(pattern("CodiceSogliaType"), "[A-Za-z]{4}[0-9]{2}");
}

#[test]
fn nomi_delle_operazioni() {
    for op in Operazione::TUTTE {
        assert_eq!(Operazione::da_nome(op.nome()), Some(op));
        assert_eq!(Operazione::da_soap_action(op.soap_action()), Some(op));
        assert_eq!(
            Operazione::da_soap_action(&format!("\"{}\"", op.soap_action())),
            Some(op)
        );
        assert_eq!(
            op.soap_action(),
            format!(
                "http://inps.it/ConsultazioneISEE/ISvcConsultazione/{}",
                op.nome()
            )
        );
        assert_eq!(op.elemento_risposta(), format!("{}Response", op.nome()));
        assert_eq!(op.elemento_risultato(), format!("{}Result", op.nome()));
    }
    assert_eq!(
        Operazione::da_soap_action("http://inps.it/ConsultazioneISEE/ISvcConsultazione/"),
        None
    );
    assert_eq!(Operazione::da_nome("consultazioneindicatore"), None);
    for t in TipoIndicatore::TUTTI {
        assert_eq!(TipoIndicatore::da_nome(t.nome()), Some(t));
    }
    for e in Esito::TUTTI {
        assert_eq!(Esito::da_nome(e.nome()), Some(e));
    }
    assert!(prestazione_valida("A1.20") && prestazione_valida("Z9.99"));
    assert!(!prestazione_valida("A1.21") && !prestazione_valida("a1.01"));
}

/// The REST-only `ConsultazioneDichiarazione` is outside INPS's contract: not in the
/// WSDL, not among the SOAP operations, never matched by name or SOAPAction.
#[test]
fn consultazione_dichiarazione_fuori_dal_wsdl() {
    let op = Operazione::ConsultazioneDichiarazione;
    assert!(!op.soap());
    assert!(!Operazione::TUTTE.contains(&op));
    assert_eq!(Operazione::SOLO_REST, [op]);
    assert!(Operazione::TUTTE.iter().all(|o| o.soap()));
    assert!(!WSDL.contains(op.nome()));
    assert!(!XSD.contains(op.nome()));
    assert_eq!(Operazione::da_nome(op.nome()), None);
    assert_eq!(
        Operazione::da_soap_action(
            "\"http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneDichiarazione\""
        ),
        None
    );
    assert_eq!(op.elemento_xml_esito(), None);
}
