//! The vocabulary of the service: operations, enumerations and the request as
//! data, with the names INPS uses on the wire.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Prefix of every SOAPAction of the port type `ISvcConsultazione`.
const PREFISSO_AZIONE: &str = "http://inps.it/ConsultazioneISEE/ISvcConsultazione/";

/// One of the nine operations of the port type `ISvcConsultazione`, or the
/// REST-only `ConsultazioneDichiarazione`.
///
/// The first three are INPS's published shapes (v2.8 PDND); the others are
/// this project's smallest extensions of them (see `CONTRATTO.md`).
/// `ConsultazioneDichiarazione` (the DSU content for controls) is **not** a SOAP
/// operation: it is not in [`Operazione::TUTTE`], nor in the WSDL, and
/// [`Operazione::da_nome`] / [`Operazione::da_soap_action`] never return it; it is
/// here so that the catalogue and the access log name it like the others
/// (`CONTRATTO.md` §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Operazione {
    ConsultazioneIndicatore,
    ConsultazioneAttestazione,
    ConsultazioneIndicatoreResidenti,
    ConsultazioneAttestazioneResidenti,
    ConsultazioneIndicatoreOperatori,
    ConsultazioneAttestazioneOperatori,
    ConsultazioneIndicatoreRiscontro,
    ConsultazioneIndicatoreNucleoRiscontro,
    ConsultazioneSogliaIndicatore,
    /// REST only (`POST /rest/v1/dichiarazione/dichiarazione`): the DSU as INPS's
    /// `ISEE_Dichiarazione` document.
    ConsultazioneDichiarazione,
}

/// The shape of a request, shared by several operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forma {
    /// `TipoIndicatore` + `RicercaCF`.
    Indicatore,
    /// Choice of `RicercaCF` | `RicercaProtDSU` | `RicercaProtMittente`.
    Attestazione,
    /// `TipoIndicatore` + `RicercaProtDSU` (the DSU protocol is the "dato di riscontro").
    Riscontro,
    /// INPS's threshold request: `@CodiceFiscale`, `@CodiceSoglia`,
    /// `@FornituraNucleo`, `@DataValidita` as attributes of `request`.
    Soglia,
    /// The REST-only DSU consultation: never read from a SOAP envelope.
    Dichiarazione,
}

impl Operazione {
    /// The operations served over REST only, outside the WSDL.
    pub const SOLO_REST: [Operazione; 1] = [Operazione::ConsultazioneDichiarazione];

    /// Whether the operation is one of the WSDL's (served over SOAP).
    pub const fn soap(self) -> bool {
        !matches!(self, Operazione::ConsultazioneDichiarazione)
    }

    /// All SOAP operations, in the order of the WSDL (not the REST-only ones,
    /// [`Operazione::SOLO_REST`]).
    pub const TUTTE: [Operazione; 9] = [
        Operazione::ConsultazioneIndicatore,
        Operazione::ConsultazioneAttestazione,
        Operazione::ConsultazioneIndicatoreResidenti,
        Operazione::ConsultazioneAttestazioneResidenti,
        Operazione::ConsultazioneIndicatoreOperatori,
        Operazione::ConsultazioneAttestazioneOperatori,
        Operazione::ConsultazioneIndicatoreRiscontro,
        Operazione::ConsultazioneIndicatoreNucleoRiscontro,
        Operazione::ConsultazioneSogliaIndicatore,
    ];

