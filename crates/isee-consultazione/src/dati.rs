//! From the register's rows to the documents the e-services return: which indicator a
//! search means, and the INPS `Indicatore` / `EsitoAttestazione` data built from the
//! stored attestation (never recomputed: the answer is what was attested); and the
//! stored DSU as INPS's `ISEE_Dichiarazione` for ConsultazioneDichiarazione.

use chrono::{DateTime, NaiveDate};
use isee_core::TipoIsee;
use isee_core::calcolo::Righe;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::dsu::Dsu;
use isee_registro::omissioni::Annotazione;
use isee_registro::registrazione::{Registrazione, ValoreIndicatore};
use isee_soap::{
    BloccoBeneficiario, BloccoIsee, BloccoSocioSanitario, ComponenteEsterna, ComponenteNucleo,
    ComponenteRistretto, DatiAttestazione, DatiIndicatore, EsitoBeneficiario, EsitoRistretto,
    EsitoSocioSanitario, ModalitaCalcolo, OmissioneDifformita, RapportoOmesso, Ricerca, Ridotto,
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
    componenti_aggiuntive: Vec<AggiuntivaMemorizzata>,
    isee: Decimal,
}

#[derive(Deserialize)]
struct AggiuntivaMemorizzata {
    codice_fiscale: String,
    importo: Decimal,
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

/// Surname and name of a person of the DSU, upper-case as INPS writes them; empty
/// for someone the DSU names by fiscal code only (a non-cohabiting parent).
/// Surname and name, upper-case, of a person of the DSU: a member, or a componente
/// aggiuntiva (a non-cohabiting parent's or child's sheet), else as `dati_inps` names
/// him or her; empty when the DSU does not say.
fn persona(dsu: &Dsu, cf: &str) -> (String, String) {
    let foglio = dsu.fogli().find(|c| c.codice_fiscale.as_str() == cf);
    let dati = dsu.dati_inps.persone.get(cf);
    let nome = |sul_foglio: Option<&String>, in_dati: Option<&String>| {
        sul_foglio
            .or(in_dati)
            .map(|s| s.to_uppercase())
            .unwrap_or_default()
    };
    (
        nome(
            foglio.and_then(|c| c.cognome.as_ref()),
            dati.and_then(|d| d.cognome.as_ref()),
        ),
        nome(
            foglio.and_then(|c| c.nome.as_ref()),
            dati.and_then(|d| d.nome.as_ref()),
        ),
    )
}

fn esterna(dsu: &Dsu, cf: &str, valore: Option<Decimal>) -> ComponenteEsterna {
    let (cognome, nome) = persona(dsu, cf);
    ComponenteEsterna {
        cognome,
        nome,
        codice_fiscale: cf.to_string(),
        valore,
    }
}

fn aggiuntive(dsu: &Dsu, e: &EsitoMemorizzato) -> Vec<ComponenteEsterna> {
    e.componenti_aggiuntive
        .iter()
        .map(|a| esterna(dsu, &a.codice_fiscale, Some(a.importo)))
        .collect()
}

/// `@RelazioneConBeneficiario` of a member of a restricted nucleus: `B` for the
/// beneficiary; otherwise the relation the DSU states for the restricted nucleus
/// (art. 6 c.2), or, for the doctorate's nucleus (which states none), the relation
/// to the dichiarante when the beneficiary is the dichiarante, else `F` (inferred:
/// the restricted nucleus is the beneficiary, the spouse and the children).
fn relazione(dsu: &Dsu, beneficiario: &CodiceFiscale, cf: &CodiceFiscale) -> String {
    use isee_core::dsu::Rapporto;
    if cf == beneficiario {
        return "B".into();
    }
    if let Some(r) = dsu
        .nucleo_ristretto
        .as_ref()
        .filter(|n| &n.beneficiario == beneficiario)
        .and_then(|n| n.componenti.iter().find(|m| &m.codice_fiscale == cf))
    {
        return format!("{:?}", r.relazione);
    }
    let rapporto = |x: &CodiceFiscale| dsu.componente(x).map(|c| c.rapporto);
    match (rapporto(beneficiario), rapporto(cf)) {
        (Some(Rapporto::D), Some(Rapporto::C)) | (Some(Rapporto::C), Some(Rapporto::D)) => {
            "C".into()
        }
        (
            Some(Rapporto::D),
            Some(r @ (Rapporto::F | Rapporto::FC | Rapporto::FNC | Rapporto::MA)),
        ) => {
            format!("{r:?}")
        }
        _ => "F".into(),
    }
}

/// `Attestazione` from a row, its DSU, its stored attestation JSON and its notes.
///
/// Each ISEE the engine computed goes where INPS's `TypeAttestazione` v1.4 puts it
/// (CONTRATTO.md §3): the ordinary one in `Ordinario/ISEEOrdinario`; the 2026
/// family ISEE in `Ordinario/ISEEFamiglia`; minors and students in
/// `ISEEMin`/`ISEEUni` (same as the ordinary, with an attracted member, with a
/// componente aggiuntiva, not computable); the socio-sanitary and residential ISEE
/// on the ordinary nucleus in `ISEESocioSanRes`, on a restricted nucleus (and the
/// doctorate's) in `Ridotto`. The ISEE corrente is not written here (see
/// CONTRATTO.md §7).
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
    let calcolato = |tipo: TipoIsee, famiglia: bool| {
        m.indicatori.iter().find_map(|i| match &i.calcolato {
            Some(e)
                if i.richiesta.tipo == tipo
                    && i.richiesta.prestazione.is_some_and(|p| p.familiare_2026()) == famiglia
                    && (famiglia || i.richiesta.prestazione.is_none()) =>
            {
                Some(e)
            }
            _ => None,
        })
    };
    let ordinario = calcolato(TipoIsee::Ordinario, false);
    let famiglia = calcolato(TipoIsee::Ordinario, true);
    let stesso_nucleo = |e: &EsitoMemorizzato| ordinario.is_some_and(|o| o.nucleo == e.nucleo);
    let stesso_isee = |e: &EsitoMemorizzato| ordinario.is_some_and(|o| o.isee == e.isee);
    let indicatori = |tipo: TipoIsee| {
        m.indicatori
            .iter()
            .filter(move |i| i.richiesta.tipo == tipo && i.richiesta.prestazione.is_none())
            .filter_map(|i| Some((i.richiesta.beneficiario?, i)))
    };
    let per_beneficiario = |tipo: TipoIsee| -> Vec<BloccoBeneficiario> {
        indicatori(tipo)
            .filter_map(|(cf, i)| {
                let esito = match (&i.calcolato, &i.non_calcolabile) {
                    (Some(e), _) if !e.componenti_aggiuntive.is_empty() => {
                        let a = &e.componenti_aggiuntive[0];
                        EsitoBeneficiario::Agg(
                            blocco(e, rilascio),
                            esterna(dsu, &a.codice_fiscale, Some(a.importo)),
                        )
                    }
                    (Some(e), _) if !stesso_nucleo(e) => {
                        // The attracted member: the first one counted here and not in
                        // the ordinary nucleus (the beneficiary when none is).
                        let attratto = e
                            .nucleo
                            .iter()
                            .find(|c| ordinario.is_some_and(|o| !o.nucleo.contains(c)))
                            .unwrap_or(&cf);
                        EsitoBeneficiario::Attr(
                            blocco(e, rilascio),
                            esterna(dsu, attratto.as_str(), None),
                        )
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

    // Socio-sanitary and residential ISEE, and the doctorate's: on the ordinary
    // nucleus in Ordinario/ISEESocioSanRes, on a restricted one in Ridotto.
    let mut sociosanitario: Vec<BloccoSocioSanitario> = Vec::new();
    let mut ridotti: Vec<Ridotto> = Vec::new();
    let ridotto = |ridotti: &mut Vec<Ridotto>, cf: CodiceFiscale, nucleo: &[CodiceFiscale]| {
        match ridotti
            .iter()
            .position(|x| x.codice_fiscale_beneficiario == cf.as_str())
        {
            Some(i) => i,
            None => {
                let mut membri: Vec<&CodiceFiscale> = nucleo.iter().collect();
                // The beneficiary first.
                membri.sort_by_key(|c| **c != cf);
                ridotti.push(Ridotto {
                    codice_fiscale_beneficiario: cf.as_str().to_string(),
                    nucleo: membri
                        .into_iter()
                        .map(|c| {
                            let (cognome, nome) = persona(dsu, c.as_str());
                            ComponenteRistretto {
                                relazione: relazione(dsu, &cf, c),
                                cognome,
                                nome,
                                codice_fiscale: c.as_str().to_string(),
                            }
                        })
                        .collect(),
                    isee: None,
                    residenziale: None,
                });
                ridotti.len() - 1
            }
        }
    };
    for tipo in [TipoIsee::Sociosanitario, TipoIsee::Dottorato] {
        for (cf, i) in indicatori(tipo) {
            match (&i.calcolato, &i.non_calcolabile) {
                (Some(e), _) if stesso_nucleo(e) && tipo == TipoIsee::Sociosanitario => {
                    sociosanitario.push(BloccoSocioSanitario {
                        codice_fiscale: cf.as_str().to_string(),
                        esito: EsitoSocioSanitario::Ord,
                    });
                }
                // The doctorate on the ordinary nucleus is the ordinary ISEE.
                (Some(e), _) if stesso_nucleo(e) => {}
                (Some(e), _) => {
                    let k = ridotto(&mut ridotti, cf, &e.nucleo);
                    ridotti[k].isee = Some(blocco(e, rilascio));
                }
                (None, Some(motivo)) if tipo == TipoIsee::Sociosanitario => {
                    sociosanitario.push(BloccoSocioSanitario {
                        codice_fiscale: cf.as_str().to_string(),
                        esito: EsitoSocioSanitario::NonCalcolabile(motivo.clone()),
                    });
                }
                _ => {}
            }
        }
    }
    for (cf, i) in indicatori(TipoIsee::Residenziale) {
        let ristretto = dsu
            .residenziale
            .as_ref()
            .is_some_and(|x| x.nucleo == isee_core::dsu::TipoNucleoResidenziale::RID);
        match (&i.calcolato, &i.non_calcolabile, ristretto) {
            (Some(e), _, false) => {
                let agg = aggiuntive(dsu, e);
                let esito = if !agg.is_empty() {
                    EsitoSocioSanitario::SocioSanResAgg(blocco(e, rilascio), agg)
                } else if stesso_isee(e) {
                    EsitoSocioSanitario::Ord
                } else {
                    EsitoSocioSanitario::SocioSanRes(blocco(e, rilascio))
                };
                sociosanitario.push(BloccoSocioSanitario {
                    codice_fiscale: cf.as_str().to_string(),
                    esito,
                });
            }
            (Some(e), _, true) => {
                let k = ridotto(&mut ridotti, cf, &e.nucleo);
                let agg = aggiuntive(dsu, e);
                let uguale = ridotti[k]
                    .isee
                    .as_ref()
                    .is_some_and(|b| b.valori.isee == e.isee);
                ridotti[k].residenziale = Some(if !agg.is_empty() {
                    EsitoRistretto::SocioSanResRistrettoAgg(blocco(e, rilascio), agg)
                } else if uguale {
                    EsitoRistretto::Ristretto
                } else {
                    EsitoRistretto::SocioSanResRistretto(blocco(e, rilascio))
                });
            }
            (None, Some(motivo), false) => sociosanitario.push(BloccoSocioSanitario {
                codice_fiscale: cf.as_str().to_string(),
                esito: EsitoSocioSanitario::NonCalcolabile(motivo.clone()),
            }),
            _ => {}
        }
    }
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
        famiglia: famiglia.map(|e| blocco(e, rilascio)),
        minorenni: per_beneficiario(TipoIsee::Minorenni),
        universitari: per_beneficiario(TipoIsee::Universitario),
        sociosanitario,
        ridotti,
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
                    data_controllo: a.data_controllo,
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

/// What ConsultazioneDichiarazione returns: the DSU as INPS's `ISEE_Dichiarazione`
/// document, with what the export had to say about it.
#[derive(Clone, Debug)]
pub struct DatiDichiarazione {
    pub protocollo_dsu: String,
    /// The row's state: a rectified, replaced or annulled DSU is served too (a
    /// control concerns the DSU that was used), and the state travels in a header.
    pub stato: isee_registro::registrazione::StatoDsu,
    /// The row that replaced it, if any.
    pub sostituita_da: Option<String>,
    /// ISO-8859-1 bytes.
    pub xml: Vec<u8>,
    /// The JSON paths of the data INPS's document requires that the DSU does not
    /// hold (left out of the document, never replaced by placeholders).
    pub assenti: Vec<String>,
    /// How many amounts had cents and were rounded to the euro.
    pub arrotondati: usize,
}

/// The export's options for ConsultazioneDichiarazione: amounts rounded to the euro
/// (INPS's unit), missing data left out with a warning, a new declaration
/// (`Operazione/@Tipo="N"`), with the `<?isee …?>` extensions (docs/SCELTE.md).
pub fn opzioni_dichiarazione() -> isee_dichiarazione::Opzioni {
    isee_dichiarazione::Opzioni {
        decimali: isee_dichiarazione::Decimali::Arrotonda,
        assenti: isee_dichiarazione::Assenti::Segnala,
        ..isee_dichiarazione::Opzioni::default()
    }
}

/// Whether an export warning is a rounding rather than a missing datum.
fn arrotondamento(a: &isee_dichiarazione::Avviso) -> bool {
    a.tipo == isee_dichiarazione::TipoAvviso::Arrotondato
}

/// The stored DSU of `r` as INPS's document.
pub fn dichiarazione(
    r: &Registrazione,
    dsu: &Dsu,
) -> Result<DatiDichiarazione, isee_dichiarazione::ErroreEsportazione> {
    let e = isee_dichiarazione::esporta_con_avvisi(dsu, &opzioni_dichiarazione())?;
    let (arrotondati, assenti): (Vec<_>, Vec<_>) = e.avvisi.into_iter().partition(arrotondamento);
    Ok(DatiDichiarazione {
        protocollo_dsu: r.protocollo.to_string(),
        stato: r.stato,
        sostituita_da: r.sostituita_da.as_ref().map(ToString::to_string),
        xml: e.xml,
        assenti: assenti.into_iter().map(|a| a.percorso).collect(),
        arrotondati: arrotondati.len(),
    })
}
