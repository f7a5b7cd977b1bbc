//! The contract's enums as a clerk reads them, in Chinese.

use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{ActivityKind, ActivityStatus, Attendance, SignupStatus};

pub fn kind(k: ActivityKind) -> &'static str {
    match k {
        ActivityKind::Training => "学习培训",
        ActivityKind::Outreach => "三下乡",
        ActivityKind::Inspection => "视察",
    }
}

pub fn status(s: ActivityStatus) -> &'static str {
    match s {
        ActivityStatus::Draft => "草稿",
        ActivityStatus::Published => "已发布",
        ActivityStatus::Cancelled => "已取消",
        ActivityStatus::Completed => "已结束",
    }
}

pub fn signup_status(s: SignupStatus) -> &'static str {
    match s {
        SignupStatus::Registered => "已报名",
        SignupStatus::Waitlisted => "候补",
        SignupStatus::Cancelled => "已取消",
        SignupStatus::Removed => "已移出",
    }
}

pub fn attendance(a: Option<Attendance>) -> &'static str {
    match a {
        Some(Attendance::Attended) => "出席",
        Some(Attendance::Absent) => "缺席",
        Some(Attendance::Excused) => "请假",
        None => "未记录",
    }
}

/// Why the domain refused an action, as the clerk is told it.
pub fn refusal(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidTransition => "活动当前的状态不允许这样操作，请刷新页面查看最新状态。",
        ErrorCode::NotSignedUp => "这位委员不在名单上（可能刚刚取消了报名），请刷新页面。",
        ErrorCode::AlreadySignedUp => "这位委员已经在名单上。",
        ErrorCode::ActivityNotOpen => "活动已取消或已结束，名单不能再改。",
        ErrorCode::FieldRequired | ErrorCode::FieldTooLong | ErrorCode::InvalidField => {
            "填写的内容不符合要求，请检查后再提交。"
        }
        _ => "操作没有完成，请刷新页面后再试。",
    }
}
