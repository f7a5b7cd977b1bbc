//! Committees and their sectors.

use serde::{Deserialize, Serialize};

use crate::ids::{CommitteeId, SectorId};

crate::wire_enum! {
    /// Where a committee stands in the hierarchy.
    pub enum CommitteeLevel {
        National = "national",
        Provincial = "provincial",
        City = "city",
        County = "county",
    }
}

crate::wire_enum! {
    /// The language of automatic notifications.
    pub enum Language {
        Zh = "zh",
        En = "en",
    }
}

/// A committee (政协) of one level.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Committee {
    pub id: CommitteeId,
    pub name: String,
    pub level: CommitteeLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub parent_id: Option<CommitteeId>,
    /// IANA time zone used to show times and schedule reminders.
    pub time_zone: String,
    /// Language of automatic notifications.
    pub language: Language,
    /// Quiet hours, local `HH:MM`: non-urgent pushes wait until they end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub quiet_hours_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub quiet_hours_end: Option<String>,
}

/// `PATCH /committee` (admin): only the fields present change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommitteePatch {
    pub language: Option<Language>,
    /// `HH:MM`, with `quiet_hours_end`; both empty strings turn quiet hours off.
    pub quiet_hours_start: Option<String>,
    pub quiet_hours_end: Option<String>,
}

/// A sector (界别) of a committee.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Sector {
    pub id: SectorId,
    pub name: String,
}

/// `POST /sectors` (admin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewSector {
    pub name: String,
}
