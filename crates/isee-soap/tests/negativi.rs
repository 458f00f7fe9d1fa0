//! Requests that must be refused, and how: envelope errors (a SOAP fault)
//! versus schema violations (`RICHIESTA_INVALIDA` with every problem).

use isee_soap::*;

const AZIONE_INDICATORE: &str =
    "http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatore";

/// A request of `op` with `request` as the content of `con:request`.
fn busta(op: &str, request: &str) -> Vec<u8> {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:con="http://inps.it/ConsultazioneISEE"><soapenv:Body><con:{op}><con:request>{request}</con:request></con:{op}></soapenv:Body></soapenv:Envelope>"#
    )
    .into_bytes()
}

const RICERCA_CF_OK: &str =
    "<con:RicercaCF><con:CodiceFiscale>RSSMRA80A01H501U</con:CodiceFiscale></con:RicercaCF>";

fn messaggio_envelope(body: &[u8], azione: Option<&str>) -> String {
    match leggi_richiesta(body, azione) {
        Err(ErroreRichiesta::Envelope { messaggio }) => messaggio,
        altro => panic!("atteso un errore di busta, ottenuto {altro:?}"),
    }
}

fn problemi(body: &[u8]) -> (Operazione, Vec<(String, String)>) {
    match leggi_richiesta(body, None) {
        Err(ErroreRichiesta::Invalida {
            operazione,
            problemi,
        }) => (
            operazione,
            problemi
                .into_iter()
                .map(|p| (p.percorso, p.messaggio))
                .collect(),
        ),
        altro => panic!("attesa una richiesta invalida, ottenuto {altro:?}"),
    }
}

/// INPS's threshold request with `attributi` on `request`.
fn soglia(attributi: &str) -> Vec<u8> {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:con="http://inps.it/ConsultazioneISEE"><soapenv:Body><con:ConsultazioneSogliaIndicatore><con:request {attributi}/></con:ConsultazioneSogliaIndicatore></soapenv:Body></soapenv:Envelope>"#
    )
    .into_bytes()
}

fn percorsi(body: &[u8]) -> Vec<String> {
    problemi(body).1.into_iter().map(|(p, _)| p).collect()
}

#[test]
fn richiesta_minima_valida() {
    let r = leggi_richiesta(
        &busta(
            "ConsultazioneIndicatore",
            &format!("<con:TipoIndicatore>Dottorato</con:TipoIndicatore>{RICERCA_CF_OK}"),
        ),
        Some(AZIONE_INDICATORE),
    )
    .unwrap();
    assert_eq!(r.tipo_indicatore, Some(TipoIndicatore::Dottorato));
    assert_eq!(r.identity, None);
    assert_eq!(r.ricerca.codice_fiscale(), "RSSMRA80A01H501U");
    assert_eq!(r.ricerca.tipo(), "CF");
    assert_eq!(r.ricerca.domanda(), &DatiDomanda::default());
}

#[test]
fn non_xml() {
    let m = messaggio_envelope(b"questo non e' XML", None);
    assert!(m.contains("Envelope") || m.contains("radice"), "{m}");
    let m = messaggio_envelope(b"", None);
    assert!(m.contains("vuoto"), "{m}");
    let m = messaggio_envelope(b"<a><b></a>", None);
    assert!(m.contains("non ben formato"), "{m}");
    let m = messaggio_envelope(
        b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">",
        None,
    );
    assert!(m.contains("incompleto"), "{m}");
    let m = messaggio_envelope(b"<x:Envelope/>", None);
    assert!(m.contains("prefisso"), "{m}");
}

