//! ISEE corrente (DPCM 159/2013 art. 9 as amended; D.L. 34/2019 art. 28-bis;
//! D.I. 5-7-2021 for the patrimonio route).
//!
//! The module (modulo sostitutivo) updates, on top of a valid DSU, the incomes of the
//! members with a change (income route) and/or every member's assets at 31 December
//! of the previous year (patrimonio route, from 1 April). Each route is admitted only
//! if its conditions hold; the rules of the module's filing date decide which.

use super::indicatore::{self, Indicatore};
use super::nucleo::{Nucleo, membri_ordinari};
use super::validita::{scadenza_corrente_patrimoniale, scadenza_corrente_reddituale};
use super::{Contesto, ErroreCalcolo, InfoCorrente, TipoIsee, Validita, non_calcolabile};
use crate::dsu::Dsu;
use crate::parametri::Regole;
use crate::traccia::{SenzaTraccia, Traccia, passo};
use chrono::{Datelike, Months};
use rust_decimal::Decimal;

pub(crate) struct Corrente {
    pub indicatore: Indicatore,
    pub nucleo: Vec<crate::codice_fiscale::CodiceFiscale>,
    pub info: InfoCorrente,
    pub validita: Validita,
}

pub(crate) fn calcola<T: Traccia>(
    ctx: &Contesto,
    dsu: &Dsu,
    regole_modulo: &Regole,
    t: &mut T,
) -> Result<Corrente, ErroreCalcolo> {
    let tipo = TipoIsee::Corrente;
    let Some(modulo) = dsu.corrente.as_ref() else {
        return Err(non_calcolabile(
            tipo,
            "la DSU non contiene il modulo per l'ISEE corrente",
        ));
    };
    let data_modulo = modulo.data_presentazione.o_minima();
    // The module stands on a valid DSU (art. 9 c.1): filed within its validity.
    let validita_dsu = super::validita::scadenza_dsu(ctx.regole, ctx.data);
    if data_modulo > validita_dsu.al {
        return Err(non_calcolabile(
            tipo,
            format!(
                "il modulo del {data_modulo} è successivo alla scadenza della DSU ({}): serve una nuova DSU",
                validita_dsu.al
            ),
        ));
    }
    let base = || {
        let mut n = Nucleo::new(
            membri_ordinari(&dsu.componenti),
            Some(&dsu.abitazione),
            dsu.condizioni_nucleo.as_ref(),
            ctx.data,
        )
        .con_genitori_esterni(dsu);
        n.moltiplicatore_due_mesi = regole_modulo.corrente_moltiplicatore_due_mesi;
        n
    };
    let ordinario = indicatore::calcola(ctx, &base(), &mut SenzaTraccia);
    let isr_ord = ordinario.righe.isr;
    let isp_ord = ordinario.righe.isp;
    let mut condizioni = Vec::new();

    // Income route.
    let mut reddituale = false;
    if !modulo.variazioni.is_empty() {
        let mut n = base();
        n.variazioni = &modulo.variazioni;
        let isr_corr = indicatore::calcola(ctx, &n, &mut SenzaTraccia).righe.isr;
        let soglia_isr = isr_ord * (Decimal::ONE - regole_modulo.corrente_riduzione_isr);
        let calo_isr = isr_corr < soglia_isr;
        let inizio_finestra = data_modulo
            .checked_sub_months(Months::new(regole_modulo.corrente_mesi_finestra_variazione))
            .unwrap_or(data_modulo);
        let lavorativa = modulo.variazioni.iter().any(|v| {
            v.tipo.is_some_and(|t| t.lavorativa())
                && v.data_variazione
                    .as_ref()
                    .and_then(|d| d.get())
                    .is_some_and(|d| d >= inizio_finestra && d <= data_modulo)
        });
        let interruzione = modulo
            .variazioni
            .iter()
            .any(|v| v.tipo.is_some_and(|t| t.interruzione_trattamenti()));
        if lavorativa {
            condizioni.push(format!(
                "variazione dell'attività lavorativa negli ultimi {} mesi",
                regole_modulo.corrente_mesi_finestra_variazione
            ));
        }
        if interruzione {
            condizioni.push(
                "interruzione di trattamenti assistenziali, previdenziali o indennitari non IRPEF"
                    .into(),
            );
        }
        if calo_isr {
            condizioni.push(format!(
                "ISR corrente {isr_corr} inferiore di oltre il 25% all'ISR ordinario {isr_ord}"
            ));
        }
        reddituale = if regole_modulo.corrente_condizioni_alternative {
            lavorativa || interruzione || calo_isr
        } else {
            lavorativa && calo_isr
        };
        t.passo(|| {
            passo(
                "corrente.condizioni_reddituali",
                if regole_modulo.corrente_condizioni_alternative {
                    "Percorso reddituale: basta una condizione tra variazione lavorativa, interruzione dei trattamenti, calo dell'ISR oltre il 25%"
                } else {
                    "Percorso reddituale (regole fino al 22-10-2019): servono insieme la variazione lavorativa e il calo dell'ISR oltre il 25%"
                },
                None,
                &[("isr_ordinario", isr_ord), ("isr_corrente", isr_corr), ("soglia_isr", soglia_isr)],
                Decimal::from(u8::from(reddituale)),
                if regole_modulo.corrente_condizioni_alternative {
                    "DPCM 159/2013, art. 9, c. 1; D.L. 34/2019, art. 28-bis"
                } else {
                    "DPCM 159/2013, art. 9, c. 1 (testo originario)"
                },
            )
            .con_parametri(regole_modulo, &["corrente.riduzione_isr", "corrente.condizioni_alternative", "corrente.mesi_finestra_variazione"])
        });
    }

    // Patrimonio route.
    let mut patrimoniale = false;
    if let Some(p) = modulo.patrimonio_aggiornato.as_deref() {
        if !regole_modulo.corrente_percorso_patrimoniale {
            return Err(non_calcolabile(
                tipo,
                format!(
                    "alla data del modulo ({data_modulo}) l'ISEE corrente non può aggiornare il patrimonio (possibile dal 21-9-2021, D.I. 5-7-2021)"
                ),
            ));
        }
        if data_modulo.month() < regole_modulo.corrente_mese_inizio_patrimoniale {
            return Err(non_calcolabile(
                tipo,
                format!(
                    "il patrimonio può essere aggiornato solo dal 1° aprile dell'anno; modulo presentato il {data_modulo}"
                ),
            ));
        }
        let mut n = base();
        n.patrimonio_aggiornato = Some(p);
        let isp_corr = indicatore::calcola(ctx, &n, &mut SenzaTraccia).righe.isp;
        let soglia_isp = isp_ord * (Decimal::ONE - regole_modulo.corrente_riduzione_isp);
        patrimoniale = isp_corr < soglia_isp;
        if patrimoniale {
            condizioni.push(format!(
                "ISP aggiornato {isp_corr} inferiore di oltre il 20% all'ISP ordinario {isp_ord}"
            ));
        }
        t.passo(|| {
            passo(
                "corrente.condizione_patrimoniale",
                "Percorso patrimoniale: l'ISP sul patrimonio al 31 dicembre dell'anno precedente deve essere inferiore di oltre il 20%",
                None,
                &[("isp_ordinario", isp_ord), ("isp_aggiornato", isp_corr), ("soglia_isp", soglia_isp)],
                Decimal::from(u8::from(patrimoniale)),
                "D.I. 5-7-2021, art. 1; msg INPS 3155/2021",
            )
            .con_parametri(regole_modulo, &["corrente.riduzione_isp", "corrente.mese_inizio_percorso_patrimoniale"])
        });
    }

    if !reddituale && !patrimoniale {
        let motivo = if modulo.variazioni.is_empty() && modulo.patrimonio_aggiornato.is_none() {
            "il modulo non contiene né variazioni dei redditi né il patrimonio aggiornato"
                .to_string()
        } else if regole_modulo.corrente_condizioni_alternative {
            format!(
                "nessuna condizione è soddisfatta (ISR ordinario {isr_ord}, ISP ordinario {isp_ord}): servono una variazione lavorativa, un'interruzione dei trattamenti, un calo dell'ISR oltre il 25% o dell'ISP oltre il 20%"
            )
        } else {
            // Before 23-10-2019 the work change and the ISR drop were both required.
            let trovate = if condizioni.is_empty() {
                "nessuna".to_string()
            } else {
                condizioni.join("; ")
            };
            format!(
                "con le regole in vigore alla data del modulo (fino al 22-10-2019) servono insieme una variazione lavorativa negli ultimi 18 mesi e un calo dell'ISR oltre il 25% (ISR ordinario {isr_ord}); condizioni verificate: {trovate}"
            )
        };
        return Err(non_calcolabile(tipo, motivo));
    }

    let mut n = base();
    if reddituale {
        n.variazioni = &modulo.variazioni;
    }
    if patrimoniale {
        n.patrimonio_aggiornato = modulo.patrimonio_aggiornato.as_deref();
    }
    let indicatore = indicatore::calcola(ctx, &n, t);
    let validita = if patrimoniale {
        scadenza_corrente_patrimoniale(data_modulo)
    } else {
        scadenza_corrente_reddituale(data_modulo, regole_modulo.corrente_mesi_validita)
    };
    Ok(Corrente {
        indicatore,
        nucleo: n.codici(),
        info: InfoCorrente {
            data_modulo,
            percorso_reddituale: reddituale,
            percorso_patrimoniale: patrimoniale,
            isr_ordinario: isr_ord,
            isp_ordinario: isp_ord,
            condizioni,
        },
        validita,
    })
}
