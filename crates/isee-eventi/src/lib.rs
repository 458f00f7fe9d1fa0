//! isee-eventi: the register's events on NATS JetStream (docs/EVENTI.md).
//!
//! ```text
//!  filing / annulment / omission ──one transaction──▶ register rows + outbox rows
//!                                                           │ (isee_registro::StoreEventi)
//!          Pubblicatore (every node): take a batch ─────────┘
//!             publish each with Nats-Msg-Id = event id ──▶ JetStream stream ISEE_EVENTI
//!             acks received → mark published                 │  subjects isee.>
//!                                                            ▼
//!          consuma(effetto): durable pull consumer, explicit ack, at-least-once
//!          riproduci(effetto): clear the effect, apply the whole stream again
//! ```
//!
//! * [`pubblicatore`]: the outbox publisher. Nothing is lost when a node dies between
//!   the commit and the publication (the row stays until a publisher's acks come
//!   back) or between the publication and the mark (the row is published again and
//!   the stream drops it as a duplicate of its message id).
//! * [`consumatore`]: a consumer runs an [`consumatore::Effetto`] whose application is
//!   idempotent, so a redelivery changes nothing; [`consumatore::riproduci`] rebuilds
//!   an effect from the stream.
//! * [`notifiche`]: the notification stub, an effect that records the message the
//!   citizen would receive (nothing is sent), on SQLite or PostgreSQL.

#![forbid(unsafe_code)]

pub mod consumatore;
pub mod errore;
pub mod notifiche;
pub mod pubblicatore;

pub use errore::{ErroreEventi, Risultato};
pub use pubblicatore::{Impostazioni, Pubblicatore, StatoPubblicatore};

use std::time::Duration;

/// Connects to NATS. The client reconnects by itself when the server goes away; the
/// first connection is tried again in the background too, so that a node starts (and
/// files DSUs into the outbox) while NATS is down.
pub async fn connetti(url: &str) -> Risultato<async_nats::jetstream::Context> {
    let client = async_nats::ConnectOptions::new()
        .name("isee")
        .connection_timeout(Duration::from_secs(5))
        .request_timeout(Some(Duration::from_secs(10)))
        .retry_on_initial_connect()
        .connect(url)
        .await
        .map_err(|e| ErroreEventi::Nats(format!("connessione a NATS: {e}")))?;
    Ok(async_nats::jetstream::new(client))
}

/// Unix microseconds now (events and claims are timed like the register's rows).
pub(crate) fn adesso() -> i64 {
    chrono::Utc::now().timestamp_micros()
}