    /// The operation's name: the request element in the SOAP body.
    pub const fn nome(self) -> &'static str {
        match self {
            Operazione::ConsultazioneIndicatore => "ConsultazioneIndicatore",
            Operazione::ConsultazioneAttestazione => "ConsultazioneAttestazione",
            Operazione::ConsultazioneIndicatoreResidenti => "ConsultazioneIndicatoreResidenti",
            Operazione::ConsultazioneAttestazioneResidenti => "ConsultazioneAttestazioneResidenti",
            Operazione::ConsultazioneIndicatoreOperatori => "ConsultazioneIndicatoreOperatori",
            Operazione::ConsultazioneAttestazioneOperatori => "ConsultazioneAttestazioneOperatori",
            Operazione::ConsultazioneIndicatoreRiscontro => "ConsultazioneIndicatoreRiscontro",
            Operazione::ConsultazioneIndicatoreNucleoRiscontro => {
                "ConsultazioneIndicatoreNucleoRiscontro"
            }
            Operazione::ConsultazioneSogliaIndicatore => "ConsultazioneSogliaIndicatore",
            Operazione::ConsultazioneDichiarazione => "ConsultazioneDichiarazione",
        }
    }

    /// The SOAPAction, unquoted:
    /// `http://inps.it/ConsultazioneISEE/ISvcConsultazione/<Op>`.
    pub const fn soap_action(self) -> &'static str {
        match self {
            Operazione::ConsultazioneIndicatore => {
                "http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatore"
            }
            Operazione::ConsultazioneAttestazione => {
                "http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneAttestazione"
            }
            Operazione::ConsultazioneIndicatoreResidenti => {
                "http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatoreResidenti"
            }
            Operazione::ConsultazioneAttestazioneResidenti => {
                "http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneAttestazioneResidenti"
            }
            Operazione::ConsultazioneIndicatoreOperatori => {
                "http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatoreOperatori"
            }
            Operazione::ConsultazioneAttestazioneOperatori => {
                "http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneAttestazioneOperatori"
            }
            Operazione::ConsultazioneIndicatoreRiscontro => {
                "http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatoreRiscontro"
            }
            Operazione::ConsultazioneIndicatoreNucleoRiscontro => {
                "http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatoreNucleoRiscontro"
            }
            Operazione::ConsultazioneSogliaIndicatore => {
                "http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneSogliaIndicatore"
            }
            // Not a SOAP operation: no action is ever matched to it.
            Operazione::ConsultazioneDichiarazione => "",
        }
    }

    /// The operation with this name (case-sensitive, as XML names are).
    pub fn da_nome(nome: &str) -> Option<Operazione> {
        Operazione::TUTTE.into_iter().find(|o| o.nome() == nome)
    }

    /// The operation of a SOAPAction header value, quoted (`"…"`, as SOAP 1.1
    /// clients usually send it) or not, with surrounding blanks ignored.
    pub fn da_soap_action(azione: &str) -> Option<Operazione> {
        let azione = azione.trim();
        let azione = azione
            .strip_prefix('"')
            .and_then(|a| a.strip_suffix('"'))
            .unwrap_or(azione);
        Operazione::da_nome(azione.strip_prefix(PREFISSO_AZIONE)?)
    }

    /// The response element, `<Op>Response`.
    pub const fn elemento_risposta(self) -> &'static str {
        match self {
            Operazione::ConsultazioneIndicatore => "ConsultazioneIndicatoreResponse",
            Operazione::ConsultazioneAttestazione => "ConsultazioneAttestazioneResponse",
            Operazione::ConsultazioneIndicatoreResidenti => {
                "ConsultazioneIndicatoreResidentiResponse"
            }
            Operazione::ConsultazioneAttestazioneResidenti => {
                "ConsultazioneAttestazioneResidentiResponse"
            }
            Operazione::ConsultazioneIndicatoreOperatori => {
                "ConsultazioneIndicatoreOperatoriResponse"
            }
            Operazione::ConsultazioneAttestazioneOperatori => {
                "ConsultazioneAttestazioneOperatoriResponse"
            }
            Operazione::ConsultazioneIndicatoreRiscontro => {
                "ConsultazioneIndicatoreRiscontroResponse"
            }
            Operazione::ConsultazioneIndicatoreNucleoRiscontro => {
                "ConsultazioneIndicatoreNucleoRiscontroResponse"
            }
            Operazione::ConsultazioneSogliaIndicatore => "ConsultazioneSogliaIndicatoreResponse",
            Operazione::ConsultazioneDichiarazione => "ConsultazioneDichiarazioneResponse",
        }
    }

    /// The result element inside the response, `<Op>Result`.
    pub const fn elemento_risultato(self) -> &'static str {
        match self {
            Operazione::ConsultazioneIndicatore => "ConsultazioneIndicatoreResult",
            Operazione::ConsultazioneAttestazione => "ConsultazioneAttestazioneResult",
            Operazione::ConsultazioneIndicatoreResidenti => {
                "ConsultazioneIndicatoreResidentiResult"
            }
            Operazione::ConsultazioneAttestazioneResidenti => {
                "ConsultazioneAttestazioneResidentiResult"
            }
            Operazione::ConsultazioneIndicatoreOperatori => {
                "ConsultazioneIndicatoreOperatoriResult"
            }
            Operazione::ConsultazioneAttestazioneOperatori => {
                "ConsultazioneAttestazioneOperatoriResult"
            }
            Operazione::ConsultazioneIndicatoreRiscontro => {
                "ConsultazioneIndicatoreRiscontroResult"
            }
            Operazione::ConsultazioneIndicatoreNucleoRiscontro => {
                "ConsultazioneIndicatoreNucleoRiscontroResult"
            }
            Operazione::ConsultazioneSogliaIndicatore => "ConsultazioneSogliaIndicatoreResult",
            Operazione::ConsultazioneDichiarazione => "ConsultazioneDichiarazioneResult",
        }
    }

    /// The base64 element of the result carrying the inner document:
    /// `XmlEsitoIndicatore`, `XmlEsitoAttestazione`, or `None` for the
    /// threshold query, whose `DatiIndicatore` travels inline.
    pub const fn elemento_xml_esito(self) -> Option<&'static str> {
        match self.forma() {
            Forma::Indicatore | Forma::Riscontro => Some("XmlEsitoIndicatore"),
            Forma::Attestazione => Some("XmlEsitoAttestazione"),
            Forma::Soglia | Forma::Dichiarazione => None,
        }
    }

    /// Whether the operation answers with an `Indicatore` document.
    pub const fn restituisce_indicatore(self) -> bool {
        matches!(self.forma(), Forma::Indicatore | Forma::Riscontro)
    }

    /// Whether the operation answers with an `EsitoAttestazione` document.
    pub const fn restituisce_attestazione(self) -> bool {
        matches!(self.forma(), Forma::Attestazione)
    }

    pub(crate) const fn forma(self) -> Forma {
        match self {
            Operazione::ConsultazioneIndicatore
            | Operazione::ConsultazioneIndicatoreResidenti
            | Operazione::ConsultazioneIndicatoreOperatori => Forma::Indicatore,
            Operazione::ConsultazioneAttestazione
            | Operazione::ConsultazioneAttestazioneResidenti
            | Operazione::ConsultazioneAttestazioneOperatori => Forma::Attestazione,
            Operazione::ConsultazioneIndicatoreRiscontro
            | Operazione::ConsultazioneIndicatoreNucleoRiscontro => Forma::Riscontro,
            Operazione::ConsultazioneSogliaIndicatore => Forma::Soglia,
            Operazione::ConsultazioneDichiarazione => Forma::Dichiarazione,
        }
    }
}

