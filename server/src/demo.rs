//! The demo committee's year: trainings, outreach and inspection trips in
//! the past and ahead, with sign-ups, waitlists, attendance, findings,
//! outcomes and announcements, so that every console screen and the app
//! have something to show on a first `serve --demo`.
//!
//! It is made the way the office would have made it: through the domain's
//! own rules, each step run with the clock at the moment it would have
//! happened (planned a month ahead, signed up, marked, completed), so the
//! data obeys every rule the live system enforces. Loaded once: a demo
//! committee that already has activities is left as it is.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::activities::{
    ActivityKind, Attendance, AttendanceEntry, FindingPatch, FindingStatus, NewActivity,
    NewFinding, Outcome, OutreachTheme,
};
use lvzhi_shared::audit::AuditVia;
use lvzhi_shared::committees::CommitteeLevel;
use lvzhi_shared::ids::{ActivityId, CommitteeId, MemberId, SessionId};
use lvzhi_shared::members::{MemberStatus, Role};
use lvzhi_shared::notifications::{AnnouncementAudience, AudienceKind, NewAnnouncement};
use lvzhi_shared::reports::{
    AdoptionInput, ForwardInput, ForwardTarget, InstructionInput, NewReport, NewReportIssue,
    ReportCategory,
};

use crate::auth::Caller;
use crate::auth::password::PasswordHasher;
use crate::db::schema::{activities, users};
use crate::db::{Db, DbConnection};
use crate::domain::Ctx;
use crate::domain::accounts::bootstrap::{self, DemoLogins};
use crate::domain::activities::signups::{self, SignupJob};
use crate::domain::activities::{self as activity, checkin, findings};
use crate::domain::notifications::announcements;
use crate::domain::reports::forwarding::{self, Outcome as ReportOutcome};
use crate::domain::reports::review::{self, Decision};
use crate::domain::reports::{drafts, issues};
use crate::error::AppError;

/// One activity of the year, placed relative to today.
struct Planned {
    kind: ActivityKind,
    title: &'static str,
    location: &'static str,
    description: &'static str,
    /// Days from today to the start (negative: already held).
    in_days: i64,
    start_hour: u32,
    hours: i64,
    capacity: i32,
    /// Members signed up (beyond capacity: the waitlist).
    signups: usize,
    theme: Option<OutreachTheme>,
    ending: Ending,
}

