//! Push notifications: the FCM HTTP v1 client and the worker that delivers
//! the outbox through it.

pub mod fcm;
mod oauth;
