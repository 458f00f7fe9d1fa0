//! ISR, ISP, scala di equivalenza, ISE and ISEE of one nucleus (DPCM 159/2013 artt.
//! 2, 4, 5 and Allegato 1), with each attestation line rounded to the cent.
//!
//! Amounts are summed exactly; each line of the attestation is then rounded half-up
//! to the cent, and the ISR, ISP, ISE and ISEE are computed from the rounded lines,
//! as INPS's attestations show them (`isee-regole.md` §1).

use super::nucleo::{Condizioni, Membro, Nucleo};
use super::{Contesto, Righe, Variante};
use crate::data::eta_compiuta;
use crate::dsu::{GradoDisabilita, PeriodoCorrente, TitoloAbitazione};
use crate::importo::arrotonda_al_centesimo as cent;
use crate::importo::non_negativo;
use crate::opzioni::{ConfrontoDepositi, ConvivenzaAnagrafica};
use crate::traccia::{Traccia, passo};
use rust_decimal::Decimal;

const ZERO: Decimal = Decimal::ZERO;

/// The result on one nucleus.
pub(crate) struct Indicatore {
    pub righe: Righe,
    /// Assegno Unico and ADI received by the members (for the neutralisations).
    pub assegno_unico: Decimal,
    pub adi: Decimal,
}

fn cf<'a>(m: &Membro<'a>) -> Option<&'a str> {
    Some(m.c.codice_fiscale.as_str())
}

pub(crate) fn calcola<T: Traccia>(ctx: &Contesto, n: &Nucleo, t: &mut T) -> Indicatore {
    let r = ctx.regole;
    let cond = n.condizioni(r.mesi_lavoro_minimi);
    let mob = patrimonio_mobiliare(ctx, n, &cond, t);
    let isr = isr(ctx, n, &cond, mob.base_reddito_figurativo, t);
    let imm = patrimonio_immobiliare(ctx, n, &cond, t);

    let patrimonio_mobiliare = cent(mob.lordo_netto_titoli);
    let detrazione_patrimonio_mobiliare = cent(mob.franchigia_applicata);
    let patrimonio_immobiliare = cent(imm.lordo);
    let detrazione_patrimonio_immobiliare = cent(imm.detrazione);
    let isp = non_negativo(
        patrimonio_mobiliare - detrazione_patrimonio_mobiliare + patrimonio_immobiliare
            - detrazione_patrimonio_immobiliare,
    );
    t.passo(|| {
        passo(
            "isp",
            "ISP: patrimonio mobiliare e immobiliare al netto delle detrazioni",
            None,
            &[
                ("patrimonio_mobiliare", patrimonio_mobiliare),
                (
                    "detrazione_patrimonio_mobiliare",
                    detrazione_patrimonio_mobiliare,
                ),
                ("patrimonio_immobiliare", patrimonio_immobiliare),
                (
                    "detrazione_patrimonio_immobiliare",
                    detrazione_patrimonio_immobiliare,
                ),
            ],
            isp,
            "DPCM 159/2013, art. 5, c. 1",
        )
    });

    let ise = cent(isr.isr + r.peso_isp * isp);
    t.passo(|| {
        passo(
            "ise",
            "ISE = ISR + 20% dell'ISP",
            None,
            &[("isr", isr.isr), ("isp", isp)],
            ise,
            "DPCM 159/2013, art. 2, c. 3",
        )
        .con_parametri(r, &["ise.peso_isp"])
    });

    let (parametro_nucleo, maggiorazioni) = scala(ctx, &cond, t);
    let (parametro_nucleo, maggiorazioni) = (cent(parametro_nucleo), cent(maggiorazioni));
    let scala_equivalenza = parametro_nucleo + maggiorazioni;
    let isee = if scala_equivalenza.is_zero() {
        ZERO
    } else {
        cent(ise / scala_equivalenza)
    };
    t.passo(|| {
        passo(
            "isee",
            "ISEE = ISE / scala di equivalenza",
            None,
            &[("ise", ise), ("scala_equivalenza", scala_equivalenza)],
            isee,
            "DPCM 159/2013, art. 2, c. 2",
        )
    });

    Indicatore {
        righe: Righe {
            somma_redditi_componenti: isr.somma_redditi,
            reddito_figurativo_patrimonio_mobiliare: isr.reddito_figurativo,
            detrazioni: isr.detrazioni,
            isr: isr.isr,
            patrimonio_mobiliare,
            detrazione_patrimonio_mobiliare,
            patrimonio_immobiliare,
            detrazione_patrimonio_immobiliare,
            isp,
            ise,
            parametro_nucleo,
            maggiorazioni,
            scala_equivalenza,
            isee,
        },
        assegno_unico: isr.assegno_unico,
        adi: isr.adi,
    }
}

