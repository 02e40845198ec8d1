//! A pass-through proxy: trust auth, forward-everything policy, session
//! pool. Used by scripts/bench/proxy.sh to measure the engine's overhead.
//!
//!   passthrough --upstream 127.0.0.1:5432 [--listen 127.0.0.1:0]
//!   passthrough --private-postgres [--listen 127.0.0.1:0]
//!
//! Prints `upstream_port=N` and `proxy_port=N` lines, then serves until its
//! stdin closes (so a script can stop it without signals or names).

use std::sync::Arc;

use proxy::*;
use tokio::io::AsyncReadExt;

fn usage() -> ! {
    eprintln!("usage: passthrough (--upstream HOST:PORT | --private-postgres) [--listen ADDR]");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (mut upstream, mut listen, mut private) = (None, "127.0.0.1:0".to_string(), false);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--upstream" => upstream = Some(args.next().unwrap_or_else(|| usage())),
            "--listen" => listen = args.next().unwrap_or_else(|| usage()),
            "--private-postgres" => private = true,
            _ => usage(),
        }
    }
    // Keeps the private server alive until main returns (stopped on drop).
    let _pg;
    let (host, port) = if private {
        let pg = testkit::TestPostgres::start();
        let port = pg.port;
        _pg = Some(pg);
        ("127.0.0.1".to_string(), port)
    } else {
        _pg = None;
        let up = upstream.unwrap_or_else(|| usage());
        let (h, p) = up.rsplit_once(':').unwrap_or_else(|| usage());
        (h.to_string(), p.parse().unwrap_or_else(|_| usage()))
    };
    let metrics = Arc::new(Metrics::default());
    let pool = SessionPool::new(PgConnector::new(host, port), PoolConfig::default(), metrics.clone());
    let proxy = Proxy::new(ProxyConfig::default(), TrustAuth, pool, ForwardAll, metrics);
    let listener = tokio::net::TcpListener::bind(&listen).await.unwrap_or_else(|e| {
        eprintln!("error: cannot listen on {listen}: {e}");
        std::process::exit(1);
    });
    let proxy_port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    println!("upstream_port={port}");
    println!("proxy_port={proxy_port}");
    let stdin_closed = async {
        let mut sink = [0u8; 64];
        let mut stdin = tokio::io::stdin();
        while matches!(stdin.read(&mut sink).await, Ok(n) if n > 0) {}
    };
    let _ = proxy.serve_until(listener, stdin_closed).await;
}
