//! The one schema both backends share. Keep in step with `migrations/*`.

diesel::table! {
    committees (id) {
        id -> Text,
        name -> Text,
        level -> Text,
        parent_id -> Nullable<Text>,
        time_zone -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sectors (id) {
        id -> Text,
        committee_id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        committee_id -> Text,
        member_no -> Nullable<Text>,
        name -> Text,
        gender -> Nullable<Text>,
        phone -> Text,
        sector_id -> Nullable<Text>,
        party -> Nullable<Text>,
        workplace -> Nullable<Text>,
        birth_year -> Nullable<Integer>,
        role -> Text,
        status -> Text,
        password_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    activation_codes (user_id) {
        user_id -> Text,
        code_hash -> Text,
        attempts -> Integer,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        family_id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(sectors -> committees (committee_id));
diesel::joinable!(users -> committees (committee_id));
diesel::joinable!(users -> sectors (sector_id));
diesel::joinable!(activation_codes -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    committees,
    sectors,
    users,
    activation_codes,
    refresh_tokens,
    signing_keys,
);