#[test]
fn dtd_e_entita_rifiutate() {
    let xxe = br#"<?xml version="1.0"?>
<!DOCTYPE soapenv:Envelope [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:con="http://inps.it/ConsultazioneISEE"><soapenv:Body><con:ConsultazioneIndicatore><con:request><con:TipoIndicatore>&xxe;</con:TipoIndicatore></con:request></con:ConsultazioneIndicatore></soapenv:Body></soapenv:Envelope>"#;
    let m = messaggio_envelope(xxe, None);
    assert!(m.contains("DTD non ammessa"), "{m}");

    let risate = br#"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>"#;
    assert!(messaggio_envelope(risate, None).contains("DTD"));

    // Without a DTD an entity reference is simply undeclared.
    let senza_dtd = busta(
        "ConsultazioneIndicatore",
        &format!("<con:TipoIndicatore>&xxe;</con:TipoIndicatore>{RICERCA_CF_OK}"),
    );
    let m = messaggio_envelope(&senza_dtd, None);
    assert!(m.contains("entità non dichiarata"), "{m}");
}

#[test]
fn soap12_rifiutato_con_messaggio_chiaro() {
    let body = br#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>"#;
    let m = messaggio_envelope(body, None);
    assert!(m.contains("SOAP 1.2 non supportato"), "{m}");
    assert!(m.contains("SOAP 1.1"), "{m}");
}

#[test]
fn namespace_errati() {
    // Envelope in no namespace.
    let m = messaggio_envelope(b"<Envelope><Body/></Envelope>", None);
    assert!(m.contains("nessun namespace"), "{m}");
    // Operation in the wrong namespace (a trailing slash is another URI).
    let body = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ConsultazioneIndicatore xmlns="http://inps.it/ConsultazioneISEE/"/></s:Body></s:Envelope>"#;
    let m = messaggio_envelope(body, None);
    assert!(m.contains("http://inps.it/ConsultazioneISEE/"), "{m}");
    assert!(
        m.contains("invece che nel namespace http://inps.it/ConsultazioneISEE"),
        "{m}"
    );
    // Operation without a namespace.
    let body = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ConsultazioneIndicatore/></s:Body></s:Envelope>"#;
    assert!(messaggio_envelope(body, None).contains("nessun namespace"));
    // Children of request in no namespace: schema problems, not envelope errors.
    let body = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><c:ConsultazioneIndicatore xmlns:c="http://inps.it/ConsultazioneISEE"><c:request><TipoIndicatore>Ordinario</TipoIndicatore><c:RicercaCF><c:CodiceFiscale>RSSMRA80A01H501U</c:CodiceFiscale></c:RicercaCF></c:request></c:ConsultazioneIndicatore></s:Body></s:Envelope>"#;
    let (_, p) = problemi(body);
    assert_eq!(p[0].0, "request/TipoIndicatore");
    assert!(p[0].1.contains("nessun namespace"), "{}", p[0].1);
    assert_eq!(
        p[1],
        (
            "request/TipoIndicatore".into(),
            "elemento obbligatorio mancante".into()
        )
    );
}

#[test]
fn operazione_sconosciuta_e_busta_malformata() {
    let body = busta("ConsultazioneDichiarazione", "");
    let m = messaggio_envelope(&body, None);
    assert!(
        m.contains("operazione sconosciuta «ConsultazioneDichiarazione»"),
        "{m}"
    );

    let vuoto = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>  </s:Body></s:Envelope>"#;
    assert!(messaggio_envelope(vuoto, None).contains("vuoto"));
    let senza_body = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>"#;
    assert!(messaggio_envelope(senza_body, None).contains("Body"));
    let due = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="http://inps.it/ConsultazioneISEE"><s:Body><c:ConsultazioneIndicatore/><c:ConsultazioneAttestazione/></s:Body></s:Envelope>"#;
    assert!(messaggio_envelope(due, None).contains("un solo elemento"));
    let header_dopo = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/><s:Header/></s:Envelope>"#;
    assert!(messaggio_envelope(header_dopo, None).contains("fuori posto"));
    let due_radici = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope><altro/>"#;
    assert!(messaggio_envelope(due_radici, None).contains("più di un elemento radice"));
    let latin1 = br#"<?xml version="1.0" encoding="ISO-8859-1"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>"#;
    assert!(messaggio_envelope(latin1, None).contains("solo UTF-8"));
}

#[test]
fn intestazione_must_understand_sconosciuta() {
    let body = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="http://inps.it/ConsultazioneISEE"><s:Header><w:Security xmlns:w="urn:x" s:mustUnderstand="1"/><w:Altro xmlns:w="urn:x"/></s:Header><s:Body><c:ConsultazioneIndicatore><c:request><c:TipoIndicatore>Ordinario</c:TipoIndicatore>{}</c:request></c:ConsultazioneIndicatore></s:Body></s:Envelope>"#,
        RICERCA_CF_OK.replace("con:", "c:")
    );
    let m = messaggio_envelope(body.as_bytes(), None);
    assert!(
        m.contains("mustUnderstand") && m.contains("Security"),
        "{m}"
    );
    // Without mustUnderstand, unknown header blocks are ignored.
    let ignorata = body.replace(r#" s:mustUnderstand="1""#, "");
    assert!(leggi_richiesta(ignorata.as_bytes(), None).is_ok());
}

#[test]
fn soap_action_diversa_dal_corpo() {
    let body = busta(
        "ConsultazioneIndicatore",
        &format!("<con:TipoIndicatore>Ordinario</con:TipoIndicatore>{RICERCA_CF_OK}"),
    );
    let m = messaggio_envelope(
        &body,
        Some("\"http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneAttestazione\""),
    );
    assert!(
        m.contains("ConsultazioneAttestazione") && m.contains("ConsultazioneIndicatore"),
        "{m}"
    );
    let m = messaggio_envelope(&body, Some("urn:altro"));
    assert!(m.contains("SOAPAction sconosciuta"), "{m}");
    // An empty SOAPAction ("" in SOAP 1.1) leaves the decision to the body.
    assert!(leggi_richiesta(&body, Some("\"\"")).is_ok());
    assert!(leggi_richiesta(&body, Some("")).is_ok());
    assert!(leggi_richiesta(&body, Some(&format!("  \"{AZIONE_INDICATORE}\"  "))).is_ok());
}

#[test]
fn tutti_i_problemi_insieme_con_i_percorsi() {
    let request = "<con:TipoIndicatore>ordinario</con:TipoIndicatore>\
        <con:RicercaCF>\
          <con:DataValidita>2026-02-30</con:DataValidita>\
          <con:CodiceFiscale>rssmra80a01h501u</con:CodiceFiscale>\
          <con:PrestazioneDaErogare>A1.21</con:PrestazioneDaErogare>\
          <con:ProtocolloDomandaEnteErogatore>PPPP</con:ProtocolloDomandaEnteErogatore>\
          <con:StatodomandaPrestazione>erogata</con:StatodomandaPrestazione>\
          <con:Extra>1</con:Extra>\
        </con:RicercaCF>\
        <con:RicercaCF><con:CodiceFiscale>RSSMRA80A01H501U</con:CodiceFiscale></con:RicercaCF>";
    let request = request.replace("PPPP", &"x".repeat(257));
    let (op, p) = problemi(&busta("ConsultazioneIndicatore", &request));
    assert_eq!(op, Operazione::ConsultazioneIndicatore);
    let atteso: Vec<(&str, &str)> = vec![
        ("request/RicercaCF", "elemento ripetuto"),
        (
            "request/TipoIndicatore",
            "tipo di indicatore sconosciuto «ordinario»",
        ),
        (
            "request/RicercaCF/CodiceFiscale",
            "elemento fuori ordine: deve precedere DataValidita",
        ),
        ("request/RicercaCF/Extra", "elemento non previsto"),
        (
            "request/RicercaCF/CodiceFiscale",
            "codice fiscale non valido",
        ),
        (
            "request/RicercaCF/DataValidita",
            "data non valida «2026-02-30»",
        ),
        (
            "request/RicercaCF/PrestazioneDaErogare",
            "prestazione sconosciuta «A1.21»",
        ),
        (
            "request/RicercaCF/ProtocolloDomandaEnteErogatore",
            "troppo lungo: 257 caratteri, massimo 256",
        ),
        (
            "request/RicercaCF/StatodomandaPrestazione",
            "stato della domanda non valido «erogata»",
        ),
    ];
    assert_eq!(p.len(), atteso.len(), "{p:#?}");
    for ((percorso, messaggio), (p_atteso, m_atteso)) in p.iter().zip(&atteso) {
        assert_eq!(percorso, p_atteso);
        assert!(
            messaggio.contains(m_atteso),
            "{percorso}: «{messaggio}» non contiene «{m_atteso}»"
        );
    }
}

#[test]
fn elementi_obbligatori_mancanti() {
    assert_eq!(
        percorsi(&busta("ConsultazioneIndicatore", "")),
        ["request/TipoIndicatore", "request/RicercaCF"]
    );
    assert_eq!(
        percorsi(&busta("ConsultazioneIndicatore", "<con:RicercaCF/>")),
        ["request/TipoIndicatore", "request/RicercaCF/CodiceFiscale"]
    );
    assert_eq!(
        percorsi(&soglia("")),
        [
            "request/@CodiceFiscale",
            "request/@CodiceSoglia",
            "request/@FornituraNucleo"
        ]
    );
    assert_eq!(
        percorsi(&busta(
            "ConsultazioneIndicatoreRiscontro",
            "<con:TipoIndicatore>Ordinario</con:TipoIndicatore><con:RicercaProtDSU/>"
        )),
        [
            "request/RicercaProtDSU/ProtocolloDSU",
            "request/RicercaProtDSU/CodiceFiscaleBeneficiario"
        ]
    );
    // The riscontro operations accept only RicercaProtDSU.
    let (_, p) = problemi(&busta(
        "ConsultazioneIndicatoreNucleoRiscontro",
        &format!("<con:TipoIndicatore>Ordinario</con:TipoIndicatore>{RICERCA_CF_OK}"),
    ));
    assert_eq!(p[0].0, "request/RicercaCF");
    assert!(p[0].1.contains("elemento non previsto"));
    assert_eq!(p[1].0, "request/RicercaProtDSU");
    // Missing request element.
    let body = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><c:ConsultazioneIndicatore xmlns:c="http://inps.it/ConsultazioneISEE"/></s:Body></s:Envelope>"#;
    assert_eq!(percorsi(body), ["request"]);
}

#[test]
fn scelta_della_ricerca() {
    let op = "ConsultazioneAttestazione";
    assert_eq!(percorsi(&busta(op, "")), ["request"]);
    let (_, p) = problemi(&busta(op, ""));
    assert!(p[0].1.contains("manca la ricerca"));

    let due = format!(
        "{RICERCA_CF_OK}<con:RicercaProtDSU><con:ProtocolloDSU>INPS-ISEE-2026-0001234A-00</con:ProtocolloDSU><con:CodiceFiscaleBeneficiario>RSSMRA80A01H501U</con:CodiceFiscaleBeneficiario></con:RicercaProtDSU>"
    );
    let (_, p) = problemi(&busta(op, &due));
    // Both the malformed protocol and the double choice are reported.
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(p[0].0, "request/RicercaProtDSU/ProtocolloDSU");
    assert_eq!(p[1].0, "request");
    assert!(p[1].1.contains("una sola ricerca") && p[1].1.contains("RicercaCF, RicercaProtDSU"));

    // TipoIndicatore does not belong to the attestation request.
    let (_, p) = problemi(&busta(
        op,
        &format!("<con:TipoIndicatore>Ordinario</con:TipoIndicatore>{RICERCA_CF_OK}"),
    ));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].0, "request/TipoIndicatore");
}

