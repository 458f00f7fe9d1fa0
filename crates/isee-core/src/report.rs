//! The result as an Italian text a CAF operator or a citizen can follow line by line.

use crate::calcolo::{Esito, Variante};
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// Formats an amount the Italian way: 12.345,67.
pub fn euro(x: Decimal) -> String {
    let s = format!("{:.2}", x.abs());
    let (intera, dec) = s.split_once('.').unwrap_or((&s, "00"));
    let mut gruppi = String::new();
    for (i, c) in intera.chars().enumerate() {
        if i > 0 && (intera.len() - i) % 3 == 0 {
            gruppi.push('.');
        }
        gruppi.push(c);
    }
    format!(
        "{}{gruppi},{dec}",
        if x.is_sign_negative() && !x.is_zero() {
            "-"
        } else {
            ""
        }
    )
}

/// A trace value: exact up to four decimals; longer quotients are shown rounded,
/// marked with "≈" (the JSON trace keeps the exact value).
pub fn numero(x: Decimal) -> String {
    let x = x.normalize();
    if x.scale() > 4 {
        let r = x.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        format!("≈ {}", r.normalize().to_string().replace('.', ","))
    } else {
        x.to_string().replace('.', ",")
    }
}

/// A scala value as on the attestation: two decimals.
fn scala(x: Decimal) -> String {
    format!("{x:.2}").replace('.', ",")
}

/// The report: header, the attestation lines, then every step of the trace.
pub fn rapporto(e: &Esito) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", e.tipo.etichetta().to_uppercase());
    if e.variante == Variante::FamiliareInclusione2026 {
        let _ = writeln!(
            s,
            "ISEE per specifiche prestazioni familiari e per l'inclusione (L. 199/2025, art. 1, c. 208)"
        );
    }
    if let Some(p) = e.prestazione {
        let _ = writeln!(s, "Prestazione richiesta: {p:?}");
    }
    if let Some(b) = &e.beneficiario {
        let _ = writeln!(s, "Beneficiario: {b}");
    }
    let _ = writeln!(
        s,
        "Valido dal {} al {}",
        e.validita.dal.format("%d/%m/%Y"),
        e.validita.al.format("%d/%m/%Y")
    );
    let _ = writeln!(
        s,
        "Redditi dell'anno {}, patrimonio al 31/12/{}",
        e.anno_redditi, e.anno_patrimonio
    );
    let _ = writeln!(
        s,
        "Componenti considerati: {}",
        e.nucleo
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(s);
    let r = &e.righe;
    let righe = [
        (
            "Somma dei redditi dei componenti del nucleo",
            r.somma_redditi_componenti,
        ),
        (
            "Reddito figurativo del patrimonio mobiliare del nucleo",
            r.reddito_figurativo_patrimonio_mobiliare,
        ),
        ("Detrazioni per spese e franchigie del nucleo", r.detrazioni),
        ("ISR - Indicatore della situazione reddituale", r.isr),
        ("Patrimonio mobiliare del nucleo", r.patrimonio_mobiliare),
        (
            "Detrazione patrimonio mobiliare",
            r.detrazione_patrimonio_mobiliare,
        ),
        (
            "Patrimonio immobiliare del nucleo",
            r.patrimonio_immobiliare,
        ),
        (
            "Detrazione patrimonio immobiliare",
            r.detrazione_patrimonio_immobiliare,
        ),
        ("ISP - Indicatore della situazione patrimoniale", r.isp),
        ("ISE - Indicatore della situazione economica", r.ise),
    ];
    for (etichetta, v) in righe {
        let _ = writeln!(s, "{etichetta:<58} {:>14}", euro(v));
    }
    let _ = writeln!(
        s,
        "{:<58} {:>14}",
        "Parametro per numero componenti",
        scala(r.parametro_nucleo)
    );
    let _ = writeln!(
        s,
        "{:<58} {:>14}",
        "Eventuali maggiorazioni",
        scala(r.maggiorazioni)
    );
    let _ = writeln!(
        s,
        "{:<58} {:>14}",
        "Valore scala di equivalenza",
        scala(r.scala_equivalenza)
    );
    let _ = writeln!(s, "{:<58} {:>14}", "ISEE del nucleo", euro(r.isee));
    for a in &e.componenti_aggiuntive {
        let _ = writeln!(
            s,
            "{:<58} {:>14}",
            format!("Componente aggiuntiva {}", a.codice_fiscale),
            euro(a.importo)
        );
    }
    for n in &e.neutralizzazioni {
        let _ = writeln!(
            s,
            "{:<58} {:>14}",
            "Neutralizzazione",
            euro(-n.riduzione_isee)
        );
        let _ = writeln!(s, "  {}", n.descrizione);
    }
    let _ = writeln!(
        s,
        "{:<58} {:>14}",
        e.tipo.etichetta().to_uppercase(),
        euro(e.isee)
    );
    if let Some(c) = &e.corrente {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Modulo ISEE corrente del {}: condizioni verificate:",
            c.data_modulo.format("%d/%m/%Y")
        );
        for x in &c.condizioni {
            let _ = writeln!(s, "  - {x}");
        }
    }
    if !e.traccia.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "COME È STATO CALCOLATO");
        for (i, p) in e.traccia.iter().enumerate() {
            let chi = p
                .componente
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            let _ = writeln!(s, "{:>3}. {}{chi}", i + 1, p.descrizione);
            for v in &p.voci {
                let valore = numero(v.valore);
                let segno = if valore.starts_with('≈') { "" } else { "= " };
                let _ = writeln!(s, "       {} {segno}{valore}", v.nome.replace('_', " "));
            }
            let _ = writeln!(s, "       risultato: {}", numero(p.risultato));
            let _ = writeln!(s, "       riferimento: {}", p.riferimento);
            for f in &p.parametri {
                let _ = writeln!(
                    s,
                    "       parametro {} = {} (dal {}; {}; affidabilità {})",
                    f.nome,
                    f.valore,
                    f.dal.format("%d/%m/%Y"),
                    f.fonte,
                    f.affidabilita
                );
            }
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Regole in vigore dal {} (parametri {}, motore {}).",
        e.regole_dal.format("%d/%m/%Y"),
        e.versione_parametri,
        e.versione_motore
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn euro_all_italiana() {
        assert_eq!(euro(dec!(1234567.5)), "1.234.567,50");
        assert_eq!(euro(dec!(0)), "0,00");
        assert_eq!(euro(dec!(-12.3)), "-12,30");
        assert_eq!(euro(dec!(999)), "999,00");
    }
}