impl std::fmt::Display for Operazione {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.nome())
    }
}

/// `TipoIndicatoreSinteticoEnum`: the ISEE type asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TipoIndicatore {
    Ordinario,
    Minorenne,
    Universitario,
    SocioSanitario,
    Dottorato,
    Residenziale,
}

impl TipoIndicatore {
    /// All values, in the XSD's order.
    pub const TUTTI: [TipoIndicatore; 6] = [
        TipoIndicatore::Ordinario,
        TipoIndicatore::Minorenne,
        TipoIndicatore::Universitario,
        TipoIndicatore::SocioSanitario,
        TipoIndicatore::Dottorato,
        TipoIndicatore::Residenziale,
    ];

    /// The wire value.
    pub const fn nome(self) -> &'static str {
        match self {
            TipoIndicatore::Ordinario => "Ordinario",
            TipoIndicatore::Minorenne => "Minorenne",
            TipoIndicatore::Universitario => "Universitario",
            TipoIndicatore::SocioSanitario => "SocioSanitario",
            TipoIndicatore::Dottorato => "Dottorato",
            TipoIndicatore::Residenziale => "Residenziale",
        }
    }

    /// The value with this wire name.
    pub fn da_nome(nome: &str) -> Option<TipoIndicatore> {
        TipoIndicatore::TUTTI.into_iter().find(|t| t.nome() == nome)
    }
}

/// `TipoIndicatoreEnum` of the old threshold service: the 16 long labels of
/// `DatiIndicatore/@TipoIndicatore`, which say which variant of the ISEE the
/// threshold was compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TipoIndicatoreSoglia {
    Ordinario,
    MinorenneOrdinario,
    MinorenneComponenteAggiuntiva,
    MinorenneComponenteAttratta,
    UniversitarioComponenteAggiuntiva,
    UniversitarioComponenteAttratta,
    UniversitarioOrdinario,
    UniversitarioStudenteAttratto,
    UniversitarioStudenteAttrattoComponenteAggiuntiva,
    UniversitarioStudenteAttrattoComponenteAttratta,
    SociosanitarioRidotto,
    DottoratoRicercaRidotto,
    ResidenzialeStandardSenzaFigliAggiuntivi,
    ResidenzialeStandardConFigliAggiuntivi,
    ResidenzialeRidottoSenzaFigliAggiuntivi,
    ResidenzialeRidottoConFigliAggiuntivi,
}

