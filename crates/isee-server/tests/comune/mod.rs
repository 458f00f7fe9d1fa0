//! What the service's handler tests share: the router over a fresh SQLite register,
//! the answer read back, and the fingerprint of the store (row counts of every table
//! and the protocol sequence) that every refused request must leave unchanged.

#![allow(dead_code, unreachable_pub)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt as _;
use isee_registro::{RegistroDsu, StoreSql};
use isee_server::{Clienti, Limiti, Servizio, app};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt as _;

pub struct Banco {
    pub app: Router,
    pub servizio: Arc<Servizio>,
    _dir: tempfile::TempDir,
}

/// The service over a fresh SQLite file, with these clients and limits.
pub async fn banco_con(clienti: Clienti, limiti: &Limiti) -> Banco {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = StoreSql::connetti(&url).await.unwrap();
    let servizio = Arc::new(Servizio::new(RegistroDsu::new(store), clienti));
    Banco {
        app: app(servizio.clone(), limiti),
        servizio,
        _dir: dir,
    }
}

pub struct Risposta {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub corpo: Vec<u8>,
}

impl Risposta {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.corpo)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.corpo)))
    }

    /// A problem document with this status and code.
    pub fn problema(&self, status: u16, codice: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.corpo)
        );
        assert_eq!(
            self.headers["content-type"], "application/problem+json",
            "{codice}"
        );
        let v = self.json();
        assert_eq!(v["codice"], codice, "{v}");
        assert_eq!(v["status"], status);
        assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(self.headers.contains_key("x-request-id"));
        v
    }
}

impl Banco {
    pub async fn invia(&self, req: Request<Body>) -> Risposta {
        let r = self.app.clone().oneshot(req).await.unwrap();
        let (parti, corpo) = r.into_parts();
        Risposta {
            status: parti.status,
            headers: parti.headers,
            corpo: corpo.collect().await.unwrap().to_bytes().to_vec(),
        }
    }

    /// Row counts of every table, and the protocol sequence.
    pub async fn impronta(&self) -> Vec<(String, i64)> {
        Banco::impronta_di(&self.servizio).await
    }

    async fn impronta_di(servizio: &Servizio) -> Vec<(String, i64)> {
        let pool = servizio.registro.store().pool();
        let tabelle: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let mut v = Vec::new();
        for t in tabelle {
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
                    .fetch_one(pool)
                    .await
                    .unwrap();
            v.push((t, n));
        }
        let seq: i64 =
            sqlx::query_scalar("SELECT COALESCE(SUM(ultimo), 0) FROM sequenza_protocollo")
                .fetch_one(pool)
                .await
                .unwrap();
        v.push(("sequenza".into(), seq));
        v
    }
}

/// The fingerprint of `servizio`'s store (see [`Banco::impronta`]).
pub async fn impronta(servizio: &Servizio) -> Vec<(String, i64)> {
    Banco::impronta_di(servizio).await
}
