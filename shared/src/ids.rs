//! Ids: one type per kind of thing, so an activity's id cannot be passed
//! where a member's is expected. Every id is a UUID, written (on the wire and
//! in the database) in its canonical text: lowercase and hyphenated.
//!
//! An id keeps that text rather than the 16 bytes: diesel's backend-generic
//! `ToSql` can only lend text the value owns (as `wire_enum!` lends its
//! spelling), and every id goes to the database far more often than it is
//! compared. The text is always uuid's own rendering, so it is always valid.
//! Ordering the text orders the UUIDs, as the database does: time-ordered
//! (v7) ids sort by creation.

use std::fmt;
use std::str::FromStr;

/// Characters of a hyphenated UUID.
const LEN: usize = uuid::fmt::Hyphenated::LENGTH;

/// Why a text is not an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIdError;

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a valid id (a UUID)")
    }
}

impl std::error::Error for ParseIdError {}

/// The canonical text of a UUID.
fn canonical(id: uuid::Uuid) -> [u8; LEN] {
    let mut text = [0; LEN];
    id.hyphenated().encode_lower(&mut text);
    text
}

/// Any spelling `uuid` reads (as `api::parse_id` always has), made canonical.
fn parse(text: &str) -> Result<[u8; LEN], ParseIdError> {
    uuid::Uuid::parse_str(text)
        .map(canonical)
        .map_err(|_| ParseIdError)
}

/// The id as text; `uuid` writes only ASCII, so this never falls back.
fn as_text(text: &[u8; LEN]) -> &str {
    std::str::from_utf8(text).unwrap_or_default()
}

/// Reads an id from a serde string, naming what was expected when it is not one.
fn from_serde<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[u8; LEN], D::Error> {
    struct Id;
    impl serde::de::Visitor<'_> for Id {
        type Value = [u8; LEN];
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an id (a UUID)")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            parse(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
        }
    }
    d.deserialize_str(Id)
}

