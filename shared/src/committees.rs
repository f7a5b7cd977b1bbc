//! Committees and their sectors.

use serde::{Deserialize, Serialize};

use crate::ids::{CommitteeId, SectorId};
use crate::members::ActivationCode;

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
    /// The longest opinion report body members may submit, in characters.
    pub report_max_chars: i32,
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
    /// 100 to 20,000: the longest opinion report body.
    pub report_max_chars: Option<i32>,
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

impl CommitteeLevel {
    /// National 0, provincial 1, city 2, county 3: a child's rank is higher than its parent's.
    pub fn rank(self) -> u8 {
        match self {
            CommitteeLevel::National => 0,
            CommitteeLevel::Provincial => 1,
            CommitteeLevel::City => 2,
            CommitteeLevel::County => 3,
        }
    }
}

/// `POST /committees` (admin): a committee below the caller's (a city
/// creates its counties), with its first admin.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewCommittee {
    pub name: String,
    /// Below the parent's level.
    pub level: CommitteeLevel,
    /// The parent: the caller's committee or one below it; absent: the caller's.
    #[serde(default)]
    pub parent_id: Option<CommitteeId>,
    /// IANA time zone; absent: the parent's.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Absent: the parent's.
    #[serde(default)]
    pub language: Option<Language>,
    /// Its sectors (界别); absent: the standard list, which its admin can extend.
    #[serde(default)]
    pub sectors: Option<Vec<String>>,
    /// Its first admin, who activates the account with the code in the answer.
    pub admin_name: String,
    pub admin_phone: String,
}

/// `POST /committees` answer: the committee and its admin's activation code
/// (shown once).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommitteeCreated {
    pub committee: Committee,
    pub admin: ActivationCode,
}

/// One committee of a tree, with its place in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommitteeNode {
    pub id: CommitteeId,
    pub name: String,
    pub level: CommitteeLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub parent_id: Option<CommitteeId>,
    /// 0 for the caller's committee, 1 for its children, and so on.
    pub depth: i32,
    /// Accounts of the committee (members and office), disabled ones aside.
    pub accounts: i32,
}

/// `GET /committees`: the caller's committee and every one below it, each
/// parent before its children (children by name).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommitteeTree {
    pub items: Vec<CommitteeNode>,
}
