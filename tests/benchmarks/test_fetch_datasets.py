"""The benchmark's datasets are used only as the pinned files (issue 15's "fetched by a
script with a checksum"). No test reaches the network: downloads are handed in."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from benchmarks import fetch_datasets as fd
from benchmarks import quality

CONTENT = b"tweet,class\nhello,2\n"
PIN = fd.Pinned("data.csv", "https://example.invalid/data.csv",
                hashlib.sha256(CONTENT).hexdigest())


@pytest.fixture
def one_file(monkeypatch: pytest.MonkeyPatch) -> fd.Dataset:
    dataset = fd.Dataset("toy", "toy", "MIT", "nobody", "https://example.invalid", (PIN,))
    monkeypatch.setitem(fd.DATASETS, "toy", dataset)
    return dataset


def _serving(body: bytes, calls: list[str]) -> fd.Downloader:
    def download(url: str, target: Path) -> None:
        calls.append(url)
        target.write_bytes(body)
    return download


def test_a_local_file_with_another_digest_is_refused_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(CONTENT + b"edited\n")
    with pytest.raises(fd.DatasetError) as refused:
        fd.verify(path, PIN.sha256)
    message = str(refused.value)
    assert str(path) in message and PIN.sha256 in message
    assert hashlib.sha256(path.read_bytes()).hexdigest() in message
    assert "fetch_datasets" in message
    assert fd.verify(tmp_path / "data.csv", hashlib.sha256(path.read_bytes()).hexdigest())


def test_a_download_that_does_not_match_is_refused_and_not_kept(
        tmp_path: Path, one_file: fd.Dataset) -> None:
    calls: list[str] = []
    with pytest.raises(fd.DatasetError, match="not the pinned"):
        fd.obtain("toy", tmp_path, _serving(b"something else", calls))
    assert calls == [PIN.url]
    assert not any((tmp_path / "toy").iterdir())  # neither the file nor a partial one


def test_a_matching_download_is_cached_and_not_fetched_again(
        tmp_path: Path, one_file: fd.Dataset) -> None:
    calls: list[str] = []
    paths = fd.obtain("toy", tmp_path, _serving(CONTENT, calls))
    assert paths == [tmp_path / "toy" / "data.csv"] and paths[0].read_bytes() == CONTENT
    assert fd.obtain("toy", tmp_path, _serving(b"never used", calls)) == paths
    assert calls == [PIN.url]


def test_a_cached_file_changed_later_is_refused(tmp_path: Path, one_file: fd.Dataset) -> None:
    fd.obtain("toy", tmp_path, _serving(CONTENT, []))
    (tmp_path / "toy" / "data.csv").write_bytes(b"tampered")
    with pytest.raises(fd.DatasetError, match="not the pinned"):
        fd.obtain("toy", tmp_path, _serving(CONTENT, []))


def test_offline_a_missing_file_is_refused(tmp_path: Path, one_file: fd.Dataset) -> None:
    with pytest.raises(fd.DatasetError, match="--offline"):
        fd.obtain("toy", tmp_path, None)


def test_the_shipped_sms_collection_unpacks_to_the_pinned_file(tmp_path: Path) -> None:
    [path] = fd.obtain("sms", tmp_path, None)
    rows = quality.sms(path)
    assert len(rows) == 5572 and sum(spam for _, spam in rows) == 747


def test_every_dataset_names_its_licence_citation_and_a_pinned_source() -> None:
    for dataset in fd.DATASETS.values():
        assert dataset.licence and dataset.citation and dataset.home.startswith("https://")
        for pin in dataset.files:
            assert len(pin.sha256) == 64
            assert pin.shipped is not None or (pin.url or "").count("/") > 5
    assert len(fd.DATASETS["irc"].files) == 153


def test_the_benchmark_refuses_a_copy_that_is_not_the_pinned_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "labeled_data.csv"
    path.write_text("count,hate_speech,offensive_language,neither,class,tweet\n")
    assert quality.main(["--davidson", str(path)]) == 2
    out = capsys.readouterr().out
    assert out.startswith("refused:") and "not the pinned" in out


def test_the_adjudicated_lines_are_read_and_matched_by_their_text(tmp_path: Path) -> None:
    log = tmp_path / "2000-01-01.train-c.raw.txt"
    log.write_text("=== someone has joined\n[00:01] <a> hello all\n[00:02] <b> a line\n")
    lines = quality.irc_lines(log)[1]
    assert [(line.number, line.text) for line in lines] == [(2, "hello all"), (3, "a line")]
    digest = hashlib.sha256(b"a line").hexdigest()[:16]
    judged = {(log.name, 3): (digest, "insult")}
    assert quality._violations(lines, judged) == [False, True]
    # A list naming a line whose text is not the one judged is refused, not half-applied.
    with pytest.raises(fd.DatasetError, match=r"raw.txt:2 but the text there is different"):
        quality._violations(lines, {(log.name, 2): (digest, "insult")})


def test_the_shipped_adjudication_names_only_real_categories() -> None:
    judged = quality.adjudicated()
    assert judged and {category for _, category in judged.values()} <= {
        "hate", "insult", "threat", "sexual", "spam"}
    assert all(len(digest) == 16 for digest, _ in judged.values())
