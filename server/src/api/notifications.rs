use std::sync::Arc;

use lvzhi_shared::notifications::{
    Announcement, AnnouncementCreated, AnnouncementPage, Device, DeviceRegistration,
    NewAnnouncement, NotificationPage, UnreadCount,
};
use lvzhi_shared::validate::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use poem_openapi::param::{Path, Query};
use poem_openapi::{ApiResponse, OpenApi};

use super::Json;
use super::{ApiTags, parse_id};
use crate::app::AppState;
use crate::auth::{BearerAuth, OfficeAuth};
use crate::domain::{announcements, devices, inbox};
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
        let caller = auth.0;
        let tz = self
            .state
            .time_zones
            .of(&self.state.db, &caller.committee_id)
            .await?;
        let now = self.state.clock.now_naive();
        let device = self
            .state
            .db
            .write(move |conn| devices::register(conn, &caller, &body.0, now, tz))
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
        let caller = auth.0;
        self.state
            .db
            .write(move |conn| devices::unregister(conn, &caller, &token.0))
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
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u32>>,
    ) -> ApiResult<Json<NotificationPage>> {
        let caller = auth.0;
        let tz = self
            .state
            .time_zones
            .of(&self.state.db, &caller.committee_id)
            .await?;
        let limit = limit.0.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE);
        let page = self
            .state
            .db
            .run(move |conn| {
                let (items, next_cursor) = inbox::list(
                    conn,
                    &caller.user_id,
                    unread_only.0.unwrap_or(false),
                    cursor.0.as_deref(),
                    limit,
                    tz,
                )?;
                Ok(NotificationPage {
                    items,
                    unread: inbox::unread(conn, &caller.user_id)?,
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
            .run(move |conn| inbox::unread(conn, &user))
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
        let id = parse_id(&id.0, "id")?;
        let user = auth.0.user_id;
        let now = self.state.clock.now_naive();
        self.state
            .db
            .write(move |conn| inbox::mark_read(conn, &user, &id, now))
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
        let user = auth.0.user_id;
        let now = self.state.clock.now_naive();
        self.state
            .db
            .write(move |conn| inbox::mark_all_read(conn, &user, now))
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
        let caller = auth.0;
        let now = self.state.clock.now_naive();
        let (id, recipients) = self
            .state
            .db
            .write(move |conn| announcements::create(conn, &caller, &body.0, now))
            .await?;
        self.state.push_wake.notify_one();
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
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u32>>,
    ) -> ApiResult<Json<AnnouncementPage>> {
        let committee = auth.0.committee_id;
        let tz = self.state.time_zones.of(&self.state.db, &committee).await?;
        let limit = limit.0.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE);
        let (items, next_cursor) = self
            .state
            .db
            .run(move |conn| announcements::list(conn, &committee, cursor.0.as_deref(), limit, tz))
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
        let id = parse_id(&id.0, "id")?;
        let committee = auth.0.committee_id;
        let tz = self.state.time_zones.of(&self.state.db, &committee).await?;
        let found = self
            .state
            .db
            .run(move |conn| announcements::get(conn, &committee, &id, tz))
            .await?;
        Ok(Json(found))
    }
}
