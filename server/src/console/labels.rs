//! The contract's enums as a clerk reads them, in Chinese.

use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    ActivityKind, ActivityStatus, Attendance, FindingStatus, OutreachTheme, SignupStatus,
};
use lvzhi_shared::audit::{AuditAction, AuditVia};
use lvzhi_shared::committees::CommitteeLevel;
use lvzhi_shared::committees::Language;
use lvzhi_shared::meetings::{
    AppraisalStatus, BodyKind, Electorate, LeaveStatus, MeetingAnswer, MeetingKind, MeetingStatus,
    RectificationStatus, SessionAttendance,
};
use lvzhi_shared::reports::{ReportCategory, ReportEventKind, ReportStatus};

use crate::domain::roster_files::FileProblem;

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

/// Where a finding is on its path through the office.
pub fn finding_status(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::Submitted => "待转交",
        FindingStatus::Forwarded => "已转交",
        FindingStatus::Adopted => "已采纳",
        FindingStatus::Answered => "已答复",
    }
}

/// A step the office takes with a finding, as its button and choice read.
pub fn finding_step(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::Submitted => "退回为待转交",
        FindingStatus::Forwarded => "转交有关部门",
        FindingStatus::Adopted => "部门已采纳",
        FindingStatus::Answered => "部门已答复",
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
        AuditAction::MeetingPublished => "发布会议通知",
        AuditAction::MeetingRescheduled => "会议改期",
        AuditAction::MeetingCancelled => "取消会议",
        AuditAction::LeaveDecided => "审批请假",
        AuditAction::LeaveRecorded => "代为登记请假",
        AuditAction::AppraisalOpened => "开始民主评议投票",
        AuditAction::AppraisalClosed => "结束民主评议投票",
        AuditAction::MeetingDocumentAdded => "上传会议材料",
        AuditAction::MeetingDocumentRemoved => "删除会议材料",
        AuditAction::BodyMemberAdded => "增补组成人员",
        AuditAction::BodyMembershipEnded => "组成人员离任",
        AuditAction::RectificationChanged => "更新整改事项",
        AuditAction::MeetingRuleChanged => "修改会议规则",
        AuditAction::CommitteeCreated => "设立下级政协",
        AuditAction::ReportDecided => "处理社情民意信息",
        AuditAction::ReportsMerged => "合并社情民意信息",
        AuditAction::ReportIssueCompiled => "编发《社情民意》",
        AuditAction::ReportForwarded => "报送社情民意信息",
        AuditAction::ReportOutcomeRecorded => "登记采用、批示或办复",
        AuditAction::PointsRulesChanged => "修改积分规则",
        AuditAction::PointsEntryAdded => "登记履职事项",
        AuditAction::PointsEntryRemoved => "撤销履职事项",
        AuditAction::PointsYearClosed => "年度积分结算",
        AuditAction::PointsDisputeDecided => "处理积分申诉",
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

/// Why an uploaded roster cannot be read, and what to do about it.
pub fn file_problem(p: &FileProblem) -> String {
    match p {
        FileProblem::Empty => "这个文件是空的。".into(),
        FileProblem::MissingColumns(missing) => format!(
            "第一行应是列名（表头），缺少：{}。可以下载名单模板对照填写。",
            missing
                .iter()
                .map(|f| member_field(f))
                .collect::<Vec<_>>()
                .join("、")
        ),
        FileProblem::TooManyRows(max) => {
            format!("一次最多导入 {max} 行，请把名单分成几个文件。")
        }
        FileProblem::NotARoster | FileProblem::BadCsv(_) => {
            "这个文件不是可以读取的名单：请在 Excel 中另存为 .xlsx 或 CSV 后再上传。".into()
        }
        FileProblem::BadXlsx | FileProblem::NoSheet => {
            "这个 Excel 文件打不开：请用 Excel 打开后另存为 .xlsx 再上传。".into()
        }
        FileProblem::Inflates => {
            "这个 Excel 文件里的内容远多于一份名单，请另存为 CSV 后再上传。".into()
        }
    }
}

/// A roster column (the import's field name) as the clerk's spreadsheet names it.
pub fn member_field(field: &str) -> &'static str {
    match field {
        "member_no" => "委员编号",
        "name" => "姓名",
        "gender" => "性别",
        "phone" => "手机号码",
        "sector" => "界别",
        "party" => "党派",
        "workplace" => "工作单位",
        "birth_year" => "出生年份",
        _ => "—",
    }
}

