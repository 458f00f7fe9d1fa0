//! Every golden document validated with a real XSD validator (libxml2's
//! `xmllint`) against INPS's published schemas (`shared/riferimenti/inps-consultazione`),
//! and against the schema this crate publishes (`wsdl/ConsultazioneISEE.xsd`).
//!
//! * Requests and answers of `ConsultazioneIndicatore` and `ConsultazioneAttestazione`:
//!   INPS's `ConsultazioneISEE_v2.8_PDND.xsd`; of `ConsultazioneSogliaIndicatore`:
//!   INPS's `ConsultazioneISEE_soglia.xsd`; of every operation: ours.
//! * The inner documents: `ISEE_EsitoConsultazioneIndicatore.xsd` and
//!   `ISEE_EsitoConsultazioneAttestazione.xsd` (v1.4 attestation). Two documented
//!   extensions are taken out first, and only they: `Ordinario/ISEEFamiglia` (2026,
//!   not in v1.4) and the `NucleoFamiliare` of `ConsultazioneIndicatoreNucleoRiscontro`
//!   (CONTRATTO.md §3).

mod comune;

use std::path::{Path, PathBuf};

use comune::*;
use isee_prova::xsd::{riferimenti_inps, schema_busta, valida};
use isee_soap::*;

const NS_IDENTITY: &str = "http://inps.it/";

fn inps(file: &str) -> PathBuf {
    riferimenti_inps(Path::new(env!("CARGO_MANIFEST_DIR"))).join(file)
}

fn nostro_xsd() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("wsdl/ConsultazioneISEE.xsd")
}

/// The message schemas an envelope of `op` must satisfy: INPS's where INPS
/// publishes the operation, and always ours; the `Identity` header against INPS's
/// `ConsultazioneISEE_IdentityHeader.xsd` unless `intestazione_inps` is false.
fn schemi_busta_con(op: Option<Operazione>, intestazione_inps: bool) -> Vec<PathBuf> {
    let identity = inps("ConsultazioneISEE_IdentityHeader.xsd");
    let con_messaggi = |messaggi: PathBuf| {
        if intestazione_inps {
            schema_busta(&[(NS_CON, &messaggi), (NS_IDENTITY, &identity)])
        } else {
            schema_busta(&[(NS_CON, &messaggi)])
        }
    };
    let mut schemi = vec![con_messaggi(nostro_xsd())];
    match op {
        Some(Operazione::ConsultazioneIndicatore | Operazione::ConsultazioneAttestazione) => {
            schemi.push(con_messaggi(inps("ConsultazioneISEE_v2.8_PDND.xsd")));
        }
        Some(Operazione::ConsultazioneSogliaIndicatore) => {
            schemi.push(con_messaggi(inps("ConsultazioneISEE_soglia.xsd")));
        }
        _ => {}
    }
    schemi
}

fn schemi_busta(op: Option<Operazione>) -> Vec<PathBuf> {
    schemi_busta_con(op, true)
}

/// Request goldens whose `Identity` header shows what the reader tolerates beyond
/// INPS's header schema (children qualified with `http://inps.it/`, a
/// `soap:mustUnderstand` on the block): their header is not checked against it.
const INTESTAZIONE_TOLLERATA: [&str; 2] = [
    "ConsultazioneAttestazioneResidenti.richiesta.xml",
    "ConsultazioneIndicatoreResidenti.richiesta.xml",
];

/// Removes the element `<nome …>…</nome>` (or `<nome …/>`) from `xml`, once.
fn senza_elemento(xml: &str, nome: &str) -> String {
    let Some(inizio) = xml.find(&format!("<{nome}")) else {
        return xml.to_owned();
    };
    let chiusura = format!("</{nome}>");
    let fine = match xml[inizio..].find(&chiusura) {
        Some(f) => inizio + f + chiusura.len(),
        None => inizio + xml[inizio..].find("/>").expect("elemento chiuso") + 2,
    };
    format!("{}{}", &xml[..inizio], &xml[fine..])
}

