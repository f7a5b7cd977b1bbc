//! Committees and their sectors.

use serde::{Deserialize, Serialize};

crate::wire_enum! {
    /// Where a committee stands in the hierarchy.
    pub enum CommitteeLevel {
        National = "national",
        Provincial = "provincial",
        City = "city",
        County = "county",
    }
}

/// A committee (政协) of one level.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Committee {
    pub id: String,
    pub name: String,
    pub level: CommitteeLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub parent_id: Option<String>,
    /// IANA time zone used to show times and schedule reminders.
    pub time_zone: String,
}

/// A sector (界别) of a committee.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Sector {
    pub id: String,
    pub name: String,
}

/// `POST /sectors` (admin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct NewSector {
    pub name: String,
}
