//! Which people each ISEE type counts, and what it adds (DPCM 159/2013 artt. 6-9).

use super::aggiuntiva;
use super::corrente;
use super::indicatore::{self, Indicatore};
use super::nucleo::{ImmobileAggiunto, Membro, Nucleo, membri_ordinari};
use super::{
    Contesto, ErroreCalcolo, InfoCorrente, Richiesta, RigaAggiuntiva, Righe, TipoIsee, Validita,
    non_calcolabile,
};
use crate::codice_fiscale::CodiceFiscale;
use crate::data::eta_compiuta;
use crate::dsu::{
    Componente, Dsu, PresenzaGenitori, Rapporto, RelazioneBeneficiario, SituazioneFiglioEsterno,
    SituazioneGenitore, TipoNucleoResidenziale,
};
use crate::parametri::Regole;
use crate::traccia::{Traccia, passo};
use chrono::Months;
use rust_decimal::Decimal;

/// What a type's calculation hands back to the engine.
pub(crate) struct Calcolo {
    pub righe: Righe,
    pub aggiuntive: Vec<RigaAggiuntiva>,
    pub nucleo: Vec<CodiceFiscale>,
    pub beneficiario: Option<CodiceFiscale>,
    pub validita: Option<Validita>,
    pub corrente: Option<InfoCorrente>,
    pub assegno_unico: Decimal,
    pub adi: Decimal,
}

impl Calcolo {
    fn da(ind: Indicatore, nucleo: &Nucleo, beneficiario: Option<CodiceFiscale>) -> Calcolo {
        Calcolo {
            righe: ind.righe,
            aggiuntive: Vec::new(),
            nucleo: nucleo.codici(),
            beneficiario,
            validita: None,
            corrente: None,
            assegno_unico: ind.assegno_unico,
            adi: ind.adi,
        }
    }
}

pub(crate) fn calcola<T: Traccia>(
    ctx: &Contesto,
    dsu: &Dsu,
    richiesta: &Richiesta,
    regole_modulo: Option<&Regole>,
    t: &mut T,
) -> Result<Calcolo, ErroreCalcolo> {
    match richiesta.tipo {
        TipoIsee::Ordinario => {
            let n = ordinario(ctx, dsu);
            let ind = indicatore::calcola(ctx, &n, t);
            Ok(Calcolo::da(ind, &n, None))
        }
        TipoIsee::Minorenni => minorenni(ctx, dsu, richiesta, t),
        TipoIsee::Universitario => universitario(ctx, dsu, richiesta, t),
        TipoIsee::Dottorato => dottorato(ctx, dsu, richiesta, t),
        TipoIsee::Sociosanitario => {
            let (n, benef) = sociosanitario(
                ctx,
                dsu,
                richiesta.beneficiario.as_ref(),
                TipoIsee::Sociosanitario,
            )?;
            let ind = indicatore::calcola(ctx, &n, t);
            Ok(Calcolo::da(ind, &n, Some(benef)))
        }
        TipoIsee::Residenziale => residenziale(ctx, dsu, richiesta, t),
        TipoIsee::Corrente => {
            let regole_modulo = regole_modulo.unwrap_or(ctx.regole);
            let c = corrente::calcola(ctx, dsu, regole_modulo, t)?;
            Ok(Calcolo {
                righe: c.indicatore.righe,
                aggiuntive: Vec::new(),
                nucleo: c.nucleo,
                beneficiario: None,
                validita: Some(c.validita),
                corrente: Some(c.info),
                assegno_unico: c.indicatore.assegno_unico,
                adi: c.indicatore.adi,
            })
        }
    }
}

fn ordinario<'a>(ctx: &Contesto, dsu: &'a Dsu) -> Nucleo<'a> {
    Nucleo::new(
        membri_ordinari(&dsu.componenti),
        Some(&dsu.abitazione),
        dsu.condizioni_nucleo.as_ref(),
        ctx.data,
    )
    .con_genitori_esterni(dsu)
}

fn eta(c: &Componente, ctx: &Contesto) -> i32 {
    c.data_nascita
        .get()
        .map(|d| eta_compiuta(d, ctx.data))
        .unwrap_or(0)
}

