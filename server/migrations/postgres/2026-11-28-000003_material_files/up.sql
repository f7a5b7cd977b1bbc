-- Uploaded course materials: kept in the database, so several server
-- processes share them and one backup holds everything.
ALTER TABLE materials ADD COLUMN content_type TEXT;
ALTER TABLE materials ADD COLUMN size_bytes BIGINT;
ALTER TABLE materials ADD COLUMN file_name TEXT;

CREATE TABLE material_files (
    material_id TEXT PRIMARY KEY NOT NULL REFERENCES materials (id),
    content BYTEA NOT NULL
);
