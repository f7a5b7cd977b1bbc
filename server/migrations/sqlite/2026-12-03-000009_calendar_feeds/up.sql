-- Calendar feeds: an account's activities and meetings (scope `mine`), or
-- the committee's (scope `committee`, organizers), as iCalendar at a secret
-- URL. Only the secret's hash is stored; the secret itself is an HMAC of the
-- feed's random nonce under the server's calendar key (configured, or the
-- one in calendar_keys), so the URL can be shown again without keeping it.
CREATE TABLE calendar_feeds (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    scope TEXT NOT NULL CHECK (scope IN ('mine', 'committee')),
    nonce TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, scope)
);

-- What each feed last said of each event, so an event keeps its UID and its
-- SEQUENCE and LAST-MODIFIED move only when what the calendar shows changed.
CREATE TABLE calendar_feed_events (
    feed_id TEXT NOT NULL REFERENCES calendar_feeds (id) ON DELETE CASCADE,
    uid TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (feed_id, uid)
);

-- The key feed secrets are derived with when `auth.calendar_key` is not
-- configured: made once, on first use.
CREATE TABLE calendar_keys (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
