//! The componente aggiuntiva (DPCM 159/2013 Allegato 2): what a parent or child
//! outside the nucleus adds to the beneficiary's ISEE.
//!
//! Allegato 2 c.1 (residential care, a child outside the nucleus), steps a)-f):
//! the ISE of the person alone (a), without donations received from the beneficiary
//! (b), divided by the scala of the person's own nucleus (c), less 9,000 (d), times
//! 0.2 if positive (e), divided by the scala of the beneficiary's nucleus (f).
//! c.2 (the non-cohabiting parent of art. 7) is applied with the same steps: its text
//! could not be read in full (`isee-regole.md` §11.2; `docs/SCELTE.md`).

use super::indicatore;
use super::nucleo::{Membro, Nucleo, condizioni_da_riepilogo};
use super::{Contesto, RigaAggiuntiva};
use crate::dsu::ComponenteAggiuntiva;
use crate::importo::arrotonda_al_centesimo as cent;
use crate::traccia::{Traccia, passo};
use rust_decimal::Decimal;

/// The person is counted as a nucleus of one for the ISE (ISR and ISP of "the person
/// alone", Allegato 2 c.1 lett. a); the scala is that of the person's own nucleus.
pub(crate) fn calcola<T: Traccia>(
    ctx: &Contesto,
    dati: &ComponenteAggiuntiva,
    scala_beneficiario: Decimal,
    riferimento: &'static str,
    t: &mut T,
) -> RigaAggiuntiva {
    let r = ctx.regole;
    let persona = Membro {
        c: &dati.foglio,
        rapporto: dati.foglio.rapporto,
    };
    let mut solo = Nucleo::new(
        super::nucleo::Membri::Lista(vec![persona]),
        None,
        None,
        ctx.data,
    );
    solo.condizioni_fisse = Some(super::nucleo::Condizioni {
        componenti: 1,
        ..Default::default()
    });
    solo.escludi_donazioni_ricevute = true;
    // The person's own ISR and ISP, without the trace of the inner lines: the trace
    // keeps the steps that matter for the beneficiary.
    let ise = indicatore::calcola(ctx, &solo, &mut crate::traccia::SenzaTraccia)
        .righe
        .ise;
    let condizioni = condizioni_da_riepilogo(&dati.nucleo);
    let (base, magg) = indicatore::scala(ctx, &condizioni, &mut crate::traccia::SenzaTraccia);
    let scala_persona = base + magg;
    let eccedenza = if scala_persona.is_zero() {
        Decimal::ZERO
    } else {
        ise / scala_persona - r.aggiuntiva_abbattimento
    };
    let importo = if eccedenza > Decimal::ZERO && !scala_beneficiario.is_zero() {
        cent(eccedenza * r.aggiuntiva_quota / scala_beneficiario)
    } else {
        Decimal::ZERO
    };
    let codice = dati.foglio.codice_fiscale.as_str().to_string();
    t.passo(|| {
        passo(
            "aggiuntiva.componente",
            "Componente aggiuntiva: (ISE della persona da sola / scala del suo nucleo − 9.000) × 0,2 / scala del nucleo del beneficiario, se positiva",
            Some(&codice),
            &[
                ("ise_persona", ise),
                ("scala_nucleo_persona", scala_persona),
                ("eccedenza", eccedenza),
                ("scala_nucleo_beneficiario", scala_beneficiario),
            ],
            importo,
            riferimento,
        )
        .con_parametri(r, &["aggiuntiva.abbattimento", "aggiuntiva.quota"])
    });
    RigaAggiuntiva {
        codice_fiscale: codice,
        ise_persona: ise,
        scala_nucleo_persona: scala_persona,
        importo,
    }
}
