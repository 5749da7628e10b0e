-- How a decision, and an appeal's outcome, reached the person (bot/core/models/_cases.py,
-- CommunicationChannel): 'dm', 'email' (their DMs were closed and the mail server accepted
-- the e-mail) or 'staff' (staff told them another way and recorded it). The protocols start
-- the appeal window when a decision is communicated, so the moment and the way are kept.

ALTER TABLE cases ADD COLUMN communicated_via TEXT;
ALTER TABLE appeals ADD COLUMN communicated_at TEXT;
ALTER TABLE appeals ADD COLUMN communicated_via TEXT;
