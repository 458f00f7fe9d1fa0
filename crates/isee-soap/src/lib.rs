//! The SOAP 1.1 wire format of INPS `ConsultazioneISEE`, as a pure codec.
//!
//! The crate reads the requests of the nine consultation operations
//! ([`leggi_richiesta`]), writes their answers ([`scrivi_risposta`]) and SOAP
//! faults ([`scrivi_fault`]), and builds the inner `http://inps.it/ISEERiforma`
//! documents that travel base64-encoded inside the answers
//! ([`xml_indicatore`], [`xml_esito_attestazione`]).
//!
//! It does no I/O and reads no clock: the caller owns the HTTP exchange, the
//! request identifier and every policy decision (purpose binding, quotas,
//! residence checks). `CONTRATTO.md` beside this crate documents the contract:
//! which shapes are INPS's published v2.8 PDND messages and which are ours.
//!
//! Names follow INPS: the domain words are Italian, exactly as they appear on
//! the wire; infrastructure words are English.

mod contratto;
mod formato;
mod interno;
mod lettura;
mod risposta;
mod scrittura;
mod tipi;

pub use contratto::{PERCORSO_INPS, WSDL, XSD, wsdl_con_indirizzo};
pub use formato::{
    codice_fiscale_soglia, codice_fiscale_valido, codice_soglia_valido, leggi_data_xsd,
    protocollo_dsu_valido,
};
pub use interno::{
    BloccoBeneficiario, BloccoIsee, BloccoSocioSanitario, ComponenteEsterna, ComponenteNucleo,
    ComponenteRistretto, DatiAttestazione, DatiIndicatore, EsitoBeneficiario, EsitoRistretto,
    EsitoSocioSanitario, ModalitaCalcolo, OmissioneDifformita, RapportoOmesso, Ridotto, Valori,
    xml_esito_attestazione, xml_indicatore,
};
pub use lettura::{ErroreRichiesta, Problema, descrizione_problemi, leggi_richiesta};
pub use risposta::{
    Contenuto, DatiSoglia, FaultCode, Problem, Risposta, scrivi_fault, scrivi_risposta,
};
pub use scrittura::scrivi_richiesta;
pub use tipi::{
    DatiDomanda, Esito, Identity, Operazione, PRESTAZIONI, Ricerca, RicercaCf, RicercaProtDsu,
    RicercaProtMittente, RichiestaSoap, StatoDomanda, TipoIndicatore, TipoIndicatoreSoglia,
    prestazione_valida,
};

/// Namespace of the SOAP 1.1 envelope.
pub const NS_SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// Namespace of the SOAP 1.2 envelope, recognised only to refuse it clearly.
pub const NS_SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Namespace of the service messages (`ConsultazioneISEE` v2.8 PDND).
pub const NS_CONSULTAZIONE: &str = "http://inps.it/ConsultazioneISEE";
/// Namespace of the `Identity` SOAP header.
pub const NS_IDENTITY: &str = "http://inps.it/";
/// Namespace of the inner documents `Indicatore` and `EsitoAttestazione`.
pub const NS_ISEE_RIFORMA: &str = "http://inps.it/ISEERiforma";
/// Namespace of the RFC 7807 `problem` element carried in a fault's `detail`.
pub const NS_PROBLEM: &str = "urn:ietf:rfc:7807";