/// Declares id types. `wire:` ids travel in the contract (documented as
/// `format: uuid`, strings for the apps); `server:` ids never leave the
/// server, so the apps are not shown them.
macro_rules! ids {
    (wire: $( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {
        $( ids!(@id $(#[$meta])* $name); ids!(@wire $name); )+
    };
    (server: $( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {
        $( ids!(@id $(#[$meta])* $name); )+
    };
    (@id $(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
        pub struct $name([u8; LEN]);

        impl $name {
            /// A new id, time-ordered (UUIDv7): lists ordered by id are in
            /// creation order, which their cursors rely on.
            pub fn new_v7() -> Self {
                Self(canonical(uuid::Uuid::now_v7()))
            }

            /// A new random id (UUIDv4): for rows whose id must say nothing
            /// of when they were made (ballots).
            pub fn new_v4() -> Self {
                Self(canonical(uuid::Uuid::new_v4()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(as_text(&self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), as_text(&self.0))
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, ParseIdError> {
                parse(s).map(Self)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(as_text(&self.0))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                from_serde(d).map(Self)
            }
        }

        // Stored as its text, on any backend that stores text.
        #[cfg(feature = "diesel")]
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                as_text(&self.0).to_sql(out)
            }
        }

        // Only the canonical text is an id as stored: anything else means the
        // data and the code disagree (and a lookup by the id would miss it).
        #[cfg(feature = "diesel")]
        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let stored = String::from_sql(bytes)?;
                match parse(&stored) {
                    Ok(text) if text.as_slice() == stored.as_bytes() => Ok(Self(text)),
                    _ => Err(format!(
                        "malformed {} {stored:?} in the database",
                        stringify!($name)
                    )
                    .into()),
                }
            }
        }
    };
    (@wire $name:ident) => {
        // Documented as a UUID string, so clients (and the fuzzer) send one.
        #[cfg(feature = "openapi")]
        impl poem_openapi::types::Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> std::borrow::Cow<'static, str> {
                <uuid::Uuid as poem_openapi::types::Type>::name()
            }

            fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
                <uuid::Uuid as poem_openapi::types::Type>::schema_ref()
            }

            fn as_raw_value(&self) -> Option<&Self> {
                Some(self)
            }

            fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
                Box::new(std::iter::once(self))
            }
        }

        #[cfg(feature = "openapi")]
        impl poem_openapi::types::ParseFromJSON for $name {
            fn parse_from_json(
                value: Option<serde_json::Value>,
            ) -> poem_openapi::types::ParseResult<Self> {
                match value {
                    Some(serde_json::Value::String(text)) => {
                        text.parse().map_err(poem_openapi::types::ParseError::custom)
                    }
                    other => Err(poem_openapi::types::ParseError::expected_type(
                        other.unwrap_or_default(),
                    )),
                }
            }
        }

        #[cfg(feature = "openapi")]
        impl poem_openapi::types::ToJSON for $name {
            fn to_json(&self) -> Option<serde_json::Value> {
                Some(serde_json::Value::String(self.to_string()))
            }
        }

        // The apps see a string, as before ids had types.
        #[cfg(feature = "uniffi")]
        uniffi::custom_type!($name, String, {
            lower: |id| id.to_string(),
            try_lift: |text| Ok(text.parse::<$name>()?),
        });
    };
}

ids! {
    wire:
    /// A committee (政协) of one level.
    CommitteeId,
    /// A sector (界别) of a committee.
    SectorId,
    /// An account: a member, or office staff (organizer, admin).
    MemberId,
    /// A training, outreach activity or inspection trip.
    ActivityId,
    /// A role slot of an activity (e.g. 5 doctors).
    RoleSlotId,
    /// A stop of an inspection trip's itinerary.
    StopId,
    /// A course material of an activity.
    MaterialId,
    /// An inspection finding.
    FindingId,
    /// One member's notification: an inbox item and its push.
    NotificationId,
    /// An announcement from the office.
    AnnouncementId,
    /// A line of the office's audit log.
    AuditEntryId,
    /// A body a meeting summons (全体委员, 常务委员会 …).
    BodyId,
    /// A formal meeting.
    MeetingId,
    /// One sitting of a meeting.
    MeetingSessionId,
    /// A member's leave request for a meeting.
    LeaveRequestId,
    /// A democratic appraisal round.
    AppraisalId,
    /// A department appraised in a round.
    DepartmentId,
    /// A rectification item of an appraised department.
    RectificationId,
    /// A public-opinion report (社情民意信息), or its copy forwarded upward.
    ReportId,
    /// A numbered issue of reports (《社情民意》第N期).
    ReportIssueId,
    /// A manual entry of the duty record (or a dispute's adjustment).
    PointsEntryId,
    /// A member's dispute of a line of their duty record.
    PointsDisputeId,
}

ids! {
    server:
    /// A member's sign-up for an activity.
    SignupId,
    /// A sign-in session: the family of refresh tokens one sign-in started
    /// in the app, or one console sign-in.
    SessionId,
    /// One refresh token of a session.
    RefreshTokenId,
    /// A roster file uploaded to the console's import wizard.
    UploadId,
    /// A cast ballot: random (v4), never time-ordered, so it says nothing of when.
    BallotId,
    /// A calendar feed: one account's, or the committee's for an organizer.
    CalendarFeedId,
    /// One step in a report's timeline.
    ReportEventId,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0190a5b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b";

    #[test]
    fn ids_read_any_uuid_spelling_and_write_the_canonical_one() {
        for spelling in [
            ID,
            "0190A5B2-7C3D-7E4F-8A1B-2C3D4E5F6A7B",
            "0190a5b27c3d7e4f8a1b2c3d4e5f6a7b",
            "{0190a5b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b}",
        ] {
            let id: ActivityId = spelling.parse().expect("a uuid");
            assert_eq!(id.to_string(), ID);
        }
        for bad in ["", "x", "not-an-id", &ID[1..], &format!("{ID}0")] {
            assert_eq!(bad.parse::<MemberId>(), Err(ParseIdError), "{bad:?}");
        }
    }

    #[test]
    fn ids_are_plain_strings_in_json() {
        let id: FindingId = ID.parse().expect("a uuid");
        assert_eq!(
            serde_json::to_string(&id).expect("json"),
            format!("\"{ID}\"")
        );
        let back: FindingId = serde_json::from_str(&format!("\"{ID}\"")).expect("json");
        assert_eq!(back, id);
        let err = serde_json::from_str::<FindingId>("\"x\"").expect_err("not an id");
        assert!(err.to_string().contains("expected an id (a UUID)"), "{err}");
        assert!(serde_json::from_str::<FindingId>("12").is_err());
    }

    #[test]
    fn new_ids_are_time_ordered() {
        let first = SignupId::new_v7();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = SignupId::new_v7();
        assert!(first < second);
        assert!(first.to_string() < second.to_string());
        assert_eq!(format!("{first:?}"), format!("SignupId({first})"));
    }
}
