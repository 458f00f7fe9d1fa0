//! Validity of a DSU and of an ISEE corrente (D.L. 34/2019 art. 4-sexies and art.
//! 28-bis; DPCM 159/2013 art. 10 original text).

use crate::parametri::{Regole, ScadenzaDsu};
use chrono::{Datelike, Months, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Validita {
    pub dal: NaiveDate,
    pub al: NaiveDate,
}

/// A DSU filed on `data` is valid until 31 December of that year (from 2019) or until
/// 15 January of the next (2015-2018).
pub fn scadenza_dsu(regole: &Regole, data: NaiveDate) -> Validita {
    let al = match regole.scadenza_dsu {
        ScadenzaDsu::TrentunoDicembre => NaiveDate::from_ymd_opt(data.year(), 12, 31),
        ScadenzaDsu::QuindiciGennaioSuccessivo => NaiveDate::from_ymd_opt(data.year() + 1, 1, 15),
    };
    Validita {
        dal: data,
        al: al.unwrap_or(data),
    }
}

/// The ISEE corrente of the income route lasts `mesi` months from the module's filing,
/// to the day before the same date `mesi` months later.
pub(super) fn scadenza_corrente_reddituale(data_modulo: NaiveDate, mesi: u32) -> Validita {
    let al = data_modulo
        .checked_add_months(Months::new(mesi))
        .and_then(|d| d.pred_opt())
        .unwrap_or(data_modulo);
    Validita {
        dal: data_modulo,
        al,
    }
}

/// The patrimonio route (alone or with incomes) lasts until 31 December of the
/// module's year (D.I. 5-7-2021).
pub(super) fn scadenza_corrente_patrimoniale(data_modulo: NaiveDate) -> Validita {
    Validita {
        dal: data_modulo,
        al: NaiveDate::from_ymd_opt(data_modulo.year(), 12, 31).unwrap_or(data_modulo),
    }
}