/// What is wrong with one row of a roster.
pub fn row_problem(code: ErrorCode, field: &str) -> String {
    let what = member_field(field);
    match (code, field) {
        (ErrorCode::FieldRequired, _) => format!("{what}没有填写"),
        (ErrorCode::FieldTooLong, _) => format!("{what}太长"),
        (ErrorCode::PhoneTaken, _) => "手机号码已有其他委员在用，或与上面某一行重复".into(),
        (ErrorCode::MemberNoTaken, _) => "委员编号已有其他委员在用，或与上面某一行重复".into(),
        (ErrorCode::UnknownSector, _) => "没有这个界别：请改成已有的界别，或先在设置中添加".into(),
        (ErrorCode::UnknownMember, _) => {
            "花名册中没有这位委员：请先在“委员”页导入，再导入机构成员".into()
        }
        (ErrorCode::BodyMembershipOverlaps, _) => "该委员在这段时间已有任职记录".into(),
        (ErrorCode::InvalidField, "name") => {
            "姓名与花名册不符：花名册上这个手机号码（或委员编号）是另一位委员".into()
        }
        (_, "phone") => "手机号码应为 11 位数字".into(),
        (_, "gender") => "性别请填“男”或“女”".into(),
        (_, "birth_year") => "出生年份应为四位数的年份，如 1968".into(),
        _ => format!("{what}填写有误"),
    }
}

pub fn theme(t: OutreachTheme) -> &'static str {
    match t {
        OutreachTheme::Culture => "文化",
        OutreachTheme::ScienceTechnology => "科技",
        OutreachTheme::Health => "卫生",
    }
}

pub fn committee_level(l: CommitteeLevel) -> &'static str {
    match l {
        CommitteeLevel::National => "全国",
        CommitteeLevel::Provincial => "省级",
        CommitteeLevel::City => "市级",
        CommitteeLevel::County => "县级",
    }
}

// ---- meetings and democratic appraisal ----

pub fn body_kind(k: BodyKind) -> &'static str {
    match k {
        BodyKind::Plenary => "全体委员",
        BodyKind::Standing => "常务委员会",
        BodyKind::Chairs => "主席会议成员",
        BodyKind::Special => "专门委员会",
    }
}

pub fn meeting_kind(k: MeetingKind) -> &'static str {
    match k {
        MeetingKind::Plenary => "全体会议",
        MeetingKind::Standing => "常委会议",
        MeetingKind::Chairs => "主席会议",
        MeetingKind::Appraisal => "民主评议会议",
    }
}

pub fn meeting_status(s: MeetingStatus) -> &'static str {
    match s {
        MeetingStatus::Draft => "草稿",
        MeetingStatus::Published => "已发通知",
        MeetingStatus::Cancelled => "已取消",
    }
}

pub fn meeting_answer(a: MeetingAnswer) -> &'static str {
    match a {
        MeetingAnswer::Pending => "未答复",
        MeetingAnswer::Attend => "出席",
        MeetingAnswer::Leave => "请假",
    }
}

pub fn leave_status(s: LeaveStatus) -> &'static str {
    match s {
        LeaveStatus::Pending => "待审批",
        LeaveStatus::Approved => "已准假",
        LeaveStatus::Refused => "不准假",
        LeaveStatus::Voided => "已作废",
    }
}

pub fn session_attendance(a: SessionAttendance) -> &'static str {
    match a {
        SessionAttendance::Present => "出席",
        SessionAttendance::Late => "迟到",
        SessionAttendance::Excused => "请假",
        SessionAttendance::Absent => "缺席",
        SessionAttendance::Expected => "应到",
    }
}

pub fn electorate(e: Electorate) -> &'static str {
    match e {
        Electorate::CheckedIn => "在本次会议签到的表决委员",
        Electorate::Body => "会议机构的全部表决委员",
    }
}

