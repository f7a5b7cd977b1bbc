//! Push notifications: the FCM HTTP v1 client, the outbox as a work queue,
//! and the worker that delivers it.

pub mod fcm;
mod oauth;
pub mod queue;
pub mod worker;
