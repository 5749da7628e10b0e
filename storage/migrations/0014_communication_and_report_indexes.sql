-- How a decision, and an appeal's outcome, reached the person (bot/core/models/_cases.py,
-- CommunicationChannel): 'dm', 'email' (their DMs were closed and the mail server accepted
-- the e-mail) or 'staff' (staff told them another way and recorded it). The protocols start
-- the appeal window when a decision is communicated, so the moment and the way are kept.

ALTER TABLE cases ADD COLUMN communicated_via TEXT;
ALTER TABLE appeals ADD COLUMN communicated_at TEXT;
ALTER TABLE appeals ADD COLUMN communicated_via TEXT;

-- The transparency report's grouped counts (storage/_statistics.py, count_by) read a
-- year of one table: each of these covers the period's range and every column the label
-- and its conditions use, so the count reads only that year's index entries (no table
-- rows, no sort); the few groups are counted as they stream. Incidents are read through
-- incidents_period (0013), which covers kind and subject for these counts too.
CREATE INDEX reports_period ON reports (created_at, status);
CREATE INDEX sanctions_period ON sanctions (starts_at, ends_at, interim, case_id, automated);
CREATE INDEX cases_period ON cases (opened_at, origin, status);
CREATE INDEX motions_period ON motions (closed_at, status);
CREATE INDEX appeals_period ON appeals (filed_at, status);
