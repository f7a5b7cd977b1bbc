DROP TABLE material_files;
ALTER TABLE materials DROP COLUMN file_name;
ALTER TABLE materials DROP COLUMN size_bytes;
ALTER TABLE materials DROP COLUMN content_type;
