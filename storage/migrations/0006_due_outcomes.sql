-- Issue 11 (due process): review periods carried by motions, public statements governed by
-- the committee's vote, and the wishes of the person harmed.
ALTER TABLE motions ADD COLUMN sanction_review TEXT;
ALTER TABLE motions ADD COLUMN public_statement TEXT;
ALTER TABLE motions ADD COLUMN statement_published_at TEXT;
ALTER TABLE motions ADD COLUMN statement_published_by TEXT;
ALTER TABLE cases ADD COLUMN reporter_wishes TEXT;
ALTER TABLE cases ADD COLUMN reporter_wishes_note TEXT;
ALTER TABLE cases ADD COLUMN wishes_at TEXT;
