"""The public labelled datasets of ``benchmarks/quality.py``: pinned, verified, cached.

Run: ``python -m benchmarks.fetch_datasets [--data-dir DIR] [--offline] [NAME ...]``.

Each dataset is pinned by URL (at a fixed commit, never a moving branch), licence,
citation and the SHA-256 of every file. A file is verified before any use: a cached or
downloaded file whose digest is not the pinned one is refused with a message naming the
file, both digests and what to do, and a download that does not match is never kept.
Files go to ``--data-dir``, else ``$COC_BOT_DATASETS``, else ``~/.cache/coc-bot/datasets``
(``<dir>/<dataset>/<file>``). Network is used here only, and only to fetch these files;
the tests never reach it (they hand in a local file).

Small, licensed data ships with coc-bot instead (``benchmarks/data/``): the SMS Spam
Collection (CC BY 4.0, 5,572 messages, gzip) is read from there and verified the same way.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import tempfile
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHIPPED = HERE / "data"
ENV_DIR = "COC_BOT_DATASETS"
_CHUNK = 1 << 16

Downloader = Callable[[str, Path], None]


class DatasetError(Exception):
    """A dataset file is missing, cannot be fetched or is not the pinned file."""


@dataclass(frozen=True, slots=True)
class Pinned:
    """One file of a dataset: where it lives in the cache, where it comes from, its digest."""

    name: str
    url: str | None  # None: shipped in benchmarks/data (``shipped`` names the file there)
    sha256: str
    shipped: str | None = None


@dataclass(frozen=True, slots=True)
class Dataset:
    """A dataset as the benchmark uses it, with what a reader needs to cite it."""

    key: str
    title: str
    licence: str
    citation: str
    home: str
    files: tuple[Pinned, ...]


_DAVIDSON_COMMIT = "cb50f7e9eb855a99abc51423bf40df0e26d6fe30"
_IRC_COMMIT = "82ed04f9627a45d0d6f2ec3c8683c88eb408a0d5"
_DAVIDSON_RAW = ("https://raw.githubusercontent.com/t-davidson/"
                 f"hate-speech-and-offensive-language/{_DAVIDSON_COMMIT}/data/labeled_data.csv")
_IRC_RAW = f"https://raw.githubusercontent.com/jkkummerfeld/irc-disentanglement/{_IRC_COMMIT}"


def _irc_files() -> tuple[Pinned, ...]:
    """The 153 training logs, pinned one by one (``data/irc-train.sha256``)."""
    out = []
    for line in (SHIPPED / "irc-train.sha256").read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        out.append(Pinned(name, f"{_IRC_RAW}/data/train/{name}", digest))
    return tuple(out)


DATASETS: dict[str, Dataset] = {
    "davidson": Dataset(
        "davidson", "Hate speech and offensive language tweets (24,783, crowd-labelled)",
        "MIT, Copyright (c) 2017 Tom Davidson",
        "Davidson, Warmsley, Macy and Weber. Automated Hate Speech Detection and the "
        "Problem of Offensive Language. ICWSM 2017.",
        "https://github.com/t-davidson/hate-speech-and-offensive-language",
        (Pinned("labeled_data.csv", _DAVIDSON_RAW,
                "fcb8bc7c68120ae4af04a5b9acd58585513ede11e1548ebf36a5c2040b6f6281"),)),
    "sms": Dataset(
        "sms", "SMS Spam Collection v.1 (5,572 messages; Kaggle's spam.csv layout)",
        "CC BY 4.0 (UCI Machine Learning Repository); shipped unchanged, gzip-compressed",
        "Almeida, Gomez Hidalgo and Yamakami. Contributions to the Study of SMS Spam "
        "Filtering: New Collection and Results. DocEng 2011.",
        "https://archive.ics.uci.edu/dataset/228/sms+spam+collection",
        (Pinned("spam.csv", None,
                "2cbd32a90236d1912ae5c60ccf88b675b7638fbe9b3e7c33297b0d9abc8d6379",
                shipped="sms-spam-collection.csv.gz"),)),
    "irc": Dataset(
        "irc", "Ubuntu IRC logs, training split (153 files)",
        "CC BY 4.0 (data/LICENSE-data.txt of the repository)",
        "Kummerfeld et al. A Large-Scale Corpus for Conversation Disentanglement. "
        "ACL 2019.",
        "https://github.com/jkkummerfeld/irc-disentanglement",
        _irc_files()),
}


def default_dir() -> Path:
    """Where datasets are cached unless ``--data-dir`` says otherwise."""
    configured = os.environ.get(ENV_DIR)
    return Path(configured) if configured else Path.home() / ".cache" / "coc-bot" / "datasets"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, expected: str) -> Path:
    """``path`` if its SHA-256 is ``expected``; otherwise refuse, saying what to do."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such file; run python -m benchmarks.fetch_datasets.")
    found = sha256_of(path)
    if found != expected:
        raise DatasetError(
            f"{path}: SHA-256 {found} is not the pinned {expected}. This is not the file "
            "the published figures were measured on (changed upstream, truncated or "
            "edited), so it is not used. Delete it and run python -m "
            "benchmarks.fetch_datasets to fetch the pinned version.")
    return path


def _download(url: str, target: Path) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "coc-bot-benchmarks"})
    with urllib.request.urlopen(request, timeout=60) as response, target.open("wb") as out:
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            out.write(chunk)


def _place(pinned: Pinned, target: Path, download: Downloader | None) -> None:
    """Fetch (or unpack the shipped copy) into a temporary file, verify, then move."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    os.close(handle)
    partial = Path(name)
    try:
        if pinned.shipped is not None:
            with gzip.open(SHIPPED / pinned.shipped, "rb") as source:
                partial.write_bytes(source.read())
        elif download is None:
            raise DatasetError(f"{target}: not cached, and --offline forbids fetching "
                               f"{pinned.url}.")
        else:
            try:
                download(pinned.url or "", partial)
            except OSError as exc:
                raise DatasetError(f"{pinned.url}: could not be fetched ({exc}).") from exc
        verify(partial, pinned.sha256)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def obtain(key: str, data_dir: Path | None = None,
           download: Downloader | None = _download) -> list[Path]:
    """The verified files of dataset ``key``, fetched into the cache when missing."""
    dataset = DATASETS[key]
    folder = (data_dir or default_dir()) / key
    paths = []
    for pinned in dataset.files:
        target = folder / pinned.name
        if not target.exists():
            _place(pinned, target, download)
        paths.append(verify(target, pinned.sha256))
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"datasets to fetch: {', '.join(DATASETS)} (default: all)")
    parser.add_argument("--data-dir", type=Path, help=f"cache folder (default: ${ENV_DIR} "
                        "or ~/.cache/coc-bot/datasets)")
    parser.add_argument("--offline", action="store_true",
                        help="verify what is cached; fetch nothing")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(DATASETS)}")
    status = 0
    for key in args.names or list(DATASETS):
        dataset = DATASETS[key]
        try:
            paths = obtain(key, args.data_dir, None if args.offline else _download)
        except DatasetError as exc:
            print(f"{key}: REFUSED: {exc}")
            status = 1
            continue
        print(f"{key}: {len(paths)} file(s) verified in {paths[0].parent}\n"
              f"  {dataset.title}; licence: {dataset.licence}\n  cite: {dataset.citation}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
