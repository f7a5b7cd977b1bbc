-- The office's web console signs in with a cookie. The cookie holds a random
-- token; only its SHA-256 is kept. A session ends when revoked (sign-out,
-- password change, disabled account), when unused for the idle timeout, or
-- at its absolute expiry.
CREATE TABLE console_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id),
    -- Sent back in every form and htmx request (synchronizer token).
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
