-- Formal meetings: the bodies they summon (membership dated within a term),
-- meetings with their sessions, the summoned and their answers, leave
-- requests, check-ins per session; the democratic appraisal held at a
-- meeting, by secret ballot, and the rectifications that follow it.

CREATE TABLE bodies (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('plenary', 'standing', 'chairs', 'special')),
    term TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX bodies_committee ON bodies (committee_id);

-- One row per stretch of membership; stretches of one member never overlap.
CREATE TABLE body_members (
    body_id TEXT NOT NULL REFERENCES bodies (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    joined_on DATE NOT NULL,
    left_on DATE,
    voting BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (body_id, user_id, joined_on)
);

-- Per committee and meeting kind: the quorum and who approves leave (none
-- listed: the office).
CREATE TABLE meeting_rules (
    committee_id TEXT NOT NULL REFERENCES committees (id),
    kind TEXT NOT NULL CHECK (kind IN ('plenary', 'standing', 'chairs', 'appraisal')),
    quorum_numerator INTEGER NOT NULL,
    quorum_denominator INTEGER NOT NULL,
    PRIMARY KEY (committee_id, kind)
);
CREATE TABLE meeting_approvers (
    committee_id TEXT NOT NULL REFERENCES committees (id),
    kind TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (committee_id, kind, user_id)
);

CREATE TABLE meetings (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    body_id TEXT NOT NULL REFERENCES bodies (id),
    kind TEXT NOT NULL CHECK (kind IN ('plenary', 'standing', 'chairs', 'appraisal')),
    title TEXT NOT NULL,
    agenda TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    -- The first session's start and the last one's end, for lists and calendars.
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    leave_deadline TIMESTAMP NOT NULL,
    organizer_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX meetings_committee_starts ON meetings (committee_id, starts_at);

CREATE TABLE meeting_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    place TEXT NOT NULL,
    checkin_secret TEXT NOT NULL
);
CREATE INDEX meeting_sessions_meeting ON meeting_sessions (meeting_id);

-- Reminder leads (minutes before the first session) already queued, so each goes once.
CREATE TABLE meeting_reminders_sent (
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    minutes INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, minutes)
);

-- Invited non-members (列席): summoned without a vote.
CREATE TABLE meeting_invitees (
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (meeting_id, user_id)
);

-- Who is summoned, fixed when the notice goes out (and again on a reschedule).
CREATE TABLE meeting_summons (
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    voting BOOLEAN NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('pending', 'attend', 'leave')),
    answered_at TIMESTAMP,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_summons_user ON meeting_summons (user_id);

CREATE TABLE leave_requests (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused', 'voided')),
    recorded_by_office BOOLEAN NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    note TEXT
);
CREATE INDEX leave_requests_meeting ON leave_requests (meeting_id, status);
CREATE INDEX leave_requests_user ON leave_requests (user_id);

CREATE TABLE leave_request_sessions (
    leave_request_id TEXT NOT NULL REFERENCES leave_requests (id),
    session_id TEXT NOT NULL REFERENCES meeting_sessions (id),
    PRIMARY KEY (leave_request_id, session_id)
);
CREATE INDEX leave_request_sessions_session ON leave_request_sessions (session_id);

CREATE TABLE session_checkins (
    session_id TEXT NOT NULL REFERENCES meeting_sessions (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    checked_in_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, user_id)
);

-- The meeting a notification is about, for the app to open it (no foreign
-- key: SQLite cannot drop a column that has one).
ALTER TABLE outbox ADD COLUMN meeting_id TEXT;

CREATE TABLE appraisals (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    title TEXT NOT NULL,
    electorate TEXT NOT NULL CHECK (electorate IN ('checked_in', 'body')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'invalid')),
    -- Counted in the closing transaction.
    eligible_at_close INTEGER,
    ballots_at_close INTEGER,
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);
CREATE INDEX appraisals_meeting ON appraisals (meeting_id);

CREATE TABLE appraisal_departments (
    id TEXT PRIMARY KEY NOT NULL,
    appraisal_id TEXT NOT NULL REFERENCES appraisals (id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX appraisal_departments_appraisal ON appraisal_departments (appraisal_id);

-- The secret ballot. Who voted and the ballots are kept apart, and neither
-- row says when: no time, no user in a ballot, random ballot ids, and no
-- rowid (WITHOUT ROWID), so the file's order is the keys' order, not the
-- order of voting.
CREATE TABLE appraisal_voters (
    appraisal_id TEXT NOT NULL REFERENCES appraisals (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (appraisal_id, user_id)
) WITHOUT ROWID;

CREATE TABLE appraisal_ballots (
    id TEXT PRIMARY KEY NOT NULL,
    appraisal_id TEXT NOT NULL REFERENCES appraisals (id),
    -- SHA-256 of the voter's receipt, so a voter can check it was counted.
    receipt_hash TEXT NOT NULL UNIQUE,
    -- [{"department_id", "rating", "comment"}], as cast.
    answers TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX appraisal_ballots_appraisal ON appraisal_ballots (appraisal_id);

CREATE TABLE rectifications (
    id TEXT PRIMARY KEY NOT NULL,
    appraisal_id TEXT NOT NULL REFERENCES appraisals (id),
    department_id TEXT NOT NULL REFERENCES appraisal_departments (id),
    item TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX rectifications_appraisal ON rectifications (appraisal_id);

CREATE TABLE rectification_notes (
    id TEXT PRIMARY KEY NOT NULL,
    rectification_id TEXT NOT NULL REFERENCES rectifications (id),
    note TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX rectification_notes_rectification ON rectification_notes (rectification_id);
