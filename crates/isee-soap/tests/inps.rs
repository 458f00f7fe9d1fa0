//! Contract tests written from INPS's schemas and from the consumer's side: the
//! exact bytes a JAX-WS (Metro/CXF) client generated from INPS's WSDL sends
//! (single-quoted XML declaration, `S:`/`ns2:`/`ns3:` prefixes, a quoted
//! SOAPAction), and what such a client needs to find in the answer.

mod comune;

use comune::*;
use isee_soap::*;

const AZIONE_SOGLIA: &str =
    "\"http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneSogliaIndicatore\"";

/// A JAX-WS request body: the operation element declares `ns2` (the service) and
/// `ns3` (the `Identity` header's namespace), as Metro writes them.
fn jaxws(operazione: &str, request: &str) -> Vec<u8> {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Header><ns3:Identity xmlns:ns2=\"http://inps.it/ConsultazioneISEE\" xmlns:ns3=\"http://inps.it/\"><UserId>80078750587</UserId><CodiceUfficio>001</CodiceUfficio></ns3:Identity></S:Header><S:Body><ns2:{operazione} xmlns:ns2=\"http://inps.it/ConsultazioneISEE\" xmlns:ns3=\"http://inps.it/\">{request}</ns2:{operazione}></S:Body></S:Envelope>"
    )
    .into_bytes()
}

/// Issue 11.1: INPS's threshold request has its four fields as attributes of
/// `request`. isee used to answer `RICHIESTA_INVALIDA`, which consumers read as
/// "not under the threshold".
#[test]
fn soglia_nella_forma_inps_e_letta() {
    let body = jaxws(
        "ConsultazioneSogliaIndicatore",
        r#"<ns2:request CodiceFiscale="RSSMRA80A01H501U" CodiceSoglia="BVAC20" FornituraNucleo="NO"/>"#,
    );
    let r = leggi_richiesta(&body, Some(AZIONE_SOGLIA)).expect("richiesta INPS letta");
    assert_eq!(r.operazione, Operazione::ConsultazioneSogliaIndicatore);
    assert_eq!(r.codice_soglia.as_deref(), Some("BVAC20"));
    assert!(!r.fornitura_nucleo);
    assert_eq!(r.tipo_indicatore, None);
    assert_eq!(r.ricerca.codice_fiscale(), "RSSMRA80A01H501U");
    let Ricerca::Cf(c) = &r.ricerca else {
        panic!("attesa una ricerca per codice fiscale")
    };
    assert_eq!(c.data_validita, None);
    assert_eq!(
        r.identity.as_ref().map(|i| i.user_id.as_str()),
        Some("80078750587")
    );
}

/// Issue 11.1: INPS's `CodiceFiscaleType` of the threshold service admits an
/// entity's 11 digits padded with up to five spaces (a fixed-width field).
#[test]
fn soglia_codice_fiscale_numerico_con_spazi() {
    let body = jaxws(
        "ConsultazioneSogliaIndicatore",
        r#"<ns2:request CodiceFiscale="80078750587     " CodiceSoglia="BVAC20" FornituraNucleo="SI" DataValidita="2026-06-01"/>"#,
    );
    let r = leggi_richiesta(&body, Some(AZIONE_SOGLIA)).expect("codice con spazi letto");
    assert_eq!(r.ricerca.codice_fiscale(), "80078750587");
    assert!(r.fornitura_nucleo);
    // Six spaces are one too many for INPS's pattern.
    let body = jaxws(
        "ConsultazioneSogliaIndicatore",
        r#"<ns2:request CodiceFiscale="80078750587      " CodiceSoglia="BVAC20" FornituraNucleo="SI"/>"#,
    );
    let Err(ErroreRichiesta::Invalida { problemi, .. }) = leggi_richiesta(&body, None) else {
        panic!("atteso RICHIESTA_INVALIDA");
    };
    assert_eq!(problemi[0].percorso, "request/@CodiceFiscale");
}

/// Issue 11.1: with `FornituraNucleo="SI"` the answer lists the nucleus as INPS's
/// `DatiIndicatore/Componente` (`NucleoType`: CodiceFiscale, Cognome, Nome): the
/// consumer checks that the person asked about is among them and treats an
/// answer without them as an internal error.
#[test]
fn soglia_risposta_con_i_componenti() {
    let risposta = scrivi_risposta(&Risposta {
        operazione: Operazione::ConsultazioneSogliaIndicatore,
        id_richiesta: 7,
        esito: Esito::Ok,
        descrizione_errore: None,
        contenuto: Contenuto::Soglia(DatiSoglia {
            tipo_indicatore: TipoIndicatoreSoglia::Ordinario,
            sotto_soglia: true,
            protocollo_dsu: "INPS-ISEE-2026-00012345A-00".into(),
            data_presentazione_dsu: data(2026, 1, 15),
            presenza_difformita: false,
            componenti: nucleo(),
        }),
    });
    let testo = String::from_utf8(risposta).unwrap();
    let doc = roxmltree::Document::parse(&testo).unwrap();
    let ris = risultato(&doc, Operazione::ConsultazioneSogliaIndicatore);
    let dati = ris
        .children()
        .find(|n| n.has_tag_name((NS_CON, "DatiIndicatore")))
        .expect("DatiIndicatore");
    let richiedente = dati
        .children()
        .filter(|n| n.has_tag_name((NS_CON, "Componente")))
        .find(|c| c.attribute("CodiceFiscale") == Some("RSSMRA80A01H501U"))
        .expect("il richiedente è tra i componenti");
    assert_eq!(richiedente.attribute("Cognome"), Some("ROSSI"));
    assert_eq!(richiedente.attribute("Nome"), Some("MARIO"));
    assert_eq!(richiedente.attributes().count(), 3);
}