/// Validates an inner document against INPS's schema, after taking out only the
/// documented extensions.
pub(crate) fn valida_interno(nome: &str, xml: &[u8]) -> Result<(), String> {
    let testo = std::str::from_utf8(xml).expect("UTF-8");
    if testo.contains("<EsitoAttestazione") {
        let senza = senza_elemento(testo, "ISEEFamiglia");
        valida(
            &inps("ISEE_EsitoConsultazioneAttestazione.xsd"),
            nome,
            senza.as_bytes(),
        )
    } else {
        let senza = senza_elemento(testo, "NucleoFamiliare");
        valida(
            &inps("ISEE_EsitoConsultazioneIndicatore.xsd"),
            nome,
            senza.as_bytes(),
        )
    }
}

/// The operation a golden file is about, from its name.
fn operazione(nome: &str) -> Option<Operazione> {
    let base = nome.split('.').next()?;
    Operazione::da_nome(base)
}

fn golden() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("cartella golden")
        .map(|e| {
            let p = e.expect("voce").path();
            let nome = p.file_name().unwrap().to_string_lossy().into_owned();
            (nome, std::fs::read(&p).expect("golden"))
        })
        .collect();
    v.sort();
    v
}

/// The golden files that are invalid on purpose: a SOAP 1.2 envelope and a
/// request with schema violations (both must be refused).
const INVALIDI_APPOSTA: [&str; 2] = [
    "ConsultazioneIndicatore.richiesta-soap12.xml",
    "ConsultazioneIndicatore.richiesta-invalida.xml",
];

#[test]
fn ogni_documento_golden_e_valido_per_gli_xsd_inps() {
    let mut errori = Vec::new();
    let mut validati = 0;
    for (nome, xml) in golden() {
        if INVALIDI_APPOSTA.contains(&nome.as_str()) {
            continue;
        }
        let op = operazione(&nome);
        let intestazione_inps = !INTESTAZIONE_TOLLERATA.contains(&nome.as_str());
        for schema in schemi_busta_con(op, intestazione_inps) {
            validati += 1;
            if let Err(e) = valida(&schema, &nome, &xml) {
                errori.push(e);
            }
        }
        // The inner document of an answer.
        let testo = String::from_utf8(xml.clone()).expect("UTF-8");
        let doc = roxmltree::Document::parse(&testo).expect("ben formato");
        for n in doc.descendants().filter(|n| {
            matches!(
                n.tag_name().name(),
                "XmlEsitoIndicatore" | "XmlEsitoAttestazione"
            )
        }) {
            let interno = decodifica_base64(n.text().unwrap_or(""));
            validati += 1;
            if let Err(e) = valida_interno(&format!("{nome} (interno)"), &interno) {
                errori.push(e);
            }
        }
    }
    assert!(errori.is_empty(), "{}", errori.join("\n"));
    assert!(validati >= 30, "validati solo {validati} documenti");
}