struct Isr {
    somma_redditi: Decimal,
    reddito_figurativo: Decimal,
    detrazioni: Decimal,
    isr: Decimal,
    assegno_unico: Decimal,
    adi: Decimal,
}

/// One member's income (art. 4 c.2) and the bases of the two 20% franchigie.
struct RedditoMembro {
    reddito: Decimal,
    base_dipendente: Decimal,
    base_pensione: Decimal,
}

fn reddito_membro<T: Traccia>(ctx: &Contesto, n: &Nucleo, m: &Membro, t: &mut T) -> RedditoMembro {
    let r = ctx.regole;
    let x = &m.c.redditi;
    let v = |i: crate::importo::Importo| i.valore();
    let trattamenti_disabilita = if r.trattamenti_disabilita_esclusi {
        ZERO
    } else {
        v(x.trattamenti_disabilita)
    };
    let altri = v(x.imposta_sostitutiva)
        + v(x.esenti)
        + v(x.agrari_irap)
        + v(x.fondiari)
        + v(x.esteri)
        + v(x.aire)
        + v(x.assegni_mantenimento_figli);
    let Some(var) = n.variazione(m) else {
        let reddito = v(x.reddito_complessivo)
            + altri
            + v(x.trattamenti_assistenziali)
            + trattamenti_disabilita;
        t.passo(|| {
            passo(
                "isr.reddito_componente",
                "Redditi del componente: IRPEF, imposta sostitutiva, esenti, agrari IRAP, fondiari, esteri, AIRE, trattamenti non IRPEF, assegni per i figli percepiti",
                cf(m),
                &[
                    ("reddito_complessivo", v(x.reddito_complessivo)),
                    ("altri_redditi", altri),
                    ("trattamenti_assistenziali", v(x.trattamenti_assistenziali)),
                    ("trattamenti_disabilita_contati", trattamenti_disabilita),
                    ("trattamenti_disabilita_esclusi", v(x.trattamenti_disabilita) - trattamenti_disabilita),
                ],
                reddito,
                if r.trattamenti_disabilita_esclusi {
                    "DPCM 159/2013, art. 4, c. 2; D.L. 42/2016, art. 2-sexies (trattamenti per disabilità esclusi)"
                } else {
                    "DPCM 159/2013, art. 4, c. 2 (testo originario)"
                },
            )
            .con_parametri(r, &["isr.trattamenti_disabilita_esclusi"])
        });
        return RedditoMembro {
            reddito,
            base_dipendente: v(x.di_cui_lavoro_dipendente),
            base_pensione: v(x.di_cui_pensione)
                + v(x.trattamenti_assistenziali)
                + trattamenti_disabilita,
        };
    };
    // ISEE corrente: the member's work incomes and treatments are those of the period,
    // annualised; the other incomes stay those of the DSU (art. 9 c.2-3).
    let k = match var.periodo {
        PeriodoCorrente::DodiciMesi => Decimal::ONE,
        PeriodoCorrente::DueMesi => n.moltiplicatore_due_mesi,
    };
    let restante_irpef = non_negativo(
        v(x.reddito_complessivo)
            - v(x.di_cui_lavoro_dipendente)
            - v(x.di_cui_pensione)
            - v(x.di_cui_lavoro_autonomo),
    );
    let dipendente = v(var.lavoro_dipendente) * k;
    let autonomo = v(var.lavoro_autonomo) * k;
    let trattamenti = v(var.trattamenti) * k;
    let reddito = restante_irpef + altri + dipendente + autonomo + trattamenti;
    t.passo(|| {
        passo(
            "corrente.reddito_componente",
            "Redditi correnti del componente con variazione: lavoro e trattamenti del periodo (annualizzati), più gli altri redditi della DSU",
            cf(m),
            &[
                ("altri_redditi_irpef_dsu", restante_irpef),
                ("altri_redditi_dsu", altri),
                ("lavoro_dipendente_periodo", v(var.lavoro_dipendente)),
                ("lavoro_autonomo_periodo", v(var.lavoro_autonomo)),
                ("trattamenti_periodo", v(var.trattamenti)),
                ("moltiplicatore", k),
            ],
            reddito,
            "DPCM 159/2013, art. 9, c. 2-3 (come modificato dal DPCM 13/2025)",
        )
        .con_parametri(r, &["corrente.moltiplicatore_due_mesi"])
    });
    RedditoMembro {
        reddito,
        base_dipendente: dipendente,
        base_pensione: trattamenti,
    }
}

