//! The contract's enums as a clerk reads them, in Chinese.

use lvzhi_shared::activities::{ActivityKind, ActivityStatus};

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
