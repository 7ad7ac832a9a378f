//! The services: what the server does, between the HTTP layer (which extracts, calls one of
//! these and responds) and the stores. Nothing here knows of axum; the notification worker
//! calls the same services as the handlers.

pub mod attestations;
pub mod benchmarks;
pub mod compliance;
pub mod exports;
pub mod participation;
pub mod portfolio;
pub mod roadmap;
pub mod sessions;
pub mod values;