fn isr<T: Traccia>(
    ctx: &Contesto,
    n: &Nucleo,
    cond: &Condizioni,
    base_rf: Decimal,
    t: &mut T,
) -> Isr {
    let r = ctx.regole;
    let o = ctx.opzioni;
    let mut somma = ZERO;
    let mut detrazioni_membri = ZERO;
    let mut assegno_unico = ZERO;
    let mut adi = ZERO;
    for m in n.membri.iter() {
        let rm = reddito_membro(ctx, n, &m, t);
        somma += rm.reddito;
        assegno_unico += m.c.redditi.di_cui_assegno_unico.valore();
        adi += m.c.redditi.di_cui_adi.valore();

        let assegni = m.c.assegni_pagati.coniuge.valore() + m.c.assegni_pagati.figli.valore();
        let sanitarie =
            m.c.spese_sanitarie_disabili
                .valore()
                .min(r.spese_sanitarie_massimo);
        let f_dip = non_negativo(
            (rm.base_dipendente * r.franchigia_dipendente_quota)
                .min(r.franchigia_dipendente_massimo),
        );
        let f_pens = non_negativo(
            (rm.base_pensione * r.franchigia_pensione_quota).min(r.franchigia_pensione_massimo),
        );
        let (f_dip, f_pens) =
            if o.franchigia_pensione_alternativa && !f_dip.is_zero() && !f_pens.is_zero() {
                if f_dip >= f_pens {
                    (f_dip, ZERO)
                } else {
                    (ZERO, f_pens)
                }
            } else {
                (f_dip, f_pens)
            };
        let dovute = assegni + sanitarie + f_dip + f_pens;
        let applicate = if o.detrazioni_per_componente {
            dovute.min(non_negativo(rm.reddito))
        } else {
            dovute
        };
        detrazioni_membri += applicate;
        t.passo(|| {
            passo(
                "isr.detrazioni_componente",
                "Detrazioni del componente: assegni periodici versati, spese sanitarie per disabili (max 5.000), 20% dei redditi da lavoro dipendente (max 3.000), 20% di pensioni e trattamenti (max 1.000), fino a concorrenza del suo reddito",
                cf(&m),
                &[
                    ("assegni_versati", assegni),
                    ("spese_sanitarie_disabili", sanitarie),
                    ("franchigia_lavoro_dipendente", f_dip),
                    ("franchigia_pensione_trattamenti", f_pens),
                    ("reddito_componente", rm.reddito),
                ],
                applicate,
                "DPCM 159/2013, art. 4, c. 3",
            )
            .con_parametri(
                r,
                &[
                    "isr.spese_sanitarie_disabili_massimo",
                    "isr.franchigia_lavoro_dipendente_quota",
                    "isr.franchigia_lavoro_dipendente_massimo",
                    "isr.franchigia_pensione_quota",
                    "isr.franchigia_pensione_massimo",
                ],
            )
        });
    }
    if !o.detrazioni_per_componente {
        detrazioni_membri = detrazioni_membri.min(non_negativo(somma));
    }

    let tasso = o
        .tasso_reddito_figurativo
        .unwrap_or_else(|| r.tasso_reddito_figurativo());
    let reddito_figurativo = cent(base_rf * tasso);
    t.passo(|| {
        passo(
            "isr.reddito_figurativo",
            "Reddito figurativo del patrimonio mobiliare, esclusi depositi e conti correnti, senza franchigia: min(rendimento medio BTP decennali, tasso legale + 1 punto)",
            None,
            &[("patrimonio_mobiliare_esclusi_depositi", base_rf), ("tasso", tasso)],
            reddito_figurativo,
            "DPCM 159/2013, art. 4, c. 2",
        )
        .con_parametri(r, &["isr.tasso_btp_decennale_medio", "isr.tasso_interesse_legale", "isr.maggiorazione_tasso_legale"])
    });

    // Art. 4 c.4: deductions of the nucleus, up to the incomes left.
    let locazione = match n.abitazione {
        Some(a) if a.titolo == TitoloAbitazione::Locazione => {
            let massimo = r.locazione_massimo
                + r.locazione_incremento_per_figlio
                    * Decimal::from(cond.figli_conviventi.saturating_sub(2));
            let canone = a.canone_annuo.map(|c| c.valore()).unwrap_or(ZERO);
            let detratto = canone.min(massimo);
            t.passo(|| {
                passo(
                    "isr.detrazione_locazione",
                    "Canone annuo di locazione, fino a 7.000 più 500 per ogni figlio convivente dopo il secondo",
                    None,
                    &[("canone_annuo", canone), ("massimo", massimo)],
                    detratto,
                    "DPCM 159/2013, art. 4, c. 4, lett. a)",
                )
                .con_parametri(r, &["isr.locazione_massimo", "isr.locazione_incremento_per_figlio"])
            });
            detratto
        }
        _ => ZERO,
    };
    let disabilita = franchigie_disabilita_originarie(ctx, n, t);
    let dovute_nucleo = locazione + disabilita;
    let capienza = non_negativo(somma + reddito_figurativo - detrazioni_membri);
    let applicate_nucleo = dovute_nucleo.min(capienza);

    let somma_redditi = cent(somma);
    let detrazioni = cent(detrazioni_membri + applicate_nucleo);
    let isr = non_negativo(somma_redditi + reddito_figurativo - detrazioni);
    t.passo(|| {
        passo(
            "isr",
            "ISR = somma dei redditi + reddito figurativo − detrazioni (fino a concorrenza)",
            None,
            &[
                ("somma_redditi_componenti", somma_redditi),
                ("reddito_figurativo", reddito_figurativo),
                ("detrazioni_componenti", detrazioni_membri),
                ("detrazioni_nucleo_applicate", applicate_nucleo),
                ("detrazioni", detrazioni),
            ],
            isr,
            "DPCM 159/2013, art. 4",
        )
    });
    Isr {
        somma_redditi,
        reddito_figurativo,
        detrazioni,
        isr,
        assegno_unico,
        adi,
    }
}

