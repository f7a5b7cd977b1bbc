-- Public-opinion reports (社情民意信息): a member's report with its
-- credits and attachments; every submitted text as a version; the steps of
-- its life as events (adoption, 批示 and 办复 are events with a level, a
-- date and who); numbered issues; copies forwarded to the parent committee
-- (each copy is a report of the parent, linked to the one it came from).

ALTER TABLE committees ADD COLUMN report_max_chars INTEGER NOT NULL DEFAULT 1500;

CREATE TABLE report_issues (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    year INTEGER NOT NULL,
    number INTEGER NOT NULL,
    issued_on DATE NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (committee_id, year, number)
);

CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    -- The report members wrote (itself, unless this is a forwarded copy):
    -- credits, attachments and the timeline hang on it.
    root_id TEXT NOT NULL,
    forwarded_from TEXT REFERENCES reports (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('economy', 'livelihood', 'education', 'health',
        'environment', 'agriculture', 'governance', 'other')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted',
        'rejected', 'withdrawn', 'merged')),
    version INTEGER NOT NULL DEFAULT 0,
    office_comment TEXT,
    issue_id TEXT REFERENCES report_issues (id),
    issue_position INTEGER,
    merged_into TEXT REFERENCES reports (id),
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX reports_committee_status ON reports (committee_id, status, updated_at);
CREATE INDEX reports_root ON reports (root_id);
CREATE INDEX reports_author ON reports (author_id);
CREATE INDEX reports_issue ON reports (issue_id);

-- Who is credited on a root report: the author (position 0), then co-signers.
CREATE TABLE report_credits (
    report_id TEXT NOT NULL REFERENCES reports (id),
    member_id TEXT NOT NULL REFERENCES users (id),
    position INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('author', 'cosigner')),
    confirmed_at TIMESTAMP,
    PRIMARY KEY (report_id, member_id)
);
CREATE INDEX report_credits_member ON report_credits (member_id);

-- Every submitted text, and every edit the office made to it.
CREATE TABLE report_versions (
    report_id TEXT NOT NULL REFERENCES reports (id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    edited_by TEXT NOT NULL REFERENCES users (id),
    edited_at TIMESTAMP NOT NULL,
    note TEXT,
    PRIMARY KEY (report_id, version)
);

-- Where each forward went, so a report goes to one destination once.
CREATE TABLE report_forwards (
    report_id TEXT NOT NULL REFERENCES reports (id),
    destination TEXT NOT NULL,
    to_committee_id TEXT REFERENCES committees (id),
    copy_id TEXT REFERENCES reports (id),
    forwarded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (report_id, destination)
);

-- The timeline, oldest first by id (UUIDv7).
CREATE TABLE report_events (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id),
    root_id TEXT NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    kind TEXT NOT NULL,
    actor_id TEXT REFERENCES users (id),
    level TEXT CHECK (level IN ('national', 'provincial', 'city', 'county')),
    on_date DATE,
    party TEXT,
    text TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX report_events_root ON report_events (root_id);
CREATE INDEX report_events_kind ON report_events (committee_id, kind, on_date);

-- Attachments: the file apart, so a forwarded copy shares it.
CREATE TABLE report_files (
    id TEXT PRIMARY KEY NOT NULL,
    content BYTEA NOT NULL
);
CREATE TABLE report_attachments (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id),
    file_id TEXT NOT NULL REFERENCES report_files (id),
    title TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments (report_id);

-- Like meeting_id: no foreign key, so SQLite can drop the column again.
ALTER TABLE outbox ADD COLUMN report_id TEXT;
