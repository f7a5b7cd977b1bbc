//! Closed-loop HTTP/1.1 load over keep-alive connections, spoken with hyper
//! directly: each connection sends one request, waits for the whole answer,
//! and sends the next, until the window closes.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{Instant, sleep, timeout_at};

/// Longest latency the histograms hold, in microseconds (a minute).
const MAX_MICROS: u64 = 60_000_000;

/// One request, prepared once and replayed.
#[derive(Clone)]
pub struct Call {
    method: Method,
    uri: Uri,
    authorization: Option<HeaderValue>,
    body: Bytes,
}

impl Call {
    /// `GET path`, with a bearer token if given.
    pub fn get(path: &str, bearer: Option<&str>) -> anyhow::Result<Self> {
        Ok(Self {
            method: Method::GET,
            uri: path.parse()?,
            authorization: bearer
                .map(|t| HeaderValue::from_str(&format!("Bearer {t}")))
                .transpose()?,
            body: Bytes::new(),
        })
    }

    /// `POST path` with a JSON body, and a bearer token if given.
    pub fn post_json(
        path: &str,
        body: &serde_json::Value,
        bearer: Option<&str>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            method: Method::POST,
            uri: path.parse()?,
            authorization: bearer
                .map(|t| HeaderValue::from_str(&format!("Bearer {t}")))
                .transpose()?,
            body: Bytes::from(serde_json::to_vec(body)?),
        })
    }

    /// The request, ready to send to `host`.
    pub fn request(&self, host: &HeaderValue) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(self.body.clone()));
        *req.method_mut() = self.method.clone();
        *req.uri_mut() = self.uri.clone();
        let headers = req.headers_mut();
        headers.insert(HOST, host.clone());
        if let Some(auth) = &self.authorization {
            headers.insert(AUTHORIZATION, auth.clone());
        }
        if !self.body.is_empty() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        req
    }
}

/// Connections that replay `calls`: connection `i` sends calls `i`,
/// `i + connections`, `i + 2·connections`, … (modulo their number), so
/// connections use distinct tokens or accounts where there are enough.
#[derive(Clone)]
pub struct Group {
    pub connections: usize,
    pub calls: Arc<[Call]>,
    /// Client addresses to connect from (loopback aliases such as 127.0.0.2),
    /// one per connection in turn; empty: the system's choice (127.0.0.1).
    /// The server throttles failed sign-ins per client address.
    pub from: Vec<IpAddr>,
    /// Answers that count as the expected outcome besides 2xx (a flood of
    /// wrong passwords expects refusals); they are then tallied as `ok`.
    pub also_ok: Vec<StatusCode>,
}

impl Group {
    pub fn new(connections: usize, calls: Arc<[Call]>) -> Self {
        Self {
            connections,
            calls,
            from: Vec::new(),
            also_ok: Vec::new(),
        }
    }

    pub fn from(mut self, addresses: Vec<IpAddr>) -> Self {
        self.from = addresses;
        self
    }

    pub fn expecting(mut self, statuses: Vec<StatusCode>) -> Self {
        self.also_ok = statuses;
        self
    }
}

/// Load runs from `start` to `until`; only requests sent at or after
/// `measure_from` and answered before `until` count.
#[derive(Clone, Copy)]
pub struct Window {
    pub measure_from: Instant,
    pub until: Instant,
}

/// What one group's connections saw inside the window.
pub struct Tally {
    /// Latency of 2xx (or expected) answers, microseconds.
    pub latency: Histogram<u64>,
    /// 2xx answers, or the group's expected ones.
    pub ok: u64,
    pub non_2xx: u64,
    /// Failed connects and broken connections.
    pub errors: u64,
}