/// The validator is not a rubber stamp: the shapes isee wrote before it followed
/// INPS's schema are refused.
#[test]
fn gli_xsd_inps_rifiutano_le_forme_di_prima() {
    if !isee_prova::xsd::xmllint_disponibile() {
        return;
    }
    let vecchia_attestazione = r#"<?xml version="1.0" encoding="UTF-8"?><EsitoAttestazione xmlns="http://inps.it/ISEERiforma"><Attestazione CodiceFiscaleDichiarante="RSSMRA80A01H501U" NumeroProtocolloDSU="INPS-ISEE-2026-00012345A-00" DataPresentazione="2026-01-15" DataValidita="2026-12-31"><Ordinario><NucleoFamiliare><ComponenteNucleo RapportoConDichiarante="D" Cognome="ROSSI" Nome="MARIO" CodiceFiscale="RSSMRA80A01H501U"/></NucleoFamiliare><ISEEOrdinario DataRilascio="2026-01-18"><Valori ISE="1.00" ScalaEquivalenza="1.00" ISEE="1.00" ISR="1.00" ISP="0.00"/><ModalitaCalcoloISEEOrdinario SommaRedditiComponenti="1" RedditoFigurativoPatrimonioMobiliare="0" Detrazioni="0" ISR="1" PatrimonioMobiliare="0" DetrazionePatrimonioMobiliare="0" PatrimonioImmobiliare="0" DetrazionePatrimonioImmobiliare="0" ISP="0" ISE="1" ParametroNucleo="1" Maggiorazioni="0" ScalaEquivalenza="1"/></ISEEOrdinario><ISEESocioSanRes><ComponenteSocioSanRes Cognome="ROSSI" Nome="MARIO" CodiceFiscale="RSSMRA80A01H501U"><ISEEOrd/></ComponenteSocioSanRes></ISEESocioSanRes></Ordinario></Attestazione><Ricerca><RicercaCF CodiceFiscale="RSSMRA80A01H501U"/></Ricerca></EsitoAttestazione>"#;
    let e = valida_interno("vecchia", vecchia_attestazione.as_bytes()).unwrap_err();
    assert!(e.contains("ComponenteSocioSanRes"), "{e}");
    let vecchio_saldo = vecchia_attestazione
        .replace(
            "</Attestazione>",
            r#"<OmissioneDifformita TipoOmissioneDifformita="PatrimoniMobiliari" CodiceFiscale="RSSMRA80A01H501U" DataControlloAE="2026-01-17"><Rapporto TipoRapporto="01" CodiceFiscaleOperatore="00000000000" Saldo3112="1762.00"/></OmissioneDifformita></Attestazione>"#,
        )
        .replace("ComponenteSocioSanRes", "ComponenteSocioSanitarieRes");
    let e = valida_interno("saldo", vecchio_saldo.as_bytes()).unwrap_err();
    assert!(e.contains("Saldo3112"), "{e}");
    // The threshold request isee used to expect: elements, refused by INPS's schema.
    let vecchia_soglia = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:con="http://inps.it/ConsultazioneISEE"><soapenv:Body><con:ConsultazioneSogliaIndicatore><con:request><con:TipoIndicatore>Ordinario</con:TipoIndicatore><con:CodiceSoglia>BVAC01</con:CodiceSoglia></con:request></con:ConsultazioneSogliaIndicatore></soapenv:Body></soapenv:Envelope>"#;
    let schemi = schemi_busta(Some(Operazione::ConsultazioneSogliaIndicatore));
    for schema in &schemi {
        assert!(valida(schema, "vecchia-soglia", vecchia_soglia).is_err());
    }
    // A riscontro Indicatore echoing RicercaProtDSU is not INPS's Indicatore.
    let eco = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Indicatore xmlns="http://inps.it/ISEERiforma" TipoIndicatore="Ordinario" ISE="1.00" ScalaEquivalenza="1.00" ISEE="1.00" ISR="1.00" ISP="0.00" ProtocolloDSU="INPS-ISEE-2026-00012345A-00" DataPresentazione="2026-01-15"><RicercaProtDSU ProtocolloDSU="INPS-ISEE-2026-00012345A-00" CodiceFiscaleBeneficiario="RSSMRA80A01H501U"/></Indicatore>"#;
    assert!(valida_interno("eco", eco).is_err());
}

