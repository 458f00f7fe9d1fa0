//! The tariff rule file (`isee_tariffe::carica`): TOML an ente's office writes. No
//! panic at load; a tariff loaded evaluates, with and without explanation, on a range
//! of applications without panicking, and both evaluations agree.
#![no_main]

use isee_tariffe::{Domanda, TipoIsee, carica};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

fuzz_target!(|dati: &[u8]| {
    let Ok(testo) = std::str::from_utf8(dati) else {
        return;
    };
    let Ok(c) = carica(testo) else {
        return;
    };
    let t = c.tariffa;
    // Cents: none, 0, 0.01, 7,500, 15,000, 100 million euros.
    for isee in [
        None,
        Some(0),
        Some(1),
        Some(750_000),
        Some(1_500_000),
        Some(10_000_000_000),
    ] {
        for tipo in [TipoIsee::Ordinario, TipoIsee::Minorenni, TipoIsee::Corrente] {
            let mut d = Domanda::nuova(isee.map(|c| Decimal::new(c, 2)), tipo);
            d.presenze = Some(Decimal::from(20));
            d.figli_minori = 2;
            d.ordine_figlio = 2;
            let a = t.valuta(&d).map(|e| format!("{e:?}"));
            let b = t.valuta_spiegata(&d).map(|(e, _)| format!("{e:?}"));
            assert_eq!(a.ok(), b.ok(), "valuta e valuta_spiegata");
        }
    }
});
