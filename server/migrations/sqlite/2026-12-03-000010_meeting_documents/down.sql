DROP TABLE meeting_document_files;
DROP TABLE meeting_documents;