/// Every shape the attestation writer has, valid against ISEE_Attestazione v1.4:
/// each block INPS defines for the minors, the students, the socio-sanitary
/// beneficiaries (cases 1, 8, 10, 12, 14) and the restricted nuclei (7, 9, 11, 13).
#[test]
fn ogni_blocco_dell_attestazione_e_valido_per_la_v1_4() {
    let base = attestazione();
    let ordinario = blocco_ordinario();
    let esterna = |cf: &str| ComponenteEsterna {
        cognome: "BIANCHI".into(),
        nome: "GIUSEPPE".into(),
        codice_fiscale: cf.into(),
        valore: Some(rust_decimal::dec!(1000.5)),
    };
    let mut varianti: Vec<(&str, DatiAttestazione)> = Vec::new();
    let mut a = base.clone();
    a.minorenni[0].esito = EsitoBeneficiario::Attr(ordinario.clone(), esterna("BNCGPP78B12H501X"));
    a.universitari[0].esito =
        EsitoBeneficiario::Agg(ordinario.clone(), esterna("BNCGPP78B12H501X"));
    varianti.push(("min-attr-uni-agg", a.clone()));
    a.universitari[0].esito =
        EsitoBeneficiario::Attr(ordinario.clone(), esterna("BNCGPP78B12H501X"));
    a.minorenni[0].esito = EsitoBeneficiario::NonCalcolabile("manca il GNC".into());
    varianti.push(("uni-attr-min-nc", a));
    for (nome, esito) in [
        ("ssr-ord", EsitoSocioSanitario::Ord),
        (
            "ssr-res",
            EsitoSocioSanitario::SocioSanRes(ordinario.clone()),
        ),
        (
            "ssr-ordagg",
            EsitoSocioSanitario::OrdAgg(
                ordinario.clone(),
                vec![esterna("BNCGPP78B12H501X"), esterna("VRDLGU02E15A944T")],
            ),
        ),
        (
            "ssr-agg",
            EsitoSocioSanitario::SocioSanResAgg(
                ordinario.clone(),
                vec![esterna("BNCGPP78B12H501X")],
            ),
        ),
    ] {
        let mut a = base.clone();
        a.sociosanitario[0].esito = esito;
        varianti.push((nome, a));
    }
    for (nome, esito) in [
        ("rid-ristretto", EsitoRistretto::Ristretto),
        (
            "rid-ssr",
            EsitoRistretto::SocioSanResRistretto(ordinario.clone()),
        ),
        (
            "rid-agg",
            EsitoRistretto::RistrettoAgg(ordinario.clone(), vec![esterna("BNCGPP78B12H501X")]),
        ),
        (
            "rid-ssr-agg",
            EsitoRistretto::SocioSanResRistrettoAgg(
                ordinario.clone(),
                vec![esterna("BNCGPP78B12H501X")],
            ),
        ),
        (
            "rid-nc",
            EsitoRistretto::NonCalcolabile("dati mancanti".into()),
        ),
    ] {
        let mut a = base.clone();
        a.ridotti[0].residenziale = Some(esito);
        varianti.push((nome, a));
    }
    let mut a = base.clone();
    a.ridotti[0].isee = None;
    a.famiglia = None;
    a.omissioni[0].rapporti[0].saldo_3112 = Some(rust_decimal::dec!(-12.5));
    a.omissioni[0].rapporti[0].valore = Some(rust_decimal::dec!(0.49));
    varianti.push(("senza-ristretto-saldo-negativo", a));
    let ricerca = Ricerca::Cf(RicercaCf {
        codice_fiscale: "RSSMRA80A01H501U".into(),
        data_validita: None,
        domanda: DatiDomanda::default(),
    });
    let mut errori = Vec::new();
    for (nome, a) in &varianti {
        let xml = xml_esito_attestazione(Some(a), &ricerca);
        if let Err(e) = valida_interno(nome, &xml) {
            errori.push(e);
        }
    }
    assert!(errori.is_empty(), "{}", errori.join("\n"));
    let xml = String::from_utf8(xml_esito_attestazione(
        Some(&varianti.last().unwrap().1),
        &ricerca,
    ))
    .unwrap();
    // An overdraft is 0 whole euros; 0.49 rounds to 0.
    assert!(xml.contains(r#"Saldo3112="0""#), "{xml}");
    assert!(xml.contains(r#"Valore="0""#), "{xml}");
}