/// Original art. 4 c.4 lett. b)-d), in force until 28-5-2016: disability franchigie by
/// level (higher for minors), personal-assistance expenses and care fees.
fn franchigie_disabilita_originarie<T: Traccia>(ctx: &Contesto, n: &Nucleo, t: &mut T) -> Decimal {
    let r = ctx.regole;
    let mut totale = ZERO;
    for m in n.membri.iter() {
        let Some(grado) = m.c.disabilita else {
            continue;
        };
        let minore =
            m.c.data_nascita
                .get()
                .is_some_and(|d| eta_compiuta(d, n.data) < 18);
        let tabella = match grado {
            GradoDisabilita::DIM => r.franchigia_disabilita_media,
            GradoDisabilita::DIG => r.franchigia_disabilita_grave,
            GradoDisabilita::NAS => r.franchigia_non_autosufficienza,
        };
        let franchigia = tabella[usize::from(minore)];
        let spese = if r.spese_assistenza_e_rette_detraibili {
            m.c.spese_assistenza_personale.valore() + m.c.retta_ricovero.valore()
        } else {
            ZERO
        };
        let importo = franchigia + spese;
        if importo.is_zero() {
            continue;
        }
        totale += importo;
        t.passo(|| {
            passo(
                "isr.franchigia_disabilita_originaria",
                format!(
                    "Franchigia per disabilità ({:?}{}) e spese per assistenza personale e rette (regole in vigore fino al 28-5-2016)",
                    grado,
                    if minore { ", minorenne" } else { "" }
                ),
                cf(&m),
                &[("franchigia", franchigia), ("spese_assistenza_e_rette", spese)],
                importo,
                "DPCM 159/2013, art. 4, c. 4, lett. b), c), d) (testo originario)",
            )
            .con_parametri(
                r,
                &[
                    "isr.franchigia_disabilita_media",
                    "isr.franchigia_disabilita_grave",
                    "isr.franchigia_non_autosufficienza",
                    "isr.spese_assistenza_e_rette_detraibili",
                ],
            )
        });
    }
    totale
}

