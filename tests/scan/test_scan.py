"""``coc-bot scan``: automod over exported history, per rule and channel, nothing sent."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main

GUILD, CHANNEL, JOBS, CATEGORY = "1000", "2000", "2001", "3000"
START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
CARD = "4111 1111 1111 1111"  # a test Visa number: passes the Luhn check

CONFIG = f"""
[profiles."discord:{GUILD}:{CHANNEL}"]
space_name = "Members (main channel)"
restricts_promotion = true

[automod.profiles."slack:T0TEAM:C01"]
restricts_promotion = true

[slack]
team_id = "T0TEAM"
staff = ["U0STAFF"]
committee = ["U0C1"]
counsel = ["U0COUNSEL"]
executive = ["U0EXEC"]
staff_queue_channel = "C0STAFF"
committee_channel = "C0COMM"
executive_channel = "C0EXEC"
"""


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COC_BOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./coc-bot.toml unless a test writes one


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "coc-bot.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def discord_message(n: int, content: str, *, at: datetime, author: str = "42",
                    name: str = "alice", **extra: Any) -> dict[str, Any]:
    return {"id": str(9000 + n), "type": "Default", "timestamp": at.isoformat(),
            "timestampEdited": None, "isPinned": False, "content": content,
            "author": {"id": author, "name": name, "discriminator": "0000",
                       "nickname": name.title(), "isBot": False,
                       "roles": [{"id": "777", "name": "Member", "color": None,
                                  "position": 1}]},
            "attachments": [], "embeds": [], "reactions": [], "mentions": [], **extra}


def discord_export(tmp_path: Path, channel: str, name: str,
                   messages: list[dict[str, Any]]) -> Path:
    data = {"guild": {"id": GUILD, "name": "Library Association", "iconUrl": ""},
            "channel": {"id": channel, "type": "GuildTextChat", "categoryId": CATEGORY,
                        "category": "Community", "name": name, "topic": None},
            "dateRange": {"after": None, "before": None},
            "messages": messages, "messageCount": len(messages)}
    path = tmp_path / f"Library Association - {name} [{channel}].json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def general_history(tmp_path: Path) -> Path:
    t = START
    messages = [
        discord_message(1, "Welcome to the new members' channel!", at=t),
        discord_message(2, f"my card is {CARD}, can someone pay the fee for me?",
                        at=t + timedelta(minutes=1), author="43", name="bob"),
        discord_message(3, "Selling signed first editions, DM me to buy!",
                        at=t + timedelta(minutes=2), author="44", name="carol"),
        discord_message(4, "Has anyone read the cataloguing assessment?",
                        at=t + timedelta(minutes=3)),
    ]
    # A flood: ten messages in ten seconds from one person.
    messages += [discord_message(10 + i, f"hello? {i}", at=t + timedelta(minutes=5, seconds=i),
                                 author="45", name="dave") for i in range(10)]
    # A bot's message is not scanned.
    bot = discord_message(30, f"card {CARD}", at=t + timedelta(minutes=9), author="46",
                          name="helper")
    bot["author"]["isBot"] = True
    messages.append(bot)
    # Joins are not messages a person wrote.
    messages.append({**discord_message(31, "", at=t + timedelta(minutes=9)),
                     "type": "GuildMemberJoin"})
    return discord_export(tmp_path, CHANNEL, "members", messages)


def jobs_history(tmp_path: Path) -> Path:
    # Promotion is allowed in the jobs channel: the same words are not advertising there.
    return discord_export(tmp_path, JOBS, "jobs", [
        discord_message(1, "Hiring a cataloguer, DM me to buy our course first",
                        at=START + timedelta(minutes=4), author="47", name="erin"),
    ])


def slack_folder(tmp_path: Path) -> Path:
    root = tmp_path / "slack-export"
    (root / "general").mkdir(parents=True)
    (root / "random").mkdir()
    (root / "channels.json").write_text(json.dumps([
        {"id": "C01", "name": "general", "created": 1600000000},
        {"id": "C02", "name": "random", "created": 1600000000},
    ]), encoding="utf-8")
    (root / "users.json").write_text(json.dumps([
        {"id": "U01", "name": "frank", "real_name": "Frank Reader",
         "profile": {"display_name": "frank", "real_name": "Frank Reader"}},
        {"id": "U02", "name": "grace", "profile": {"display_name": "", "real_name": "Grace"}},
    ]), encoding="utf-8")
    ts = START.timestamp()

    def msg(offset: float, user: str, text: str, **extra: Any) -> dict[str, Any]:
        return {"type": "message", "user": user, "text": text,
                "ts": f"{ts + offset:.6f}", **extra}

    (root / "general" / "2026-01-05.json").write_text(json.dumps([
        msg(0, "U01", "", subtype="channel_join"),
        msg(10, "U01", "Morning all &amp; welcome <@U02>!",
            user_profile={"display_name": "frankie", "real_name": "Frank Reader"}),
        msg(20, "U02", "DM me to buy the last tote bags, $15 each"),
        msg(30, "U01", f"pay with {CARD} if you like"),
        {"type": "message", "subtype": "bot_message", "bot_id": "B1", "text": f"{CARD}",
         "ts": f"{ts + 40:.6f}"},
    ]), encoding="utf-8")
    (root / "random" / "2026-01-05.json").write_text(json.dumps([
        msg(15, "U02", "DM me to buy the last tote bags, $15 each"),  # promotion allowed
        msg(25, "U01", "My email is frank.reader@example.com"),
    ]), encoding="utf-8")
    (root / "random" / "notes.txt").write_text("not a day file", encoding="utf-8")
    return root


def slack_zip(tmp_path: Path) -> Path:
    root = slack_folder(tmp_path)
    archive = tmp_path / "Library Association Slack export Jan 5 2026.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in root.rglob("*"):
            if file.is_file():
                zf.write(file, file.relative_to(root).as_posix())
    return archive


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def counts(summary: dict[str, Any]) -> dict[str, int]:
    return {rule: info["count"] for rule, info in summary["rules"].items()}


# -- Discord ---------------------------------------------------------------------------------


def test_discord_export_counts_per_rule_and_channel(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    config = config_file(tmp_path)
    summary = run_json(capsys, "scan", str(general_history(tmp_path)), str(jobs_history(tmp_path)),
                       "--config", str(config))
    assert counts(summary) == {"pii-card": 1, "advertising": 1, "flood": 1}
    assert summary["messages"] == 15  # the bot's message and the join are skipped
    assert summary["channels"] == 2 and summary["flagged_messages"] == 3
    members = f"discord:{GUILD}:{CHANNEL}"
    assert summary["by_channel"] == {members: {
        "name": "#members", "messages": 14, "count": 3,
        "rules": {"pii-card": 1, "advertising": 1, "flood": 1}}}
    card = summary["rules"]["pii-card"]
    assert card["clause"] == "no-private-info" and card["actions"] == {"redact": 1}
    [example] = card["examples"]
    assert example["channel"] == members and example["author"] == f"discord:{GUILD}:43"
    assert example["author_name"] == "Bob" and example["message_id"] == "9002"
    assert example["time"] == (START + timedelta(minutes=1)).isoformat()
    assert CARD not in example["excerpt"] and "[card number removed]" in example["excerpt"]
    assert "DM me to buy" in summary["rules"]["advertising"]["examples"][0]["excerpt"]


def test_text_report_lists_totals_then_examples(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    config = config_file(tmp_path)
    code, out, err = run(capsys, "--config", str(config), "scan",
                         str(general_history(tmp_path)), "--examples", "1")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == ("Scanned 14 messages in 1 channel from 1 export, 2026-01-05 to "
                        "2026-01-05. Nothing was sent or removed.")
    assert "Would have flagged 3 messages (3 detections)." in out
    assert out.index("By rule:") < out.index("By channel:") < out.index("Examples:")
    assert any(line.split()[:2] == ["pii-card", "1"] for line in lines)
    assert any(line.split()[:2] == ["flood", "1"] for line in lines)
    assert f"#members (discord:{GUILD}:{CHANNEL}): 3 of 14 messages" in out
    assert "2026-01-05 15:02 UTC  #members  Carol: “Selling signed first editions, DM me " \
           "to buy!”" in out
    assert "  flood (1 of 1):" in out


def test_without_a_config_the_defaults_run(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    # No profile restricts promotion by default, so advertising is not flagged anywhere.
    summary = run_json(capsys, "scan", str(general_history(tmp_path)), "--examples", "0")
    assert counts(summary) == {"pii-card": 1, "flood": 1}
    assert all(info["examples"] == [] for info in summary["rules"].values())


def test_a_quiet_history_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = discord_export(tmp_path, CHANNEL, "members", [
        discord_message(1, "Scunthorpe library's class on analysis", at=START)])
    code, out, _ = run(capsys, "scan", str(path))
    assert code == 0 and "No rule would have flagged anything." in out


def test_messages_are_scanned_in_time_order_across_files(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # The same long text in three channels within ten minutes is a duplicate, whichever
    # order the files are given in; spread over files it only shows once they are merged.
    text = "Please sign our petition for longer opening hours at the branch"
    paths = [discord_export(tmp_path, str(5000 + i), f"c{i}", [
        discord_message(i, text, at=START + timedelta(minutes=2 - i))]) for i in range(3)]
    summary = run_json(capsys, "scan", *map(str, paths))
    assert counts(summary) == {"duplicate": 1}
    [example] = summary["rules"]["duplicate"]["examples"]
    assert example["channel"] == f"discord:{GUILD}:5000"  # the last one sent


def test_a_folder_of_discord_exports(capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    folder = tmp_path / "server"
    folder.mkdir()
    config = config_file(tmp_path)
    general_history(folder)
    jobs_history(folder)
    summary = run_json(capsys, "scan", str(folder), "--config", str(config))
    assert counts(summary) == {"pii-card": 1, "advertising": 1, "flood": 1}
    assert summary["channels"] == 2


# -- Slack -----------------------------------------------------------------------------------


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_slack_export(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                      packed: bool) -> None:
    config = config_file(tmp_path)
    export = slack_zip(tmp_path) if packed else slack_folder(tmp_path)
    summary = run_json(capsys, "scan", str(export), "--config", str(config))
    assert counts(summary) == {"advertising": 1, "pii-card": 1, "pii-email": 1}
    assert summary["messages"] == 5  # the join and the bot's message are skipped
    ad = summary["rules"]["advertising"]
    assert ad["channels"] == {"slack:T0TEAM:C01": 1}  # not in #random
    [example] = ad["examples"]
    assert example["channel_name"] == "#general" and example["author_name"] == "Grace"
    assert example["author"] == "slack:T0TEAM:U02"
    assert summary["by_channel"]["slack:T0TEAM:C02"]["rules"] == {"pii-email": 1}


def test_slack_team_defaults_to_export(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    summary = run_json(capsys, "scan", str(slack_folder(tmp_path)))
    assert set(summary["by_channel"]) == {"slack:export:C01", "slack:export:C02"}
    assert "advertising" not in summary["rules"]


def test_mentions_count_as_the_live_front_ends_count_them(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = slack_folder(tmp_path)
    ts = START.timestamp() + 3600
    (root / "general" / "2026-01-06.json").write_text(json.dumps([
        {"type": "message", "user": "U01", "ts": f"{ts:.6f}",
         "text": "<!channel> the branch is closed tomorrow"},
        {"type": "message", "user": "U01", "ts": f"{ts + 1:.6f}",
         "text": "thanks <@U02> and <!subteam^S1|@staff>"},
    ]), encoding="utf-8")
    (root / "dms.json").write_text(json.dumps([{"id": "D01", "members": ["U01", "U02"]}]),
                                   encoding="utf-8")
    (root / "D01").mkdir()
    (root / "D01" / "2026-01-06.json").write_text(json.dumps([
        {"type": "message", "user": "U01", "ts": f"{ts:.6f}", "text": f"card {CARD}"},
    ]), encoding="utf-8")  # direct messages are not watched
    discord = discord_export(tmp_path, CHANNEL, "members", [
        discord_message(1, "@everyone the meeting moved to 3pm", at=START),
        discord_message(2, "email me at someone@everyone.org", at=START),
    ])
    summary = run_json(capsys, "scan", str(root), str(discord))
    assert summary["rules"]["mass-mention"]["channels"] == {
        "slack:export:C01": 1, f"discord:{GUILD}:{CHANNEL}": 1}
    assert summary["rules"]["pii-card"]["channels"] == {"slack:export:C01": 1}


def test_both_platforms_in_one_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = config_file(tmp_path)
    summary = run_json(capsys, "scan", str(general_history(tmp_path)),
                       str(slack_zip(tmp_path)), "--config", str(config))
    assert counts(summary) == {"pii-card": 2, "advertising": 2, "flood": 1, "pii-email": 1}
    assert summary["rules"]["pii-card"]["channels"] == {
        f"discord:{GUILD}:{CHANNEL}": 1, "slack:T0TEAM:C01": 1}


# -- errors ----------------------------------------------------------------------------------


def assert_refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    return err


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = assert_refused(capsys, "scan", str(tmp_path / "nope.json"))
    assert err.startswith("coc-bot scan: ") and "nope.json' does not exist" in err


@pytest.mark.parametrize("content", [
    b'{"foo": 1}', b"[1, 2, 3]", b"PK but not really a zip", b"\xff\xfe\x00",
])
def test_unknown_format(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                        content: bytes) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)
    err = assert_refused(capsys, "scan", str(path))
    assert "export.json" in err


def test_unknown_format_explains_what_is_expected(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text('{"messages": []}', encoding="utf-8")
    err = assert_refused(capsys, "scan", str(path))
    assert "not an export I can read" in err and "DiscordChatExporter" in err
    assert "channels.json" in err


def test_a_folder_or_zip_without_channels_json(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    folder = tmp_path / "somewhere"
    folder.mkdir()
    assert "a folder without channels.json" in assert_refused(capsys, "scan", str(folder))
    (folder / "notes.json").write_text("{}", encoding="utf-8")
    assert "notes.json' is not an export" in assert_refused(capsys, "scan", str(folder))
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "zip archive without channels.json" in assert_refused(capsys, "scan", str(archive))


def test_a_bad_timestamp_names_the_message_and_the_rest_is_scanned(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = discord_message(1, "hi", at=START)
    bad["timestamp"] = "yesterday"
    good = discord_message(2, f"my card is {CARD}", at=START + timedelta(minutes=1))
    path = discord_export(tmp_path, CHANNEL, "members", [bad, good])
    code, out, err = run(capsys, "scan", str(path), "--format", "json")
    assert code == 2 and "Traceback" not in err
    assert "messages[0]" in err and "'yesterday'" in err and "line 1" in err
    summary = json.loads(out)
    assert summary["messages"] == 1 and counts(summary) == {"pii-card": 1}
    assert summary["complete"] is False and summary["problems"][0]["messages_lost"] is True


def test_a_missing_config_is_refused(capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    err = assert_refused(capsys, "scan", str(general_history(tmp_path)),
                         "--config", str(tmp_path / "missing.toml"))
    assert "missing.toml' does not exist" in err


def test_a_bad_automod_config_is_refused(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    config = tmp_path / "coc-bot.toml"  # found in the working directory
    config.write_text('[automod.rules.pii-card]\naction = "explode"\n', encoding="utf-8")
    err = assert_refused(capsys, "scan", str(general_history(tmp_path)))
    assert "pii-card" in err