/// The art. 7 logic for a child (minor, or student under art. 8 c.3): the
/// non-cohabiting parent is attracted, adds a componente aggiuntiva, or is left out.
/// Returns the parent to attract, or the componente aggiuntiva to compute later.
enum EsitoGenitore<'a> {
    Nessuno,
    Attratto(&'a Componente),
    Aggiuntiva(&'a crate::dsu::ComponenteAggiuntiva),
}

fn genitore_non_convivente<'a, T: Traccia>(
    dsu: &'a Dsu,
    figlio: &CodiceFiscale,
    tipo: TipoIsee,
    t: &mut T,
) -> Result<EsitoGenitore<'a>, ErroreCalcolo> {
    let Some(g) = dsu
        .genitori_non_conviventi
        .iter()
        .find(|g| g.figli.contains(figlio))
    else {
        t.passo(|| {
            passo(
                "art7.nessun_genitore_non_convivente",
                "Nessun genitore non convivente dichiarato per il figlio: genitori coniugati o conviventi, o altro genitore assente",
                Some(figlio.as_str()),
                &[],
                Decimal::ZERO,
                "DPCM 159/2013, art. 7, c. 1",
            )
        });
        return Ok(EsitoGenitore::Nessuno);
    };
    let cf = g.codice_fiscale.as_str();
    Ok(match &g.situazione {
        SituazioneGenitore::Attratto => {
            let Some(c) = dsu
                .componenti
                .iter()
                .find(|c| c.rapporto == Rapporto::GNC && c.codice_fiscale == g.codice_fiscale)
            else {
                return Err(non_calcolabile(
                    tipo,
                    format!(
                        "il genitore non convivente {} è «attratto» ma non è tra i componenti con rapporto GNC",
                        g.codice_fiscale.mascherato()
                    ),
                ));
            };
            t.passo(|| {
                passo(
                    "art7.genitore_attratto",
                    "Il genitore non convivente, non coniugato con l'altro genitore, fa parte del nucleo del figlio (nessuno dei casi a-e dell'art. 7)",
                    Some(cf),
                    &[],
                    Decimal::ONE,
                    "DPCM 159/2013, art. 7, c. 1",
                )
            });
            EsitoGenitore::Attratto(c)
        }
        SituazioneGenitore::ComponenteAggiuntiva { caso, dati } => {
            t.passo(|| {
                passo(
                    "art7.componente_aggiuntiva",
                    format!("Il genitore non convivente è coniugato con altra persona o ha figli con altra persona (caso {caso:?}): si aggiunge una componente aggiuntiva"),
                    Some(cf),
                    &[],
                    Decimal::ONE,
                    "DPCM 159/2013, art. 7, c. 1, lett. a) e b); Allegato 2, c. 2",
                )
            });
            EsitoGenitore::Aggiuntiva(dati)
        }
        SituazioneGenitore::Escluso { caso } => {
            t.passo(|| {
                passo(
                    "art7.genitore_escluso",
                    format!("Il genitore non convivente non conta (caso {caso:?}: assegni fissati dal giudice, esclusione dalla responsabilità genitoriale o estraneità accertata)"),
                    Some(cf),
                    &[],
                    Decimal::ZERO,
                    "DPCM 159/2013, art. 7, c. 1, lett. c), d), e)",
                )
            });
            EsitoGenitore::Nessuno
        }
    })
}

/// Computes a nucleus plus the art. 7 outcome for `figlio`.
fn con_genitore<'a, T: Traccia>(
    ctx: &Contesto,
    mut n: Nucleo<'a>,
    esito: EsitoGenitore<'a>,
    beneficiario: CodiceFiscale,
    t: &mut T,
) -> Calcolo {
    if let EsitoGenitore::Attratto(c) = esito {
        n.membri.push(Membro {
            c,
            rapporto: Rapporto::GNC,
        });
    }
    let ind = indicatore::calcola(ctx, &n, t);
    let scala = ind.righe.scala_equivalenza;
    let mut calcolo = Calcolo::da(ind, &n, Some(beneficiario));
    if let EsitoGenitore::Aggiuntiva(dati) = esito {
        calcolo.aggiuntive.push(aggiuntiva::calcola(
            ctx,
            dati,
            scala,
            "DPCM 159/2013, Allegato 2, c. 2; art. 7",
            t,
        ));
    }
    calcolo
}