enum Ending {
    /// Still ahead, or just held and not yet closed.
    Open,
    /// Held, attendance marked, completed.
    Held,
    /// Called off, with the reason members were given.
    Cancelled(&'static str),
    /// Never published.
    Draft,
}

const YEAR: &[Planned] = &[
    Planned {
        kind: ActivityKind::Training,
        title: "新任委员履职能力培训",
        location: "县政协三楼会议室",
        description: "政协章程、提案撰写与调研方法。请携带笔记本。",
        in_days: -300,
        start_hour: 9,
        hours: 6,
        capacity: 60,
        signups: 48,
        theme: None,
        ending: Ending::Held,
    },
    Planned {
        kind: ActivityKind::Outreach,
        title: "文化下乡：送戏进村（石桥镇）",
        location: "石桥镇文化广场",
        description: "县剧团演出与书画义写春联。",
        in_days: -240,
        start_hour: 14,
        hours: 3,
        capacity: 30,
        signups: 22,
        theme: Some(OutreachTheme::Culture),
        ending: Ending::Held,
    },
    Planned {
        kind: ActivityKind::Inspection,
        title: "农村饮水安全工程专项视察",
        location: "城关镇、石桥镇、东山乡",
        description: "实地查看水厂与入户管网，听取水利局汇报。",
        in_days: -180,
        start_hour: 8,
        hours: 8,
        capacity: 20,
        signups: 23,
        theme: None,
        ending: Ending::Held,
    },
    Planned {
        kind: ActivityKind::Outreach,
        title: "科技下乡：果树病虫害防治",
        location: "东山乡农技站",
        description: "农技专家现场讲解，发放技术资料。",
        in_days: -120,
        start_hour: 9,
        hours: 4,
        capacity: 25,
        signups: 18,
        theme: Some(OutreachTheme::ScienceTechnology),
        ending: Ending::Held,
    },
    Planned {
        kind: ActivityKind::Training,
        title: "专题读书班",
        location: "县委党校",
        description: "因暴雨预警取消，另行安排。",
        in_days: -90,
        start_hour: 9,
        hours: 3,
        capacity: 40,
        signups: 15,
        theme: None,
        ending: Ending::Cancelled("暴雨红色预警，为安全起见取消，另行通知。"),
    },
    Planned {
        kind: ActivityKind::Outreach,
        title: "义诊下乡：送医送药进社区",
        location: "城关镇东街社区",
        description: "医卫界委员义诊，测血压血糖，赠送常用药。",
        in_days: -60,
        start_hour: 8,
        hours: 4,
        capacity: 20,
        signups: 20,
        theme: Some(OutreachTheme::Health),
        ending: Ending::Held,
    },
    Planned {
        kind: ActivityKind::Inspection,
        title: "营商环境优化专题视察",
        location: "县政务服务中心、工业园区",
        description: "了解企业开办、审批时限与涉企服务情况。",
        in_days: -21,
        start_hour: 9,
        hours: 6,
        capacity: 15,
        signups: 14,
        theme: None,
        ending: Ending::Held,
    },
    Planned {
        kind: ActivityKind::Training,
        title: "学习贯彻全会精神专题培训",
        location: "县政协三楼会议室",
        description: "邀请市委党校教授作专题辅导。",
        in_days: 3,
        start_hour: 9,
        hours: 3,
        capacity: 80,
        signups: 61,
        theme: None,
        ending: Ending::Open,
    },
    Planned {
        kind: ActivityKind::Outreach,
        title: "文化惠民演出（城关镇）",
        location: "城关镇人民广场",
        description: "文艺界委员参演，欢迎带家属观看。",
        in_days: 10,
        start_hour: 19,
        hours: 2,
        capacity: 25,
        signups: 29,
        theme: Some(OutreachTheme::Culture),
        ending: Ending::Open,
    },
    Planned {
        kind: ActivityKind::Inspection,
        title: "城乡养老服务体系建设视察",
        location: "县社会福利中心、各乡镇敬老院",
        description: "查看养老机构运营与医养结合情况。",
        in_days: 20,
        start_hour: 8,
        hours: 8,
        capacity: 15,
        signups: 8,
        theme: None,
        ending: Ending::Open,
    },
    Planned {
        kind: ActivityKind::Training,
        title: "下年度委员培训计划（草稿）",
        location: "待定",
        description: "草稿，待主席会议审定后发布。",
        in_days: 45,
        start_hour: 9,
        hours: 3,
        capacity: 100,
        signups: 0,
        theme: None,
        ending: Ending::Draft,
    },
];

/// Loads the demo committee (its roster and sign-ins) and, the first time,
/// its year. Returns the sign-ins to print.
pub async fn load(
    db: &Db,
    hasher: &PasswordHasher,
    now: NaiveDateTime,
) -> anyhow::Result<DemoLogins> {
    let logins = bootstrap::load_demo(db, hasher, now).await?;
    let (committee, organizer) = (logins.committee_id, logins.organizer_id);
    // A year in, most members have activated their accounts; they share the
    // demo member's password.
    let member_hash = hasher.hash(logins.member_password.clone()).await?;
    db.write(move |conn| {
        let year = Year {
            committee_id: committee,
            organizer_id: organizer,
            member_password_hash: &member_hash,
            tz: chrono_tz::Asia::Shanghai,
        };
        load_year(conn, &year, now)
    })
    .await?;
    Ok(logins)
}

/// Whose year it is.
pub struct Year<'a> {
    pub committee_id: CommitteeId,
    /// Plans the activities and sends the announcements.
    pub organizer_id: MemberId,
    /// Set on the members who have activated their accounts.
    pub member_password_hash: &'a str,
    pub tz: Tz,
}

