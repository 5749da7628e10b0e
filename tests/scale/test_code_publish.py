"""``benchmarks.code_publish`` at a small scale: a Code re-acceptance through a fake Discord
that rate-limits DMs, the ``coc-bot run`` process SIGKILLed halfway and a new one started
on the same database. Every member is prompted exactly once: the new process sends only
what was not recorded, and a send the dead one had in flight is resent under the same
nonce, which Discord (and the fake, as Discord does) answers with the message it already
created."""

from __future__ import annotations

import pytest

from benchmarks.code_publish import parse, run

MEMBERS = 300


@pytest.mark.slow
async def test_a_publish_killed_halfway_prompts_every_member_exactly_once() -> None:
    # The lease is short so that the dead process's claimed sends are retaken in seconds.
    result = await run(parse(["--members", str(MEMBERS), "--limit", "60", "--pace", "120",
                              "--lease", "5", "--timeout", "120"]))
    assert result["members"] == MEMBERS
    assert (result["prompted_exactly_once"], result["duplicates"], result["misses"]) \
        == (MEMBERS, 0, 0), result
    assert result["dms_created"] == MEMBERS
    assert 0 < result["prompted_at_kill"] < MEMBERS  # the kill cut the job in two
    assert result["outbox_rows"] == {"sent": MEMBERS}  # nothing left pending or claimed
    assert "Published v1" in result["publish_reply"]
