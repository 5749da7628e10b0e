"""``coc-bot scan`` over a generated DiscordChatExporter export: peak memory and speed.

Run: ``.venv/bin/python -m benchmarks.scan`` (``--messages 20000`` for a smoke run;
``--baseline DIR`` to measure another checkout, e.g. main, in the same run).

One JSON file is written the way DiscordChatExporter writes it (indented, one channel,
``guild``/``channel`` before ``messages``), with ~1 in 50 messages something automod flags
(a card number, an e-mail address, promotion). Each checkout scans it in a child process of
its own, with the built-in default rules, and reports messages a second and its peak RSS
(the target: under 200 MiB at a million messages, whatever the file's size).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2025, 1, 1, tzinfo=UTC)
FLAGGED = ["my card is 4111 1111 1111 1111", "write to me at someone@example.com",
           "Selling signed first editions, DM me to buy!"]


def generate(path: Path, count: int) -> None:
    """Stream the file out (the generator must not need the memory the scan must not)."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{\n  "guild": {"id": "1000", "name": "Library Association", "iconUrl": ""},\n'
                  '  "channel": {"id": "2000", "type": "GuildTextChat", "categoryId": "3000",'
                  ' "category": "Community", "name": "general", "topic": null},\n'
                  '  "dateRange": {"after": null, "before": null},\n  "messages": [\n')
        for n in range(count):
            text = FLAGGED[n % 3] if n % 50 == 0 else f"message number {n} about the catalogue"
            author = str(100_000 + n % 5_000)
            message = {
                "id": str(10**17 + n), "type": "Default",
                "timestamp": (START + timedelta(seconds=n * 3)).isoformat(),
                "timestampEdited": None, "isPinned": False, "content": text,
                "author": {"id": author, "name": f"member{author}", "discriminator": "0000",
                           "nickname": f"Member {author}", "isBot": False,
                           "roles": [{"id": "777", "name": "Member", "color": None,
                                      "position": 1}]},
                "attachments": [], "embeds": [], "reactions": [], "mentions": []}
            out.write(("    " if n == 0 else ",\n    ") + json.dumps(message))
        out.write(f'\n  ],\n  "messageCount": {count}\n}}\n')


def measure(path: Path) -> dict[str, float]:
    from bot.scan import scan_exports
    from config.loader import load_settings
    settings = load_settings(None)
    started = time.perf_counter()
    report = scan_exports([path], settings)
    seconds = time.perf_counter() - started
    return {"messages": report.messages, "detections": report.detections,
            "seconds": seconds, "messages_per_s": report.messages / seconds,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(checkout: Path, path: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run([sys.executable, __file__, "--measure", str(path)], env=env,
                          cwd=checkout, capture_output=True, text=True, check=False,
                          timeout=7200)
    if done.returncode != 0:
        raise SystemExit(f"the scan failed in {checkout}:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=Path, help="another checkout to measure too")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    checkouts = {"after": Path(__file__).resolve().parent.parent}
    if args.baseline:
        checkouts = {"before": args.baseline.resolve(), **checkouts}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "Library Association - general [2000].json"
        started = time.perf_counter()
        generate(path, args.messages)
        print(f"wrote {args.messages:,} messages ({path.stat().st_size / 2**20:,.0f} MiB) in "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
        runs = {label: _child(checkout, path) for label, checkout in checkouts.items()}
    print(f"{'':16}" + "".join(f"{label:>14}" for label in runs)
          + ("         ratio" if len(runs) == 2 else ""))
    for key in ("messages", "detections", "seconds", "messages_per_s", "peak_rss_mib"):
        values = [runs[label][key] for label in runs]
        line = f"{key:16}" + "".join(f"{value:14,.1f}" for value in values)
        if len(values) == 2 and values[1]:
            line += f"{values[0] / values[1]:13.2f}x"
        print(line)


if __name__ == "__main__":
    main()
