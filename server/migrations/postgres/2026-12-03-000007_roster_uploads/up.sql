-- A roster file uploaded in the console's import wizard, kept between the
-- dry run the clerk reads and the import they confirm (so the file is sent
-- once, and the import is the file that was checked). Confirming records
-- what was done; a second confirmation finds it done and imports nothing.
-- Files are deleted a day after upload: they hold personal data.
CREATE TABLE roster_uploads (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    file_name TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    imported_at TIMESTAMP,
    -- What the import did (JSON), once confirmed.
    outcome TEXT
);
CREATE INDEX roster_uploads_uploaded_at ON roster_uploads (uploaded_at);
