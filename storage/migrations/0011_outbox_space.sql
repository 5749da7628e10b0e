-- Several Discord servers / Slack workspaces: a staff post carries the space whose staff
-- queue it goes to (NULL: the platform's first space; committee posts go to the home).
ALTER TABLE outbox ADD COLUMN space TEXT;
