//! The words of automatic notifications, in the committee's language. A push
//! is often all a member reads, so each says what happened, when and where.

use chrono::{Datelike, NaiveDateTime, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;
use lvzhi_shared::committees::Language;
use lvzhi_shared::ids::ActivityId;
use lvzhi_shared::notifications::NotificationKind;

use crate::db::models::ActivityRow;

/// Longest quoted answer in a push; the inbox and the app show the rest.
const MAX_QUOTE: usize = 200;

/// Something a member is told about.
pub enum Notice<'a> {
    SignupConfirmed(&'a ActivityRow),
    Waitlisted(&'a ActivityRow, i32),
    /// The office signed the member up; `true` when onto the waitlist.
    AddedByOffice(&'a ActivityRow, bool),
    /// Off the waitlist; `true` when the office did it.
    Promoted(&'a ActivityRow, bool),
    MovedToWaitlist(&'a ActivityRow),
    Removed(&'a ActivityRow),
    Changed(&'a ActivityRow),
    Cancelled(&'a ActivityRow, Option<&'a str>),
    /// A reminder sent at `now` (the text says how long is left).
    Reminder(&'a ActivityRow, NaiveDateTime),
    FindingAnswered(FindingAnswer<'a>),
}

pub struct FindingAnswer<'a> {
    pub activity_id: ActivityId,
    pub finding_title: &'a str,
    pub adopted: bool,
    pub department: Option<&'a str>,
    pub answer: &'a str,
}

/// A notice in words.
pub struct Text {
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
}

impl Notice<'_> {
    pub fn activity_id(&self) -> Option<ActivityId> {
        match self {
            Notice::FindingAnswered(f) => Some(f.activity_id),
            other => other.activity().map(|a| a.id),
        }
    }

    pub fn activity(&self) -> Option<&ActivityRow> {
        match self {
            Notice::SignupConfirmed(a)
            | Notice::Waitlisted(a, _)
            | Notice::AddedByOffice(a, _)
            | Notice::Promoted(a, _)
            | Notice::MovedToWaitlist(a)
            | Notice::Removed(a)
            | Notice::Changed(a)
            | Notice::Cancelled(a, _)
            | Notice::Reminder(a, _) => Some(a),
            Notice::FindingAnswered(_) => None,
        }
    }

    pub fn kind(&self) -> NotificationKind {
        match self {
            Notice::SignupConfirmed(_) | Notice::AddedByOffice(_, false) => {
                NotificationKind::SignupConfirmed
            }
            Notice::Waitlisted(..) | Notice::AddedByOffice(_, true) => NotificationKind::Waitlisted,
            Notice::Promoted(..) => NotificationKind::Promoted,
            Notice::MovedToWaitlist(_) => NotificationKind::MovedToWaitlist,
            Notice::Removed(_) => NotificationKind::Removed,
            Notice::Changed(_) => NotificationKind::ActivityChanged,
            Notice::Cancelled(..) => NotificationKind::ActivityCancelled,
            Notice::Reminder(..) => NotificationKind::Reminder,
            Notice::FindingAnswered(_) => NotificationKind::FindingAnswered,
        }
    }

    pub fn render(&self, language: Language, tz: Tz) -> Text {
        let (title, body) = match language {
            Language::Zh => self.zh(tz),
            Language::En => self.en(tz),
        };
        Text {
            kind: self.kind(),
            title,
            body,
        }
    }

    fn zh(&self, tz: Tz) -> (String, String) {
        let at = |a: &ActivityRow| {
            let place = if a.location.trim().is_empty() {
                "地点另行通知"
            } else {
                a.location.as_str()
            };
            format!("{}，{}", when_zh(a.starts_at, tz), place)
        };
        match self {
            Notice::SignupConfirmed(a) => (
                format!("报名成功：{}", a.title),
                format!("{}。请准时参加。", at(a)),
            ),
            Notice::Waitlisted(a, p) => (
                format!("已进入候补：{}", a.title),
                format!(
                    "名额已满，您在候补第{p}位，有空位将自动转为正式报名。{}。",
                    at(a)
                ),
            ),
            Notice::AddedByOffice(a, waitlisted) => (
                format!("办公室已为您报名：{}", a.title),
                if *waitlisted {
                    format!("目前在候补名单中。{}。", at(a))
                } else {
                    format!("{}。请准时参加。", at(a))
                },
            ),
            Notice::Promoted(a, by_office) => (
                format!("候补转正：{}", a.title),
                format!(
                    "{}，您已转为正式报名。{}。",
                    if *by_office {
                        "办公室已安排"
                    } else {
                        "有名额空出"
                    },
                    at(a)
                ),
            ),
            Notice::MovedToWaitlist(a) => (
                format!("名额调整：{}", a.title),
                format!("名额减少，您已转入候补。{}。", at(a)),
            ),
            Notice::Removed(a) => (
                format!("已移出活动：{}", a.title),
                format!("办公室已将您移出本次活动（{}）。", at(a)),
            ),
            Notice::Changed(a) => (
                format!("活动变更：{}", a.title),
                format!("现定于{}。", at(a)),
            ),
            Notice::Cancelled(a, reason) => (
                format!("活动取消：{}", a.title),
                match reason {
                    Some(r) => format!("原定{}的活动已取消：{r}", at(a)),
                    None => format!("原定{}的活动已取消。", at(a)),
                },
            ),
            Notice::Reminder(a, now) => (
                format!("活动提醒：{}", a.title),
                format!("{}后开始：{}。", left_zh(a.starts_at - *now), at(a)),
            ),
            Notice::FindingAnswered(f) => (
                format!(
                    "{}：{}",
                    if f.adopted {
                        "意见建议已被采纳"
                    } else {
                        "意见建议已获答复"
                    },
                    f.finding_title
                ),
                match f.department {
                    Some(d) => format!("{d}：{}", quote(f.answer)),
                    None => quote(f.answer),
                },
            ),
        }
    }

    fn en(&self, tz: Tz) -> (String, String) {
        let at = |a: &ActivityRow| {
            let place = if a.location.trim().is_empty() {
                "place to be announced"
            } else {
                a.location.as_str()
            };
            format!("{}, {}", when_en(a.starts_at, tz), place)
        };
        match self {
            Notice::SignupConfirmed(a) => (
                format!("Signed up: {}", a.title),
                format!("{}. Please be on time.", at(a)),
            ),
            Notice::Waitlisted(a, p) => (
                format!("Waitlisted: {}", a.title),
                format!(
                    "It is full; you are number {p} on the waitlist and move up automatically. {}.",
                    at(a)
                ),
            ),
            Notice::AddedByOffice(a, waitlisted) => (
                format!("The office signed you up: {}", a.title),
                if *waitlisted {
                    format!("You are on the waitlist. {}.", at(a))
                } else {
                    format!("{}. Please be on time.", at(a))
                },
            ),
            Notice::Promoted(a, _) => (
                format!("Off the waitlist: {}", a.title),
                format!("You now have a place. {}.", at(a)),
            ),
            Notice::MovedToWaitlist(a) => (
                format!("Moved to the waitlist: {}", a.title),
                format!("Places were reduced. {}.", at(a)),
            ),
            Notice::Removed(a) => (
                format!("Removed: {}", a.title),
                format!("The office took you off this activity ({}).", at(a)),
            ),
            Notice::Changed(a) => (format!("Changed: {}", a.title), format!("Now {}.", at(a))),
            Notice::Cancelled(a, reason) => (
                format!("Cancelled: {}", a.title),
                match reason {
                    Some(r) => format!("{} is cancelled: {r}", at(a)),
                    None => format!("{} is cancelled.", at(a)),
                },
            ),
            Notice::Reminder(a, now) => (
                format!("Reminder: {}", a.title),
                format!("Starts in {}: {}.", left_en(a.starts_at - *now), at(a)),
            ),
            Notice::FindingAnswered(f) => (
                format!(
                    "{}: {}",
                    if f.adopted {
                        "Your finding was adopted"
                    } else {
                        "Your finding was answered"
                    },
                    f.finding_title
                ),
                match f.department {
                    Some(d) => format!("{d}: {}", quote(f.answer)),
                    None => quote(f.answer),
                },
            ),
        }
    }
}

pub fn quote(text: &str) -> String {
    let mut out: String = text.chars().take(MAX_QUOTE).collect();
    if text.chars().count() > MAX_QUOTE {
        out.push('…');
    }
    out
}

/// `12月3日（周四）09:00`
pub fn when_zh(t: NaiveDateTime, tz: Tz) -> String {
    let l = tz.from_utc_datetime(&t);
    let day =
        ["一", "二", "三", "四", "五", "六", "日"][l.weekday().num_days_from_monday() as usize];
    format!(
        "{}月{}日（周{day}）{:02}:{:02}",
        l.month(),
        l.day(),
        l.hour(),
        l.minute()
    )
}

/// `Thu 3 Dec 09:00`
pub fn when_en(t: NaiveDateTime, tz: Tz) -> String {
    let l = tz.from_utc_datetime(&t);
    let day = match l.weekday() {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    };
    format!("{day} {}", l.format("%-d %b %H:%M"))
}

/// Time left, rounded to what a person says: `2小时`, `1天`, `30分钟`.
pub fn left_zh(d: chrono::Duration) -> String {
    let m = d.num_minutes().max(1);
    match m {
        m if m >= 24 * 60 && m % (24 * 60) < 60 => format!("{}天", m / (24 * 60)),
        m if m >= 60 => {
            let (h, rest) = (m / 60, m % 60);
            if rest == 0 {
                format!("{h}小时")
            } else {
                format!("{h}小时{rest}分钟")
            }
        }
        m => format!("{m}分钟"),
    }
}

pub fn left_en(d: chrono::Duration) -> String {
    let m = d.num_minutes().max(1);
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match m {
        m if m >= 24 * 60 && m % (24 * 60) < 60 => plural(m / (24 * 60), "day"),
        m if m >= 60 && m % 60 == 0 => plural(m / 60, "hour"),
        m if m >= 60 => format!("{} {}", plural(m / 60, "hour"), plural(m % 60, "minute")),
        m => plural(m, "minute"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_reads_naturally() {
        let d = chrono::Duration::minutes;
        assert_eq!(left_zh(d(120)), "2小时");
        assert_eq!(left_zh(d(24 * 60)), "1天");
        assert_eq!(left_zh(d(90)), "1小时30分钟");
        assert_eq!(left_zh(d(30)), "30分钟");
        assert_eq!(left_en(d(120)), "2 hours");
        assert_eq!(left_en(d(60)), "1 hour");
        assert_eq!(left_en(d(24 * 60 + 5)), "1 day");
        assert_eq!(left_en(d(61)), "1 hour 1 minute");
    }

    #[test]
    fn dates_are_local() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
            .and_then(|d| d.and_hms_opt(1, 0, 0))
            .expect("valid");
        assert_eq!(
            when_zh(t, chrono_tz::Asia::Shanghai),
            "12月3日（周四）09:00"
        );
        assert_eq!(when_en(t, chrono_tz::Asia::Shanghai), "Thu 3 Dec 09:00");
    }
}
