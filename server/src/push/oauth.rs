//! OAuth2 access tokens for FCM from a service-account JWT assertion (RS256).
//!
//! STUB: implemented separately.