/// Loads the year into the demo committee; `false` when the committee
/// already has activities (nothing is changed then).
pub fn load_year(
    conn: &mut DbConnection,
    year: &Year,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let Year {
        committee_id,
        organizer_id,
        tz,
        ..
    } = *year;
    let existing: i64 = activities::table
        .filter(activities::committee_id.eq(committee_id))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Ok(false);
    }
    let members: Vec<MemberId> = users::table
        .filter(users::committee_id.eq(committee_id))
        .filter(users::role.eq(Role::Member))
        .order(users::member_no.asc())
        .select(users::id)
        .load(conn)?;
    if members.is_empty() {
        return Err(AppError::internal("the demo roster has no members"));
    }
    // Every seventh member has not activated yet; only the others sign up.
    let activated: Vec<MemberId> = members
        .iter()
        .enumerate()
        .filter(|(k, _)| k % 7 != 6)
        .map(|(_, id)| *id)
        .collect();
    diesel::update(users::table)
        .filter(users::id.eq_any(&activated))
        .filter(users::status.eq(MemberStatus::Pending))
        .set((
            users::status.eq(MemberStatus::Active),
            users::password_hash.eq(year.member_password_hash),
            users::updated_at.eq(now - Duration::days(330)),
        ))
        .execute(conn)?;
    let members = activated;
    // One session for the whole year's doings (nobody signs in to it).
    let session_id = SessionId::new_v7();
    let someone = |role: Role, user_id: MemberId, at: NaiveDateTime| Ctx {
        caller: Caller {
            user_id,
            committee_id,
            role,
            session_id,
        },
        now: at,
        tz,
        request_id: "demo".into(),
        via: AuditVia::Console,
    };
    let office = |at| someone(Role::Organizer, organizer_id, at);

    for (n, p) in YEAR.iter().enumerate() {
        let starts = local_start(now, p.in_days, p.start_hour, tz)?;
        let starts_utc = starts.naive_utc();
        let ends_utc = starts_utc + Duration::hours(p.hours);
        // Planned a month ahead, published the next hour, signed up over the days after.
        let planned = starts_utc - Duration::days(30);
        let id = activity::create(
            conn,
            &office(planned),
            &NewActivity {
                kind: p.kind,
                title: p.title.into(),
                description: Some(p.description.into()),
                location: Some(p.location.into()),
                starts_at: starts,
                ends_at: starts + Duration::hours(p.hours),
                signup_opens_at: None,
                signup_closes_at: None,
                audience: None,
                audience_sectors: Vec::new(),
                invitees: Vec::new(),
                capacity: p.capacity,
                roles: Vec::new(),
                forbid_overlap: None,
                study_hours: (p.kind == ActivityKind::Training).then_some(p.hours as f64),
                theme: p.theme,
                itinerary: Vec::new(),
                materials: Vec::new(),
                reminder_minutes: None,
            },
        )?;
        if matches!(p.ending, Ending::Draft) {
            continue;
        }
        activity::publish(conn, &office(planned + Duration::hours(1)), id)?;
        // A different slice of the roster for each activity.
        let offset = (n * 37) % members.len();
        let chosen: Vec<MemberId> = members
            .iter()
            .copied()
            .cycle()
            .skip(offset)
            .take(p.signups)
            .collect();
        // Members sign themselves up from their phones, a few each hour.
        for (k, member_id) in chosen.iter().enumerate() {
            let at = planned + Duration::days(2) + Duration::minutes(k as i64 * 13);
            let job = SignupJob {
                caller: someone(Role::Member, *member_id, at).caller,
                role_id: None,
                idem: None,
            };
            for answer in signups::sign_up_batch(conn, committee_id, id, &[job], at)? {
                answer?;
            }
        }
        let registered: Vec<MemberId> = chosen.iter().take(p.capacity as usize).copied().collect();
        match p.ending {
            Ending::Open | Ending::Draft => {}
            Ending::Cancelled(reason) => {
                activity::cancel(
                    conn,
                    &office(starts_utc - Duration::days(2)),
                    id,
                    Some(reason),
                )?;
            }
            Ending::Held => {
                let marks: Vec<AttendanceEntry> = registered
                    .iter()
                    .enumerate()
                    .map(|(k, m)| AttendanceEntry {
                        member_id: *m,
                        attendance: match k % 12 {
                            7 => Attendance::Absent,
                            11 => Attendance::Excused,
                            _ => Attendance::Attended,
                        },
                    })
                    .collect();
                checkin::mark_attendance(conn, &office(ends_utc + Duration::hours(1)), id, &marks)?;
                if p.kind == ActivityKind::Inspection {
                    findings_of_the_trip(conn, &registered, id, ends_utc, now, &someone, &office)?;
                }
                activity::complete(conn, &office(ends_utc + Duration::days(1)), id)?;
                if p.kind == ActivityKind::Outreach {
                    findings::record_outcome(
                        conn,
                        &office(ends_utc + Duration::days(1) + Duration::hours(1)),
                        id,
                        &outcome_of(p.theme, p.signups),
                    )?;
                }
            }
        }
    }

    reports_of_the_year(conn, &members, now, tz, &someone, &office)?;

    for (days_ago, title, body, urgent) in [
        (
            12,
            "关于召开县政协常委会会议的通知",
            "定于下周三上午九时在县政协三楼会议室召开常委会会议，请常委准时参加，因故不能出席的请向办公室请假。",
            false,
        ),
        (
            4,
            "请尚未激活账号的委员尽快激活",
            "办公室已将激活码随会议材料发放，如有遗失请致电县政协办公室补发。",
            false,
        ),
        (
            1,
            "培训地点调整",
            "学习贯彻全会精神专题培训改在县政协三楼会议室举行，时间不变。",
            true,
        ),
    ] {
        // Sent at half past nine on that day, as an office would.
        let sent = local_start(now, -days_ago, 9, tz)?.naive_utc() + Duration::minutes(30);
        announcements::create(
            conn,
            &office(sent.min(now)),
            &NewAnnouncement {
                title: title.into(),
                body: body.into(),
                activity_id: None,
                audience: AnnouncementAudience {
                    kind: AudienceKind::Committee,
                    sector_ids: Vec::new(),
                    activity_id: None,
                    registered: None,
                    waitlisted: None,
                    member_ids: Vec::new(),
                },
                urgent: Some(urgent),
            },
        )?;
    }
    Ok(true)
}

