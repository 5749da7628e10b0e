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

-- Erasure of a person's data (coc-bot erase person): the audit log stays append-only for
-- events (no row is ever removed, and what happened, when, to which record, and whether
-- automated never change), but a recorded, authorised erasure may blank its personal
-- fields (actor, reason, details; and the subject of an event about a person, such as
-- "person.linked", which names them). The bot's connection answers coc_erasure() with 1 only
-- inside that one erasure transaction; any other connection has no such function, so an
-- update there fails too. On PostgreSQL the flag is the setting coc_bot.erasure, which
-- the erasure transaction sets for itself only (SET LOCAL). As with the SQLite file, the
-- tables' owner can always get round a trigger; what these guard against is every other
-- path: the bot's own code, a mistaken query, a tool that is not doing an erasure.
-- dialect: sqlite
DROP TRIGGER audit_log_no_update;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN coc_erasure() IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_erasure_keeps_events BEFORE UPDATE ON audit_log
WHEN NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.action IS NOT OLD.action
  OR NEW.subject_type IS NOT OLD.subject_type OR NEW.automated IS NOT OLD.automated
  OR (NEW.subject_id IS NOT OLD.subject_id AND OLD.subject_type IS NOT 'person')
BEGIN
    SELECT RAISE(ABORT, 'an erasure may blank personal fields of the audit log, nothing else');
END;

-- dialect: postgresql
CREATE FUNCTION audit_log_erasure_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('coc_bot.erasure', true), '') <> 'on' THEN
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.at IS DISTINCT FROM OLD.at
       OR NEW.action IS DISTINCT FROM OLD.action
       OR NEW.subject_type IS DISTINCT FROM OLD.subject_type
       OR NEW.automated IS DISTINCT FROM OLD.automated
       OR (NEW.subject_id IS DISTINCT FROM OLD.subject_id
           AND OLD.subject_type IS DISTINCT FROM 'person') THEN
        RAISE EXCEPTION 'an erasure may blank personal fields of the audit log, nothing else'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER audit_log_no_update ON audit_log;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_erasure_only();
