-- Foundation: committees, sectors, accounts, sessions, signing keys.
-- Ids are UUIDv7 text (time-ordered, so they double as a stable sort key).
-- Times are UTC, without zone (TIMESTAMP, not TIMESTAMPTZ, so both backends agree).

CREATE TABLE committees (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'county')),
    parent_id TEXT REFERENCES committees (id),
    time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sectors (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (committee_id, name)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    member_no TEXT,
    name TEXT NOT NULL,
    gender TEXT CHECK (gender IN ('male', 'female')),
    phone TEXT NOT NULL UNIQUE,
    sector_id TEXT REFERENCES sectors (id),
    party TEXT,
    workplace TEXT,
    birth_year INTEGER,
    role TEXT NOT NULL CHECK (role IN ('member', 'organizer', 'admin')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
    password_hash TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (committee_id, member_no)
);
CREATE INDEX users_committee_sector ON users (committee_id, sector_id);

CREATE TABLE activation_codes (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    family_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