fn beneficiario_o<'a>(
    richiesta: &'a Richiesta,
    predefinito: impl FnOnce() -> Option<&'a CodiceFiscale>,
    tipo: TipoIsee,
    cosa: &str,
) -> Result<CodiceFiscale, ErroreCalcolo> {
    richiesta
        .beneficiario
        .as_ref()
        .or_else(predefinito)
        .cloned()
        .ok_or_else(|| non_calcolabile(tipo, format!("indicare il {cosa} (beneficiario)")))
}

fn minorenni<T: Traccia>(
    ctx: &Contesto,
    dsu: &Dsu,
    richiesta: &Richiesta,
    t: &mut T,
) -> Result<Calcolo, ErroreCalcolo> {
    let tipo = TipoIsee::Minorenni;
    let minore = beneficiario_o(
        richiesta,
        || {
            dsu.componenti
                .iter()
                .find(|c| c.rapporto.e_figlio() && eta(c, ctx) < 18)
                .map(|c| &c.codice_fiscale)
        },
        tipo,
        "minorenne",
    )?;
    let Some(c) = dsu
        .componente(&minore)
        .filter(|c| c.rapporto != Rapporto::GNC)
    else {
        return Err(non_calcolabile(
            tipo,
            format!("{} non è un componente del nucleo", minore.mascherato()),
        ));
    };
    if eta(c, ctx) >= 18 {
        return Err(non_calcolabile(
            tipo,
            format!(
                "{} non è minorenne alla data di presentazione",
                minore.mascherato()
            ),
        ));
    }
    let esito = genitore_non_convivente(dsu, &minore, tipo, t)?;
    Ok(con_genitore(ctx, ordinario(ctx, dsu), esito, minore, t))
}

fn universitario<T: Traccia>(
    ctx: &Contesto,
    dsu: &Dsu,
    richiesta: &Richiesta,
    t: &mut T,
) -> Result<Calcolo, ErroreCalcolo> {
    let tipo = TipoIsee::Universitario;
    let studente = beneficiario_o(
        richiesta,
        || dsu.universitari.first().map(|u| &u.studente),
        tipo,
        "studente",
    )?;
    let Some(u) = dsu.universitari.iter().find(|u| u.studente == studente) else {
        return Err(non_calcolabile(
            tipo,
            format!(
                "la DSU non contiene il quadro università per {}",
                studente.mascherato()
            ),
        ));
    };
    let Some(c) = dsu.componente(&studente) else {
        return Err(non_calcolabile(
            tipo,
            format!("lo studente {} non è un componente", studente.mascherato()),
        ));
    };
    let r = ctx.regole;
    let capacita = match u.reddito_lavoro_studente {
        Some(x) => x.valore() >= r.universita_capacita_reddito_soglia,
        None => u.capacita_reddito.unwrap_or(false),
    };
    let autonomo = u.residenza_autonoma_2_anni && capacita;
    t.passo(|| {
        passo(
            "art8.studente_autonomo",
            "Studente autonomo: residenza fuori dalla famiglia d'origine da almeno 2 anni in alloggio non di proprietà della famiglia, e adeguata capacità di reddito",
            Some(studente.as_str()),
            &[
                ("residenza_autonoma_2_anni", Decimal::from(u8::from(u.residenza_autonoma_2_anni))),
                ("reddito_lavoro_studente", u.reddito_lavoro_studente.map(|x| x.valore()).unwrap_or_default()),
                ("soglia_capacita_reddito", r.universita_capacita_reddito_soglia),
                ("capacita_reddito", Decimal::from(u8::from(capacita))),
            ],
            Decimal::from(u8::from(autonomo)),
            "DPCM 159/2013, art. 8, c. 1-2; D.M. MUR 1320/2021",
        )
        .con_parametri(r, &["universita.capacita_reddito_soglia"])
    });
    match u.presenza_genitori {
        PresenzaGenitori::TuttiPresenti | PresenzaGenitori::SoloUno => {
            let esito = genitore_non_convivente(dsu, &studente, tipo, t)?;
            Ok(con_genitore(ctx, ordinario(ctx, dsu), esito, studente, t))
        }
        PresenzaGenitori::ConiugatiNonPresenti | PresenzaGenitori::NonConiugatiNonPresenti => {
            if autonomo {
                let n = ordinario(ctx, dsu);
                let ind = indicatore::calcola(ctx, &n, t);
                return Ok(Calcolo::da(ind, &n, Some(studente)));
            }
            if u.nucleo_genitori.is_empty() {
                return Err(non_calcolabile(
                    tipo,
                    "lo studente non vive con i genitori e non è autonomo (art. 8, c. 1): servono i componenti del nucleo dei genitori (nucleo_genitori)",
                ));
            }
            // The student is attracted into the parents' nucleus as their child; the
            // student's own DSU home is not the parents' (no rent is known).
            let mut membri: Vec<Membro> = u
                .nucleo_genitori
                .iter()
                .map(|g| Membro {
                    c: g,
                    rapporto: g.rapporto,
                })
                .collect();
            membri.push(Membro {
                c,
                rapporto: Rapporto::F,
            });
            let n = Nucleo::new(membri.into_iter().collect(), None, None, ctx.data)
                .con_genitori_esterni(dsu);
            let esito = if u.presenza_genitori == PresenzaGenitori::NonConiugatiNonPresenti {
                genitore_non_convivente(dsu, &studente, tipo, t)?
            } else {
                EsitoGenitore::Nessuno
            };
            Ok(con_genitore(ctx, n, esito, studente, t))
        }
    }
}