#[test]
fn protocollo_mittente_troppo_lungo() {
    let r = format!(
        "<con:RicercaProtMittente><con:ProtocolloMittente>{}</con:ProtocolloMittente><con:CodiceFiscaleBeneficiario>80078750587</con:CodiceFiscaleBeneficiario></con:RicercaProtMittente>",
        "A".repeat(30)
    );
    let (_, p) = problemi(&busta("ConsultazioneAttestazioneOperatori", &r));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].0, "request/RicercaProtMittente/ProtocolloMittente");
    assert!(p[0].1.contains("30 caratteri, massimo 29"));
    // 29 characters, counted as characters and not bytes.
    let r29 = r.replace(&"A".repeat(30), &"È".repeat(29));
    assert!(leggi_richiesta(&busta("ConsultazioneAttestazioneOperatori", &r29), None).is_ok());
}

#[test]
fn testo_e_struttura_fuori_posto() {
    let (_, p) = problemi(&busta(
        "ConsultazioneIndicatore",
        &format!("testo<con:TipoIndicatore><con:X/></con:TipoIndicatore>{RICERCA_CF_OK}"),
    ));
    assert_eq!(p[0].0, "request");
    assert!(p[0].1.contains("testo non ammesso"));
    assert_eq!(p[1].0, "request/TipoIndicatore");
    assert!(p[1].1.contains("atteso un valore semplice"));
}