/// `in_days` from today at `hour`:00 in the committee's time zone.
fn local_start(
    now: NaiveDateTime,
    in_days: i64,
    hour: u32,
    tz: Tz,
) -> Result<DateTime<FixedOffset>, AppError> {
    let day = (tz.from_utc_datetime(&now) + Duration::days(in_days)).date_naive();
    let local = day
        .and_hms_opt(hour, 0, 0)
        .and_then(|t| tz.from_local_datetime(&t).single())
        .ok_or_else(|| AppError::internal("demo start time does not exist"))?;
    Ok(local.fixed_offset())
}

/// Three findings of an inspection trip, taken as far as time allows: one
/// forwarded and answered, one forwarded and adopted, and one forwarded too
/// unless the trip is recent, when it still waits on the office's desk.
fn findings_of_the_trip(
    conn: &mut DbConnection,
    registered: &[MemberId],
    activity_id: ActivityId,
    ended: NaiveDateTime,
    now: NaiveDateTime,
    someone: &dyn Fn(Role, MemberId, NaiveDateTime) -> Ctx,
    office: &dyn Fn(NaiveDateTime) -> Ctx,
) -> Result<(), AppError> {
    const FINDINGS: [(&str, &str, &str); 3] = [
        (
            "部分村组水压不足",
            "建议对高位村组增设加压泵站，并将管网改造纳入明年计划。",
            "县水利局",
        ),
        (
            "水质检测频次偏低",
            "建议乡镇水厂每季度抽检一次，检测结果在村务公开栏公示。",
            "县卫生健康局",
        ),
        (
            "管护经费缺口较大",
            "建议建立县级农村供水工程管护基金，明确乡镇管护责任。",
            "县财政局",
        ),
    ];
    let recent = ended > now - Duration::days(60);
    for (k, (title, content, department)) in FINDINGS.iter().enumerate() {
        let Some(author) = registered.get(k) else {
            break;
        };
        let submitted = ended + Duration::days(1) + Duration::hours(k as i64);
        let finding = findings::submit(
            conn,
            &someone(Role::Member, *author, submitted),
            activity_id,
            &NewFinding {
                title: (*title).into(),
                content: (*content).into(),
            },
            None,
        )?;
        let forwarded = submitted + Duration::days(5);
        if (k == 2 && recent) || forwarded > now {
            continue;
        }
        findings::advance(
            conn,
            &office(forwarded),
            finding.id,
            &FindingPatch {
                status: FindingStatus::Forwarded,
                department: Some((*department).into()),
                response: None,
            },
        )?;
        let decided = forwarded + Duration::days(30);
        let (to, response) = match k {
            0 => (
                FindingStatus::Answered,
                "已列入明年农村供水提升工程，分两年实施。",
            ),
            1 => (FindingStatus::Adopted, "采纳。自下季度起按季抽检并公示。"),
            _ => continue,
        };
        if decided <= now {
            findings::advance(
                conn,
                &office(decided),
                finding.id,
                &FindingPatch {
                    status: to,
                    department: None,
                    response: Some(response.into()),
                },
            )?;
        }
    }
    Ok(())
}