fn dottorato<T: Traccia>(
    ctx: &Contesto,
    dsu: &Dsu,
    richiesta: &Richiesta,
    t: &mut T,
) -> Result<Calcolo, ErroreCalcolo> {
    let tipo = TipoIsee::Dottorato;
    let Some(d) = dsu.dottorato.as_ref() else {
        return Err(non_calcolabile(
            tipo,
            "la DSU non contiene il quadro dottorato",
        ));
    };
    if richiesta
        .beneficiario
        .as_ref()
        .is_some_and(|b| *b != d.dottorando)
    {
        return Err(non_calcolabile(
            tipo,
            "il beneficiario indicato non è il dottorando della DSU",
        ));
    }
    let Some(dott) = dsu.componente(&d.dottorando) else {
        return Err(non_calcolabile(tipo, "il dottorando non è un componente"));
    };
    if d.opzione_nucleo_ordinario {
        let n = ordinario(ctx, dsu);
        let ind = indicatore::calcola(ctx, &n, t);
        return Ok(Calcolo::da(ind, &n, Some(d.dottorando)));
    }
    // Art. 8 c.4: the applicant, the spouse and the children.
    let membri: Vec<Membro> = dsu
        .componenti
        .iter()
        .filter(|c| {
            if c.codice_fiscale == d.dottorando {
                return true;
            }
            match &d.componenti {
                Some(elenco) => elenco.contains(&c.codice_fiscale),
                None => match dott.rapporto {
                    Rapporto::D => matches!(c.rapporto, Rapporto::C) || c.rapporto.e_figlio(),
                    Rapporto::C => matches!(c.rapporto, Rapporto::D) || c.rapporto.e_figlio(),
                    _ => false,
                },
            }
        })
        .map(|c| {
            let rapporto = if c.codice_fiscale == d.dottorando {
                Rapporto::D
            } else {
                c.rapporto
            };
            Membro {
                c,
                rapporto: if rapporto == Rapporto::D && c.codice_fiscale != d.dottorando {
                    Rapporto::C
                } else {
                    rapporto
                },
            }
        })
        .collect();
    let n = Nucleo::new(
        membri.into_iter().collect(),
        Some(&dsu.abitazione),
        None,
        ctx.data,
    )
    .con_genitori_esterni(dsu);
    let ind = indicatore::calcola(ctx, &n, t);
    Ok(Calcolo::da(ind, &n, Some(d.dottorando)))
}

