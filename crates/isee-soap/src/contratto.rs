//! The published contract: the WSDL of the nine operations and the schema of
//! their messages, compiled in so that the server can serve them at `?wsdl`
//! and `?xsd` without reading files.

/// The WSDL (`wsdl/ConsultazioneISEE.wsdl`): one port type
/// `ISvcConsultazione` with all nine operations, SOAP 1.1 document/literal.
/// The message schema is inline in `wsdl:types` (the same text as [`XSD`]), so
/// the document resolves offline, without fetching `?xsd`. Its `soap:address`
/// is a placeholder: serve [`wsdl_con_indirizzo`] instead.
pub const WSDL: &str = include_str!("../wsdl/ConsultazioneISEE.wsdl");

/// The message schema (`wsdl/ConsultazioneISEE.xsd`), namespace
/// `http://inps.it/ConsultazioneISEE`.
pub const XSD: &str = include_str!("../wsdl/ConsultazioneISEE.xsd");

/// INPS's single endpoint of the service, the path of the `soap:address` of
/// its v2.8 PDND WSDL (`https://api.inps.it/pdnd/soap/ConsultazioneISEE/v1`):
/// every operation on one URL, chosen by the SOAPAction or the body.
pub const PERCORSO_INPS: &str = "/pdnd/soap/ConsultazioneISEE/v1";

/// The placeholder address in [`WSDL`]'s `soap:address`.
const INDIRIZZO_SEGNAPOSTO: &str = "https://isee.invalid/ConsultazioneISEE";

/// The WSDL with `soap:address` set to the endpoint it is served from.
/// The address is escaped for an attribute value.
pub fn wsdl_con_indirizzo(indirizzo: &str) -> String {
    let mut valore = String::with_capacity(indirizzo.len());
    crate::formato::scrivi_valore_attributo(&mut valore, indirizzo);
    WSDL.replacen(INDIRIZZO_SEGNAPOSTO, &valore, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema inline in the WSDL is the committed XSD, line for line
    /// (modulo the WSDL's indentation): the two cannot drift apart.
    #[test]
    fn lo_schema_nel_wsdl_e_quello_dello_xsd() {
        let inizio = WSDL.find("<!-- BEGIN ConsultazioneISEE.xsd").unwrap();
        let inizio = inizio + WSDL[inizio..].find("<xs:schema").unwrap();
        let fine = WSDL.find("<!-- END ConsultazioneISEE.xsd").unwrap();
        let nel_wsdl: Vec<&str> = WSDL[inizio..fine].lines().map(str::trim).collect();
        let xsd = &XSD[XSD.find("<xs:schema").unwrap()..];
        let nello_xsd: Vec<&str> = xsd.lines().map(str::trim).collect();
        assert_eq!(
            nel_wsdl
                .iter()
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>(),
            nello_xsd
                .iter()
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
        );
        assert!(!WSDL.contains("schemaLocation"), "nessun include per URL");
    }

    #[test]
    fn indirizzo_dalla_configurazione() {
        let w = wsdl_con_indirizzo("https://api.ente.it/pdnd/soap/ConsultazioneISEE/v1?a=1&b=2");
        assert!(w.contains(
            r#"<soap:address location="https://api.ente.it/pdnd/soap/ConsultazioneISEE/v1?a=1&amp;b=2"/>"#
        ));
        assert!(!w.contains(INDIRIZZO_SEGNAPOSTO));
    }
}
