//! The access model's contract (`StoreAccesso`, the visibility of the searches, the
//! checks of a change), every body run on SQLite and on PostgreSQL
//! (`isee_prova::su_entrambi!`, fixture in `comune/mod.rs`).

mod comune;

use chrono::{Days, NaiveDate};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_registro::accesso::Visibilita;
use isee_registro::registrazione::{StatoDsu, TipoRegistrazione};
use isee_registro::store::{StoreAccesso, StoreDsu, StoreOmissioni};
use isee_registro::{
    Ambito, Chiamante, ErroreRegistro, Mandato, Operazione, PresentazioneDsu, RegistroDsu, Vista,
};
use serde_json::Value;

const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");
const GENOVA: &str = include_str!("../../../esempi/corrente-perdita-lavoro-genova.json");

const CAF_RA: &str = "caf-ra";
const CAF_BO: &str = "caf-bo";

fn mario() -> CodiceFiscale {
    CodiceFiscale::new("RSSMRA85M01H199H")
}

fn oggi() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The Genova household's DSU without its corrente module: another family.
fn genova() -> String {
    let mut v: Value = serde_json::from_str(GENOVA).unwrap();
    v.as_object_mut().unwrap().remove("corrente");
    v.to_string()
}

fn modulo_genova() -> String {
    let v: Value = serde_json::from_str(GENOVA).unwrap();
    v["corrente"].to_string()
}

/// The Ravenna DSU without its youngest child: the same declarant, another nucleus.
fn ravenna_senza_sara() -> String {
    let mut v: Value = serde_json::from_str(RAVENNA).unwrap();
    v["componenti"].as_array_mut().unwrap().pop();
    v.to_string()
}

fn presentazione(dsu: &str, mittente: &str, chiave: &str, op: Operazione) -> PresentazioneDsu {
    PresentazioneDsu {
        dsu_json: dsu.to_string(),
        chiave_idempotenza: chiave.to_string(),
        mittente: mittente.to_string(),
        protocollo_mittente: None,
        operazione: op,
    }
}

async fn mandati_registrati_sostituiti_revocati<S: StoreDsu + StoreAccesso>(s: S) {
    let r = RegistroDsu::new(s);
    let fine = oggi().checked_add_days(Days::new(30)).unwrap();
    let m = r
        .registra_mandato(CAF_BO, mario(), Ambito::Lettura, fine, "cli")
        .await
        .unwrap();
    assert_eq!(r.store().mandato(CAF_BO, &mario()).await.unwrap(), Some(m));
    // Recorded again: the scope and expiry are replaced, one mandate per sender.
    r.registra_mandato(CAF_BO, mario(), Ambito::Presentazione, fine, "inps-bo")
        .await
        .unwrap();
    r.registra_mandato(CAF_RA, mario(), Ambito::Lettura, fine, "cli")
        .await
        .unwrap();
    let tutti = r.mandati(&mario()).await.unwrap();
    assert_eq!(tutti.len(), 2);
    assert_eq!(tutti[0].mittente, CAF_BO);
    assert_eq!(tutti[0].ambito, Ambito::Presentazione);
    assert_eq!(tutti[0].registrato_da, "inps-bo");
    // Revoked once; a second revocation finds none in force.
    let revocato = r.revoca_mandato(CAF_BO, &mario()).await.unwrap();
    assert!(revocato.revocato_il.is_some());
    let e = r.revoca_mandato(CAF_BO, &mario()).await.unwrap_err();
    assert_eq!(e.codice(), "registro.mandato_sconosciuto");
    assert!(!e.to_string().contains("RSSMRA85M01H199H"), "{e}");
    // Bad mandates: every problem at once.
    let ieri = oggi().pred_opt().unwrap();
    let e = r
        .registra_mandato(
            " ",
            CodiceFiscale::new("RSSMRA85M01H199X"),
            Ambito::Lettura,
            ieri,
            "cli",
        )
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.mandato_non_valido");
    let testo = e.to_string();
    assert!(
        testo.contains("mittente")
            && testo.contains("codice fiscale")
            && testo.contains("scadenza"),
        "{testo}"
    );
}

