//! Load test of the consultation e-services on loopback, the way an ente calls them:
//! mutual TLS with the ente's client certificate, a PDND voucher obtained from the
//! local PDND (validated in full on every call: RS256 signature, claims, purpose,
//! ente, category, certificate binding), and every call logged durably before the
//! answer leaves (HMAC-chained log on SQLite, `synchronous=FULL`, group commit).
//!
//! `cargo run --release -p isee-sandbox --example carico_consultazione -- [opzioni]`
//! (see `bench/consultazione.sh`). Prints, per round and as medians: calls/s, p50,
//! p99 and max latency for a routing baseline (an unknown e-service: TLS + HTTP +
//! routing, no work), REST `ConsultazioneIndicatore` and SOAP
//! `ConsultazioneIndicatore`, and the SOAP/REST ratio.

use anyhow::{Context, Result};
use isee_pdnd::asserzione::{AsserzioniUsate, RichiestaToken, crea_asserzione, emetti_voucher};
use isee_pdnd::jwk::ChiavePrivata;
use isee_pdnd::stato::StatoPdnd;
use isee_registro::store::sql::Configurazione as ConfigStore;
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu, StoreSql};
use isee_sandbox::cliente::Cliente;
use isee_sandbox::{OpzioniSandbox, prepara};
use std::sync::Arc;
use std::time::{Duration, Instant};

// The allocator of the `isee` binary, which serves `isee consultazione serve`.
#[global_allocator]
static ALLOCATORE: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Opzioni {
    nuclei: u64,
    connessioni: usize,
    secondi: u64,
    giri: usize,
    thread: Option<usize>,
}

fn opzioni() -> Result<Opzioni> {
    let mut o = Opzioni {
        nuclei: 5_000,
        connessioni: 32,
        secondi: 8,
        giri: 3,
        thread: None,
    };
    let mut a = std::env::args().skip(1);
    while let Some(k) = a.next() {
        let mut v = || a.next().context("valore mancante");
        match k.as_str() {
            "--nuclei" => o.nuclei = v()?.parse()?,
            "--connessioni" => o.connessioni = v()?.parse()?,
            "--secondi" => o.secondi = v()?.parse()?,
            "--giri" => o.giri = v()?.parse()?,
            "--thread" => o.thread = Some(v()?.parse()?),
            altro => anyhow::bail!("opzione sconosciuta {altro}"),
        }
    }
    Ok(o)
}

fn main() -> Result<()> {
    let o = opzioni()?;
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = o.thread {
        b.worker_threads(n);
    }
    b.enable_all().build()?.block_on(esegui(o))
}

#[derive(Clone, Copy)]
enum Tipo {
    Base,
    Rest,
    Soap,
}

struct Misura {
    chiamate: u64,
    al_secondo: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    errori: u64,
}

