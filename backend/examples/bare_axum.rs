//! The load test's baseline: a bare axum handler that answers every request with the bytes
//! of a file, from memory. `cargo run --release --example bare_axum -- 127.0.0.1:8091 body.json`

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let address = args.next().expect("usage: bare_axum ADDRESS BODY_FILE");
    let body =
        Bytes::from(std::fs::read(args.next().expect("a body file")).expect("readable body file"));
    let app = Router::new().route(
        "/",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind(&address).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