struct Mobiliare {
    /// Gross financial assets less the titoli di Stato exclusion.
    lordo_netto_titoli: Decimal,
    franchigia_applicata: Decimal,
    base_reddito_figurativo: Decimal,
}

fn patrimonio_mobiliare<T: Traccia>(
    ctx: &Contesto,
    n: &Nucleo,
    cond: &Condizioni,
    t: &mut T,
) -> Mobiliare {
    let r = ctx.regole;
    let mut lordo = ZERO;
    let mut altri_tot = ZERO;
    let mut titoli_tot = ZERO;
    let mut titoli_altri = ZERO;
    for m in n.membri.iter() {
        let rapporti = n.mobiliare(&m);
        if rapporti.is_empty() {
            continue;
        }
        let mut saldi = ZERO;
        let mut giacenze = ZERO;
        let mut depositi_per_rapporto = ZERO;
        let mut altri = ZERO;
        for x in rapporti {
            let titoli = x.quota.applica(x.di_cui_titoli_di_stato.valore());
            titoli_tot += titoli;
            if x.tipo.e_deposito() {
                let saldo = x.quota.applica(x.saldo_31_12.valore());
                let giacenza = if x.incremento_patrimoniale {
                    saldo
                } else {
                    x.quota.applica(x.giacenza_media.valore())
                };
                saldi += saldo;
                giacenze += giacenza;
                depositi_per_rapporto += saldo.max(giacenza);
            } else {
                altri += x.quota.applica(x.valore.valore());
                titoli_altri += titoli;
            }
        }
        let depositi = match ctx.opzioni.confronto_depositi {
            ConfrontoDepositi::PerComponente => saldi.max(giacenze),
            ConfrontoDepositi::PerRapporto => depositi_per_rapporto,
        };
        lordo += depositi + altri;
        altri_tot += altri;
        t.passo(|| {
            passo(
                "isp.patrimonio_mobiliare_componente",
                "Patrimonio mobiliare del componente: depositi e conti al maggiore tra somma dei saldi al 31/12 e somma delle giacenze medie, più il valore degli altri rapporti, per la quota posseduta",
                cf(&m),
                &[("somma_saldi", saldi), ("somma_giacenze_medie", giacenze), ("depositi", depositi), ("altri_rapporti", altri)],
                depositi + altri,
                "DPCM 159/2013, art. 5, c. 4",
            )
        });
    }
    let esclusione = titoli_tot.min(ctx.limite_titoli);
    if !esclusione.is_zero() || !titoli_tot.is_zero() {
        t.passo(|| {
            passo(
                "isp.esclusione_titoli_di_stato",
                "Titoli di Stato, buoni fruttiferi e libretti postali esclusi dal patrimonio mobiliare fino al limite per nucleo",
                None,
                &[("titoli_dichiarati", titoli_tot), ("limite", ctx.limite_titoli)],
                esclusione,
                "DPCM 159/2013, art. 5, come modificato dal DPCM 13/2025; L. 213/2023, art. 1, c. 183",
            )
            .con_parametri(r, &["isp.titoli_di_stato_limite_esclusione"])
        });
    }
    let netto_titoli = lordo - esclusione;
    // The exclusion is taken first from the instruments outside deposits, which are
    // the only ones in the reddito figurativo base (docs/SCELTE.md).
    let base_rf = non_negativo(altri_tot - esclusione.min(titoli_altri));

    let componenti = Decimal::from(cond.componenti.max(1));
    let franchigia = (r.mobiliare_franchigia_base
        + r.mobiliare_franchigia_per_componente * (componenti - Decimal::ONE))
        .min(r.mobiliare_franchigia_massimo)
        + r.mobiliare_franchigia_per_figlio * Decimal::from(cond.figli.saturating_sub(2));
    let applicata = franchigia.min(netto_titoli);
    t.passo(|| {
        passo(
            "isp.franchigia_mobiliare",
            "Franchigia sul patrimonio mobiliare: 6.000 più 2.000 per componente dopo il primo, fino a 10.000, più 1.000 per ogni figlio dopo il secondo; fino a concorrenza",
            None,
            &[
                ("componenti", componenti),
                ("figli", Decimal::from(cond.figli)),
                ("franchigia", franchigia),
                ("patrimonio_mobiliare", netto_titoli),
            ],
            applicata,
            "DPCM 159/2013, art. 5, c. 6",
        )
        .con_parametri(
            r,
            &[
                "isp.mobiliare_franchigia_base",
                "isp.mobiliare_franchigia_per_componente",
                "isp.mobiliare_franchigia_massimo",
                "isp.mobiliare_franchigia_per_figlio",
            ],
        )
    });
    Mobiliare {
        lordo_netto_titoli: netto_titoli,
        franchigia_applicata: applicata,
        base_reddito_figurativo: base_rf,
    }
}

