-- Evidence: the reported or removed message, the messages around it and later edits,
-- kept (masked) with the report or incident so the committee can weigh context and impact
-- after the author deletes everything. Purged by the retention policy.

CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    position INTEGER NOT NULL,
    message TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    text TEXT NOT NULL,
    author TEXT,
    sent_at TEXT,
    attachments TEXT NOT NULL
) STRICT;

CREATE INDEX evidence_subject ON evidence (subject_type, subject_id, position, captured_at);
CREATE INDEX evidence_message ON evidence (message);
CREATE INDEX evidence_author ON evidence (author);
