-- A meeting's documents (会议材料): files uploaded by the office, served to
-- those summoned. Same checks and wire shape as an activity's materials; the
-- content apart so listing a meeting never reads the files.

CREATE TABLE meeting_documents (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    title TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX meeting_documents_meeting ON meeting_documents (meeting_id);

CREATE TABLE meeting_document_files (
    document_id TEXT PRIMARY KEY NOT NULL REFERENCES meeting_documents (id),
    content BLOB NOT NULL
);