impl TipoIndicatoreSoglia {
    /// All labels, in the old XSD's order.
    pub const TUTTI: [TipoIndicatoreSoglia; 16] = [
        TipoIndicatoreSoglia::Ordinario,
        TipoIndicatoreSoglia::MinorenneOrdinario,
        TipoIndicatoreSoglia::MinorenneComponenteAggiuntiva,
        TipoIndicatoreSoglia::MinorenneComponenteAttratta,
        TipoIndicatoreSoglia::UniversitarioComponenteAggiuntiva,
        TipoIndicatoreSoglia::UniversitarioComponenteAttratta,
        TipoIndicatoreSoglia::UniversitarioOrdinario,
        TipoIndicatoreSoglia::UniversitarioStudenteAttratto,
        TipoIndicatoreSoglia::UniversitarioStudenteAttrattoComponenteAggiuntiva,
        TipoIndicatoreSoglia::UniversitarioStudenteAttrattoComponenteAttratta,
        TipoIndicatoreSoglia::SociosanitarioRidotto,
        TipoIndicatoreSoglia::DottoratoRicercaRidotto,
        TipoIndicatoreSoglia::ResidenzialeStandardSenzaFigliAggiuntivi,
        TipoIndicatoreSoglia::ResidenzialeStandardConFigliAggiuntivi,
        TipoIndicatoreSoglia::ResidenzialeRidottoSenzaFigliAggiuntivi,
        TipoIndicatoreSoglia::ResidenzialeRidottoConFigliAggiuntivi,
    ];

    /// The wire label, e.g. `ISEE Ordinario`.
    pub const fn etichetta(self) -> &'static str {
        use TipoIndicatoreSoglia as T;
        match self {
            T::Ordinario => "ISEE Ordinario",
            T::MinorenneOrdinario => "ISEE Minorenne ordinario",
            T::MinorenneComponenteAggiuntiva => "ISEE Minorenne con componente aggiuntiva",
            T::MinorenneComponenteAttratta => "ISEE Minorenne con componente attratta",
            T::UniversitarioComponenteAggiuntiva => "ISEE Universitario con componente aggiuntiva",
            T::UniversitarioComponenteAttratta => "ISEE Universitario con componente attratta",
            T::UniversitarioOrdinario => "ISEE Universitario ordinario",
            T::UniversitarioStudenteAttratto => "ISEE Universitario con studente attratto",
            T::UniversitarioStudenteAttrattoComponenteAggiuntiva => {
                "ISEE Universitario con studente attratto e componente aggiuntiva"
            }
            T::UniversitarioStudenteAttrattoComponenteAttratta => {
                "ISEE Universitario con studente attratto e componente attratta"
            }
            T::SociosanitarioRidotto => "ISEE Sociosanitario ridotto",
            T::DottoratoRicercaRidotto => "ISEE Dottorato ricerca ridotto",
            T::ResidenzialeStandardSenzaFigliAggiuntivi => {
                "ISEE Residenziale standard senza figli aggiuntivi"
            }
            T::ResidenzialeStandardConFigliAggiuntivi => {
                "ISEE Residenziale standard con figli aggiuntivi"
            }
            T::ResidenzialeRidottoSenzaFigliAggiuntivi => {
                "ISEE Residenziale ridotto senza figli aggiuntivi"
            }
            T::ResidenzialeRidottoConFigliAggiuntivi => {
                "ISEE Residenziale ridotto con figli aggiuntivi"
            }
        }
    }

    /// The value with this wire label.
    pub fn da_etichetta(etichetta: &str) -> Option<TipoIndicatoreSoglia> {
        TipoIndicatoreSoglia::TUTTI
            .into_iter()
            .find(|t| t.etichetta() == etichetta)
    }
}

/// `EsitoEnum`: the outcome of a consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Esito {
    Ok,
    RichiestaInvalida,
    DatiNonTrovati,
    DatabaseOffline,
    ErroreInterno,
    RiscontroNonValido,
}

