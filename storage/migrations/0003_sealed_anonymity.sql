-- Sealed anonymity: an anonymous reporter is stored only sealed (encrypted with the
-- operator's key) and as a keyed tag for equality; never in plain text.
-- reports.reporter and appeals.appellant become nullable (SQLite rebuilds the tables).
-- Anonymous rows written before this migration still hold the plain account; the bot
-- seals them at start-up (bot/sealing.py, seal_legacy), with secure_delete on.

CREATE TABLE reports_new (
    id TEXT PRIMARY KEY,
    reporter TEXT,
    anonymous INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL,
    target TEXT,
    message TEXT,
    message_excerpt TEXT,
    message_link TEXT,
    channel TEXT,
    handled_by TEXT,
    handled_at TEXT,
    resolution_note TEXT,
    case_id TEXT,
    queue_message TEXT,
    reminded_at TEXT,
    reporter_sealed TEXT,
    reporter_tag TEXT
) STRICT;

INSERT INTO reports_new (id, reporter, anonymous, reason, created_at, due_at, status,
    target, message, message_excerpt, message_link, channel, handled_by, handled_at,
    resolution_note, case_id, queue_message, reminded_at)
SELECT id, reporter, anonymous, reason, created_at, due_at, status, target, message,
    message_excerpt, message_link, channel, handled_by, handled_at, resolution_note,
    case_id, queue_message, reminded_at
FROM reports;

DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE INDEX reports_reporter ON reports (reporter, created_at);
CREATE INDEX reports_reporter_tag ON reports (reporter_tag, created_at);
CREATE INDEX reports_status_due ON reports (status, due_at);

CREATE TABLE appeals_new (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    appellant TEXT,
    reason TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT,
    appellant_sealed TEXT,
    appellant_tag TEXT
) STRICT;

INSERT INTO appeals_new (id, case_id, appellant, reason, filed_at, status, decided_by,
    decided_at, decision_reason)
SELECT id, case_id, appellant, reason, filed_at, status, decided_by, decided_at,
    decision_reason
FROM appeals;

DROP TABLE appeals;
ALTER TABLE appeals_new RENAME TO appeals;
CREATE INDEX appeals_case ON appeals (case_id);
CREATE INDEX appeals_appellant ON appeals (appellant);
CREATE INDEX appeals_status ON appeals (status, filed_at);

ALTER TABLE cases ADD COLUMN reporter_sealed TEXT;
ALTER TABLE cases ADD COLUMN reporter_tag TEXT;

CREATE TABLE seal_keys (
    id TEXT PRIMARY KEY,
    wrapped TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- The audit log named anonymous reporters as the actor of their report (and of an appeal
-- of the resulting case). This is the authorised erasure the log is designed for: the
-- actor is blanked, the entry stays, marked as a person's act (automated = 0).
-- dialect: sqlite
DROP TRIGGER audit_log_no_update;
-- dialect: postgresql
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
-- dialect: both

UPDATE audit_log SET actor = NULL
WHERE action = 'report.filed' AND subject_type = 'report'
  AND subject_id IN (SELECT id FROM reports WHERE anonymous = 1);

UPDATE audit_log SET actor = NULL
WHERE action = 'appeal.filed' AND subject_type = 'appeal'
  AND subject_id IN (
    SELECT a.id FROM appeals a
    JOIN cases c ON c.id = a.case_id
    JOIN reports r ON r.id = c.report_id
    WHERE r.anonymous = 1 AND a.appellant = r.reporter);

-- dialect: sqlite
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- dialect: postgresql
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;
