-- Per-day tallies of incidents, kept by the database itself, so the digest and a year of
-- automod reversal figures read a few thousand counter rows instead of counting every
-- incident of the period (a year at a million incidents: ~600 ms through the best index).
--
-- One row per (measure, UTC day of created_at, label):
--   minor.clause   minor incidents per clause          (the digest)
--   minor.channel  minor incidents per channel         (the digest; no channel: none)
--   automod.rule   automated incidents per rule        (reversal rates; no rule: none)
-- ``total`` counts the incidents, ``reversed`` those with reversed_at set; a standing
-- (not reversed) count is total - reversed.
--
-- Triggers keep them in the same transaction as every write to incidents (insert, update of
-- a counted column, delete), whatever writes it: the services, erasure, retention, a bulk
-- load, an operator's SQL. So the tallies equal the raw counts by construction
-- (tests/storage/test_incident_tallies.py compares them over random write sequences).
-- Rows that fall to zero stay (readers skip them); a day is at most a few hundred rows.
-- Periods that do not start or end on a UTC midnight count their partial days from the
-- incidents themselves (storage/_statistics.py).

-- On SQLite the rows live in their key's B-tree (WITHOUT ROWID): a period is one
-- contiguous range, read with no second lookup per row.
-- dialect: sqlite
CREATE TABLE incident_tallies (
    measure TEXT NOT NULL,
    day TEXT NOT NULL,
    label TEXT NOT NULL,
    total INTEGER NOT NULL,
    reversed INTEGER NOT NULL,
    PRIMARY KEY (measure, day, label)
) STRICT, WITHOUT ROWID;
-- dialect: postgresql
CREATE TABLE incident_tallies (
    measure TEXT NOT NULL,
    day TEXT NOT NULL,
    label TEXT NOT NULL,
    total BIGINT NOT NULL,
    reversed BIGINT NOT NULL,
    PRIMARY KEY (measure, day, label)
);
-- dialect: both

-- Backfill from the incidents already recorded (created_at is fixed-width UTC ISO text on
-- both backends, so its first ten characters are the UTC day).
INSERT INTO incident_tallies (measure, day, label, total, reversed)
SELECT 'minor.clause', substr(created_at, 1, 10), clause_id, COUNT(*),
       SUM(CASE WHEN reversed_at IS NULL THEN 0 ELSE 1 END)
FROM incidents WHERE severity = 'minor'
GROUP BY substr(created_at, 1, 10), clause_id;

INSERT INTO incident_tallies (measure, day, label, total, reversed)
SELECT 'minor.channel', substr(created_at, 1, 10), channel, COUNT(*),
       SUM(CASE WHEN reversed_at IS NULL THEN 0 ELSE 1 END)
FROM incidents WHERE severity = 'minor' AND channel IS NOT NULL
GROUP BY substr(created_at, 1, 10), channel;

INSERT INTO incident_tallies (measure, day, label, total, reversed)
SELECT 'automod.rule', substr(created_at, 1, 10), rule_id, COUNT(*),
       SUM(CASE WHEN reversed_at IS NULL THEN 0 ELSE 1 END)
FROM incidents WHERE automated = 1 AND rule_id IS NOT NULL
GROUP BY substr(created_at, 1, 10), rule_id;

-- The figures no longer count per label through a loose index scan (0010): those three
-- indexes go (three fewer to write per incident). A period's partial first and last days
-- are counted from this one, which covers every column the counts read, so a day's
-- incidents are read from the index alone; it also serves every other range of
-- created_at, so the one-column index goes too; kind and subject let the transparency
-- report's yearly counts (0014) read it alone as well.
DROP INDEX incidents_rule_period;
DROP INDEX incidents_minor_clause;
DROP INDEX incidents_minor_channel;
DROP INDEX incidents_created;
CREATE INDEX incidents_period ON incidents
    (created_at, severity, automated, reversed_at, clause_id, channel, rule_id, kind,
     subject);

-- A raid wave's running figures and the ids of its alert messages (bot/core/models/_raid.py),
-- written with each batch of its incidents and deleted when the wave ends, so a bot
-- restarted mid-wave edits the same alert with the full totals. No person is named in it.
CREATE TABLE raid_waves (
    id TEXT PRIMARY KEY,
    space TEXT NOT NULL,
    started_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    removed INTEGER NOT NULL,
    not_deleted INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    undelivered INTEGER NOT NULL,
    accounts TEXT NOT NULL,
    told TEXT NOT NULL,
    timed_out TEXT NOT NULL,
    escalated TEXT NOT NULL,
    channels TEXT NOT NULL,
    rules TEXT NOT NULL,
    restrained TEXT NOT NULL,
    restrained_until TEXT NOT NULL,
    staff_alert TEXT,
    committee_alert TEXT
) STRICT;

CREATE INDEX raid_waves_space ON raid_waves (space, started_at, id);

-- dialect: sqlite
CREATE TRIGGER incident_tallies_insert AFTER INSERT ON incidents
BEGIN
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'minor.clause', substr(NEW.created_at, 1, 10), NEW.clause_id, 1,
           NEW.reversed_at IS NOT NULL
    WHERE NEW.severity = 'minor'
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'minor.channel', substr(NEW.created_at, 1, 10), NEW.channel, 1,
           NEW.reversed_at IS NOT NULL
    WHERE NEW.severity = 'minor' AND NEW.channel IS NOT NULL
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'automod.rule', substr(NEW.created_at, 1, 10), NEW.rule_id, 1,
           NEW.reversed_at IS NOT NULL
    WHERE NEW.automated = 1 AND NEW.rule_id IS NOT NULL
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
END;

