//! API integration tests: the real router and startup code on a loopback port, with a fresh
//! SQLite file per test.

mod accounts;
mod anonymity;
mod authorization;
mod benchmarks;
mod demo;
mod foundation;
mod practices;
mod standards;
mod submissions;