#[test]
fn identity_incompleta() {
    let body = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="http://inps.it/ConsultazioneISEE"><s:Header><i:Identity xmlns:i="http://inps.it/"><UserId>X</UserId><Altro/></i:Identity></s:Header><s:Body><c:ConsultazioneIndicatore><c:request><c:TipoIndicatore>Ordinario</c:TipoIndicatore>{}</c:request></c:ConsultazioneIndicatore></s:Body></s:Envelope>"#,
        RICERCA_CF_OK.replace("con:", "c:")
    );
    assert_eq!(
        percorsi(body.as_bytes()),
        ["Header/Identity/Altro", "Header/Identity/CodiceUfficio"]
    );
}

#[test]
fn tolleranze() {
    // Comments, processing instructions, CDATA, character references,
    // blanks, a BOM and a default namespace on request are all fine.
    let body = "\u{feff}<?xml version='1.0' encoding='utf-8'?>\n<!-- c -->\n<S:Envelope xmlns:S='http://schemas.xmlsoap.org/soap/envelope/'>\n <S:Body>\n  <?pi dati?>\n  <ConsultazioneIndicatore xmlns='http://inps.it/ConsultazioneISEE'>\n   <request>\n    <TipoIndicatore> <![CDATA[Ordi]]>nario </TipoIndicatore>\n    <RicercaCF><!-- c --><CodiceFiscale>&#82;SSMRA80A01H501U</CodiceFiscale></RicercaCF>\n   </request>\n  </ConsultazioneIndicatore>\n </S:Body>\n</S:Envelope>\n";
    let r = leggi_richiesta(body.as_bytes(), None).unwrap();
    assert_eq!(r.tipo_indicatore, Some(TipoIndicatore::Ordinario));
    assert_eq!(r.ricerca.codice_fiscale(), "RSSMRA80A01H501U");
}

