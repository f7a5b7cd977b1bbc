//! The office's web console over real HTTP, on SQLite and PostgreSQL: its
//! session and CSRF rules, who may see which page, and what pages show.
//! (Browser tests in real Chromium live in tests/browser/.)

mod acting;
mod activities;
mod activity_form;
mod authorization;
mod browser;
mod calendar;
mod committees;
mod demo;
mod findings;
mod import;
mod materials;
mod meeting_setup;
mod meetings;
mod members;
mod notices;
mod points;
mod reports;
mod settings;
mod sign_in;
mod stats;
mod today;
