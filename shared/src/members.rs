//! Members (委员) and the office's roster management.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::committees::Committee;
use crate::ids::{CommitteeId, MemberId};

crate::wire_enum! {
    /// What an account may do.
    pub enum Role {
        /// A committee member using the phone app.
        Member = "member",
        /// Office staff: plans activities, manages the roster.
        Organizer = "organizer",
        /// Manages accounts, roles, sectors and committee settings.
        Admin = "admin",
    }
}

crate::wire_enum! {
    /// Whether an account can sign in.
    pub enum MemberStatus {
        /// Created by the office; waiting for the member to activate it.
        Pending = "pending",
        Active = "active",
        /// Switched off by the office; no access.
        Disabled = "disabled",
    }
}

crate::wire_enum! {
    pub enum Gender {
        Male = "male",
        Female = "female",
    }
}

impl Gender {
    /// Reads the spellings offices use in rosters (男/女 or English).
    pub fn parse_loose(s: &str) -> Option<Self> {
        match s.trim() {
            "男" | "male" | "Male" | "M" | "m" => Some(Self::Male),
            "女" | "female" | "Female" | "F" | "f" => Some(Self::Female),
            _ => None,
        }
    }
}

/// A member's account as the office and the member see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Member {
    pub id: MemberId,
    pub committee_id: CommitteeId,
    /// The office's member number (委员编号), unique within the committee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub member_no: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub gender: Option<Gender>,
    /// 11-digit mainland mobile number, normalised.
    pub phone: String,
    /// Sector (界别) name from the committee's list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub sector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub party: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub workplace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub birth_year: Option<i32>,
    pub role: Role,
    pub status: MemberStatus,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

/// `GET /me`: the signed-in account and its committee.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Me {
    pub member: Member,
    pub committee: Committee,
}

/// `POST /members`: the office adds one member.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewMember {
    pub member_no: Option<String>,
    pub name: String,
    pub gender: Option<Gender>,
    pub phone: String,
    pub sector: Option<String>,
    pub party: Option<String>,
    pub workplace: Option<String>,
    pub birth_year: Option<i32>,
    /// Defaults to `member`; only an admin may create organizers and admins.
    pub role: Option<Role>,
}

/// `PATCH /members/{id}`: only the fields present change.
///
/// An empty string clears an optional text field.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MemberPatch {
    pub member_no: Option<String>,
    pub name: Option<String>,
    pub gender: Option<Gender>,
    pub phone: Option<String>,
    pub sector: Option<String>,
    pub party: Option<String>,
    pub workplace: Option<String>,
    pub birth_year: Option<i32>,
    /// Admin only.
    pub role: Option<Role>,
    /// `disabled` switches the account off; `active` switches it back on
    /// (it returns to `pending` if it was never activated).
    pub status: Option<MemberStatus>,
}

/// A one-time activation code handed to a new member.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ActivationCode {
    pub member_id: MemberId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub member_no: Option<String>,
    pub name: String,
    pub phone: String,
    /// 8 digits; shown once, stored only as a hash.
    pub code: String,
    pub expires_at: DateTime<FixedOffset>,
}

/// `POST /members` answer: the member and their activation code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MemberCreated {
    pub member: Member,
    pub activation: ActivationCode,
}

/// One page of the roster.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MemberPage {
    pub items: Vec<Member>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub next_cursor: Option<String>,
}

/// `POST /members/activation-codes`: issue fresh codes (old ones stop working).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ActivationCodesRequest {
    /// Members to issue codes for; empty means every pending member of the committee.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub member_ids: Vec<MemberId>,
}

/// Freshly issued activation codes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ActivationCodeList {
    pub items: Vec<ActivationCode>,
}

/// One rejected row of an import.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportRowError {
    /// Spreadsheet row number (the header is row 1).
    pub row: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub member_no: Option<String>,
    /// The column at fault, by its wire name (`phone`, `sector` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub field: Option<String>,
    pub code: crate::ErrorCode,
    pub message: String,
}

/// `POST /members/import` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportReport {
    /// True when nothing was written.
    pub dry_run: bool,
    /// Data rows read (header excluded, blank rows skipped).
    pub rows: u32,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub errors: Vec<ImportRowError>,
    /// Codes for the members this import created (empty on a dry run).
    pub activation_codes: Vec<ActivationCode>,
}
