//! From the register's rows to the documents the e-services return: which indicator a
//! search means, and the INPS `Indicatore` / `EsitoAttestazione` data built from the
//! stored attestation (never recomputed: the answer is what was attested).

use chrono::{DateTime, NaiveDate};
use isee_core::TipoIsee;
use isee_core::calcolo::Righe;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::dsu::Dsu;
use isee_registro::omissioni::Annotazione;
use isee_registro::registrazione::{Registrazione, ValoreIndicatore};
use isee_soap::{
    BloccoBeneficiario, BloccoIsee, ComponenteNucleo, DatiAttestazione, DatiIndicatore,
    EsitoBeneficiario, ModalitaCalcolo, OmissioneDifformita, RapportoOmesso, Ricerca,
    TipoIndicatore, Valori,
};
use rust_decimal::Decimal;
use serde::Deserialize;

/// The register's type for an INPS `TipoIndicatore`.
pub fn tipo_isee(t: TipoIndicatore) -> TipoIsee {
    match t {
        TipoIndicatore::Ordinario => TipoIsee::Ordinario,
        TipoIndicatore::Minorenne => TipoIsee::Minorenni,
        TipoIndicatore::Universitario => TipoIsee::Universitario,
        TipoIndicatore::SocioSanitario => TipoIsee::Sociosanitario,
        TipoIndicatore::Dottorato => TipoIsee::Dottorato,
        TipoIndicatore::Residenziale => TipoIsee::Residenziale,
    }
}

/// The indicator of a row that a search for `cf` and `tipo` means: the ordinario is
/// the nucleus's; the specific ones are the beneficiary's (the minor, the student,
/// the person cared for), so the searched fiscal code must be that beneficiary when
/// the stored indicator names one. Indicators for a specific benefit (the 2026
/// family ISEE) are not what `TipoIndicatore` asks for.
pub fn scegli_indicatore<'a>(
    r: &'a Registrazione,
    tipo: TipoIsee,
    cf: &CodiceFiscale,
) -> Option<&'a ValoreIndicatore> {
    r.indicatori.iter().find(|i| {
        i.tipo == tipo
            && i.prestazione.is_none()
            && i.valori.is_some()
            && match (&i.beneficiario, tipo) {
                (_, TipoIsee::Ordinario) => true,
                (Some(b), _) => b == cf,
                (None, _) => true,
            }
    })
}

/// `Indicatore` from a row and the chosen indicator.
pub fn indicatore(
    r: &Registrazione,
    v: &ValoreIndicatore,
    tipo: TipoIndicatore,
    ricerca: &Ricerca,
    nucleo: Option<Vec<ComponenteNucleo>>,
) -> Option<DatiIndicatore> {
    let valori = v.valori.as_ref()?;
    Some(DatiIndicatore {
        tipo,
        ise: valori.ise,
        scala_equivalenza: valori.scala,
        isee: valori.isee,
        isr: valori.isr,
        isp: valori.isp,
        protocollo_dsu: r.protocollo.to_string(),
        data_presentazione: r.data_presentazione,
        ricerca: ricerca.clone(),
        nucleo,
    })
}

/// The household as the attestation lists it (names upper-case, as INPS writes them).
pub fn nucleo(dsu: &Dsu) -> Vec<ComponenteNucleo> {
    dsu.componenti
        .iter()
        .map(|c| ComponenteNucleo {
            rapporto: format!("{:?}", c.rapporto),
            cognome: c.cognome.clone().unwrap_or_default().to_uppercase(),
            nome: c.nome.clone().unwrap_or_default().to_uppercase(),
            codice_fiscale: c.codice_fiscale.as_str().to_string(),
        })
        .collect()
}

/// The Belfiore code of the nucleus's residence (message 3269 b: "il Comune di
/// residenza del nucleo familiare indicato nel modello base").
pub fn comune_residenza(dsu: &Dsu) -> Option<String> {
    dsu.abitazione
        .codice_comune
        .as_ref()
        .map(|c| c.as_str().to_string())
}

// The stored attestation, read back with only what the documents need.
#[derive(Deserialize)]
struct Memorizzata {
    indicatori: Vec<IndicatoreMemorizzato>,
}

#[derive(Deserialize)]
struct IndicatoreMemorizzato {
    richiesta: isee_core::Richiesta,
    #[serde(default)]
    calcolato: Option<EsitoMemorizzato>,
    #[serde(default)]
    non_calcolabile: Option<String>,
}

#[derive(Deserialize)]
struct EsitoMemorizzato {
    nucleo: Vec<CodiceFiscale>,
    righe: Righe,
    #[serde(default)]
    componenti_aggiuntive: Vec<serde_json::Value>,
    isee: Decimal,
}

