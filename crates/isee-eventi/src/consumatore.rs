//! Consumers of the stream: a durable pull consumer per effect, explicit acks,
//! at-least-once delivery. An effect's application must be idempotent (keyed on the
//! event id), so a redelivery (a node that died before its ack, a consumer reset)
//! changes nothing; [`riproduci`] rebuilds an effect from the whole stream.

use crate::errore::{ErroreEventi, Risultato};
use crate::pubblicatore::{Impostazioni, assicura_flusso};
use async_nats::jetstream::{self, AckKind, consumer};
use futures_util::StreamExt;
use isee_registro::Evento;
use std::future::Future;
use std::time::Duration;

/// What a consumer does with each event.
pub trait Effetto: Send + Sync {
    /// The durable consumer's name on the stream (letters, digits, `-`, `_`).
    fn nome(&self) -> &str;

    /// Applies one event; `true` when it changed something, `false` when it was
    /// already applied (or means nothing to this effect). Applying an event twice
    /// must leave the same state as once.
    fn applica(&self, evento: &Evento) -> impl Future<Output = Risultato<bool>> + Send;

    /// Forgets everything applied (before a replay).
    fn azzera(&self) -> impl Future<Output = Risultato<()>> + Send;
}

/// How a consumer went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Conteggio {
    /// Messages received (redeliveries included).
    pub ricevuti: u64,
    /// Of those, the ones that changed the effect.
    pub applicati: u64,
    /// Messages that are not an event of this register (acknowledged as terminal).
    pub scartati: u64,
}

fn leggi(corpo: &[u8]) -> Option<Evento> {
    serde_json::from_slice(corpo).ok()
}

/// The effect's durable consumer (created if missing: every message from the first).
pub async fn consumatore(
    js: &jetstream::Context,
    imp: &Impostazioni,
    nome: &str,
) -> Risultato<consumer::PullConsumer> {
    let flusso = assicura_flusso(js, imp).await?;
    flusso
        .get_or_create_consumer(
            nome,
            consumer::pull::Config {
                durable_name: Some(nome.to_string()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                deliver_policy: consumer::DeliverPolicy::All,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| ErroreEventi::nats("consumatore", e))
}

/// Runs the effect's consumer until `fermo` resolves: each message is applied, then
/// acknowledged; one whose application fails is negatively acknowledged with a
/// delay (redelivered later). A lost connection or a deleted consumer is met by
/// creating the consumer again after a pause.
pub async fn consuma<E: Effetto>(
    js: &jetstream::Context,
    imp: &Impostazioni,
    effetto: &E,
    fermo: impl Future<Output = ()>,
) -> Conteggio {
    tokio::pin!(fermo);
    let mut conteggio = Conteggio::default();
    loop {
        let giro = async {
            let c = consumatore(js, imp, effetto.nome()).await?;
            let mut messaggi = c
                .messages()
                .await
                .map_err(|e| ErroreEventi::nats("ricezione", e))?;
            while let Some(m) = messaggi.next().await {
                let m = m.map_err(|e| ErroreEventi::nats("ricezione", e))?;
                conteggio.ricevuti += 1;
                let Some(evento) = leggi(&m.payload) else {
                    conteggio.scartati += 1;
                    tracing::warn!(target: "eventi", soggetto = %m.subject, "messaggio che non è un evento: scartato");
                    m.ack_with(AckKind::Term)
                        .await
                        .map_err(|e| ErroreEventi::nats("conferma", e))?;
                    continue;
                };
                match effetto.applica(&evento).await {
                    Ok(cambiato) => {
                        conteggio.applicati += u64::from(cambiato);
                        m.ack()
                            .await
                            .map_err(|e| ErroreEventi::nats("conferma", e))?;
                    }
                    Err(e) => {
                        tracing::warn!(target: "eventi", consumatore = effetto.nome(), evento = evento.id, errore = %e, "effetto non applicato; sarà riconsegnato");
                        let _ = m.ack_with(AckKind::Nak(Some(Duration::from_secs(1)))).await;
                    }
                }
            }
            Ok::<(), ErroreEventi>(())
        };
        tokio::select! {
            _ = &mut fermo => return conteggio,
            esito = giro => {
                if let Err(e) = esito {
                    tracing::warn!(target: "eventi", consumatore = effetto.nome(), errore = %e, "consumatore interrotto; si riprova");
                }
            }
        }
        tokio::select! {
            _ = &mut fermo => return conteggio,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// Rebuilds the effect from the stream: forgets it, then applies every message the
/// stream holds up to its last one at the start (an ordered, ephemeral consumer; the
/// durable one is untouched and goes on from where it was, its redeliveries being
/// no-ops). `progresso(done, total)` is called after each message. Returns the count.
pub async fn riproduci<E: Effetto>(
    js: &jetstream::Context,
    imp: &Impostazioni,
    effetto: &E,
    mut progresso: impl FnMut(u64, u64),
) -> Risultato<Conteggio> {
    let flusso = assicura_flusso(js, imp).await?;
    let info = flusso
        .get_info()
        .await
        .map_err(|e| ErroreEventi::nats("stato del flusso", e))?;
    effetto.azzera().await?;
    let mut conteggio = Conteggio::default();
    let totale = info.state.messages;
    if totale == 0 {
        return Ok(conteggio);
    }
    let ultimo = info.state.last_sequence;
    let c = flusso
        .create_consumer(consumer::pull::OrderedConfig {
            deliver_policy: consumer::DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .map_err(|e| ErroreEventi::nats("consumatore di riproduzione", e))?;
    let mut messaggi = c
        .messages()
        .await
        .map_err(|e| ErroreEventi::nats("riproduzione", e))?;
    while let Some(m) = messaggi.next().await {
        let m = m.map_err(|e| ErroreEventi::nats("riproduzione", e))?;
        let sequenza = m
            .info()
            .map_err(|e| ErroreEventi::nats("riproduzione", e))?
            .stream_sequence;
        conteggio.ricevuti += 1;
        match leggi(&m.payload) {
            Some(e) => conteggio.applicati += u64::from(effetto.applica(&e).await?),
            None => conteggio.scartati += 1,
        }
        progresso(conteggio.ricevuti, totale);
        if sequenza >= ultimo {
            break;
        }
    }
    Ok(conteggio)
}