pub fn appraisal_status(s: AppraisalStatus) -> &'static str {
    match s {
        AppraisalStatus::Draft => "未开始",
        AppraisalStatus::Open => "投票中",
        AppraisalStatus::Closed => "已结束（有效）",
        AppraisalStatus::Invalid => "已结束（投票人数未过半，无效）",
    }
}

pub fn rectification_status(s: RectificationStatus) -> &'static str {
    match s {
        RectificationStatus::Open => "未开始",
        RectificationStatus::InProgress => "整改中",
        RectificationStatus::Done => "已完成",
    }
}

/// Why the domain refused a meeting's or a round's change, as the clerk is told it.
pub fn meeting_refusal(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidTransition => "会议当前的状态不允许这样操作，请刷新页面查看最新状态。",
        ErrorCode::TimeInPast => "会议时间已经过去，不能再这样操作。",
        ErrorCode::NotSummoned => "这位委员不在本次会议的应到名单上。",
        ErrorCode::LeaveAlreadyRequested => "这位委员已有覆盖这些场次的请假。",
        ErrorCode::OwnLeaveRequest => "不能审批自己的请假。",
        ErrorCode::NotApprover => "您不是这类会议的请假审批人。",
        ErrorCode::AppraisalNotOpen => "评议投票还没有开始。",
        ErrorCode::AppraisalClosed => "评议投票已经结束。",
        ErrorCode::ResultsNotReady => "评议投票结束且有效后才能这样操作。",
        ErrorCode::BodyMembershipOverlaps => "这位委员在这些日期已是该机构成员。",
        ErrorCode::FieldRequired | ErrorCode::FieldTooLong | ErrorCode::InvalidField => {
            "填写的内容不符合要求，请检查后再提交。"
        }
        _ => "操作没有完成，请刷新页面后再试。",
    }
}

// ---- public-opinion reports ----

pub fn report_status(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Draft => "草稿",
        ReportStatus::Submitted => "待处理",
        ReportStatus::Returned => "已退回修改",
        ReportStatus::Accepted => "已采编",
        ReportStatus::Rejected => "未采用",
        ReportStatus::Withdrawn => "已撤回",
        ReportStatus::Merged => "已合并",
    }
}

pub fn report_category(c: ReportCategory) -> &'static str {
    match c {
        ReportCategory::Economy => "经济发展",
        ReportCategory::Livelihood => "社会民生",
        ReportCategory::Education => "教育文化",
        ReportCategory::Health => "医疗卫生",
        ReportCategory::Environment => "生态环境",
        ReportCategory::Agriculture => "农业农村",
        ReportCategory::Governance => "社会治理与法治",
        ReportCategory::Other => "其他",
    }
}

pub fn report_event(k: ReportEventKind) -> &'static str {
    match k {
        ReportEventKind::Submitted => "委员提交",
        ReportEventKind::Returned => "退回修改",
        ReportEventKind::Accepted => "受理采编",
        ReportEventKind::Rejected => "未予采用",
        ReportEventKind::Withdrawn => "委员撤回",
        ReportEventKind::Edited => "编辑修改",
        ReportEventKind::Merged => "合并",
        ReportEventKind::Compiled => "编入刊物",
        ReportEventKind::Forwarded => "报送",
        ReportEventKind::Received => "收到下级报送",
        ReportEventKind::Adopted => "被采用",
        ReportEventKind::Instructed => "领导批示",
        ReportEventKind::Replied => "部门办复",
        ReportEventKind::Cosigned => "联名确认",
        ReportEventKind::Declined => "谢绝联名",
    }
}

/// Why the domain refused a step on a report, as the clerk is told it.
pub fn report_refusal(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidTransition => {
            "这条信息现在不能这样办理（可能有同事刚办理过），下面是它现在的状态。"
        }
        ErrorCode::AlreadyForwarded => "这条信息已经报送到那里，不必再报。",
        ErrorCode::NotForwarded => "请先报送，再登记采用或办复情况。",
        ErrorCode::NotAdopted => "领导批示须在信息被采用之后登记，请先登记采用情况。",
        ErrorCode::AlreadyCompiled => "所选信息中有的已编入刊物或已合并。",
        ErrorCode::UnknownCommittee => {
            "本级政协在系统里没有上级政协，请选择“报送系统外单位”并写明单位名称。"
        }
        code => refusal(code),
    }
}