/// The v2.8 operations as JAX-WS writes them: every element `ns2:`-qualified.
#[test]
fn indicatore_come_lo_manda_jaxws() {
    let body = jaxws(
        "ConsultazioneIndicatore",
        "<ns2:request><ns2:TipoIndicatore>Ordinario</ns2:TipoIndicatore><ns2:RicercaCF><ns2:CodiceFiscale>RSSMRA80A01H501U</ns2:CodiceFiscale><ns2:DataValidita>2026-01-15</ns2:DataValidita><ns2:PrestazioneDaErogare>A1.07</ns2:PrestazioneDaErogare><ns2:ProtocolloDomandaEnteErogatore>PROT-1</ns2:ProtocolloDomandaEnteErogatore><ns2:StatodomandaPrestazione>Da Erogare</ns2:StatodomandaPrestazione></ns2:RicercaCF></ns2:request>",
    );
    let r = leggi_richiesta(
        &body,
        Some("\"http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatore\""),
    )
    .expect("richiesta JAX-WS letta");
    assert_eq!(r.tipo_indicatore, Some(TipoIndicatore::Ordinario));
    assert_eq!(r.ricerca.domanda().prestazione.as_deref(), Some("A1.07"));
}

/// Issue 11.2: the riscontro answers are INPS's `Indicatore`: the search echoed
/// as `RicercaCF` (the beneficiary), the DSU protocol in `@ProtocolloDSU`.
#[test]
fn riscontro_con_la_forma_dell_indicatore_inps() {
    let ricerca = Ricerca::ProtDsu(RicercaProtDsu {
        protocollo_dsu: "INPS-ISEE-2026-00012345A-00".into(),
        codice_fiscale_beneficiario: "RSSMRA80A01H501U".into(),
        domanda: DatiDomanda {
            prestazione: Some("A1.05".into()),
            protocollo_domanda: Some("ALL-1".into()),
            stato_domanda: None,
        },
    });
    let xml = xml_indicatore(&indicatore_ordinario(ricerca, TipoIndicatore::Ordinario));
    let testo = String::from_utf8(xml).unwrap();
    let doc = roxmltree::Document::parse(&testo).unwrap();
    let eco = doc.root_element().first_element_child().unwrap();
    assert_eq!(eco.tag_name().name(), "RicercaCF");
    assert_eq!(eco.attribute("CodiceFiscale"), Some("RSSMRA80A01H501U"));
    assert_eq!(eco.attribute("PrestazioneDaErogare"), Some("A1.05"));
    assert_eq!(
        doc.root_element().attribute("ProtocolloDSU"),
        Some("INPS-ISEE-2026-00012345A-00")
    );
}

/// Issue 11.2: `DATI_NON_TROVATI` on an attestation operation carries the
/// `EsitoAttestazione` with the search alone (what CONTRATTO.md and the golden
/// file say): `Attestazione` has `minOccurs="0"` for this.
#[test]
fn dati_non_trovati_dell_attestazione_e_la_sola_ricerca() {
    let ricerca = Ricerca::Cf(RicercaCf {
        codice_fiscale: "RSSMRA80A01H501U".into(),
        data_validita: None,
        domanda: DatiDomanda::default(),
    });
    let xml = String::from_utf8(xml_esito_attestazione(None, &ricerca)).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let figli: Vec<&str> = doc
        .root_element()
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(figli, ["Ricerca"]);
    let golden = leggi_golden("ConsultazioneAttestazione.risposta-dati-non-trovati.xml");
    let golden = String::from_utf8(golden).unwrap();
    assert!(golden.contains("<XmlEsitoAttestazione>"), "{golden}");
}

/// Issue 11.3: the served WSDL needs no other file (no `?xsd` include) and its
/// address is the one given.
#[test]
fn wsdl_autosufficiente_con_l_indirizzo_dato() {
    let w = wsdl_con_indirizzo("https://api.ente.example/pdnd/soap/ConsultazioneISEE/v1");
    assert!(!w.contains("schemaLocation"));
    assert!(!w.contains("isee.invalid"));
    let doc = roxmltree::Document::parse(&w).expect("WSDL ben formato");
    let indirizzo = doc
        .descendants()
        .find(|n| n.tag_name().name() == "address")
        .and_then(|n| n.attribute("location"));
    assert_eq!(
        indirizzo,
        Some("https://api.ente.example/pdnd/soap/ConsultazioneISEE/v1")
    );
    // Every operation's request element is declared inline.
    for op in Operazione::TUTTE {
        assert!(
            doc.descendants().any(|n| n.tag_name().name() == "element"
                && n.attribute("name") == Some(op.nome())),
            "{op} non dichiarata nel WSDL"
        );
    }
    assert_eq!(PERCORSO_INPS, "/pdnd/soap/ConsultazioneISEE/v1");
}
