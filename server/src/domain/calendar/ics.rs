//! The iCalendar text (RFC 5545) of a feed, written with the `icalendar`
//! crate (escaping, line folding at 75 octets on character boundaries,
//! CRLF). Times are UTC (`…Z`), which every calendar reads; the committee's
//! zone is named in `X-WR-TIMEZONE` for display.

use chrono::Duration;
use icalendar::{Calendar, Component, Event as IcsEvent, EventLike, EventStatus, Property};

use super::events::Event;

/// The whole feed. `name` is the calendar's title in the phone's list.
pub fn write(name: &str, time_zone: &str, events: &[Event]) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//Lvzhi//Calendar feed//ZH"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"));
    cal.name(name)
        .timezone(time_zone)
        // Calendars that honour it poll hourly (the default is often a day).
        .ttl(&Duration::hours(1));
    for e in events {
        let mut ev = IcsEvent::new();
        ev.uid(&e.uid)
            .timestamp(e.modified_at.and_utc())
            .last_modified(e.modified_at.and_utc())
            .sequence(u32::try_from(e.sequence).unwrap_or(0))
            .summary(&e.summary)
            .starts(e.starts_at.and_utc())
            .ends(e.ends_at.and_utc())
            .url(&e.url)
            .status(if e.cancelled {
                EventStatus::Cancelled
            } else if e.tentative {
                EventStatus::Tentative
            } else {
                EventStatus::Confirmed
            });
        if !e.location.is_empty() {
            ev.location(&e.location);
        }
        if !e.description.is_empty() {
            ev.description(&e.description);
        }
        cal.push(ev.done());
    }
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> chrono::NaiveDateTime {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn a_feed_is_valid_folded_icalendar() {
        let event = Event {
            uid: "activity-1@lvzhi".into(),
            summary: "关于推进乡村振兴、完善农村基础设施建设的专题协商会;第二次全体会议".into(),
            location: "县政协三楼会议室, 东侧".into(),
            description: "议程：\n一、听取报告".into(),
            starts_at: at("2026-12-10 01:00"),
            ends_at: at("2026-12-10 03:30"),
            cancelled: true,
            tentative: false,
            url: "lvzhi://activities/1".into(),
            sequence: 2,
            modified_at: at("2026-12-03 08:00"),
        };
        let text = write("履职日历", "Asia/Shanghai", &[event]);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "over 75 octets: {line:?}");
        }
        let unfolded = text.replace("\r\n ", "");
        for want in [
            "VERSION:2.0",
            "METHOD:PUBLISH",
            "UID:activity-1@lvzhi",
            "SEQUENCE:2",
            "DTSTART:20261210T010000Z",
            "DTEND:20261210T033000Z",
            "LAST-MODIFIED:20261203T080000Z",
            "DTSTAMP:20261203T080000Z",
            "STATUS:CANCELLED",
            "URL:lvzhi://activities/1",
            "LOCATION:县政协三楼会议室\\, 东侧",
            "DESCRIPTION:议程：\\n一、听取报告",
            "SUMMARY:关于推进乡村振兴、完善农村基础设施建设的专题协商会\\;第二次全体会议",
            "X-WR-TIMEZONE:Asia/Shanghai",
        ] {
            assert!(unfolded.contains(want), "{want} missing in\n{unfolded}");
        }
        assert!(text.trim_end().ends_with("END:VCALENDAR"));
    }
}
