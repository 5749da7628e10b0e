-- The initial schema: one table per domain record, columns named after its fields.
-- Datetimes are fixed-width UTC ISO text (they sort as instants), enums their value,
-- person/place/message references their "platform:space:id" key, booleans 0/1.
-- tests/storage/test_schema.py fails if a model field and a column drift apart.

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    reporter TEXT NOT NULL,
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
    reminded_at TEXT
) STRICT;

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    clause_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    created_at TEXT NOT NULL,
    automated INTEGER NOT NULL,
    actor TEXT,
    note TEXT,
    message TEXT,
    excerpt TEXT,
    channel TEXT,
    report_id TEXT,
    rule_id TEXT,
    dm_delivered INTEGER,
    reported_to_committee INTEGER NOT NULL,
    case_id TEXT,
    reversed_at TEXT,
    reversed_by TEXT
) STRICT;

CREATE TABLE sanctions (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    scope TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    clause_id TEXT NOT NULL,
    interim INTEGER NOT NULL,
    automated INTEGER NOT NULL,
    status TEXT NOT NULL,
    channel TEXT,
    ends_at TEXT,
    review_at TEXT,
    actor TEXT,
    case_id TEXT,
    dm_delivered INTEGER,
    lifted_at TEXT,
    lifted_by TEXT,
    lift_reason TEXT
) STRICT;

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    summary TEXT NOT NULL,
    origin TEXT NOT NULL,
    severity TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_by TEXT,
    reporter TEXT,
    report_id TEXT,
    subject_statement TEXT,
    thread TEXT,
    decision TEXT,
    decided_motion_id TEXT,
    communicated_at TEXT,
    appeal_deadline TEXT,
    final_at TEXT
) STRICT;

CREATE TABLE motions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    text TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    closed_at TEXT,
    sanction_duration TEXT,
    sanction_scope TEXT,
    sanction_clause TEXT,
    applied_sanction_id TEXT,
    overruled_by TEXT,
    overrule_reason TEXT
) STRICT;

CREATE TABLE votes (
    id TEXT PRIMARY KEY,
    motion_id TEXT NOT NULL,
    voter TEXT NOT NULL,
    choice TEXT NOT NULL,
    cast_at TEXT NOT NULL
) STRICT;

CREATE TABLE recusals (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    member TEXT NOT NULL,
    reason TEXT NOT NULL,
    declared_at TEXT NOT NULL
) STRICT;

CREATE TABLE appeals (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    appellant TEXT NOT NULL,
    reason TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT
) STRICT;

CREATE TABLE code_versions (
    id TEXT PRIMARY KEY,
    number INTEGER NOT NULL,
    digest TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT,
    summary TEXT NOT NULL
) STRICT;

CREATE TABLE acceptances (
    id TEXT PRIMARY KEY,
    version_id TEXT NOT NULL,
    person TEXT NOT NULL,
    accepted_at TEXT NOT NULL
) STRICT;

CREATE TABLE acceptance_prompts (
    id TEXT PRIMARY KEY,
    version_id TEXT NOT NULL,
    person TEXT NOT NULL,
    prompted_at TEXT NOT NULL,
    delivered INTEGER NOT NULL,
    reminded_at TEXT
) STRICT;

CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    office TEXT NOT NULL,
    term_start TEXT NOT NULL,
    appointed_at TEXT NOT NULL,
    appointed_by TEXT,
    seat INTEGER,
    term_end TEXT,
    ended_at TEXT,
    end_reason TEXT
) STRICT;

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    automated INTEGER NOT NULL,
    actor TEXT,
    reason TEXT,
    details TEXT
) STRICT;

CREATE TABLE scheduled_actions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    claimed_by TEXT,
    claimed_at TEXT,
    finished_at TEXT,
    last_error TEXT
) STRICT;

CREATE TABLE person_links (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    identity TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at TEXT NOT NULL
) STRICT;

-- Lookups the services make on every message, vote or sweep.
CREATE INDEX reports_reporter ON reports (reporter, created_at);
CREATE INDEX reports_status_due ON reports (status, due_at);
CREATE INDEX incidents_subject ON incidents (subject, created_at);
CREATE INDEX incidents_created ON incidents (created_at);
CREATE INDEX sanctions_subject ON sanctions (subject, status);
CREATE INDEX sanctions_status_ends ON sanctions (status, ends_at);
CREATE INDEX cases_subject ON cases (subject, status);
CREATE INDEX cases_status ON cases (status, opened_at);
CREATE INDEX motions_case ON motions (case_id, status);
CREATE INDEX motions_message ON motions (message);
CREATE INDEX votes_motion ON votes (motion_id);
CREATE INDEX recusals_case ON recusals (case_id);
CREATE INDEX appeals_case ON appeals (case_id);
CREATE INDEX appeals_appellant ON appeals (appellant);
CREATE INDEX appeals_status ON appeals (status, filed_at);
CREATE UNIQUE INDEX code_versions_number ON code_versions (number);
CREATE INDEX acceptances_version ON acceptances (version_id, person);
CREATE INDEX acceptance_prompts_version ON acceptance_prompts (version_id, person);
CREATE INDEX appointments_person ON appointments (person, office);
CREATE INDEX appointments_office ON appointments (office, ended_at);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, at);
CREATE INDEX scheduled_actions_due ON scheduled_actions (status, due_at);
CREATE INDEX scheduled_actions_kind ON scheduled_actions (kind, subject_id);
CREATE INDEX person_links_identity ON person_links (identity);
CREATE UNIQUE INDEX person_links_person ON person_links (person);

-- The audit log is append-only: the database itself refuses to change or remove a row.
-- dialect: sqlite
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- dialect: postgresql
-- PostgreSQL: one trigger function; TRUNCATE skips row triggers, so it is refused too.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
