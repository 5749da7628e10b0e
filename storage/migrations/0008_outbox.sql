-- The outbox: every DM and staff/committee post the bot owes, written in the transaction
-- of the fact it announces and sent by paced workers (bot/core/services/outbox.py).
-- A row is claimed with a conditional update and a lease (like scheduled_actions), and is
-- marked sent in the same statement that records the platform's message id.

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    notice_kind TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    recipient TEXT,
    audience TEXT,
    subject_id TEXT,
    title TEXT,
    purpose TEXT,
    batch TEXT,
    mergeable INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    claimed_by TEXT,
    claimed_at TEXT,
    sent_at TEXT,
    message TEXT,
    merged_into TEXT,
    last_error TEXT
) STRICT;

-- The worker's queue: what is due, oldest first; and the pending rows of one recipient
-- (merging a wave of DMs) and of one job (its progress).
CREATE INDEX outbox_due ON outbox (status, due_at);
CREATE INDEX outbox_recipient ON outbox (recipient, status);
CREATE INDEX outbox_batch ON outbox (batch, status);