/// The socio-sanitary nucleus: the restricted one of art. 6 c.2 if the DSU declares
/// it for this beneficiary, else the ordinary one.
fn sociosanitario<'a>(
    ctx: &Contesto,
    dsu: &'a Dsu,
    beneficiario: Option<&CodiceFiscale>,
    tipo: TipoIsee,
) -> Result<(Nucleo<'a>, CodiceFiscale), ErroreCalcolo> {
    match dsu.nucleo_ristretto.as_ref() {
        Some(nr) if beneficiario.is_none_or(|b| *b == nr.beneficiario) => {
            let Some(b) = dsu.componente(&nr.beneficiario) else {
                return Err(non_calcolabile(
                    tipo,
                    "il beneficiario del nucleo ristretto non è un componente",
                ));
            };
            let mut membri = vec![Membro {
                c: b,
                rapporto: Rapporto::D,
            }];
            for m in &nr.componenti {
                let Some(c) = dsu.componente(&m.codice_fiscale) else {
                    return Err(non_calcolabile(
                        tipo,
                        format!(
                            "{} del nucleo ristretto non è un componente",
                            m.codice_fiscale.mascherato()
                        ),
                    ));
                };
                let rapporto = match m.relazione {
                    RelazioneBeneficiario::C => Rapporto::C,
                    RelazioneBeneficiario::F => Rapporto::F,
                    RelazioneBeneficiario::FC => Rapporto::FC,
                    RelazioneBeneficiario::FNC => Rapporto::FNC,
                    RelazioneBeneficiario::MA => Rapporto::MA,
                };
                membri.push(Membro { c, rapporto });
            }
            Ok((
                Nucleo::new(
                    membri.into_iter().collect(),
                    Some(&dsu.abitazione),
                    None,
                    ctx.data,
                )
                .con_genitori_esterni(dsu),
                nr.beneficiario,
            ))
        }
        _ => {
            let b = beneficiario
                .cloned()
                .or_else(|| dsu.dichiarante().map(|d| d.codice_fiscale))
                .ok_or_else(|| non_calcolabile(tipo, "indicare il beneficiario"))?;
            if dsu.componente(&b).is_none() {
                return Err(non_calcolabile(
                    tipo,
                    format!("{} non è un componente", b.mascherato()),
                ));
            }
            Ok((ordinario(ctx, dsu), b))
        }
    }
}

/// Art. 6 c.3 lett. c): "nei tre anni precedenti" the first request.
const MESI_DONAZIONI_PRECEDENTI: u32 = 36;

