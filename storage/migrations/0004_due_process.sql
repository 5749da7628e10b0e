-- Due process: the reported person is heard (statement deadline, when it was written,
-- whether they could be reached) and the committee's relayed conversation with them is
-- kept with the case, both ways.

ALTER TABLE cases ADD COLUMN statement_due_at TEXT;
ALTER TABLE cases ADD COLUMN statement_at TEXT;
ALTER TABLE cases ADD COLUMN subject_unreachable_at TEXT;

CREATE TABLE case_contacts (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    status TEXT NOT NULL,
    ended_at TEXT,
    ended_by TEXT,
    end_note TEXT
) STRICT;

CREATE TABLE relay_messages (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL,
    delivered INTEGER NOT NULL
) STRICT;

CREATE INDEX case_contacts_status ON case_contacts (status, case_id);
CREATE INDEX relay_messages_case ON relay_messages (case_id, at);