#[test]
fn limiti_di_dimensione() {
    let profondo = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{}{}</s:Body></s:Envelope>"#,
        "<a>".repeat(100),
        "</a>".repeat(100)
    );
    assert!(messaggio_envelope(profondo.as_bytes(), None).contains("annidamento"));
    let largo = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>{}</s:Header><s:Body/></s:Envelope>"#,
        "<a/>".repeat(1000)
    );
    assert!(messaggio_envelope(largo.as_bytes(), None).contains("troppi elementi"));
}

#[test]
fn descrizione_errore_leggibile() {
    let err = leggi_richiesta(&busta("ConsultazioneIndicatore", ""), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "richiesta ConsultazioneIndicatore non valida: request/TipoIndicatore: elemento obbligatorio mancante; request/RicercaCF: elemento obbligatorio mancante"
    );
}

#[test]
fn doctype_senza_sottoinsieme_e_documento_troppo_grande() {
    // roxmltree lets an empty DOCTYPE through; the reader does not.
    let vuota = br#"<!-- c --><!DOCTYPE Envelope><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>"#;
    assert!(messaggio_envelope(vuota, None).contains("DTD non ammessa"));
    let commento = br#"<!-- <!DOCTYPE x> in un commento --><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>"#;
    assert!(!messaggio_envelope(commento, None).contains("DTD"));
    let enorme = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{}</s:Body></s:Envelope>"#,
        " ".repeat(300 * 1024)
    );
    assert!(messaggio_envelope(enorme.as_bytes(), None).contains("troppo grande"));
    let testo_dopo = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope> coda"#;
    assert!(messaggio_envelope(testo_dopo, None).contains("testo fuori dall'elemento radice"));
    let non_utf8 = b"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\xff</s:Body></s:Envelope>";
    assert!(messaggio_envelope(non_utf8, None).contains("solo UTF-8"));
}