struct Immobiliare {
    lordo: Decimal,
    detrazione: Decimal,
}

fn patrimonio_immobiliare<T: Traccia>(
    ctx: &Contesto,
    n: &Nucleo,
    cond: &Condizioni,
    t: &mut T,
) -> Immobiliare {
    let r = ctx.regole;
    let mut lordo = ZERO;
    let mut netto_altri = ZERO;
    let mut casa_netto = ZERO;
    let mut casa_comune: Option<&str> = None;
    for m in n.membri.iter() {
        for i in n.immobiliare(&m) {
            if i.inagibile_calamita || (n.escludi_donazioni_ricevute && i.ricevuto_in_donazione) {
                continue;
            }
            let valore = i.quota.applica(i.valore_imu.valore());
            let mutuo = i.quota.applica(i.mutuo_residuo.valore());
            let netto = non_negativo(valore - mutuo);
            lordo += valore;
            if i.casa_abitazione {
                casa_netto += netto;
                casa_comune.get_or_insert(i.codice_comune.as_str());
            } else {
                netto_altri += netto;
            }
            t.passo(|| {
                passo(
                    "isp.immobile",
                    format!(
                        "Immobile {:?} a {}{}: valore IMU per la quota posseduta, meno il mutuo residuo, fino a concorrenza",
                        i.tipo,
                        i.codice_comune,
                        if i.casa_abitazione { " (casa di abitazione)" } else { "" }
                    ),
                    cf(&m),
                    &[("valore_quota", valore), ("mutuo_residuo_quota", mutuo)],
                    netto,
                    "DPCM 159/2013, art. 5, c. 2-3",
                )
            });
        }
    }
    for a in &n.immobili_aggiunti {
        lordo += a.valore;
        netto_altri += a.valore;
        t.passo(|| {
            passo(
                "isp.immobile_aggiunto",
                a.descrizione.clone(),
                None,
                &[],
                a.valore,
                "DPCM 159/2013, art. 6, c. 3, lett. c)",
            )
        });
    }
    let casa_contata = if casa_netto.is_zero() {
        ZERO
    } else {
        let comune = casa_comune.or(n
            .abitazione
            .and_then(|a| a.codice_comune.as_ref().map(|c| c.as_str())));
        let (soglia, nomi): (Decimal, &[&str]) = match ctx.variante {
            Variante::FamiliareInclusione2026 => {
                let capoluogo = comune.is_some_and(|c| r.e_capoluogo_citta_metropolitana(c));
                let base = if capoluogo {
                    r.casa_soglia_famiglia_2026_capoluogo
                } else {
                    r.casa_soglia_famiglia_2026
                };
                (
                    base + r.casa_incremento_per_figlio_famiglia_2026
                        * Decimal::from(cond.figli_conviventi.saturating_sub(1)),
                    &[
                        "isp.casa_soglia_famiglia_2026",
                        "isp.casa_soglia_famiglia_2026_capoluogo",
                        "isp.casa_incremento_per_figlio_famiglia_2026",
                        "isp.capoluoghi_citta_metropolitane",
                        "isp.casa_quota_eccedenza",
                    ],
                )
            }
            Variante::Ordinaria => (
                r.casa_soglia
                    + r.casa_incremento_per_figlio
                        * Decimal::from(cond.figli_conviventi.saturating_sub(2)),
                &[
                    "isp.casa_soglia",
                    "isp.casa_incremento_per_figlio",
                    "isp.casa_quota_eccedenza",
                ],
            ),
        };
        let contata = r.casa_quota_eccedenza.di(non_negativo(casa_netto - soglia));
        t.passo(|| {
            passo(
                "isp.casa_di_abitazione",
                match ctx.variante {
                    Variante::Ordinaria => "Casa di abitazione del nucleo: conta per 2/3 la parte del valore netto oltre 52.500 più 2.500 per ogni figlio convivente dopo il secondo",
                    Variante::FamiliareInclusione2026 => "Casa di abitazione (ISEE per prestazioni familiari 2026): conta per 2/3 la parte del valore netto oltre 91.500 (120.000 nei capoluoghi di città metropolitana) più 2.500 per ogni figlio convivente dopo il primo",
                },
                None,
                &[("valore_netto_casa", casa_netto), ("soglia", soglia)],
                contata,
                match ctx.variante {
                    Variante::Ordinaria => "DPCM 159/2013, art. 5, c. 2",
                    Variante::FamiliareInclusione2026 => "L. 199/2025, art. 1, c. 208",
                },
            )
            .con_parametri(r, nomi)
        });
        contata
    };
    let netto = netto_altri + casa_contata;
    Immobiliare {
        lordo,
        detrazione: lordo - netto,
    }
}

