-- One open automatic case per person, enforced by the database (issue 12).
--
-- Escalation used to check for an open case inside the incident's transaction and open the
-- case after it, so a burst of repeat violations opened one case per incident. A partial
-- unique index makes the second concurrent opening fail atomically; the service then joins
-- the case that won. It covers the cases the machine opens (escalation of repeated
-- incidents, a serious automod finding): a case staff open deliberately, or one from a
-- report, is a person's decision and is not refused here.
--
-- Duplicates the old race already created are closed first (the earliest stays open), or
-- the index could not be built; their summary says why, so the committee can tell.

UPDATE cases
SET status = 'closed',
    final_at = opened_at,
    summary = summary || ' [Closed on upgrade: a duplicate of an earlier automatic case '
                      || 'for the same person, opened by the same burst of incidents.]'
WHERE status = 'open'
  AND origin IN ('escalation', 'incident')
  AND EXISTS (
      SELECT 1 FROM cases AS earlier
      WHERE earlier.subject = cases.subject
        AND earlier.status = 'open'
        AND earlier.origin IN ('escalation', 'incident')
        AND (earlier.opened_at < cases.opened_at
             OR (earlier.opened_at = cases.opened_at AND earlier.id < cases.id)));

CREATE UNIQUE INDEX cases_one_open_automatic ON cases (subject)
    WHERE status = 'open' AND origin IN ('escalation', 'incident');
