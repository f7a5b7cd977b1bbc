-- Activities (training, outreach, inspection), their role slots and audience,
-- sign-ups with waitlists, idempotent retries, check-in and attendance,
-- findings, outcomes, materials, and the notification outbox.

CREATE TABLE activities (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    kind TEXT NOT NULL CHECK (kind IN ('training', 'outreach', 'inspection')),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    signup_opens_at TIMESTAMP,
    signup_closes_at TIMESTAMP,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'cancelled', 'completed')),
    audience TEXT NOT NULL CHECK (audience IN ('committee', 'sectors', 'invited')),
    capacity INTEGER NOT NULL CHECK (capacity >= 1),
    forbid_overlap BOOLEAN NOT NULL DEFAULT FALSE,
    study_hours DOUBLE PRECISION NOT NULL DEFAULT 0,
    theme TEXT CHECK (theme IN ('culture', 'science_technology', 'health')),
    checkin_secret TEXT NOT NULL,
    organizer_id TEXT NOT NULL REFERENCES users (id),
    cancel_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX activities_committee_starts ON activities (committee_id, starts_at);

CREATE TABLE activity_roles (
    id TEXT PRIMARY KEY NOT NULL,
    activity_id TEXT NOT NULL REFERENCES activities (id),
    name TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 1),
    sector_id TEXT REFERENCES sectors (id),
    position INTEGER NOT NULL
);
CREATE INDEX activity_roles_activity ON activity_roles (activity_id);

CREATE TABLE activity_sectors (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    sector_id TEXT NOT NULL REFERENCES sectors (id),
    PRIMARY KEY (activity_id, sector_id)
);

CREATE TABLE activity_invitees (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (activity_id, user_id)
);

CREATE TABLE itinerary_stops (
    id TEXT PRIMARY KEY NOT NULL,
    activity_id TEXT NOT NULL REFERENCES activities (id),
    position INTEGER NOT NULL,
    at TIMESTAMP NOT NULL,
    place TEXT NOT NULL,
    subject TEXT NOT NULL
);
CREATE INDEX itinerary_stops_activity ON itinerary_stops (activity_id);

CREATE TABLE materials (
    id TEXT PRIMARY KEY NOT NULL,
    activity_id TEXT NOT NULL REFERENCES activities (id),
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX materials_activity ON materials (activity_id);

-- One row per member and activity; a member who cancels and signs up again
-- reuses it with a new seq. seq orders the waitlist: it is assigned under the
-- activity's write lock, so it is gap-free in commit order.
CREATE TABLE signups (
    id TEXT PRIMARY KEY NOT NULL,
    activity_id TEXT NOT NULL REFERENCES activities (id),
    role_id TEXT NOT NULL REFERENCES activity_roles (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    seq BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled', 'removed')),
    attendance TEXT CHECK (attendance IN ('attended', 'absent', 'excused')),
    checked_in_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (activity_id, user_id),
    UNIQUE (activity_id, seq)
);
CREATE INDEX signups_role_status ON signups (role_id, status, seq);
CREATE INDEX signups_user ON signups (user_id);

-- A retried request with the same key gets the stored answer instead of acting twice.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE findings (
    id TEXT PRIMARY KEY NOT NULL,
    activity_id TEXT NOT NULL REFERENCES activities (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'forwarded', 'adopted', 'answered')),
    department TEXT,
    response TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX findings_activity ON findings (activity_id);
CREATE INDEX findings_user ON findings (user_id);

CREATE TABLE outcomes (
    activity_id TEXT PRIMARY KEY NOT NULL REFERENCES activities (id),
    people_served INTEGER NOT NULL DEFAULT 0,
    consultations INTEGER NOT NULL DEFAULT 0,
    materials_distributed INTEGER NOT NULL DEFAULT 0,
    donated_value_yuan DOUBLE PRECISION NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '',
    photo_urls TEXT NOT NULL DEFAULT '[]',
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);

-- Messages to members, written in the transaction of the change that causes
-- them; the push worker delivers them and the inbox shows them.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    activity_id TEXT REFERENCES activities (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    urgent BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_user ON outbox (user_id, created_at);
