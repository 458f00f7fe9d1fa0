//! Money at the storage boundary: `Decimal` euros ↔ `i64` cents.
//!
//! Both databases store money as BIGINT cents (docs/REGISTRO.md): exact, sortable,
//! summable, and readable through sqlx's `Any` driver, which cannot decode NUMERIC.
//! A value that is not a whole number of cents is refused instead of rounded: the
//! rounding of an attestation happens in isee-core, in one place, and the store must
//! never silently change a value.

use rust_decimal::Decimal;

/// Why an amount cannot be stored as cents.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErroreImporto {
    #[error("l'importo {0} ha più di due decimali e non è un numero intero di centesimi")]
    OltreIlCentesimo(Decimal),
    #[error("l'importo {0} è troppo grande per essere memorizzato")]
    TroppoGrande(Decimal),
}

/// Euros to cents. The scale is looked at after `normalize()`, so `1.500` is accepted
/// (it is exactly 150 cents) while `1.505` is refused.
pub fn in_centesimi(euro: Decimal) -> Result<i64, ErroreImporto> {
    let mut d = euro.normalize();
    if d.scale() > 2 {
        return Err(ErroreImporto::OltreIlCentesimo(euro));
    }
    // Exact: the scale only grows, so no digit is lost.
    d.rescale(2);
    i64::try_from(d.mantissa()).map_err(|_| ErroreImporto::TroppoGrande(euro))
}

/// Cents to euros, always with two decimals (`12.30`), as the attestation prints them.
pub fn da_centesimi(centesimi: i64) -> Decimal {
    Decimal::new(centesimi, 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn andata_e_ritorno_esatti() {
        for d in [
            dec!(0),
            dec!(0.01),
            dec!(-0.01),
            dec!(12345.67),
            dec!(1.5),
            dec!(1.500),
        ] {
            let c = in_centesimi(d).unwrap();
            assert_eq!(da_centesimi(c), d);
            assert_eq!(da_centesimi(c).scale(), 2);
        }
        assert_eq!(in_centesimi(dec!(92233720368547758.07)).unwrap(), i64::MAX);
    }

    #[test]
    fn rifiuta_frazioni_di_centesimo_e_valori_enormi() {
        assert_eq!(
            in_centesimi(dec!(1.005)),
            Err(ErroreImporto::OltreIlCentesimo(dec!(1.005)))
        );
        assert!(matches!(
            in_centesimi(dec!(92233720368547758.08)),
            Err(ErroreImporto::TroppoGrande(_))
        ));
    }
}