async fn ricerche_vedono_solo_le_dsu_del_chiamante<S: StoreDsu + StoreAccesso>(s: S) {
    let r = RegistroDsu::new(s);
    let a = r
        .presenta(presentazione(RAVENNA, CAF_RA, "a", Operazione::Nuova))
        .await
        .unwrap();
    let giorno: NaiveDate = "2026-06-01".parse().unwrap();
    let ra = Chiamante::mittente(CAF_RA);
    let bo = Chiamante::mittente(CAF_BO);
    let trovata = |c: &Chiamante| {
        let (r, c) = (&r, c.clone());
        async move {
            r.dsu_valida_per(&c, &mario(), giorno)
                .await
                .unwrap()
                .map(|x| x.protocollo)
        }
    };
    assert_eq!(trovata(&ra).await, Some(a.protocollo.clone()));
    assert_eq!(
        trovata(&bo).await,
        None,
        "un altro mittente non vede la DSU"
    );
    assert!(r.storico_per(&bo, &mario()).await.unwrap().is_empty());
    // The other sender's own later DSU for the same family: each sees its own.
    let b = r
        .presenta(presentazione(RAVENNA, CAF_BO, "b", Operazione::Nuova))
        .await
        .unwrap();
    assert_eq!(trovata(&bo).await, Some(b.protocollo.clone()));
    assert_eq!(trovata(&ra).await, Some(a.protocollo.clone()));
    // The unchecked lookup (the e-services) sees the latest of all.
    assert_eq!(
        r.dsu_valida(&mario(), giorno)
            .await
            .unwrap()
            .map(|x| x.protocollo),
        Some(b.protocollo.clone())
    );
    // A mandate from the declarant shows the other sender's DSUs too…
    let fine = oggi().checked_add_days(Days::new(1)).unwrap();
    r.registra_mandato(CAF_RA, mario(), Ambito::Lettura, fine, "cli")
        .await
        .unwrap();
    assert_eq!(trovata(&ra).await, Some(b.protocollo.clone()));
    assert_eq!(r.storico_per(&ra, &mario()).await.unwrap().len(), 2);
    // …while it is in force: expired yesterday, or revoked, it shows nothing.
    let scaduto = Mandato {
        scadenza: oggi().pred_opt().unwrap(),
        ..r.store().mandato(CAF_RA, &mario()).await.unwrap().unwrap()
    };
    r.store().registra_mandato(&scaduto).await.unwrap();
    assert_eq!(trovata(&ra).await, Some(a.protocollo.clone()));
    assert_eq!(r.storico_per(&ra, &mario()).await.unwrap().len(), 1);
    r.registra_mandato(CAF_RA, mario(), Ambito::Lettura, fine, "cli")
        .await
        .unwrap();
    r.revoca_mandato(CAF_RA, &mario()).await.unwrap();
    assert_eq!(trovata(&ra).await, Some(a.protocollo.clone()));
    // A mandate from another declarant shows nothing of this family.
    r.registra_mandato(
        CAF_RA,
        CodiceFiscale::new("LMBSFN78M08D969R"),
        Ambito::Lettura,
        fine,
        "cli",
    )
    .await
    .unwrap();
    assert_eq!(r.storico_per(&ra, &mario()).await.unwrap().len(), 1);
    // The visibility is the store's: the same through the trait.
    let v = Visibilita::Di {
        mittente: CAF_BO.into(),
        oggi: oggi(),
    };
    let s = r.store();
    assert_eq!(s.storico(&mario(), &v).await.unwrap().len(), 1);
    assert_eq!(
        s.valida_alla_data(&mario(), giorno, TipoRegistrazione::Dsu, &v)
            .await
            .unwrap()
            .map(|x| x.protocollo),
        Some(b.protocollo)
    );
}

