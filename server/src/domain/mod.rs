//! Business rules that are not HTTP. Each function runs inside the
//! transaction that stores its result; handlers only parse, authorize and call.

pub mod bootstrap;
pub mod committees;
pub mod import;
pub mod members;
pub mod sessions;