impl Esito {
    /// All values, in the XSD's order.
    pub const TUTTI: [Esito; 6] = [
        Esito::Ok,
        Esito::RichiestaInvalida,
        Esito::DatiNonTrovati,
        Esito::DatabaseOffline,
        Esito::ErroreInterno,
        Esito::RiscontroNonValido,
    ];

    /// The wire value, e.g. `DATI_NON_TROVATI`.
    pub const fn nome(self) -> &'static str {
        match self {
            Esito::Ok => "OK",
            Esito::RichiestaInvalida => "RICHIESTA_INVALIDA",
            Esito::DatiNonTrovati => "DATI_NON_TROVATI",
            Esito::DatabaseOffline => "DATABASE_OFFLINE",
            Esito::ErroreInterno => "ERRORE_INTERNO",
            Esito::RiscontroNonValido => "RISCONTRO_NON_VALIDO",
        }
    }

    /// The value with this wire name.
    pub fn da_nome(nome: &str) -> Option<Esito> {
        Esito::TUTTI.into_iter().find(|e| e.nome() == nome)
    }
}

/// `StatodomandaPrestazione`: whether the benefit is still to be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StatoDomanda {
    /// `Da Erogare`
    DaErogare,
    /// `Erogata`
    Erogata,
}

impl StatoDomanda {
    /// The wire value (with its space: `Da Erogare`).
    pub const fn nome(self) -> &'static str {
        match self {
            StatoDomanda::DaErogare => "Da Erogare",
            StatoDomanda::Erogata => "Erogata",
        }
    }

    /// The value with this wire name.
    pub fn da_nome(nome: &str) -> Option<StatoDomanda> {
        match nome {
            "Da Erogare" => Some(StatoDomanda::DaErogare),
            "Erogata" => Some(StatoDomanda::Erogata),
            _ => None,
        }
    }
}

/// `PrestazioneDaErogareType`: code and meaning of each benefit, as listed in
/// the comments of INPS's `ISEE_TipiComuni.xsd`.
pub const PRESTAZIONI: [(&str, &str); 36] = [
    ("A1.01", "Assegno nucleo familiare (Comuni)"),
    ("A1.02", "Assegno maternità (Comuni)"),
    ("A1.03", "Carta acquisti"),
    ("A1.04", "Contributi integrazione reddito"),
    ("A1.05", "Contributi per alloggio"),
    ("A1.06", "Buoni spesa/pasto"),
    ("A1.07", "Rette asili nido"),
    ("A1.08", "Servizi integrativi prima infanzia"),
    ("A1.09", "Servizi scolastici"),
    ("A1.10", "Cure/prestazioni socio-sanitarie"),
    ("A1.11", "Domiciliarità/autonomia"),
    ("A1.12", "Centri diurni"),
    ("A1.13", "Semi-residenziali"),
    ("A1.14", "Residenziali"),
    ("A1.15", "Servizi alla persona"),
    ("A1.16", "Trasporto/mobilità"),
    ("A1.17", "Prestiti d'onore"),
    ("A1.18", "Inserimento lavorativo"),
    ("A1.19", "Borse di studio"),
    ("A1.20", "Buono vacanze"),
    ("A2.01", "Mensa sociale"),
    ("A2.02", "Sostegno socio-educativo territoriale/domiciliare"),
    ("A2.03", "Diritto allo studio universitario"),
    ("A2.04", "Tasse universitarie"),
    ("A2.05", "Utenze"),
    ("A2.06", "Tributi comunali"),
    ("A2.07", "Assistenza domiciliare"),
    ("A2.08", "ADI"),
    ("A2.09", "Supporto inserimento lavorativo"),
    ("A2.10", "Servizi integrativi prima infanzia"),
    ("A2.11", "Sostegno socio-educativo scolastico"),
    ("A2.12", "Mensa scolastica"),
    ("A3.01", "Strutture semiresidenziali"),
    ("A3.02", "Strutture residenziali"),
    ("A3.03", "Asilo nido"),
    ("Z9.99", "Altro"),
];

/// Whether `codice` is one of the 36 `PrestazioneDaErogare` codes.
pub fn prestazione_valida(codice: &str) -> bool {
    PRESTAZIONI.iter().any(|(c, _)| *c == codice)
}