/// A request whose `ProtocolloDomandaEnteErogatore` holds `testo` as written.
fn con_protocollo_domanda(testo: &str) -> Vec<u8> {
    busta(
        "ConsultazioneIndicatore",
        &format!(
            "<con:TipoIndicatore>Ordinario</con:TipoIndicatore>\
             <con:RicercaCF><con:CodiceFiscale>RSSMRA80A01H501U</con:CodiceFiscale>\
             <con:PrestazioneDaErogare>A1.01</con:PrestazioneDaErogare>\
             <con:ProtocolloDomandaEnteErogatore>{testo}</con:ProtocolloDomandaEnteErogatore>\
             </con:RicercaCF>"
        ),
    )
}

#[test]
fn caratteri_di_controllo_rifiutati_crudi_e_come_riferimento() {
    // The control is the only change: the same request with a plain text is valid.
    let base = leggi_richiesta(&con_protocollo_domanda("DOM-1"), None);
    assert!(base.is_ok(), "{base:?}");
    for testo in [
        "DOM\u{0}1",
        "DOM\u{1}1",
        "DOM\u{1b}[31m",
        "DOM\u{8}",
        "&#0;",
        "&#1;",
        "&#x1B;",
        "&#x8;",
        "DOM&#xFFFE;",
        "&#xFFFF;",
        "DOM\u{FFFE}",
        "<![CDATA[DOM\u{1}1]]>",
        "<![CDATA[\u{0}]]>",
        "<![CDATA[\u{1b}[2J]]>",
    ] {
        let m = messaggio_envelope(&con_protocollo_domanda(testo), None);
        assert!(
            m.contains("non ammesso") || m.contains("XML non ben formato"),
            "{testo:?}: {m}"
        );
    }
    // In an attribute too.
    let attr = String::from_utf8(busta("ConsultazioneIndicatore", RICERCA_CF_OK))
        .unwrap()
        .replace("<con:request>", "<con:request x=\"a&#2;b\">");
    messaggio_envelope(attr.as_bytes(), None);
    // Tab, LF and CR are XML characters.
    let ok = leggi_richiesta(&con_protocollo_domanda("DOM\t1&#10;&#13;"), None);
    assert!(ok.is_ok(), "{ok:?}");
}

/// INPS's threshold request carries its fields as attributes: every violation of
/// `ConsultazioneSogliaIndicatoreRequestType` is reported, at `request/@<name>`.
#[test]
fn soglia_tutti_i_problemi_degli_attributi() {
    let (op, p) = problemi(&soglia(
        r#"CodiceFiscale="8007875058" CodiceSoglia="BVA001" FornituraNucleo="si" DataValidita="2026-02-30" Extra="1""#,
    ));
    assert_eq!(op, Operazione::ConsultazioneSogliaIndicatore);
    let percorsi: Vec<&str> = p.iter().map(|(x, _)| x.as_str()).collect();
    assert_eq!(
        percorsi,
        [
            "request/@Extra",
            "request/@CodiceFiscale",
            "request/@CodiceSoglia",
            "request/@FornituraNucleo",
            "request/@DataValidita"
        ]
    );
    // The fiscal code is never quoted back.
    assert!(p.iter().all(|(_, m)| !m.contains("8007875058")));
    // The element form (an isee invention no consumer sends) is refused.
    let (_, p) = problemi(&busta(
        "ConsultazioneSogliaIndicatore",
        &format!("<con:CodiceSoglia>BVAC01</con:CodiceSoglia>{RICERCA_CF_OK}"),
    ));
    let percorsi: Vec<&str> = p.iter().map(|(x, _)| x.as_str()).collect();
    assert_eq!(
        percorsi,
        [
            "request/CodiceSoglia",
            "request/RicercaCF",
            "request/@CodiceFiscale",
            "request/@CodiceSoglia",
            "request/@FornituraNucleo"
        ]
    );
}