impl Tally {
    pub fn new() -> Self {
        Self {
            latency: Histogram::new_with_bounds(1, MAX_MICROS, 3)
                .expect("constant histogram bounds are valid"),
            ok: 0,
            non_2xx: 0,
            errors: 0,
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.latency
            .add(&other.latency)
            .expect("histograms with the same bounds merge");
        self.ok += other.ok;
        self.non_2xx += other.non_2xx;
        self.errors += other.errors;
    }

    /// Latency at `quantile`, milliseconds.
    pub fn quantile_ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }
}

/// Runs every group's connections against `addr` until the window closes;
/// one tally per group.
pub async fn drive(addr: SocketAddr, groups: &[Group], window: Window) -> Vec<Tally> {
    let host = HeaderValue::from_str(&addr.to_string()).expect("a socket address is a valid Host");
    let mut workers = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        for first in 0..group.connections {
            let task = worker(addr, host.clone(), group.clone(), first, window);
            workers.push((g, tokio::spawn(task)));
        }
    }
    let mut tallies: Vec<Tally> = groups.iter().map(|_| Tally::new()).collect();
    for (g, handle) in workers {
        match handle.await {
            Ok(tally) => tallies[g].merge(&tally),
            Err(e) => {
                eprintln!("a load connection failed: {e}");
                tallies[g].errors += 1;
            }
        }
    }
    tallies
}

/// Connection `first` of `group`: from its address, replaying calls `first`,
/// `first + connections`, … until the window closes.
async fn worker(
    addr: SocketAddr,
    host: HeaderValue,
    group: Group,
    first: usize,
    window: Window,
) -> Tally {
    let from = (!group.from.is_empty()).then(|| group.from[first % group.from.len()]);
    let (calls, also_ok, stride) = (group.calls, group.also_ok, group.connections);
    let mut tally = Tally::new();
    if calls.is_empty() {
        return tally;
    }
    let mut conn: Option<SendRequest<Full<Bytes>>> = None;
    let mut next = first;
    while Instant::now() < window.until {
        let sender = match conn.as_mut() {
            Some(sender) => sender,
            None => match timeout_at(window.until, connect_from(addr, from)).await {
                Ok(Ok(sender)) => conn.insert(sender),
                Ok(Err(e)) => {
                    if Instant::now() >= window.measure_from {
                        tally.errors += 1;
                    }
                    eprintln!("connect to {addr}: {e}");
                    sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(_) => break,
            },
        };
        let req = calls[next % calls.len()].request(&host);
        next = next.wrapping_add(stride);
        let started = Instant::now();
        // Whatever is still waiting when the window closes is abandoned, uncounted.
        let Ok(outcome) = timeout_at(window.until, exchange(sender, req)).await else {
            break;
        };
        let counted = started >= window.measure_from;
        match outcome {
            Ok(status) if counted && (status.is_success() || also_ok.contains(&status)) => {
                tally.ok += 1;
                let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(MAX_MICROS);
                tally.latency.saturating_record(micros.max(1));
            }
            Ok(_) if counted => tally.non_2xx += 1,
            Ok(_) => {}
            Err(_) => {
                conn = None;
                if counted {
                    tally.errors += 1;
                }
            }
        }
    }
    tally
}

/// A keep-alive HTTP/1.1 connection; its driver runs as its own task.
pub async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    connect_from(addr, None).await
}

/// Like [`connect`], from a chosen local address.
pub async fn connect_from(
    addr: SocketAddr,
    from: Option<IpAddr>,
) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = match from {
        None => TcpStream::connect(addr).await?,
        Some(ip) => {
            let socket = if ip.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            socket.bind(SocketAddr::new(ip, 0))?;
            socket.connect(addr).await?
        }
    };
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // Ends when the sender is dropped or the server closes the connection.
        let _ = connection.await;
    });
    Ok(sender)
}

/// Sends `req` and reads the whole answer, so the connection can carry the next one.
async fn exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    req: Request<Full<Bytes>>,
) -> anyhow::Result<StatusCode> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    resp.into_body().collect().await?;
    Ok(status)
}