/// The purpose data every search may carry: which benefit application the
/// consultation serves. Optional in the XSD; the service's policy decides
/// whether they are required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatiDomanda {
    /// `PrestazioneDaErogare`, one of [`PRESTAZIONI`].
    pub prestazione: Option<String>,
    /// `ProtocolloDomandaEnteErogatore`, at most 256 characters.
    pub protocollo_domanda: Option<String>,
    /// `StatodomandaPrestazione`.
    pub stato_domanda: Option<StatoDomanda>,
}

/// `RicercaCF`: search by the fiscal code of the person concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RicercaCf {
    /// `CodiceFiscale`.
    pub codice_fiscale: String,
    /// `DataValidita`: the date at which the ISEE must be valid.
    pub data_validita: Option<NaiveDate>,
    pub domanda: DatiDomanda,
}

/// `RicercaProtDSU`: search by DSU protocol and beneficiary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RicercaProtDsu {
    /// `ProtocolloDSU`, pattern `INPS-ISEE-YYYY-NNNNNNNNX-NN`.
    pub protocollo_dsu: String,
    /// `CodiceFiscaleBeneficiario`.
    pub codice_fiscale_beneficiario: String,
    pub domanda: DatiDomanda,
}

/// `RicercaProtMittente`: search by the sender's (CAF's) protocol and beneficiary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RicercaProtMittente {
    /// `ProtocolloMittente`, at most 29 characters.
    pub protocollo_mittente: String,
    /// `CodiceFiscaleBeneficiario`.
    pub codice_fiscale_beneficiario: String,
    pub domanda: DatiDomanda,
}

/// The search of a request, echoed back in the inner documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ricerca {
    Cf(RicercaCf),
    ProtDsu(RicercaProtDsu),
    ProtMittente(RicercaProtMittente),
}

impl Ricerca {
    /// `CF`, `ProtDSU` or `ProtMittente`: a short tag for logs.
    pub const fn tipo(&self) -> &'static str {
        match self {
            Ricerca::Cf(_) => "CF",
            Ricerca::ProtDsu(_) => "ProtDSU",
            Ricerca::ProtMittente(_) => "ProtMittente",
        }
    }

    /// The element name on the wire (`RicercaCF`, `RicercaProtDSU`, `RicercaProtMittente`).
    pub const fn elemento(&self) -> &'static str {
        match self {
            Ricerca::Cf(_) => "RicercaCF",
            Ricerca::ProtDsu(_) => "RicercaProtDSU",
            Ricerca::ProtMittente(_) => "RicercaProtMittente",
        }
    }

    /// The purpose data of the search.
    pub const fn domanda(&self) -> &DatiDomanda {
        match self {
            Ricerca::Cf(r) => &r.domanda,
            Ricerca::ProtDsu(r) => &r.domanda,
            Ricerca::ProtMittente(r) => &r.domanda,
        }
    }

    /// The fiscal code of the person concerned: `CodiceFiscale` or
    /// `CodiceFiscaleBeneficiario`.
    pub fn codice_fiscale(&self) -> &str {
        match self {
            Ricerca::Cf(r) => &r.codice_fiscale,
            Ricerca::ProtDsu(r) => &r.codice_fiscale_beneficiario,
            Ricerca::ProtMittente(r) => &r.codice_fiscale_beneficiario,
        }
    }
}

/// The `Identity` SOAP header (namespace `http://inps.it/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `UserId`: usually the consuming entity's fiscal code or a service user.
    pub user_id: String,
    /// `CodiceUfficio`: usually `001`.
    pub codice_ufficio: String,
}

/// A request read from the wire and valid against the contract's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RichiestaSoap {
    pub operazione: Operazione,
    /// The `Identity` header, when sent.
    pub identity: Option<Identity>,
    /// `TipoIndicatore`: present for every operation except the attestation ones
    /// and the threshold query (whose threshold code implies the type).
    pub tipo_indicatore: Option<TipoIndicatore>,
    /// `CodiceSoglia`: present only for `ConsultazioneSogliaIndicatore`.
    pub codice_soglia: Option<String>,
    /// `FornituraNucleo="SI"`: the threshold query asks for the nucleus
    /// (`DatiIndicatore/Componente`). Always `false` for the other operations.
    #[serde(default)]
    pub fornitura_nucleo: bool,
    /// The search. For the threshold query, a `RicercaCF` made of the request's
    /// `@CodiceFiscale` (without the padding spaces INPS allows) and `@DataValidita`.
    pub ricerca: Ricerca,
}