fn blocco(e: &EsitoMemorizzato, data_rilascio: NaiveDate) -> BloccoIsee {
    let r = &e.righe;
    BloccoIsee {
        valori: Valori {
            ise: r.ise,
            scala_equivalenza: r.scala_equivalenza,
            isee: e.isee,
            isr: r.isr,
            isp: r.isp,
        },
        modalita: ModalitaCalcolo {
            somma_redditi_componenti: r.somma_redditi_componenti,
            somma_redditi_componenti_corrente: None,
            reddito_figurativo_patrimonio_mobiliare: r.reddito_figurativo_patrimonio_mobiliare,
            detrazioni: r.detrazioni,
            isr: r.isr,
            patrimonio_mobiliare: r.patrimonio_mobiliare,
            detrazione_patrimonio_mobiliare: r.detrazione_patrimonio_mobiliare,
            patrimonio_immobiliare: r.patrimonio_immobiliare,
            detrazione_patrimonio_immobiliare: r.detrazione_patrimonio_immobiliare,
            isp: r.isp,
            ise: r.ise,
            parametro_nucleo: r.parametro_nucleo,
            maggiorazioni: r.maggiorazioni,
            scala_equivalenza: r.scala_equivalenza,
        },
        data_rilascio,
    }
}

/// `Attestazione` from a row, its DSU, its stored attestation JSON and its notes.
pub fn attestazione(
    r: &Registrazione,
    dsu: &Dsu,
    attestazione_json: &str,
    annotazioni: &[Annotazione],
) -> Result<DatiAttestazione, serde_json::Error> {
    let m: Memorizzata = serde_json::from_str(attestazione_json)?;
    let rilascio = DateTime::from_timestamp_micros(r.registrata_il)
        .map(|t| t.date_naive())
        .unwrap_or(r.data_presentazione);
    let ordinario = m.indicatori.iter().find_map(|i| match &i.calcolato {
        Some(e) if i.richiesta.tipo == TipoIsee::Ordinario && i.richiesta.prestazione.is_none() => {
            Some(e)
        }
        _ => None,
    });
    let per_beneficiario = |tipo: TipoIsee| -> Vec<BloccoBeneficiario> {
        m.indicatori
            .iter()
            .filter(|i| i.richiesta.tipo == tipo && i.richiesta.prestazione.is_none())
            .filter_map(|i| {
                let cf = i.richiesta.beneficiario?;
                let esito = match (&i.calcolato, &i.non_calcolabile) {
                    (Some(e), _) if !e.componenti_aggiuntive.is_empty() => {
                        EsitoBeneficiario::Agg(blocco(e, rilascio))
                    }
                    (Some(e), _) if ordinario.is_some_and(|o| o.nucleo != e.nucleo) => {
                        EsitoBeneficiario::Attr(blocco(e, rilascio))
                    }
                    (Some(_), _) => EsitoBeneficiario::Ord,
                    (None, Some(motivo)) => EsitoBeneficiario::NonCalcolabile(motivo.clone()),
                    (None, None) => return None,
                };
                Some(BloccoBeneficiario {
                    codice_fiscale: cf.as_str().to_string(),
                    esito,
                })
            })
            .collect()
    };
    let sociosanitario = per_beneficiario(TipoIsee::Sociosanitario)
        .into_iter()
        .next();
    Ok(DatiAttestazione {
        cf_dichiarante: dsu
            .dichiarante()
            .map(|c| c.codice_fiscale.as_str().to_string())
            .unwrap_or_default(),
        protocollo_dsu: r.protocollo.to_string(),
        data_presentazione: r.data_presentazione,
        data_validita: r.validita.al,
        protocollo_mittente: r.protocollo_mittente.clone(),
        data_scadenza_corrente: None,
        corrente: false,
        nucleo: nucleo(dsu),
        ordinario: ordinario.map(|e| blocco(e, rilascio)),
        minorenni: per_beneficiario(TipoIsee::Minorenni),
        universitari: per_beneficiario(TipoIsee::Universitario),
        sociosanitario,
        omissioni: omissioni(annotazioni),
    })
}

/// Notes grouped per person and kind, as `OmissioneDifformita` elements.
fn omissioni(annotazioni: &[Annotazione]) -> Vec<OmissioneDifformita> {
    let mut out: Vec<OmissioneDifformita> = Vec::new();
    for a in annotazioni {
        let cf = a.codice_fiscale.as_str().to_string();
        let tipo = a.tipo.nome().to_string();
        let i = match out
            .iter()
            .position(|o| o.codice_fiscale == cf && o.tipo == tipo)
        {
            Some(i) => i,
            None => {
                out.push(OmissioneDifformita {
                    tipo,
                    codice_fiscale: cf,
                    data_controllo: Some(a.data_controllo),
                    rapporti: Vec::new(),
                });
                out.len() - 1
            }
        };
        if let Some(t) = &a.tipo_rapporto {
            out[i].rapporti.push(RapportoOmesso {
                tipo_rapporto: t.clone(),
                identificativo: a.riferimento.clone(),
                codice_fiscale_operatore: String::new(),
                saldo_3112: None,
                consistenza_media: None,
                valore: Some(a.agenzia_entrate),
            });
        }
    }
    out
}
