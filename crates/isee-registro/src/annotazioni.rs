//! Applying the tax agency's data to the register: each stored DSU is compared with
//! the agency's lines ([`crate::omissioni::confronta`]) and the notes are written
//! through [`StoreOmissioni`]. The stored attestation and its ISEE values are never
//! touched (DPCM 159/2013 art. 11 c.3).

use crate::errore::{ErroreRegistro, Risultato};
use crate::omissioni::{Annotazione, DatiAgenzia, confronta};
use crate::protocollo::Protocollo;
use crate::registrazione::{StatoDsu, TipoRegistrazione};
use crate::store::{StoreDsu, StoreOmissioni};
use isee_core::Dsu;

/// Compares the tax agency's data with one stored DSU and writes the notes. The
/// stored attestation and its values are not touched. Returns the notes written.
pub async fn annota_dsu<S: StoreDsu + StoreOmissioni>(
    store: &S,
    protocollo: &Protocollo,
    dati: &[DatiAgenzia],
) -> Risultato<Vec<Annotazione>> {
    let documenti = store
        .documenti(protocollo)
        .await?
        .ok_or_else(|| ErroreRegistro::ProtocolloSconosciuto(protocollo.to_string()))?;
    let dsu = Dsu::da_json(&documenti.dsu_json)
        .map_err(|e| ErroreRegistro::DatoCorrotto(format!("DSU memorizzata: {e}")))?;
    let mut out = Vec::new();
    for ae in dati {
        for a in confronta(protocollo, &dsu, ae) {
            store.annota(&a).await?;
            tracing::info!(
                target: "registro",
                protocollo = %protocollo,
                componente = %a.codice_fiscale.mascherato(),
                tipo = a.tipo.nome(),
                "omissione o difformità annotata"
            );
            out.push(a);
        }
    }
    Ok(out)
}

/// Applies the tax agency's data to every active DSU (not the corrente modules, which
/// share their DSU's declared assets) that lists the fiscal code of a line.
pub async fn annota_registro<S: StoreDsu + StoreOmissioni>(
    store: &S,
    dati: &[DatiAgenzia],
) -> Risultato<Vec<Annotazione>> {
    let mut out = Vec::new();
    for ae in dati {
        for r in store
            .storico(&ae.codice_fiscale, &crate::accesso::Visibilita::Tutte)
            .await?
        {
            if r.stato == StatoDsu::Attiva && r.tipo == TipoRegistrazione::Dsu {
                out.extend(annota_dsu(store, &r.protocollo, std::slice::from_ref(ae)).await?);
            }
        }
    }
    Ok(out)
}
