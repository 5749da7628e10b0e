-- E-mail reach (bot/core/services/email_reach.py): the operator's address book, and which
-- channel an outbox row goes by. An e-mail is an outbox row like a DM (same claims, lease,
-- retries and outcome), with channel 'email'; the address is looked up when it is sent.

CREATE TABLE email_addresses (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    address TEXT NOT NULL,
    added_at TEXT NOT NULL
) STRICT;

ALTER TABLE outbox ADD COLUMN channel TEXT;
