//! The published contract: the WSDL of the nine operations and the schema of
//! their messages, compiled in so that the server can serve them at `?wsdl`
//! and `?xsd` without reading files.

/// The WSDL (`wsdl/ConsultazioneISEE.wsdl`): one port type
/// `ISvcConsultazione` with all nine operations, SOAP 1.1 document/literal.
/// Its schema is included from `?xsd`, relative to the address it is served at.
pub const WSDL: &str = include_str!("../wsdl/ConsultazioneISEE.wsdl");

/// The message schema (`wsdl/ConsultazioneISEE.xsd`), namespace
/// `http://inps.it/ConsultazioneISEE`.
pub const XSD: &str = include_str!("../wsdl/ConsultazioneISEE.xsd");

/// The placeholder address in [`WSDL`]'s `soap:address`.
const INDIRIZZO_SEGNAPOSTO: &str = "https://isee.invalid/ConsultazioneISEE";

/// The WSDL with `soap:address` set to the endpoint it is served from.
/// The address is escaped for an attribute value.
pub fn wsdl_con_indirizzo(indirizzo: &str) -> String {
    let mut valore = String::with_capacity(indirizzo.len());
    crate::formato::scrivi_valore_attributo(&mut valore, indirizzo);
    WSDL.replacen(INDIRIZZO_SEGNAPOSTO, &valore, 1)
}