async fn consultazione_per_protocollo<S: StoreDsu + StoreAccesso>(s: S) {
    let r = RegistroDsu::new(s);
    let a = r
        .presenta(presentazione(RAVENNA, CAF_RA, "a", Operazione::Nuova))
        .await
        .unwrap();
    let ra = Chiamante::mittente(CAF_RA);
    let bo = Chiamante::mittente(CAF_BO);
    assert_eq!(
        r.consulta(&ra, &a.protocollo, "dettaglio")
            .await
            .unwrap()
            .protocollo,
        a.protocollo
    );
    // Another sender: exactly the error of an unknown protocol.
    let estraneo = r
        .consulta(&bo, &a.protocollo, "dettaglio")
        .await
        .unwrap_err();
    let ignoto = a.protocollo.con_suffisso(9).unwrap();
    let sconosciuto = r.consulta(&bo, &ignoto, "dettaglio").await.unwrap_err();
    assert_eq!(estraneo.codice(), "registro.protocollo_sconosciuto");
    assert_eq!(
        estraneo.to_string().replace(&a.protocollo.to_string(), "P"),
        sconosciuto.to_string().replace(&ignoto.to_string(), "P")
    );
    // The back office reads it, and the read is recorded.
    let back = Chiamante::back_office("inps-bo");
    assert_eq!(
        r.consulta(&back, &a.protocollo, "dettaglio")
            .await
            .unwrap()
            .protocollo,
        a.protocollo
    );
    r.storico_per(&back, &mario()).await.unwrap();
    let letture = r.store().letture_back_office("inps-bo").await.unwrap();
    assert_eq!(letture.len(), 2, "{letture:?}");
    assert_eq!(letture[0].operazione, "dettaglio");
    assert_eq!(letture[0].oggetto, a.protocollo.to_string());
    assert_eq!(letture[0].protocolli, vec![a.protocollo.clone()]);
    assert_eq!(letture[1].operazione, "storico");
    assert_eq!(letture[1].oggetto, mario().mascherato().to_string());
    assert_eq!(letture[1].protocolli, vec![a.protocollo.clone()]);
    // A sender's reads are not the back office's log.
    assert!(
        r.store()
            .letture_back_office(CAF_RA)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn modifiche_solo_del_mittente_o_con_mandato<S: StoreDsu + StoreAccesso>(s: S) {
    let r = RegistroDsu::new(s);
    let a = r
        .presenta(presentazione(RAVENNA, CAF_RA, "a", Operazione::Nuova))
        .await
        .unwrap();
    let rettifica = || Operazione::Rettifica {
        di: a.protocollo.clone(),
    };
    let stato = || {
        let r = &r;
        let p = a.protocollo.clone();
        async move { r.per_protocollo(&p).await.unwrap().unwrap().stato }
    };
    // Another sender: unknown, for a rectification, a substitution, an annulment and
    // an ISEE corrente alike.
    let e = r
        .presenta(presentazione(RAVENNA, CAF_BO, "b1", rettifica()))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.protocollo_sconosciuto");
    let e = r
        .presenta(presentazione(
            RAVENNA,
            CAF_BO,
            "b2",
            Operazione::Sostituzione {
                di: a.protocollo.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.protocollo_sconosciuto");
    let e = r
        .annulla(&a.protocollo, &Chiamante::mittente(CAF_BO))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.protocollo_sconosciuto");
    let e = r
        .modulo_corrente(
            &a.protocollo,
            &modulo_genova(),
            &Chiamante::mittente(CAF_BO),
            "b3",
        )
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.protocollo_sconosciuto");
    // A reading mandate reads but does not change.
    let fine = oggi().checked_add_days(Days::new(10)).unwrap();
    r.registra_mandato(CAF_BO, mario(), Ambito::Lettura, fine, "cli")
        .await
        .unwrap();
    let e = r
        .presenta(presentazione(RAVENNA, CAF_BO, "b4", rettifica()))
        .await
        .unwrap_err();
    assert!(matches!(e, ErroreRegistro::ModificaNonConsentita(_)), "{e}");
    let e = r
        .annulla(&a.protocollo, &Chiamante::mittente(CAF_BO))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.modifica_non_consentita");
    assert_eq!(stato().await, StatoDsu::Attiva);
    // The sender itself, with another family's DSU or another nucleus: refused, and
    // the DSU stays active.
    let e = r
        .presenta(presentazione(&genova(), CAF_RA, "a2", rettifica()))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.dichiarante_diverso");
    let e = r
        .presenta(presentazione(
            &ravenna_senza_sara(),
            CAF_RA,
            "a3",
            rettifica(),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.nucleo_diverso");
    assert_eq!(stato().await, StatoDsu::Attiva);
    assert_eq!(
        r.dsu_valida(&mario(), "2026-06-01".parse().unwrap())
            .await
            .unwrap()
            .map(|x| x.protocollo),
        Some(a.protocollo.clone())
    );
    // A filing mandate changes: the rectification is the mandate holder's.
    r.registra_mandato(CAF_BO, mario(), Ambito::Presentazione, fine, "cli")
        .await
        .unwrap();
    let n = r
        .presenta(presentazione(RAVENNA, CAF_BO, "b5", rettifica()))
        .await
        .unwrap();
    assert_eq!(n.mittente, CAF_BO);
    assert_eq!(stato().await, StatoDsu::Rettificata);
    // Expired, it no longer does (and the row disappears for it).
    let scaduto = Mandato {
        scadenza: oggi().pred_opt().unwrap(),
        ..r.store().mandato(CAF_BO, &mario()).await.unwrap().unwrap()
    };
    r.store().registra_mandato(&scaduto).await.unwrap();
    let e = r
        .presenta(presentazione(RAVENNA, CAF_BO, "b6", rettifica()))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.protocollo_sconosciuto");
    // The first sender still changes what it filed: its own DSU is no longer active.
    let e = r
        .annulla(&a.protocollo, &Chiamante::mittente(CAF_RA))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.protocollo_non_attivo");
}

/// The citizen's view (the portal's "Le mie DSU"): every row listing the citizen, the
/// declarant's and the other members' views, a stranger's protocol answered as an
/// unknown one, and the dossier of a row, refused when today's engine would attest
/// something else than what was stored.
async fn cittadino_vede_solo_le_dsu_in_cui_compare<
    S: StoreDsu + StoreAccesso + StoreOmissioni + Clone,
>(
    s: S,
) {
    let r = RegistroDsu::new(s.clone());
    let a = r
        .presenta(presentazione(RAVENNA, CAF_RA, "c1", Operazione::Nuova))
        .await
        .unwrap();
    let g = r
        .presenta(presentazione(&genova(), CAF_BO, "c2", Operazione::Nuova))
        .await
        .unwrap();
    let laura = CodiceFiscale::new("BNCLRA88R45H199W");
    let stefano = CodiceFiscale::new("LMBSFN78M08D969R");

    let di_mario = r.del_cittadino(&mario()).await.unwrap();
    assert_eq!(di_mario.len(), 1);
    assert_eq!(di_mario[0].0.protocollo, a.protocollo);
    assert_eq!(di_mario[0].1, Vista::Dichiarante);
    let di_laura = r.del_cittadino(&laura).await.unwrap();
    assert_eq!(di_laura.len(), 1);
    assert_eq!(di_laura[0].1, Vista::Componente);
    assert!(!di_laura[0].1.vede_dsu());
    let di_stefano = r.del_cittadino(&stefano).await.unwrap();
    assert_eq!(
        di_stefano
            .iter()
            .map(|(x, _)| &x.protocollo)
            .collect::<Vec<_>>(),
        vec![&g.protocollo]
    );

    assert_eq!(
        r.per_cittadino(&laura, &a.protocollo).await.unwrap().1,
        Vista::Componente
    );
    // Another family's protocol is, to Stefano, a protocol that does not exist.
    let estraneo = r.per_cittadino(&stefano, &a.protocollo).await.unwrap_err();
    let ignoto = r
        .per_cittadino(
            &stefano,
            &isee_registro::Protocollo::new("INPS-ISEE", 2026, 999, 0).unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(estraneo.codice(), "registro.protocollo_sconosciuto");
    assert_eq!(ignoto.codice(), estraneo.codice());

    let (riga, _) = r.per_cittadino(&mario(), &a.protocollo).await.unwrap();
    let f = r.fascicolo(riga.clone()).await.unwrap();
    assert_eq!(f.dsu.dsu().componenti.len(), 4);
    assert!(f.annotazioni.is_empty());
    assert_eq!(f.data_rilascio(), oggi());

    // A register whose engine now computes differently does not show a recomputed
    // attestation as the stored one.
    // (the franchigia of art. 5 c.6 raised from 6,000 to 7,000: another ISP).
    let parametri = include_str!("../../isee-core/parametri/isee.toml").replace(
        "valore = 6000, fonte = \"DPCM 159/2013, art. 5, c. 6\"",
        "valore = 7000, fonte = \"DPCM 159/2013, art. 5, c. 6\"",
    );
    let normativa = isee_core::Normativa::da_toml(&parametri, "prova").unwrap();
    let altro = RegistroDsu::con_motore(
        isee_core::Motore::new(normativa, isee_core::Opzioni::predefinite()),
        s,
        "INPS-ISEE",
    );
    let e = altro.fascicolo(riga).await.unwrap_err();
    assert_eq!(e.codice(), "registro.motore_cambiato");
}

isee_prova::su_entrambi!(
    apri = crate::comune::apri;
    mandati_registrati_sostituiti_revocati,
    ricerche_vedono_solo_le_dsu_del_chiamante,
    consultazione_per_protocollo,
    modifiche_solo_del_mittente_o_con_mandato,
    cittadino_vede_solo_le_dsu_in_cui_compare,
);