CREATE TRIGGER incident_tallies_delete AFTER DELETE ON incidents
BEGIN
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'minor.clause', substr(OLD.created_at, 1, 10), OLD.clause_id, -1,
           -(OLD.reversed_at IS NOT NULL)
    WHERE OLD.severity = 'minor'
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'minor.channel', substr(OLD.created_at, 1, 10), OLD.channel, -1,
           -(OLD.reversed_at IS NOT NULL)
    WHERE OLD.severity = 'minor' AND OLD.channel IS NOT NULL
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'automod.rule', substr(OLD.created_at, 1, 10), OLD.rule_id, -1,
           -(OLD.reversed_at IS NOT NULL)
    WHERE OLD.automated = 1 AND OLD.rule_id IS NOT NULL
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
END;

-- An update of a counted column moves the incident: out of its old tallies, into its new
-- ones. Updates of anything else (the DM flag, the excerpt blanked by retention) cost
-- nothing.
CREATE TRIGGER incident_tallies_update AFTER UPDATE ON incidents
WHEN OLD.created_at IS NOT NEW.created_at OR OLD.severity IS NOT NEW.severity
  OR OLD.clause_id IS NOT NEW.clause_id OR OLD.channel IS NOT NEW.channel
  OR OLD.automated IS NOT NEW.automated OR OLD.rule_id IS NOT NEW.rule_id
  OR (OLD.reversed_at IS NULL) IS NOT (NEW.reversed_at IS NULL)
BEGIN
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'minor.clause', substr(OLD.created_at, 1, 10), OLD.clause_id, -1,
           -(OLD.reversed_at IS NOT NULL)
    WHERE OLD.severity = 'minor'
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'minor.channel', substr(OLD.created_at, 1, 10), OLD.channel, -1,
           -(OLD.reversed_at IS NOT NULL)
    WHERE OLD.severity = 'minor' AND OLD.channel IS NOT NULL
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'automod.rule', substr(OLD.created_at, 1, 10), OLD.rule_id, -1,
           -(OLD.reversed_at IS NOT NULL)
    WHERE OLD.automated = 1 AND OLD.rule_id IS NOT NULL
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'minor.clause', substr(NEW.created_at, 1, 10), NEW.clause_id, 1,
           NEW.reversed_at IS NOT NULL
    WHERE NEW.severity = 'minor'
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'minor.channel', substr(NEW.created_at, 1, 10), NEW.channel, 1,
           NEW.reversed_at IS NOT NULL
    WHERE NEW.severity = 'minor' AND NEW.channel IS NOT NULL
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
    INSERT INTO incident_tallies (measure, day, label, total, reversed)
    SELECT 'automod.rule', substr(NEW.created_at, 1, 10), NEW.rule_id, 1,
           NEW.reversed_at IS NOT NULL
    WHERE NEW.automated = 1 AND NEW.rule_id IS NOT NULL
    ON CONFLICT (measure, day, label) DO UPDATE
    SET total = total + excluded.total, reversed = reversed + excluded.reversed;
END;

-- dialect: postgresql
CREATE FUNCTION incident_tallies_add(r incidents, k BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_day TEXT := substr(r.created_at, 1, 10);
    v_undone BIGINT := CASE WHEN r.reversed_at IS NULL THEN 0 ELSE k END;
BEGIN
    IF r.severity = 'minor' THEN
        INSERT INTO incident_tallies AS t (measure, day, label, total, reversed)
        VALUES ('minor.clause', v_day, r.clause_id, k, v_undone)
        ON CONFLICT (measure, day, label) DO UPDATE
        SET total = t.total + excluded.total, reversed = t.reversed + excluded.reversed;
        IF r.channel IS NOT NULL THEN
            INSERT INTO incident_tallies AS t (measure, day, label, total, reversed)
            VALUES ('minor.channel', v_day, r.channel, k, v_undone)
            ON CONFLICT (measure, day, label) DO UPDATE
            SET total = t.total + excluded.total, reversed = t.reversed + excluded.reversed;
        END IF;
    END IF;
    IF r.automated = 1 AND r.rule_id IS NOT NULL THEN
        INSERT INTO incident_tallies AS t (measure, day, label, total, reversed)
        VALUES ('automod.rule', v_day, r.rule_id, k, v_undone)
        ON CONFLICT (measure, day, label) DO UPDATE
        SET total = t.total + excluded.total, reversed = t.reversed + excluded.reversed;
    END IF;
END $$;

CREATE FUNCTION incident_tallies_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM incident_tallies_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM incident_tallies_add(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER incident_tallies_write AFTER INSERT OR DELETE ON incidents
FOR EACH ROW EXECUTE FUNCTION incident_tallies_follow();

CREATE TRIGGER incident_tallies_update AFTER UPDATE ON incidents
FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at
    OR OLD.severity IS DISTINCT FROM NEW.severity
    OR OLD.clause_id IS DISTINCT FROM NEW.clause_id
    OR OLD.channel IS DISTINCT FROM NEW.channel
    OR OLD.automated IS DISTINCT FROM NEW.automated
    OR OLD.rule_id IS DISTINCT FROM NEW.rule_id
    OR (OLD.reversed_at IS NULL) IS DISTINCT FROM (NEW.reversed_at IS NULL))
EXECUTE FUNCTION incident_tallies_follow();

-- TRUNCATE skips row triggers: the tallies go with the incidents.
CREATE FUNCTION incident_tallies_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM incident_tallies;
    RETURN NULL;
END $$;

CREATE TRIGGER incident_tallies_truncate AFTER TRUNCATE ON incidents
FOR EACH STATEMENT EXECUTE FUNCTION incident_tallies_truncate();
