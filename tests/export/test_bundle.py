"""The zip bundle: every chosen format per split, the dataset card and the manifest."""

import hashlib
import io
import json
import zipfile
from collections import Counter

import pandas as pd
import yaml

from annotations.export.services import SPLITS, split_of
from tests.export.conftest import exported
from tests.reviewing import label, load_article


def bundle(**options) -> tuple[zipfile.ZipFile, bytes]:
    data, result = exported("bundle", **options)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.filename.endswith(".zip")
    return zipfile.ZipFile(io.BytesIO(data)), data


def jsonl_rows(zipped: zipfile.ZipFile, split: str) -> list[dict]:
    return [json.loads(line) for line in zipped.read(f"jsonl/{split}.jsonl").splitlines()]


def test_the_bundle_holds_each_format_per_split_and_a_manifest_of_their_hashes(dataset):
    zipped, _ = bundle()
    names = set(zipped.namelist())
    for split in SPLITS:
        for path in ("jsonl/{}.jsonl", "csv/{}.csv", "parquet/{}.parquet", "checkthat/{}.tsv"):
            assert path.format(split) in names
        assert f"claimreview/{split}.jsonl" in names
    manifest = json.loads(zipped.read("manifest.json"))["files"]
    assert set(manifest) == names - {"manifest.json"}
    for name, entry in manifest.items():
        content = zipped.read(name)
        assert entry == {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
    # Every sentence once, in one split; pandas reads the same rows from Parquet and CSV.
    rows = {split: jsonl_rows(zipped, split) for split in SPLITS}
    assert sum(len(r) for r in rows.values()) == 6
    for split in SPLITS:
        ids = [row["sentence_id"] for row in rows[split]]
        parquet = pd.read_parquet(io.BytesIO(zipped.read(f"parquet/{split}.parquet")))
        csv = pd.read_csv(io.BytesIO(zipped.read(f"csv/{split}.csv")))
        assert list(parquet.sentence_id) == list(csv.sentence_id) == ids


def test_the_bundle_holds_only_the_formats_asked_for(dataset):
    zipped, _ = bundle(bundle_formats=("parquet",))
    assert sorted(zipped.namelist()) == [
        "README.md",
        "manifest.json",
        "parquet/dev.parquet",
        "parquet/test.parquet",
        "parquet/train.parquet",
    ]


def test_splits_keep_articles_whole_and_the_same_across_exports(reviewer):
    for n in range(12):
        article = load_article(title=f"A{n}", url=f"https://news.example.com/{n}", body="X. Y.")
        label(article.sentences.first(), reviewer, "sourced")
    first, _ = bundle(salt="one")
    second, _ = bundle(salt="two", bundle_formats=("jsonl",))
    placed = {}
    for split in SPLITS:
        for row in jsonl_rows(first, split):
            assert placed.setdefault(row["article_id"], split) == split  # never in two splits
        assert {row["article_id"] for row in jsonl_rows(second, split)} == {
            article for article, s in placed.items() if s == split
        }
    assert len(placed) == 12


def test_splits_follow_the_ratios():
    shares = Counter(split_of(article_id, (0.7, 0.2, 0.1)) for article_id in range(20_000))
    assert abs(shares["train"] / 20_000 - 0.7) < 0.02
    assert abs(shares["dev"] / 20_000 - 0.2) < 0.02
    assert abs(shares["test"] / 20_000 - 0.1) < 0.02
    assert {split_of(article_id, (0, 1, 0)) for article_id in range(1000)} == {"dev"}


def test_the_dataset_card_says_what_was_exported_and_how_to_load_it(dataset):
    zipped, _ = bundle(bundle_formats=("jsonl", "parquet"))
    card = zipped.read("README.md").decode()
    _, front_matter, body = card.split("---\n", 2)
    # Hugging Face reads the splits' files from the front matter.
    [config] = yaml.safe_load(front_matter)["configs"]
    paths = {entry["split"]: entry["path"] for entry in config["data_files"]}
    assert paths == {split: f"parquet/{split}.parquet" for split in SPLITS}
    assert "| all | 2 | 6 | 1 | 1 | 1 | 2 | 1 |" in body  # articles, sentences, per label
    assert "- annotations with moderation status: pending, approved" in body
    assert "Krippendorff's alpha:" in body
    assert "`detector-new`" in body
    assert '`false_flag` ("False flag" allegation): the sentence alleges' in body
    assert 'load_dataset("json", data_files=' in body
    assert 'pd.read_parquet("parquet/train.parquet")' in body
    assert "pseudonyms" in body
