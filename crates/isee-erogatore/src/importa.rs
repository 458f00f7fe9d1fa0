//! The CSV import of applications (`isee registro-ente importa`): untrusted input an
//! office exports from its own systems, read into [`DomandaEnte`]s.
//!
//! Columns (header required, order free; empty cell = absent):
//! `ente,id,servizio,codice_fiscale,tipo_richiesto,isee_tipo,isee,ise,isr,isp,scala,
//! protocollo_dsu,data_presentazione_dsu,valida_al,fonte,evidenza`. Amounts are euros
//! with at most two decimals and a dot (`12345.67`). Each bad row is reported with its
//! line number; the others are returned.

use std::collections::HashMap;

use chrono::NaiveDate;
use isee_core::TipoIsee;
use isee_core::codice_fiscale::{CodiceFiscale, verifica};
use rust_decimal::Decimal;

use crate::{DomandaEnte, FonteIsee, IseeOttenuto};

/// A refused CSV line: its number and the reason.
pub type RigaRifiutata = (u64, String);

/// Parses the CSV: the applications with their line numbers, and the refused lines
/// with the reason (Italian, fiscal codes masked).
pub fn leggi_csv(testo: &str, adesso: i64) -> (Vec<(u64, DomandaEnte)>, Vec<RigaRifiutata>) {
    let mut lettore = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(testo.as_bytes());
    let mut ok = Vec::new();
    let mut errori = Vec::new();
    let intestazione: HashMap<String, usize> = match lettore.headers() {
        Ok(h) => h
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), i))
            .collect(),
        Err(e) => {
            errori.push((1, format!("intestazione non leggibile: {e}")));
            return (ok, errori);
        }
    };
    for record in lettore.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let riga = e.position().map(|p| p.line()).unwrap_or(0);
                errori.push((riga, format!("riga non leggibile: {e}")));
                continue;
            }
        };
        let riga = record.position().map(|p| p.line()).unwrap_or(0);
        let campo = |nome: &str| {
            intestazione
                .get(nome)
                .and_then(|&i| record.get(i))
                .filter(|s| !s.is_empty())
        };
        match domanda_da_riga(&campo, adesso) {
            Ok(d) => ok.push((riga, d)),
            Err(e) => errori.push((riga, e)),
        }
    }
    (ok, errori)
}

fn domanda_da_riga<'a>(
    campo: &dyn Fn(&str) -> Option<&'a str>,
    adesso: i64,
) -> Result<DomandaEnte, String> {
    let obbligatorio = |n: &str| campo(n).ok_or_else(|| format!("manca il campo {n}"));
    let tipo = |n: &str| -> Result<Option<TipoIsee>, String> {
        campo(n).map(|s| s.parse::<TipoIsee>()).transpose()
    };
    let importo = |n: &str| -> Result<Option<Decimal>, String> {
        campo(n)
            .map(|s| {
                let d: Decimal = s
                    .parse()
                    .map_err(|_| format!("{n}: importo non valido «{s}»"))?;
                if d.normalize().scale() > 2 {
                    return Err(format!("{n}: più di due decimali «{s}»"));
                }
                Ok(d)
            })
            .transpose()
    };
    let data = |n: &str| -> Result<Option<NaiveDate>, String> {
        campo(n)
            .map(|s| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| format!("{n}: data non valida «{s}» (AAAA-MM-GG)"))
            })
            .transpose()
    };
    let cf = CodiceFiscale::new(obbligatorio("codice_fiscale")?);
    if let Err(d) = verifica(&cf) {
        return Err(format!(
            "codice fiscale {} non valido: {}",
            cf.mascherato(),
            d.messaggio()
        ));
    }
    let isee = match (tipo("isee_tipo")?, importo("isee")?) {
        (Some(t), Some(v)) => Some(IseeOttenuto {
            tipo: t,
            isee: v,
            ise: importo("ise")?,
            isr: importo("isr")?,
            isp: importo("isp")?,
            scala: campo("scala")
                .map(|s| s.parse::<Decimal>().map_err(|_| format!("scala non valida «{s}»")))
                .transpose()?,
            protocollo_dsu: campo("protocollo_dsu").map(str::to_string),
            data_presentazione_dsu: data("data_presentazione_dsu")?,
            valida_al: data("valida_al")?,
            fonte: campo("fonte")
                .map(|s| {
                    FonteIsee::da_nome(s).ok_or_else(|| {
                        format!(
                            "fonte sconosciuta «{s}»; ammesse: consultazione_inps, attestazione_presentata, registro_locale"
                        )
                    })
                })
                .transpose()?,
            evidenza: campo("evidenza").map(str::to_string),
            hash_evidenza: None,
        }),
        (None, None) => None,
        _ => return Err("isee_tipo e isee vanno indicati insieme".into()),
    };
    Ok(DomandaEnte {
        ente: obbligatorio("ente")?.to_string(),
        id: obbligatorio("id")?.to_string(),
        servizio: obbligatorio("servizio")?.to_string(),
        codice_fiscale: cf,
        tipo_richiesto: tipo("tipo_richiesto")?.ok_or("manca il campo tipo_richiesto")?,
        isee,
        aggiornata_il: adesso,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "\
ente,id,servizio,codice_fiscale,tipo_richiesto,isee_tipo,isee,ise,isr,isp,scala,protocollo_dsu,data_presentazione_dsu,valida_al,fonte,evidenza
RA,1,nido,RSSMRA85M01H199H,minorenni,minorenni,12345.67,30369.15,,,2.46,INPS-ISEE-2026-00012345A-00,2026-01-20,2026-12-31,consultazione_inps,PDND 77
RA,2,nido,RSSMRA85M01H199X,minorenni,,,,,,,,,,,
RA,3,mensa,RSSMRA85M01H199H,ordinario,ordinario,1.005,,,,,,,,,
RA,4,mensa,RSSMRA85M01H199H,ordinario,,,,,,,,,,,
RA,5,mensa,RSSMRA85M01H199H,ordinario,ordinario,100,,,,,,,2026-02-30,,
";

    #[test]
    fn righe_buone_importate_e_cattive_segnalate() {
        let (ok, errori) = leggi_csv(CSV, 7);
        assert_eq!(ok.iter().map(|(r, _)| *r).collect::<Vec<_>>(), [2, 5]);
        let d = &ok[0].1;
        assert_eq!(d.isee.as_ref().unwrap().isee, rust_decimal::dec!(12345.67));
        assert_eq!(
            d.isee.as_ref().unwrap().fonte,
            Some(FonteIsee::ConsultazioneInps)
        );
        assert!(ok[1].1.isee.is_none());
        let righe: Vec<_> = errori.iter().map(|(r, _)| *r).collect();
        assert_eq!(righe, [3, 4, 6]);
        assert!(errori[0].1.contains("RSSMRA*********X"), "{}", errori[0].1);
        assert!(!errori[0].1.contains("RSSMRA85M01H199X"));
        assert!(errori[1].1.contains("due decimali"));
        assert!(errori[2].1.contains("valida_al"));
    }
}
