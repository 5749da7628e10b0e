-- Small facts a front-end keeps about its platform between runs, by key: the hash of the
-- Discord command tree last synced (so an unchanged tree is not synced again on every
-- start), and later a gateway session to resume. Never personal data or message content.

CREATE TABLE platform_state (
    id TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
