//! HTTP integration tests: the real server on port 0, spoken to over HTTP, on SQLite and on
//! PostgreSQL (each test body runs once per backend).

mod support;
mod upstream;

mod admin;
mod admin_console;
mod answers;
mod auth;
mod bad_input;
mod capacity;
mod compat;
mod fairness;
mod hostile_text;
mod lifecycle;
mod privacy;
mod readiness;
mod restarts;
mod rooms;
mod sessions_end;
mod slow_clients;
mod throttles;
