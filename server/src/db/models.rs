//! Rows as stored. API types live in `lvzhi-shared`; `domain` converts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{activation_codes, committees, refresh_tokens, sectors, signing_keys, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = committees)]
pub struct CommitteeRow {
    pub id: String,
    pub name: String,
    pub level: String,
    pub parent_id: Option<String>,
    pub time_zone: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sectors)]
pub struct SectorRow {
    pub id: String,
    pub committee_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub committee_id: String,
    pub member_no: Option<String>,
    pub name: String,
    pub gender: Option<String>,
    pub phone: String,
    pub sector_id: Option<String>,
    pub party: Option<String>,
    pub workplace: Option<String>,
    pub birth_year: Option<i32>,
    pub role: String,
    pub status: String,
    pub password_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = activation_codes)]
pub struct ActivationCodeRow {
    pub user_id: String,
    pub code_hash: String,
    pub attempts: i32,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: String,
    pub family_id: String,
    pub user_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKeyRow {
    pub kid: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
}