/// The scala di equivalenza (Allegato 1): base parameter and maggiorazioni.
pub(crate) fn scala<T: Traccia>(ctx: &Contesto, c: &Condizioni, t: &mut T) -> (Decimal, Decimal) {
    let r = ctx.regole;
    let n = c.componenti;
    let k = c.conviventi_anagrafici.min(n);
    let base = match ctx.opzioni.convivenza_anagrafica {
        ConvivenzaAnagrafica::PiuUno if k > 0 && n > k => {
            r.parametro_base(n - k) + r.incremento_convivenza_anagrafica * Decimal::from(k)
        }
        _ => r.parametro_base(n),
    };
    t.passo(|| {
        passo(
            "scala.parametro_nucleo",
            "Parametro della scala per numero di componenti (chi è in convivenza anagrafica conta come nucleo a sé: +1)",
            None,
            &[("componenti", Decimal::from(n)), ("in_convivenza_anagrafica", Decimal::from(k))],
            base,
            "DPCM 159/2013, Allegato 1; art. 3, c. 6",
        )
        .con_parametri(r, &["scala.parametri_base", "scala.incremento_oltre_cinque", "scala.incremento_convivenza_anagrafica"])
    });
    let tabella = match ctx.variante {
        Variante::Ordinaria => &r.maggiorazione_figli,
        Variante::FamiliareInclusione2026 => &r.maggiorazione_figli_famiglia_2026,
    };
    let figli = tabella[(c.figli as usize).min(5)];
    if c.genitori_non_conviventi > 0 {
        t.passo(|| {
            passo(
                "scala.genitore_non_convivente",
                "Ai soli fini della maggiorazione per i figli minorenni fa parte del nucleo anche il genitore non convivente, non coniugato con l'altro genitore, che ha riconosciuto i figli (nessuno dei casi dell'art. 7, c. 1): il nucleo non è di un solo genitore, e per la lett. b) conta anche il suo lavoro",
                None,
                &[
                    ("lavoro_genitori", Decimal::from(u8::from(c.lavoro_genitori))),
                    ("unico_genitore", Decimal::from(u8::from(c.unico_genitore))),
                ],
                Decimal::from(c.genitori_non_conviventi),
                "DPCM 159/2013, Allegato 1, lett. c), secondo periodo; art. 7, c. 1",
            )
        });
    }
    let minori = if c.minorenni && (c.lavoro_genitori || c.unico_genitore) {
        if c.minori_tre_anni {
            r.maggiorazione_minori_tre_anni
        } else {
            r.maggiorazione_minorenni
        }
    } else {
        ZERO
    };
    let disabilita = r.maggiorazione_disabilita * Decimal::from(c.disabili);
    let totale = figli + minori + disabilita;
    t.passo(|| {
        passo(
            "scala.maggiorazioni",
            "Maggiorazioni: numero di figli; figli minorenni con genitori al lavoro almeno 6 mesi o un solo genitore (0,3 se un figlio ha meno di 3 anni); 0,5 per ogni componente con disabilità",
            None,
            &[
                ("figli", Decimal::from(c.figli)),
                ("maggiorazione_figli", figli),
                ("maggiorazione_minorenni", minori),
                ("componenti_con_disabilita", Decimal::from(c.disabili)),
                ("maggiorazione_disabilita", disabilita),
            ],
            totale,
            match ctx.variante {
                Variante::Ordinaria => "DPCM 159/2013, Allegato 1, lett. a), b), c); D.L. 42/2016, art. 2-sexies",
                Variante::FamiliareInclusione2026 => "L. 199/2025, art. 1, c. 208; DPCM 159/2013, Allegato 1, lett. b), c); D.L. 42/2016, art. 2-sexies",
            },
        )
        .con_parametri(
            r,
            &[
                match ctx.variante {
                    Variante::Ordinaria => "scala.maggiorazione_figli",
                    Variante::FamiliareInclusione2026 => "scala.maggiorazione_figli_famiglia_2026",
                },
                "scala.maggiorazione_minorenni",
                "scala.maggiorazione_minori_tre_anni",
                "scala.mesi_lavoro_minimi",
                "scala.maggiorazione_disabilita",
            ],
        )
    });
    (base, totale)
}
