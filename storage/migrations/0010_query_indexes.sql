-- Indexes chosen by the planner's own plans for the hot reads (tests/storage/
-- test_query_plans.py runs EXPLAIN QUERY PLAN on each and fails if it changes).
--
-- Every ordered read (Tx.find with order_by) sorts by (order_by, id): ties broken by id, so
-- all backends return the same list. An index that ends in (..., order_by, id) lets the
-- planner read the rows already in that order; without the trailing id it sorted them in a
-- temporary B-tree on every call. Portable SQL (SQLite and PostgreSQL).

-- /history: each of a member's records, oldest first, read in index order.
DROP INDEX incidents_subject;
CREATE INDEX incidents_subject ON incidents (subject, created_at, id);
CREATE INDEX sanctions_subject_starts ON sanctions (subject, starts_at, id);
CREATE INDEX cases_subject_opened ON cases (subject, opened_at, id);
DROP INDEX appeals_appellant;
CREATE INDEX appeals_appellant ON appeals (appellant, filed_at, id);
-- The bad-faith count (reporter = ? AND status = ?) had two one-column candidates and the
-- planner picked (status, due_at), walking every dismissed report of everyone: 657 ms at
-- 1M reports against 0.1 ms on the reporter. Both columns in one index settle it.
CREATE INDEX reports_reporter_status ON reports (reporter, status);

-- The figures (Tx.statistics): automod reversal rates and the digest's minor incidents are
-- counted per label by a loose index scan (storage/_statistics.py, _per_label): for each
-- label, a range of the index is counted and the next label found by a seek, so neither the
-- period's rows are sorted nor the rest of the history read. A year of a million incidents
-- took 56 s and 838 MiB loaded row by row.
CREATE INDEX incidents_rule_period ON incidents (automated, rule_id, created_at, reversed_at);
CREATE INDEX incidents_minor_clause ON incidents (severity, reversed_at, clause_id, created_at);
CREATE INDEX incidents_minor_channel ON incidents (severity, reversed_at, channel, created_at);

-- Committee seats in office (read by the digest and every vote), in id order.
DROP INDEX appointments_office;
CREATE INDEX appointments_office ON appointments (office, ended_at, id);

-- The digest's lists: open cases, pending appeals, reports past due, suspensions ending.
DROP INDEX cases_status;
CREATE INDEX cases_status ON cases (status, opened_at, id);
DROP INDEX appeals_status;
CREATE INDEX appeals_status ON appeals (status, filed_at, id);
DROP INDEX reports_status_due;
CREATE INDEX reports_status_due ON reports (status, due_at, id);
DROP INDEX sanctions_status_ends;
CREATE INDEX sanctions_status_ends ON sanctions (status, ends_at, id);
