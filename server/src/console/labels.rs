//! The contract's enums as a clerk reads them, in Chinese.

use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{ActivityKind, ActivityStatus, Attendance, SignupStatus};
use lvzhi_shared::audit::{AuditAction, AuditVia};
use lvzhi_shared::committees::Language;

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

pub fn audit_action(a: AuditAction) -> &'static str {
    match a {
        AuditAction::MemberListExported => "导出委员名单",
        AuditAction::RosterExported => "导出活动名单",
        AuditAction::ActivationCodesIssued => "生成激活码",
        AuditAction::RoleChanged => "修改角色",
        AuditAction::AccountDisabled => "停用账号",
        AuditAction::AccountEnabled => "恢复账号",
        AuditAction::SignedUpForMember => "代委员报名",
        AuditAction::RemovedForMember => "将委员移出活动",
        AuditAction::PromotedForMember => "候补转为报名",
        AuditAction::AnnouncementSent => "发送通知",
    }
}

/// Where an audited change was made: the app (through the API) or here.
pub fn via(v: AuditVia) -> &'static str {
    match v {
        AuditVia::Api => "App",
        AuditVia::Console => "管理后台",
    }
}

/// The language of automatic notifications, as the admin picks it.
pub fn language(l: Language) -> &'static str {
    match l {
        Language::Zh => "中文",
        Language::En => "English",
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
