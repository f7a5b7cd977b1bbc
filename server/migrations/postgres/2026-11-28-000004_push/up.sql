-- Push: per-committee language and quiet hours, per-activity reminders,
-- members' devices, announcements, and the outbox's delivery and read state
-- (an outbox row is one notification to one member: their inbox item and the
-- unit the push worker delivers).

ALTER TABLE committees ADD COLUMN language TEXT NOT NULL DEFAULT 'zh';
-- Local 'HH:MM'; both set or both NULL. Non-urgent pushes wait them out.
ALTER TABLE committees ADD COLUMN quiet_start TEXT;
ALTER TABLE committees ADD COLUMN quiet_end TEXT;

-- Minutes before the start, comma-separated ('1440,120'); NULL: the server's default; '': none.
ALTER TABLE activities ADD COLUMN reminder_minutes TEXT;

CREATE TABLE devices (
    token TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    -- The sign-in session that registered it: signing out removes it.
    session_id TEXT NOT NULL,
    platform TEXT NOT NULL CHECK (platform IN ('android', 'ios')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- Set when FCM says the token is dead; such devices get no pushes.
    disabled_at TIMESTAMP,
    disabled_reason TEXT
);
CREATE INDEX devices_user ON devices (user_id);
CREATE INDEX devices_session ON devices (session_id);

CREATE TABLE announcements (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    activity_id TEXT REFERENCES activities (id),
    -- The audience as sent (JSON), for the record.
    audience TEXT NOT NULL,
    urgent BOOLEAN NOT NULL,
    recipients INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX announcements_committee ON announcements (committee_id, created_at);

-- Not a foreign key: SQLite could not drop the column again in down.sql.
ALTER TABLE outbox ADD COLUMN announcement_id TEXT;
-- queued → sent | failed | no_device (inbox only).
ALTER TABLE outbox ADD COLUMN push_state TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
-- When a queued push may go next (quiet hours and retry backoff move it).
ALTER TABLE outbox ADD COLUMN due_at TIMESTAMP;
-- A worker's claim; another worker may take the row once it has passed.
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMP;
-- Device tokens already reached, when other devices of the member need a retry (JSON array).
ALTER TABLE outbox ADD COLUMN delivered_to TEXT;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN sent_at TIMESTAMP;
ALTER TABLE outbox ADD COLUMN read_at TIMESTAMP;
UPDATE outbox SET due_at = created_at;
CREATE INDEX outbox_due ON outbox (push_state, due_at);
CREATE INDEX outbox_announcement ON outbox (announcement_id);

-- Reminders already queued, so each goes once even across restarts.
CREATE TABLE reminders_sent (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    minutes INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (activity_id, minutes)
);
