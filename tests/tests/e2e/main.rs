//! End-to-end tests: the real server over real HTTP, on SQLite and PostgreSQL.

mod activities;
mod appraisals;
mod audit;
mod auth;
mod calendar;
mod checkin;
mod committees;
mod fcm_client;
mod findings;
mod ids;
mod import;
mod meeting_setup;
mod meetings;
mod members;
mod nul;
mod ops;
mod points;
mod push;
mod records;
mod reports;
mod sdk;
mod sdk_kotlin;
mod sdk_python;
mod signups;
mod tokens;
