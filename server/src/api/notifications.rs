use std::sync::Arc;

use lvzhi_shared::ids::{AnnouncementId, NotificationId};
use lvzhi_shared::notifications::{
    Announcement, AnnouncementCreated, AnnouncementPage, Device, DeviceRegistration,
    NewAnnouncement, NotificationPage, UnreadCount,
};
use poem_openapi::param::{Path, Query};
use poem_openapi::{ApiResponse, OpenApi};

use super::Json;
use super::page_size::PageSize;
use super::{ApiTags, parse_id};
use crate::app::AppState;
use crate::auth::{BearerAuth, OfficeAuth};
use crate::domain::{notifications::announcements, notifications::devices, notifications::inbox};
use crate::error::ApiResult;

pub struct NotificationsApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum Done {
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
enum AnnouncementQueued {
    /// Queued for every recipient; it is in their inboxes now, pushes follow.
    #[oai(status = 201)]
    Created(Json<AnnouncementCreated>),
}

#[OpenApi(tag = "ApiTags::Notifications")]
impl NotificationsApi {
    /// Register this phone for pushes
    ///
    /// Who: any signed-in account. Call after every sign-in and whenever FCM
    /// issues a new token. A token registered by another account (someone
    /// else signed in on this phone before) moves to the caller. Signing out
    /// removes it.
    #[oai(
        path = "/me/devices",
        method = "post",
        operation_id = "register_device"
    )]
    async fn register(
        &self,
        auth: BearerAuth,
        body: Json<DeviceRegistration>,
    ) -> ApiResult<Json<Device>> {
        let ctx = self.state.ctx(auth.0).await?;
        let device = self
            .state
            .write(&ctx, move |conn, ctx| devices::register(conn, ctx, &body.0))
            .await?;
        Ok(Json(device))
    }

    /// Stop pushes to this phone
    ///
    /// Who: any signed-in account, for its own phones. Unknown tokens are
    /// ignored, so a retry is harmless.
    #[oai(
        path = "/me/devices/:token",
        method = "delete",
        operation_id = "unregister_device"
    )]
    async fn unregister(&self, auth: BearerAuth, token: Path<String>) -> ApiResult<Done> {
        let ctx = self.state.ctx(auth.0).await?;
        self.state
            .write(&ctx, move |conn, ctx| {
                devices::unregister(conn, ctx, &token.0)
            })
            .await?;
        Ok(Done::NoContent)
    }

    /// My inbox
    ///
    /// Who: any signed-in account. Every notification, pushed or not, newest
    /// first, with the unread count; `unread_only=true` for just the unread.
    #[oai(
        path = "/me/notifications",
        method = "get",
        operation_id = "list_notifications"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        unread_only: Query<Option<bool>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<PageSize>>,
    ) -> ApiResult<Json<NotificationPage>> {
        let ctx = self.state.ctx(auth.0).await?;
        let limit = PageSize::or_default(limit.0);
        let page = self
            .state
            .read(&ctx, move |conn, ctx| {
                let me = ctx.caller.user_id;
                let (items, next_cursor) = inbox::list(
                    conn,
                    me,
                    unread_only.0.unwrap_or(false),
                    cursor.0.as_deref(),
                    limit,
                    ctx.tz,
                )?;
                Ok(NotificationPage {
                    items,
                    unread: inbox::unread(conn, me)?,
                    next_cursor,
                })
            })
            .await?;
        Ok(Json(page))
    }

    /// My unread count
    ///
    /// Who: any signed-in account. For the badge; cheaper than the inbox.
    #[oai(
        path = "/me/notifications/unread-count",
        method = "get",
        operation_id = "unread_count"
    )]
    async fn unread(&self, auth: BearerAuth) -> ApiResult<Json<UnreadCount>> {
        let user = auth.0.user_id;
        let unread = self
            .state
            .db
            .run(move |conn| inbox::unread(conn, user))
            .await?;
        Ok(Json(UnreadCount { unread }))
    }

    /// Mark a notification read
    ///
    /// Who: any signed-in account, for its own notifications. Again is harmless.
    #[oai(
        path = "/me/notifications/:id/read",
        method = "post",
        operation_id = "mark_notification_read"
    )]
    async fn read(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Done> {
        let id: NotificationId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        self.state
            .write(&ctx, move |conn, ctx| {
                inbox::mark_read(conn, ctx.caller.user_id, id, ctx.now)
            })
            .await?;
        Ok(Done::NoContent)
    }

    /// Mark my whole inbox read
    ///
    /// Who: any signed-in account.
    #[oai(
        path = "/me/notifications/read-all",
        method = "post",
        operation_id = "mark_all_notifications_read"
    )]
    async fn read_all(&self, auth: BearerAuth) -> ApiResult<Done> {
        let ctx = self.state.ctx(auth.0).await?;
        self.state
            .write(&ctx, move |conn, ctx| {
                inbox::mark_all_read(conn, ctx.caller.user_id, ctx.now)
            })
            .await?;
        Ok(Done::NoContent)
    }

    /// Send an announcement
    ///
    /// Who: organizer, admin. To the whole committee, sectors, the members
    /// signed up for an activity, or named members — of the caller's committee
    /// only. Lands in every recipient's inbox at once; pushes follow (after
    /// quiet hours unless `urgent`).
    #[oai(
        path = "/announcements",
        method = "post",
        operation_id = "create_announcement"
    )]
    async fn announce(
        &self,
        auth: OfficeAuth,
        body: Json<NewAnnouncement>,
    ) -> ApiResult<AnnouncementQueued> {
        let ctx = self.state.ctx(auth.0).await?;
        let (id, recipients) = self
            .state
            .write(&ctx, move |conn, ctx| {
                announcements::create(conn, ctx, &body.0)
            })
            .await?;
        self.state.push.wake.notify_one();
        Ok(AnnouncementQueued::Created(Json(AnnouncementCreated {
            id,
            recipients: recipients as i64,
        })))
    }

    /// The committee's announcements
    ///
    /// Who: organizer, admin. Newest first, each with its delivery counts;
    /// pages with `cursor`.
    #[oai(
        path = "/announcements",
        method = "get",
        operation_id = "list_announcements"
    )]
    async fn list_announcements(
        &self,
        auth: OfficeAuth,
        cursor: Query<Option<String>>,
        limit: Query<Option<PageSize>>,
    ) -> ApiResult<Json<AnnouncementPage>> {
        let ctx = self.state.ctx(auth.0).await?;
        let limit = PageSize::or_default(limit.0);
        let (items, next_cursor) = self
            .state
            .read(&ctx, move |conn, ctx| {
                let committee = ctx.caller.committee_id;
                announcements::list(conn, committee, cursor.0.as_deref(), limit, ctx.tz)
            })
            .await?;
        Ok(Json(AnnouncementPage { items, next_cursor }))
    }

    /// An announcement and how its delivery stands
    ///
    /// Who: organizer, admin, of the announcement's committee. Counts per
    /// recipient: queued, sent, failed, no_device (inbox only), read.
    #[oai(
        path = "/announcements/:id",
        method = "get",
        operation_id = "get_announcement"
    )]
    async fn get(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<Json<Announcement>> {
        let id: AnnouncementId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let found = self
            .state
            .read(&ctx, move |conn, ctx| {
                announcements::get(conn, ctx.caller.committee_id, id, ctx.tz)
            })
            .await?;
        Ok(Json(found))
    }
}