fn residenziale<T: Traccia>(
    ctx: &Contesto,
    dsu: &Dsu,
    richiesta: &Richiesta,
    t: &mut T,
) -> Result<Calcolo, ErroreCalcolo> {
    let tipo = TipoIsee::Residenziale;
    let Some(res) = dsu.residenziale.as_ref() else {
        return Err(non_calcolabile(
            tipo,
            "la DSU non contiene il quadro delle prestazioni residenziali",
        ));
    };
    if richiesta
        .beneficiario
        .as_ref()
        .is_some_and(|b| *b != res.beneficiario)
    {
        return Err(non_calcolabile(
            tipo,
            "il beneficiario indicato non è quello del quadro residenziale",
        ));
    }
    let (mut n, ristretto) = match res.nucleo {
        TipoNucleoResidenziale::ORD => {
            if dsu.componente(&res.beneficiario).is_none() {
                return Err(non_calcolabile(tipo, "il beneficiario non è un componente"));
            }
            (ordinario(ctx, dsu), false)
        }
        TipoNucleoResidenziale::RID => {
            if dsu
                .nucleo_ristretto
                .as_ref()
                .is_none_or(|nr| nr.beneficiario != res.beneficiario)
            {
                return Err(non_calcolabile(
                    tipo,
                    "nucleo ristretto richiesto ma non dichiarato per questo beneficiario",
                ));
            }
            (
                sociosanitario(ctx, dsu, Some(&res.beneficiario), tipo)?.0,
                true,
            )
        }
    };
    // Art. 6 c.3 lett. c): property the beneficiary donated after the first request
    // for residential care counts as his or her property whoever received it; a
    // donation of the three years before that request counts only if made to a person
    // bound to maintenance under art. 433 c.c.
    let prima_richiesta = res
        .data_prima_richiesta
        .as_ref()
        .and_then(|d| d.get())
        .unwrap_or(ctx.data);
    let inizio_triennio = prima_richiesta
        .checked_sub_months(Months::new(MESI_DONAZIONI_PRECEDENTI))
        .unwrap_or(prima_richiesta);
    for d in &res.donazioni {
        let Some(data) = d.data.get() else { continue };
        let valore = d.quota_donata.applica(d.valore_imu.valore());
        let alimenti = d.a_persona_tenuta_agli_alimenti();
        let perche = match (data >= prima_richiesta, data >= inizio_triennio) {
            (true, _) => Ok(
                "successiva alla prima richiesta di prestazione residenziale: conta chiunque l'abbia ricevuta",
            ),
            (false, true) if alimenti => Ok(match d.relazione_donatario {
                Some(_) => {
                    "nei tre anni precedenti la prima richiesta, a persona tenuta agli alimenti (art. 433 c.c.)"
                }
                None => {
                    "nei tre anni precedenti la prima richiesta; relazione col donatario non indicata: considerato tenuto agli alimenti (art. 433 c.c.)"
                }
            }),
            (false, true) => Err(
                "nei tre anni precedenti la prima richiesta, a persona non tenuta agli alimenti (art. 433 c.c.): non conta",
            ),
            (false, false) => Err("anteriore ai tre anni precedenti la prima richiesta: non conta"),
        };
        match perche {
            Ok(perche) => n.immobili_aggiunti.push(ImmobileAggiunto {
                descrizione: format!(
                    "Donazione del {data} ({:?} a {}, quota donata {}%), {perche}: conta nel patrimonio del beneficiario",
                    d.tipo,
                    d.codice_comune,
                    d.quota_donata.valore()
                ),
                valore,
            }),
            Err(perche) => t.passo(|| {
                passo(
                    "art6.donazione_non_contata",
                    format!(
                        "Donazione del {data} ({:?} a {}, quota donata {}%), {perche}",
                        d.tipo,
                        d.codice_comune,
                        d.quota_donata.valore()
                    ),
                    Some(res.beneficiario.as_str()),
                    &[
                        ("valore_quota_donata", valore),
                        ("tenuto_agli_alimenti", Decimal::from(u8::from(alimenti))),
                    ],
                    Decimal::ZERO,
                    "DPCM 159/2013, art. 6, c. 3, lett. c); art. 433 c.c.",
                )
            }),
        }
    }
    let ind = indicatore::calcola(ctx, &n, t);
    let scala = ind.righe.scala_equivalenza;
    let mut calcolo = Calcolo::da(ind, &n, Some(res.beneficiario));
    let conta_aggiuntive = !ristretto || ctx.opzioni.aggiuntiva_con_nucleo_ristretto;
    for f in &res.figli_esterni {
        match &f.situazione {
            SituazioneFiglioEsterno::ComponenteAggiuntiva { dati } if conta_aggiuntive => {
                calcolo.aggiuntive.push(aggiuntiva::calcola(ctx, dati, scala, "DPCM 159/2013, art. 6, c. 3, lett. b); Allegato 2, c. 1", t));
            }
            SituazioneFiglioEsterno::ComponenteAggiuntiva { .. } => t.passo(|| {
                passo(
                    "art6.aggiuntiva_non_calcolata_nucleo_ristretto",
                    "Componente aggiuntiva non calcolata sul nucleo ristretto (opzione aggiuntiva_con_nucleo_ristretto = false)",
                    Some(f.codice_fiscale.as_str()),
                    &[],
                    Decimal::ZERO,
                    "isee-regole.md §11.7 (scelta configurabile)",
                )
            }),
            SituazioneFiglioEsterno::Escluso { condizione } => t.passo(|| {
                passo(
                    "art6.figlio_escluso",
                    format!("Figlio non nel nucleo escluso dalla componente aggiuntiva (condizione {condizione:?}: disabilità nel suo nucleo o estraneità accertata)"),
                    Some(f.codice_fiscale.as_str()),
                    &[],
                    Decimal::ZERO,
                    "DPCM 159/2013, art. 6, c. 3, lett. b)",
                )
            }),
        }
    }
    Ok(calcolo)
}