/// Five members' public-opinion reports at every stage the office meets:
/// one waiting, one returned for changes, one not taken up, and two
/// printed in the year's first issue, forwarded and adopted — one with a
/// co-signer and a county leader's 批示.
fn reports_of_the_year(
    conn: &mut DbConnection,
    members: &[MemberId],
    now: NaiveDateTime,
    tz: Tz,
    someone: &dyn Fn(Role, MemberId, NaiveDateTime) -> Ctx,
    office: &dyn Fn(NaiveDateTime) -> Ctx,
) -> Result<(), AppError> {
    const REPORTS: [(&str, &str, ReportCategory, i64); 5] = [
        (
            "关于加强农村公路养护的建议",
            "全县农村公路里程长、养护资金不足，部分路段坑洼积水，群众出行不便。\n建议设立农村公路养护专项资金，明确乡镇管护责任，推行“路长制”。",
            ReportCategory::Agriculture,
            60,
        ),
        (
            "关于解决偏远村组学生乘车难问题的建议",
            "部分偏远村组距学校十公里以上，学生上下学依靠家长接送或乘坐无资质车辆，存在安全隐患。\n建议开通定制校车线路，由财政给予适当补贴。",
            ReportCategory::Education,
            45,
        ),
        (
            "关于规范城区夜市摊点管理的建议",
            "城区夜市摊点占道经营，油烟和噪声扰民。\n建议划定经营区域，统一设施，错时经营。",
            ReportCategory::Governance,
            20,
        ),
        (
            "关于提升乡镇卫生院服务能力的建议",
            "乡镇卫生院设备陈旧、人才流失，群众小病也往县城跑。\n建议实行县乡医生轮岗，更新基本设备。",
            ReportCategory::Health,
            10,
        ),
        (
            "关于加快老旧小区加装电梯的建议",
            "县城老旧小区老年住户多，上下楼困难。\n建议简化加装电梯审批，给予财政补贴。",
            ReportCategory::Livelihood,
            2,
        ),
    ];
    let Some(&cosigner) = members.get(5) else {
        return Ok(());
    };
    let mut printed = Vec::new();
    for (k, (title, body, category, days_ago)) in REPORTS.iter().enumerate() {
        let Some(&author) = members.get(k) else {
            break;
        };
        let written = now - Duration::days(*days_ago);
        let member = someone(Role::Member, author, written);
        let cosigners = if k == 0 { vec![cosigner] } else { Vec::new() };
        let new = NewReport {
            title: (*title).into(),
            body: (*body).into(),
            category: *category,
            cosigner_ids: cosigners,
        };
        let id = drafts::create(conn, &member, &new, None)?;
        drafts::submit(conn, &member, id)?;
        if k == 0 {
            let later = someone(Role::Member, cosigner, written + Duration::hours(3));
            drafts::cosign(conn, &later, id, true)?;
        }
        let decided = office(written + Duration::days(1));
        match k {
            0 | 1 => {
                review::decide(conn, &decided, id, Decision::Accept, None)?;
                printed.push(id);
            }
            2 => review::decide(
                conn,
                &decided,
                id,
                Decision::Reject,
                Some("所反映问题已由县城管局专项整治，暂不编发。"),
            )?,
            3 => review::decide(
                conn,
                &decided,
                id,
                Decision::Return,
                Some("请补充本乡镇卫生院的具体情况和数据。"),
            )?,
            _ => {}
        }
    }
    if printed.len() < 2 {
        return Ok(());
    }
    let issued = office(now - Duration::days(40));
    let issued_on = local_start(now, -40, 9, tz)?.date_naive();
    issues::compile(
        conn,
        &issued,
        &NewReportIssue {
            issued_on,
            report_ids: printed.clone(),
        },
    )?;
    for (id, to) in printed.iter().zip(["县委办公室", "市政协办公室"]) {
        forwarding::forward(
            conn,
            &office(now - Duration::days(39)),
            *id,
            &ForwardInput {
                target: ForwardTarget::Outside,
                outside_name: Some(to.into()),
            },
        )?;
        let adopted = office(now - Duration::days(25));
        let level = if to.starts_with('县') {
            CommitteeLevel::County
        } else {
            CommitteeLevel::City
        };
        let day = local_start(now, -25, 9, tz)?.date_naive();
        forwarding::record_outcome(
            conn,
            &adopted,
            *id,
            &ReportOutcome::Adoption(&AdoptionInput {
                level,
                adopted_on: day,
                adopted_by: to.into(),
            }),
        )?;
        if level == CommitteeLevel::County {
            forwarding::record_outcome(
                conn,
                &adopted,
                *id,
                &ReportOutcome::Instruction(&InstructionInput {
                    leader: "县长".into(),
                    level,
                    given_on: day,
                    text: "请县交通运输局会同财政局研究落实。".into(),
                }),
            )?;
        }
    }
    Ok(())
}

/// What an outreach day achieved, in proportion to who went.
fn outcome_of(theme: Option<OutreachTheme>, went: usize) -> Outcome {
    let went = went as i32;
    match theme {
        Some(OutreachTheme::Health) => Outcome {
            people_served: went * 16,
            consultations: went * 9,
            materials_distributed: went * 10,
            donated_value_yuan: f64::from(went) * 350.0,
            notes: "测血压血糖，赠送常用药品。".into(),
            photo_urls: Vec::new(),
        },
        Some(OutreachTheme::ScienceTechnology) => Outcome {
            people_served: went * 12,
            consultations: went * 3,
            materials_distributed: went * 25,
            donated_value_yuan: 0.0,
            notes: "发放果树管理手册，现场答疑。".into(),
            photo_urls: Vec::new(),
        },
        _ => Outcome {
            people_served: went * 40,
            consultations: 0,
            materials_distributed: went * 15,
            donated_value_yuan: f64::from(went) * 100.0,
            notes: "演出两场，义写春联三百余副。".into(),
            photo_urls: Vec::new(),
        },
    }
}
