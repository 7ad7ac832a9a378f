//! API integration tests: the real router and startup code on a loopback port, with a fresh
//! store per test: a SQLite file, or a PostgreSQL schema under `PEERPOSTURE_TEST_POSTGRES`.

mod accounts;
mod anonymity;
mod attestations;
mod authorization;
mod benchmarks;
mod clients;
mod composition;
mod demo;
mod foundation;
mod notifications;
mod participation;
mod plan;
mod practices;
mod standards;
mod stores;
mod submissions;
