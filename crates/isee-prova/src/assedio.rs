//! The attacks every listener's tests run against it (feature `assedio`): a silent
//! socket, a slowloris, a stalled body, a flood of connections. Each helper works on
//! any stream (plain TCP or TLS) and measures how long the server takes to give up;
//! the tests assert that it is about the configured limit.

use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Reads until the server closes the stream (EOF or error) or `entro` passes: the
/// time it took and what it sent, or `None` if it was still open.
pub async fn chiusura<S: AsyncRead + Unpin>(
    s: &mut S,
    entro: Duration,
) -> Option<(Duration, Vec<u8>)> {
    let inizio = Instant::now();
    let mut letto = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let resta = entro.checked_sub(inizio.elapsed())?;
        match tokio::time::timeout(resta, s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some((inizio.elapsed(), letto)),
            Ok(Ok(n)) => letto.extend_from_slice(&buf[..n]),
        }
    }
}

/// A connection that says nothing: how long until the server closes it.
pub async fn silenzio<S: AsyncRead + Unpin>(mut s: S, entro: Duration) -> Option<Duration> {
    chiusura(&mut s, entro).await.map(|(t, _)| t)
}

/// A request head sent one byte every `passo`, never finished: how long until the
/// server closes the connection (a write fails or the read side ends).
pub async fn slowloris<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    passo: Duration,
    entro: Duration,
) -> Option<Duration> {
    let inizio = Instant::now();
    let testa = b"GET /salute HTTP/1.1\r\nHost: prova\r\nX-Lento: ";
    let mut i = 0usize;
    let mut buf = [0u8; 256];
    while inizio.elapsed() < entro {
        let byte = testa.get(i).copied().unwrap_or(b'a');
        i += 1;
        if s.write_all(&[byte]).await.is_err() || s.flush().await.is_err() {
            return Some(inizio.elapsed());
        }
        // The server closing shows on the read side first.
        match tokio::time::timeout(passo, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(inizio.elapsed()),
            Ok(Ok(_)) | Err(_) => {}
        }
    }
    None
}

/// A POST to `percorso` with `intestazioni` (whole lines, `\r\n` after each) that
/// announces 1,000 bytes of body and sends 10: the time the server took to answer or
/// close, and what it answered.
pub async fn corpo_fermo<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    percorso: &str,
    intestazioni: &str,
    entro: Duration,
) -> Option<(Duration, String)> {
    let testa = format!(
        "POST {percorso} HTTP/1.1\r\nHost: prova\r\n{intestazioni}Content-Length: 1000\r\n\r\n{{\"a\": \"12"
    );
    s.write_all(testa.as_bytes()).await.ok()?;
    s.flush().await.ok()?;
    let (t, letto) = chiusura(&mut s, entro).await?;
    Some((t, String::from_utf8_lossy(&letto).into_owned()))
}

/// `n` TCP connections to `indirizzo`, held open (and silent) until dropped.
pub async fn folla(indirizzo: SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        if let Ok(s) = TcpStream::connect(indirizzo).await {
            v.push(s);
        }
    }
    v
}

/// One `GET percorso` on a new plain connection: the status code, or `None` when the
/// connection was refused, closed without an answer, or did not answer within
/// `entro`; with the time it took.
pub async fn get(
    indirizzo: SocketAddr,
    percorso: &str,
    entro: Duration,
) -> (Option<u16>, Duration) {
    let inizio = Instant::now();
    let esito = tokio::time::timeout(entro, async {
        let mut s = TcpStream::connect(indirizzo).await.ok()?;
        get_su(&mut s, percorso).await
    })
    .await
    .ok()
    .flatten();
    (esito, inizio.elapsed())
}

/// One `GET percorso` on an open stream (keep-alive): the status code.
pub async fn get_su<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, percorso: &str) -> Option<u16> {
    let r = format!("GET {percorso} HTTP/1.1\r\nHost: prova\r\n\r\n");
    s.write_all(r.as_bytes()).await.ok()?;
    s.flush().await.ok()?;
    let mut letto = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        letto.extend_from_slice(&buf[..n]);
        if let Some(fine) = letto.windows(4).position(|w| w == b"\r\n\r\n") {
            // Read the body too (content-length), so the stream can be reused.
            let testa = String::from_utf8_lossy(&letto[..fine]).to_lowercase();
            let lunghezza = testa
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while letto.len() < fine + 4 + lunghezza {
                let n = s.read(&mut buf).await.ok()?;
                if n == 0 {
                    break;
                }
                letto.extend_from_slice(&buf[..n]);
            }
            break;
        }
    }
    stato(&letto)
}

/// The status code of an HTTP/1.1 answer's first line.
pub fn stato(risposta: &[u8]) -> Option<u16> {
    let testo = std::str::from_utf8(risposta.get(..12)?).ok()?;
    testo.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// Asserts that `misurato` is about `limite`: not before it, and not much after
/// (scheduling on a loaded two-core machine allows a generous margin).
pub fn circa(misurato: Option<Duration>, limite: Duration, cosa: &str) {
    let m = misurato.unwrap_or_else(|| panic!("{cosa}: connessione ancora aperta"));
    assert!(
        m + Duration::from_millis(50) >= limite,
        "{cosa}: chiusa dopo {m:?}, prima del limite {limite:?}"
    );
    assert!(
        m <= limite * 3 + Duration::from_secs(2),
        "{cosa}: chiusa dopo {m:?}, molto oltre il limite {limite:?}"
    );
}
