//! Writing a request: what a client of the service sends. The server never
//! needs it; tests, demos and the lead's integration tests do, and it is the
//! other half of the property test that every request reads back as written.

use crate::formato::{attributo, attributo_data, elemento_testo, scrivi_data};
use crate::tipi::{DatiDomanda, Operazione, Ricerca, RichiestaSoap};
use crate::{NS_CONSULTAZIONE, NS_IDENTITY, NS_SOAP11};

/// Writes the SOAP 1.1 envelope of a request, with the `Identity` header
/// when present. Elements use the prefix `con:`; the header's children are
/// unqualified, as in INPS's examples.
pub fn scrivi_richiesta(r: &RichiestaSoap) -> Vec<u8> {
    let mut out = String::with_capacity(800);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    out.push_str("<soapenv:Envelope xmlns:soapenv=\"");
    out.push_str(NS_SOAP11);
    out.push_str("\" xmlns:con=\"");
    out.push_str(NS_CONSULTAZIONE);
    out.push_str("\">");
    if let Some(id) = &r.identity {
        out.push_str("<soapenv:Header><inps:Identity xmlns:inps=\"");
        out.push_str(NS_IDENTITY);
        out.push_str("\">");
        elemento_testo(&mut out, "UserId", &id.user_id);
        elemento_testo(&mut out, "CodiceUfficio", &id.codice_ufficio);
        out.push_str("</inps:Identity></soapenv:Header>");
    }
    out.push_str("<soapenv:Body><con:");
    out.push_str(r.operazione.nome());
    if r.operazione == Operazione::ConsultazioneSogliaIndicatore {
        // INPS's threshold request: its four fields are attributes of `request`.
        out.push_str("><con:request");
        attributo(&mut out, "CodiceFiscale", r.ricerca.codice_fiscale());
        attributo(
            &mut out,
            "CodiceSoglia",
            r.codice_soglia.as_deref().unwrap_or_default(),
        );
        attributo(
            &mut out,
            "FornituraNucleo",
            if r.fornitura_nucleo { "SI" } else { "NO" },
        );
        if let Ricerca::Cf(c) = &r.ricerca
            && let Some(d) = c.data_validita
        {
            attributo_data(&mut out, "DataValidita", d);
        }
        out.push_str("/></con:");
        out.push_str(r.operazione.nome());
        out.push_str("></soapenv:Body></soapenv:Envelope>");
        return out.into_bytes();
    }
    out.push_str("><con:request>");
    if let Some(t) = r.tipo_indicatore {
        elemento_testo(&mut out, "con:TipoIndicatore", t.nome());
    }
    scrivi_ricerca(&mut out, &r.ricerca);
    out.push_str("</con:request></con:");
    out.push_str(r.operazione.nome());
    out.push_str("></soapenv:Body></soapenv:Envelope>");
    out.into_bytes()
}

fn scrivi_ricerca(out: &mut String, ricerca: &Ricerca) {
    out.push_str("<con:");
    out.push_str(ricerca.elemento());
    out.push('>');
    match ricerca {
        Ricerca::Cf(r) => {
            elemento_testo(out, "con:CodiceFiscale", &r.codice_fiscale);
            if let Some(d) = r.data_validita {
                out.push_str("<con:DataValidita>");
                scrivi_data(out, d);
                out.push_str("</con:DataValidita>");
            }
        }
        Ricerca::ProtDsu(r) => {
            elemento_testo(out, "con:ProtocolloDSU", &r.protocollo_dsu);
            elemento_testo(
                out,
                "con:CodiceFiscaleBeneficiario",
                &r.codice_fiscale_beneficiario,
            );
        }
        Ricerca::ProtMittente(r) => {
            elemento_testo(out, "con:ProtocolloMittente", &r.protocollo_mittente);
            elemento_testo(
                out,
                "con:CodiceFiscaleBeneficiario",
                &r.codice_fiscale_beneficiario,
            );
        }
    }
    scrivi_domanda(out, ricerca.domanda());
    out.push_str("</con:");
    out.push_str(ricerca.elemento());
    out.push('>');
}

fn scrivi_domanda(out: &mut String, d: &DatiDomanda) {
    if let Some(p) = &d.prestazione {
        elemento_testo(out, "con:PrestazioneDaErogare", p);
    }
    if let Some(p) = &d.protocollo_domanda {
        elemento_testo(out, "con:ProtocolloDomandaEnteErogatore", p);
    }
    if let Some(s) = d.stato_domanda {
        elemento_testo(out, "con:StatodomandaPrestazione", s.nome());
    }
}
