-- The duty record with points (履职积分). Points are stored in hundredths,
-- so every sum is exact. A year without a points_years row runs on the
-- defaults; closing it stores the rules it closed with, every line of every
-- member's record and each member's total, grade and place: the frozen
-- record no later change alters, except an accepted dispute's adjustment.

CREATE TABLE points_years (
    committee_id TEXT NOT NULL REFERENCES committees (id),
    year INTEGER NOT NULL,
    first_author_percent INTEGER NOT NULL,
    excellent_from BIGINT NOT NULL,
    qualified_from BIGINT NOT NULL,
    dispute_days INTEGER NOT NULL,
    customized BOOLEAN NOT NULL,
    closed_at TIMESTAMP,
    closed_by TEXT REFERENCES users (id),
    -- Members ranked at the close (and any an accepted dispute placed since).
    ranked INTEGER,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (committee_id, year)
);

CREATE TABLE points_rules (
    committee_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    event TEXT NOT NULL,
    points BIGINT NOT NULL CHECK (points >= 0),
    PRIMARY KEY (committee_id, year, event),
    FOREIGN KEY (committee_id, year) REFERENCES points_years (committee_id, year)
);

CREATE TABLE points_caps (
    committee_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    category TEXT NOT NULL,
    cap BIGINT NOT NULL CHECK (cap >= 0),
    PRIMARY KEY (committee_id, year, category),
    FOREIGN KEY (committee_id, year) REFERENCES points_years (committee_id, year)
);

-- What the office records by hand (speeches, proposals, articles), and the
-- adjustments of accepted disputes (with their own points).
CREATE TABLE points_entries (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    year INTEGER NOT NULL,
    member_id TEXT NOT NULL REFERENCES users (id),
    event TEXT NOT NULL,
    evidence TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    points BIGINT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (committee_id, member_id, event, evidence)
);
CREATE INDEX points_entries_year ON points_entries (committee_id, year, member_id);

CREATE TABLE points_disputes (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    year INTEGER NOT NULL,
    member_id TEXT NOT NULL REFERENCES users (id),
    line_key TEXT,
    line_title TEXT,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'refused')),
    answer TEXT,
    adjustment BIGINT,
    entry_id TEXT REFERENCES points_entries (id),
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_disputes_year ON points_disputes (committee_id, year, status);
CREATE INDEX points_disputes_member ON points_disputes (member_id);

-- The frozen record: each line as it stood at the close.
CREATE TABLE points_lines (
    committee_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    member_id TEXT NOT NULL,
    line_key TEXT NOT NULL,
    event TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    source_title TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    quantity BIGINT NOT NULL,
    share_percent INTEGER NOT NULL,
    points BIGINT NOT NULL,
    PRIMARY KEY (committee_id, year, member_id, line_key)
);

CREATE TABLE points_results (
    committee_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    member_id TEXT NOT NULL REFERENCES users (id),
    total BIGINT NOT NULL,
    grade TEXT NOT NULL CHECK (grade IN ('excellent', 'qualified', 'unqualified')),
    rank INTEGER NOT NULL,
    PRIMARY KEY (committee_id, year, member_id)
);
