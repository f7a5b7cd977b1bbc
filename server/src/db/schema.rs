//! The one schema both backends share. Keep in step with `migrations/*`.

diesel::table! {
    committees (id) {
        id -> Text,
        name -> Text,
        level -> Text,
        parent_id -> Nullable<Text>,
        time_zone -> Text,
        created_at -> Timestamp,
        language -> Text,
        quiet_start -> Nullable<Text>,
        quiet_end -> Nullable<Text>,
        report_max_chars -> Integer,
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
    audit_log (id) {
        id -> Text,
        committee_id -> Text,
        actor_id -> Text,
        action -> Text,
        subject_id -> Nullable<Text>,
        detail -> Text,
        via -> Text,
        request_id -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    console_sessions (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
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

diesel::table! {
    activities (id) {
        id -> Text,
        committee_id -> Text,
        kind -> Text,
        title -> Text,
        description -> Text,
        location -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        signup_opens_at -> Nullable<Timestamp>,
        signup_closes_at -> Nullable<Timestamp>,
        status -> Text,
        audience -> Text,
        capacity -> Integer,
        forbid_overlap -> Bool,
        study_hours -> Double,
        theme -> Nullable<Text>,
        checkin_secret -> Text,
        organizer_id -> Text,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reminder_minutes -> Nullable<Text>,
    }
}

diesel::table! {
    activity_roles (id) {
        id -> Text,
        activity_id -> Text,
        name -> Text,
        capacity -> Integer,
        sector_id -> Nullable<Text>,
        position -> Integer,
    }
}

diesel::table! {
    activity_sectors (activity_id, sector_id) {
        activity_id -> Text,
        sector_id -> Text,
    }
}

diesel::table! {
    activity_invitees (activity_id, user_id) {
        activity_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    itinerary_stops (id) {
        id -> Text,
        activity_id -> Text,
        position -> Integer,
        at -> Timestamp,
        place -> Text,
        subject -> Text,
    }
}

diesel::table! {
    materials (id) {
        id -> Text,
        activity_id -> Text,
        title -> Text,
        url -> Text,
        created_at -> Timestamp,
        content_type -> Nullable<Text>,
        size_bytes -> Nullable<BigInt>,
        file_name -> Nullable<Text>,
    }
}

diesel::table! {
    material_files (material_id) {
        material_id -> Text,
        content -> Binary,
    }
}

diesel::table! {
    roster_uploads (id) {
        id -> Text,
        committee_id -> Text,
        uploaded_by -> Text,
        file_name -> Text,
        content -> Binary,
        uploaded_at -> Timestamp,
        imported_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    signups (id) {
        id -> Text,
        activity_id -> Text,
        role_id -> Text,
        user_id -> Text,
        seq -> BigInt,
        status -> Text,
        attendance -> Nullable<Text>,
        checked_in_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        activity_id -> Text,
        user_id -> Text,
        title -> Text,
        content -> Text,
        status -> Text,
        department -> Nullable<Text>,
        response -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    outcomes (activity_id) {
        activity_id -> Text,
        people_served -> Integer,
        consultations -> Integer,
        materials_distributed -> Integer,
        donated_value_yuan -> Double,
        notes -> Text,
        photo_urls -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        committee_id -> Text,
        user_id -> Text,
        kind -> Text,
        activity_id -> Nullable<Text>,
        title -> Text,
        body -> Text,
        urgent -> Bool,
        created_at -> Timestamp,
        announcement_id -> Nullable<Text>,
        push_state -> Text,
        attempts -> Integer,
        due_at -> Nullable<Timestamp>,
        claimed_until -> Nullable<Timestamp>,
        delivered_to -> Nullable<Text>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        read_at -> Nullable<Timestamp>,
        meeting_id -> Nullable<Text>,
        report_id -> Nullable<Text>,
    }
}

diesel::table! {
    devices (token) {
        token -> Text,
        user_id -> Text,
        session_id -> Text,
        platform -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
    }
}

diesel::table! {
    announcements (id) {
        id -> Text,
        committee_id -> Text,
        created_by -> Text,
        title -> Text,
        body -> Text,
        activity_id -> Nullable<Text>,
        audience -> Text,
        urgent -> Bool,
        recipients -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reminders_sent (activity_id, minutes) {
        activity_id -> Text,
        minutes -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    bodies (id) {
        id -> Text,
        committee_id -> Text,
        name -> Text,
        kind -> Text,
        term -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    body_members (body_id, user_id, joined_on) {
        body_id -> Text,
        user_id -> Text,
        joined_on -> Date,
        left_on -> Nullable<Date>,
        voting -> Bool,
    }
}

diesel::table! {
    meeting_documents (id) {
        id -> Text,
        meeting_id -> Text,
        title -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        file_name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meeting_document_files (document_id) {
        document_id -> Text,
        content -> Binary,
    }
}

diesel::table! {
    meeting_rules (committee_id, kind) {
        committee_id -> Text,
        kind -> Text,
        quorum_numerator -> Integer,
        quorum_denominator -> Integer,
    }
}

diesel::table! {
    meeting_approvers (committee_id, kind, user_id) {
        committee_id -> Text,
        kind -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    meetings (id) {
        id -> Text,
        committee_id -> Text,
        body_id -> Text,
        kind -> Text,
        title -> Text,
        agenda -> Text,
        status -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        leave_deadline -> Timestamp,
        organizer_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    meeting_sessions (id) {
        id -> Text,
        meeting_id -> Text,
        position -> Integer,
        title -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        place -> Text,
        checkin_secret -> Text,
    }
}

diesel::table! {
    meeting_reminders_sent (meeting_id, minutes) {
        meeting_id -> Text,
        minutes -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    meeting_invitees (meeting_id, user_id) {
        meeting_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    meeting_summons (meeting_id, user_id) {
        meeting_id -> Text,
        user_id -> Text,
        voting -> Bool,
        answer -> Text,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    leave_requests (id) {
        id -> Text,
        meeting_id -> Text,
        user_id -> Text,
        reason -> Text,
        status -> Text,
        recorded_by_office -> Bool,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    leave_request_sessions (leave_request_id, session_id) {
        leave_request_id -> Text,
        session_id -> Text,
    }
}

diesel::table! {
    session_checkins (session_id, user_id) {
        session_id -> Text,
        user_id -> Text,
        checked_in_at -> Timestamp,
    }
}

diesel::table! {
    appraisals (id) {
        id -> Text,
        committee_id -> Text,
        meeting_id -> Text,
        title -> Text,
        electorate -> Text,
        status -> Text,
        eligible_at_close -> Nullable<Integer>,
        ballots_at_close -> Nullable<Integer>,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    appraisal_departments (id) {
        id -> Text,
        appraisal_id -> Text,
        name -> Text,
        position -> Integer,
    }
}

diesel::table! {
    appraisal_voters (appraisal_id, user_id) {
        appraisal_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    appraisal_ballots (id) {
        id -> Text,
        appraisal_id -> Text,
        receipt_hash -> Text,
        answers -> Text,
    }
}

diesel::table! {
    rectifications (id) {
        id -> Text,
        appraisal_id -> Text,
        department_id -> Text,
        item -> Text,
        due_on -> Date,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    rectification_notes (id) {
        id -> Text,
        rectification_id -> Text,
        note -> Text,
        author_id -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    calendar_feeds (id) {
        id -> Text,
        user_id -> Text,
        scope -> Text,
        nonce -> Text,
        secret_hash -> Text,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    calendar_feed_events (feed_id, uid) {
        feed_id -> Text,
        uid -> Text,
        fingerprint -> Text,
        sequence -> Integer,
        modified_at -> Timestamp,
    }
}

diesel::table! {
    calendar_keys (id) {
        id -> Integer,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    report_issues (id) {
        id -> Text,
        committee_id -> Text,
        year -> Integer,
        number -> Integer,
        issued_on -> Date,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        committee_id -> Text,
        root_id -> Text,
        forwarded_from -> Nullable<Text>,
        author_id -> Text,
        title -> Text,
        body -> Text,
        category -> Text,
        status -> Text,
        version -> Integer,
        office_comment -> Nullable<Text>,
        issue_id -> Nullable<Text>,
        issue_position -> Nullable<Integer>,
        merged_into -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    report_credits (report_id, member_id) {
        report_id -> Text,
        member_id -> Text,
        position -> Integer,
        role -> Text,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    report_versions (report_id, version) {
        report_id -> Text,
        version -> Integer,
        title -> Text,
        body -> Text,
        edited_by -> Text,
        edited_at -> Timestamp,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    report_forwards (report_id, destination) {
        report_id -> Text,
        destination -> Text,
        to_committee_id -> Nullable<Text>,
        copy_id -> Nullable<Text>,
        forwarded_at -> Timestamp,
    }
}

diesel::table! {
    report_events (id) {
        id -> Text,
        report_id -> Text,
        root_id -> Text,
        committee_id -> Text,
        kind -> Text,
        actor_id -> Nullable<Text>,
        level -> Nullable<Text>,
        on_date -> Nullable<Date>,
        party -> Nullable<Text>,
        text -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    report_files (id) {
        id -> Text,
        content -> Binary,
    }
}

diesel::table! {
    report_attachments (id) {
        id -> Text,
        report_id -> Text,
        file_id -> Text,
        title -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        file_name -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(sectors -> committees (committee_id));
diesel::joinable!(calendar_feeds -> users (user_id));
diesel::joinable!(calendar_feed_events -> calendar_feeds (feed_id));
diesel::joinable!(users -> committees (committee_id));
diesel::joinable!(users -> sectors (sector_id));
diesel::joinable!(activation_codes -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(console_sessions -> users (user_id));
diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(activities -> committees (committee_id));
diesel::joinable!(activity_roles -> activities (activity_id));
diesel::joinable!(activity_roles -> sectors (sector_id));
diesel::joinable!(activity_sectors -> activities (activity_id));
diesel::joinable!(activity_sectors -> sectors (sector_id));
diesel::joinable!(activity_invitees -> activities (activity_id));
diesel::joinable!(itinerary_stops -> activities (activity_id));
diesel::joinable!(materials -> activities (activity_id));
diesel::joinable!(material_files -> materials (material_id));
diesel::joinable!(roster_uploads -> committees (committee_id));
diesel::joinable!(signups -> activities (activity_id));
diesel::joinable!(signups -> activity_roles (role_id));
diesel::joinable!(signups -> users (user_id));
diesel::joinable!(findings -> activities (activity_id));
diesel::joinable!(findings -> users (user_id));
diesel::joinable!(outcomes -> activities (activity_id));
diesel::joinable!(devices -> users (user_id));
diesel::joinable!(outbox -> users (user_id));
diesel::joinable!(bodies -> committees (committee_id));
diesel::joinable!(body_members -> bodies (body_id));
diesel::joinable!(body_members -> users (user_id));
diesel::joinable!(meetings -> bodies (body_id));
diesel::joinable!(meeting_sessions -> meetings (meeting_id));
diesel::joinable!(meeting_summons -> meetings (meeting_id));
diesel::joinable!(meeting_documents -> meetings (meeting_id));
diesel::joinable!(meeting_document_files -> meeting_documents (document_id));
diesel::joinable!(meeting_summons -> users (user_id));
diesel::table! {
    points_years (committee_id, year) {
        committee_id -> Text,
        year -> Integer,
        first_author_percent -> Integer,
        excellent_from -> BigInt,
        qualified_from -> BigInt,
        dispute_days -> Integer,
        customized -> Bool,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<Text>,
        ranked -> Nullable<Integer>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    points_rules (committee_id, year, event) {
        committee_id -> Text,
        year -> Integer,
        event -> Text,
        points -> BigInt,
    }
}

diesel::table! {
    points_caps (committee_id, year, category) {
        committee_id -> Text,
        year -> Integer,
        category -> Text,
        cap -> BigInt,
    }
}

diesel::table! {
    points_entries (id) {
        id -> Text,
        committee_id -> Text,
        year -> Integer,
        member_id -> Text,
        event -> Text,
        evidence -> Text,
        occurred_on -> Date,
        points -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_disputes (id) {
        id -> Text,
        committee_id -> Text,
        year -> Integer,
        member_id -> Text,
        line_key -> Nullable<Text>,
        line_title -> Nullable<Text>,
        reason -> Text,
        status -> Text,
        answer -> Nullable<Text>,
        adjustment -> Nullable<BigInt>,
        entry_id -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_lines (committee_id, year, member_id, line_key) {
        committee_id -> Text,
        year -> Integer,
        member_id -> Text,
        line_key -> Text,
        event -> Text,
        source_kind -> Text,
        source_id -> Text,
        source_title -> Text,
        occurred_on -> Date,
        quantity -> BigInt,
        share_percent -> Integer,
        points -> BigInt,
    }
}

diesel::table! {
    points_results (committee_id, year, member_id) {
        committee_id -> Text,
        year -> Integer,
        member_id -> Text,
        total -> BigInt,
        grade -> Text,
        rank -> Integer,
    }
}

diesel::joinable!(meeting_invitees -> users (user_id));
diesel::joinable!(leave_requests -> meetings (meeting_id));
diesel::joinable!(leave_request_sessions -> leave_requests (leave_request_id));
diesel::joinable!(session_checkins -> meeting_sessions (session_id));
diesel::joinable!(appraisals -> meetings (meeting_id));
diesel::joinable!(appraisal_voters -> appraisals (appraisal_id));
diesel::joinable!(appraisal_departments -> appraisals (appraisal_id));
diesel::joinable!(rectifications -> appraisal_departments (department_id));
diesel::joinable!(rectifications -> appraisals (appraisal_id));
diesel::joinable!(report_credits -> users (member_id));
diesel::joinable!(report_attachments -> report_files (file_id));
diesel::joinable!(reports -> report_issues (issue_id));
diesel::joinable!(points_results -> users (member_id));

diesel::allow_tables_to_appear_in_same_query!(
    committees,
    sectors,
    users,
    activation_codes,
    refresh_tokens,
    console_sessions,
    audit_log,
    signing_keys,
    activities,
    activity_roles,
    activity_sectors,
    activity_invitees,
    itinerary_stops,
    materials,
    material_files,
    roster_uploads,
    signups,
    idempotency_keys,
    findings,
    outcomes,
    outbox,
    devices,
    announcements,
    reminders_sent,
    bodies,
    body_members,
    meeting_rules,
    meeting_approvers,
    meetings,
    meeting_sessions,
    meeting_documents,
    meeting_document_files,
    meeting_invitees,
    meeting_reminders_sent,
    meeting_summons,
    leave_requests,
    leave_request_sessions,
    session_checkins,
    appraisals,
    appraisal_departments,
    appraisal_voters,
    appraisal_ballots,
    rectifications,
    rectification_notes,
    calendar_feeds,
    calendar_feed_events,
    calendar_keys,
    report_issues,
    reports,
    report_credits,
    report_versions,
    report_forwards,
    report_events,
    report_files,
    report_attachments,
    points_years,
    points_rules,
    points_caps,
    points_entries,
    points_disputes,
    points_lines,
    points_results,
);

// The year's attendances by member and kind (domain::activities::records).
diesel::allow_columns_to_appear_in_same_group_by_clause!(signups::user_id, activities::kind);
