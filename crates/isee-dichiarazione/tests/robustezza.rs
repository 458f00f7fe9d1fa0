//! Untrusted input: whatever the bytes, `importa` answers (no panic), and a refusal
//! always names at least one problem.

mod comune;

use isee_dichiarazione::{Opzioni, esporta, importa};
use proptest::prelude::*;
use std::sync::LazyLock;

static DOCUMENTO: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let dsu = comune::completa(isee_genera::nucleo(
        &isee_genera::Impostazioni::new(3, 2026),
        5,
    ));
    esporta(&dsu, &Opzioni::default()).unwrap()
});

fn controlla(xml: &[u8]) -> Result<(), TestCaseError> {
    if let Err(e) = importa(xml) {
        prop_assert!(!e.problemi.is_empty());
        prop_assert!(
            e.problemi
                .iter()
                .all(|p| p.percorso.starts_with('/') && !p.messaggio.is_empty())
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn byte_cambiati(modifiche in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut xml = DOCUMENTO.clone();
        for (i, b) in modifiche {
            let i = i.index(xml.len());
            xml[i] = b;
        }
        controlla(&xml)?;
    }

    #[test]
    fn troncato(fine in any::<prop::sample::Index>()) {
        let n = fine.index(DOCUMENTO.len());
        controlla(&DOCUMENTO[..n])?;
    }

    #[test]
    fn byte_a_caso(xml in prop::collection::vec(any::<u8>(), 0..512)) {
        controlla(&xml)?;
    }
}

#[test]
fn il_documento_di_partenza_si_legge() {
    assert!(importa(&DOCUMENTO).is_ok());
}
