-- The office's audit log (操作日志): one row per export of personal data,
-- account change, action for a member or announcement. Append-only: the
-- triggers refuse any change or removal, whoever asks.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL, -- UUIDv7: ordered by time
    committee_id TEXT NOT NULL REFERENCES committees (id),
    actor_id TEXT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    subject_id TEXT,
    detail TEXT NOT NULL,
    via TEXT NOT NULL CHECK (via IN ('api', 'console')),
    request_id TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_committee ON audit_log (committee_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