async fn esegui(o: Opzioni) -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let db = tmp.path().join("registro.db");
    let store = StoreSql::connetti_con(ConfigStore::new(&format!(
        "sqlite://{}?mode=rwc",
        db.display()
    )))
    .await?;
    let registro = RegistroDsu::new(store);
    let imp = isee_genera::Impostazioni {
        seed: 11,
        anno: 2026,
        comuni: vec!["H199".into(), "H183".into()],
    };
    let t = Instant::now();
    let mut cf = Vec::new();
    for i in 0..o.nuclei {
        let dsu = isee_genera::nucleo(&imp, i);
        let dich = dsu
            .dichiarante()
            .map(|c| c.codice_fiscale.as_str().to_string());
        let r = registro
            .presenta(PresentazioneDsu {
                dsu_json: serde_json::to_string(&dsu)?,
                chiave_idempotenza: format!("c{i}"),
                mittente: "CARICO".into(),
                protocollo_mittente: None,
                operazione: Operazione::Nuova,
            })
            .await;
        if let (Ok(r), Some(d)) = (r, dich) {
            cf.push((d, r.data_presentazione.to_string()));
        }
    }
    eprintln!(
        "registro: {} DSU presentate in {:.1} s",
        cf.len(),
        t.elapsed().as_secs_f64()
    );
    drop(registro);

    let s = prepara(&OpzioniSandbox {
        dir: tmp.path().join("sandbox"),
        db_registro: db.display().to_string(),
        indirizzo: "127.0.0.1:0".parse()?,
        tls: true,
        chiamate_giornaliere: u32::MAX,
    })
    .await?;
    let indirizzo =
        isee_consultazione::avvio::servi(s.configurazione.clone(), std::future::pending())
            .await?
            .indirizzo;

    // The voucher, through the local PDND's own issuing code.
    let ravenna = s.fruitore("c_h199").context("fruitore")?;
    let chiave_client = ChiavePrivata::da_pem(&std::fs::read_to_string(&ravenna.chiave)?)?;
    let stato = StatoPdnd::carica(&s.dir_pdnd.join("stato.json"))?;
    let chiave_pdnd = ChiavePrivata::da_pem(&std::fs::read_to_string(
        s.dir_pdnd.join("chiave-pdnd.pem"),
    )?)?;
    let adesso = isee_pdnd::adesso_unix();
    let finalita = ravenna.finalita_per("indicatore").context("finalità")?;
    let asserzione = crea_asserzione(
        &chiave_client,
        &ravenna.client_id.to_string(),
        &finalita.to_string(),
        &stato.audience_asserzione,
        None,
        adesso,
        600,
    )?;
    let voucher = emetti_voucher(
        &stato,
        &chiave_pdnd,
        &RichiestaToken::new(&ravenna.client_id.to_string(), &asserzione),
        adesso,
        &AsserzioniUsate::new(),
    )
    .map_err(|e| anyhow::anyhow!("voucher: {}", e.messaggio()))?
    .access_token;

    let (cert, key) = ravenna.certificato.clone().context("certificato")?;
    let cliente = Cliente::tls(
        indirizzo,
        &std::fs::read_to_string(s.ca.join("ca.pem"))?,
        Some((
            &std::fs::read_to_string(cert)?,
            &std::fs::read_to_string(key)?,
        )),
    )?;
    let cf = Arc::new(cf);
    let voucher = Arc::new(format!("Bearer {voucher}"));

    // Warm-up, and a check that the calls succeed.
    misura(
        &cliente,
        &cf,
        &voucher,
        Tipo::Rest,
        4,
        Duration::from_secs(1),
    )
    .await?;

    println!(
        "consultazione ISEE su loopback: {} connessioni mTLS, {} s per misura, {} giri, {} nuclei",
        o.connessioni,
        o.secondi,
        o.giri,
        cf.len()
    );
    let mut tabella: Vec<(Tipo, Vec<Misura>)> = vec![
        (Tipo::Base, vec![]),
        (Tipo::Rest, vec![]),
        (Tipo::Soap, vec![]),
    ];
    for giro in 1..=o.giri {
        for (tipo, misure) in tabella.iter_mut() {
            let m = misura(
                &cliente,
                &cf,
                &voucher,
                *tipo,
                o.connessioni,
                Duration::from_secs(o.secondi),
            )
            .await?;
            println!(
                "giro {giro} {:<44} {:>8.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  errori {}",
                nome(*tipo),
                m.al_secondo,
                m.p50_ms,
                m.p99_ms,
                m.max_ms,
                m.errori
            );
            misure.push(m);
        }
    }
    println!("mediane:");
    let mut mediane = Vec::new();
    for (tipo, misure) in &tabella {
        let med = |f: fn(&Misura) -> f64| {
            let mut v: Vec<f64> = misure.iter().map(f).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            v[v.len() / 2]
        };
        let (r, p50, p99) = (med(|m| m.al_secondo), med(|m| m.p50_ms), med(|m| m.p99_ms));
        println!(
            "  {:<44} {:>8.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
            nome(*tipo),
            r,
            p50,
            p99
        );
        mediane.push(r);
    }
    println!(
        "  REST / base {:.2}   SOAP / REST {:.2}",
        mediane[1] / mediane[0],
        mediane[2] / mediane[1]
    );
    // Every call of the REST and SOAP rounds is in the log, and the chain is intact.
    let chiamate: f64 = tabella[1..]
        .iter()
        .flat_map(|(_, m)| m.iter())
        .map(|m| m.chiamate as f64)
        .sum();
    let lettore = isee_accessi::RegistroAccessi::apri_lettore(
        &isee_consultazione::configurazione::url_db(&s.configurazione.accessi.db),
        isee_accessi::ChiaviAudit::da_file(&s.configurazione.accessi.chiave)?,
    )
    .await?;
    let t = Instant::now();
    let v = lettore.verifica().await?;
    println!(
        "registro degli accessi: {} record (chiamate misurate {:.0} + riscaldamento), catena {} — verificata in {:.1} s",
        v.record_verificati,
        chiamate,
        if v.problemi.is_empty() {
            "integra"
        } else {
            "ALTERATA"
        },
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn nome(t: Tipo) -> &'static str {
    match t {
        Tipo::Base => "base (TLS+HTTP+instradamento, nessun lavoro)",
        Tipo::Rest => "REST ConsultazioneIndicatore",
        Tipo::Soap => "SOAP ConsultazioneIndicatore",
    }
}

