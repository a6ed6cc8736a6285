//! HTTP integration tests: the real server on port 0, spoken to over HTTP, on SQLite and on
//! PostgreSQL (each test body runs once per backend).

mod support;
mod upstream;

mod answers;
mod auth;
mod bad_input;
mod compat;
mod lifecycle;
mod privacy;
mod rooms;
mod throttles;
