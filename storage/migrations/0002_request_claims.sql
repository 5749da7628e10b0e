-- Platform requests already acted on (Slack events, commands, interactions), so that a
-- replayed or retried request is acknowledged and ignored, across processes and restarts.
-- A claim is an INSERT that does nothing when the id exists; rows are pruned by age.

CREATE TABLE request_claims (
    id TEXT PRIMARY KEY,
    claimed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

CREATE INDEX request_claims_expires_at ON request_claims (expires_at);