fn corpo(t: Tipo, cf: &str, data: &str) -> Vec<u8> {
    match t {
        Tipo::Base | Tipo::Rest => format!(
            r#"{{"ricerca":{{"codice_fiscale":"{cf}","data_validita":"{data}"}},"prestazione_da_erogare":"A1.07","protocollo_domanda_ente_erogatore":"NIDO-2026-1","stato_domanda_prestazione":"Da Erogare"}}"#
        )
        .into_bytes(),
        Tipo::Soap => format!(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:con="http://inps.it/ConsultazioneISEE"><soapenv:Header><inps:Identity xmlns:inps="http://inps.it/"><UserId>00354730392</UserId><CodiceUfficio>001</CodiceUfficio></inps:Identity></soapenv:Header><soapenv:Body><con:ConsultazioneIndicatore><con:request><con:TipoIndicatore>Ordinario</con:TipoIndicatore><con:RicercaCF><con:CodiceFiscale>{cf}</con:CodiceFiscale><con:DataValidita>{data}</con:DataValidita><con:PrestazioneDaErogare>A1.07</con:PrestazioneDaErogare><con:ProtocolloDomandaEnteErogatore>NIDO-2026-1</con:ProtocolloDomandaEnteErogatore><con:StatodomandaPrestazione>Da Erogare</con:StatodomandaPrestazione></con:RicercaCF></con:request></con:ConsultazioneIndicatore></soapenv:Body></soapenv:Envelope>"#
        )
        .into_bytes(),
    }
}

async fn misura(
    cliente: &Cliente,
    cf: &Arc<Vec<(String, String)>>,
    voucher: &Arc<String>,
    tipo: Tipo,
    connessioni: usize,
    durata: Duration,
) -> Result<Misura> {
    let fine = Instant::now() + durata;
    let mut compiti = Vec::new();
    for c in 0..connessioni {
        let (cliente, cf, voucher) = (cliente.clone(), cf.clone(), voucher.clone());
        compiti.push(tokio::spawn(async move {
            let mut conn = cliente.connetti().await?;
            let mut latenze: Vec<u32> = Vec::with_capacity(100_000);
            let mut errori = 0u64;
            let mut i = c;
            while Instant::now() < fine {
                let (codice, data) = &cf[i % cf.len()];
                i += connessioni;
                let (percorso, intestazioni): (&str, Vec<(&str, &str)>) = match tipo {
                    Tipo::Base => (
                        "/rest/v1/inesistente/indicatore",
                        vec![("content-type", "application/json")],
                    ),
                    Tipo::Rest => (
                        "/rest/v1/indicatore/indicatore",
                        vec![("content-type", "application/json"), ("authorization", voucher.as_str())],
                    ),
                    Tipo::Soap => (
                        "/pdnd/soap/ConsultazioneISEE/v2/ConsultazioneIndicatore",
                        vec![
                            ("content-type", "text/xml; charset=utf-8"),
                            ("soapaction", "\"http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatore\""),
                            ("authorization", voucher.as_str()),
                        ],
                    ),
                };
                let t = Instant::now();
                let (stato, risposta) = conn.post(percorso, &intestazioni, corpo(tipo, codice, data)).await?;
                latenze.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                let atteso = match tipo {
                    Tipo::Base => stato == 404,
                    Tipo::Rest => stato == 200,
                    Tipo::Soap => stato == 200 && memchr(&risposta, b"<Esito>OK</Esito>"),
                };
                if !atteso {
                    errori += 1;
                    if errori == 1 {
                        eprintln!("risposta inattesa {stato}: {}", String::from_utf8_lossy(&risposta));
                    }
                }
            }
            anyhow::Ok((latenze, errori))
        }));
    }
    let inizio = Instant::now();
    let mut tutte = Vec::new();
    let mut errori = 0;
    for c in compiti {
        let (l, e) = c.await??;
        tutte.extend(l);
        errori += e;
    }
    let secondi = inizio.elapsed().as_secs_f64().max(durata.as_secs_f64());
    tutte.sort_unstable();
    let q = |p: f64| {
        tutte
            .get(((tutte.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    Ok(Misura {
        chiamate: tutte.len() as u64,
        al_secondo: tutte.len() as f64 / secondi,
        p50_ms: q(0.5),
        p99_ms: q(0.99),
        max_ms: q(1.0),
        errori,
    })
}

fn memchr(pagliaio: &[u8], ago: &[u8]) -> bool {
    pagliaio.windows(ago.len()).any(|w| w == ago)
}
