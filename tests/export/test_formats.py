"""Each format read back by a real consumer: json, pandas, pyarrow, the label-file reader."""

import io
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from annotations.candidates.labelfile import read_label_file
from annotations.export import formats
from annotations.export.formats import neutralised
from annotations.labels import CLAIM_LABELS, Label
from tests.export.conftest import all_rows, exported


def test_jsonl_is_one_json_object_per_sentence_row(dataset):
    data, result = exported("jsonl")
    lines = data.decode().splitlines()
    assert [json.loads(line) for line in lines] == all_rows()
    assert result.rows == len(lines) == 6
    assert result.label_counts == {
        "sourced": 1,
        "disputed": 1,
        "false_flag": 1,
        "not_claim": 2,
        "unlabelled": 1,
    }
    assert result.filename.endswith(".jsonl")


def test_pandas_reads_the_csv_one_line_per_sentence(dataset):
    data, result = exported("csv")
    table = pd.read_csv(io.BytesIO(data))
    assert len(table) == result.rows == 6
    agreed = table[table.sentence_id == dataset.agreed.pk].iloc[0]
    assert agreed.text == "The ministry said the plant was shelled."
    assert (agreed.count_sourced, agreed.count_disputed, agreed.count_not_claim) == (2, 0, 0)
    assert (agreed.final_label, agreed.final_basis, agreed.agreement) == ("sourced", "majority", 1)
    assert agreed.claimants == "Defence ministry"
    assert agreed.annotations.count(":sourced") == 2
    assert agreed.candidate_score == 0.9
    unlabelled = table[table.sentence_id == dataset.unlabelled.pk].iloc[0]
    assert pd.isna(unlabelled.final_label) and unlabelled.final_basis == "unlabelled"
    assert pd.isna(unlabelled.agreement) and pd.isna(unlabelled.candidate_score)
    # The sentence that starts like a formula reaches the spreadsheet as text.
    formula = table[table.sentence_id == dataset.formula.pk].iloc[0]
    assert formula.text == "'=HYPERLINK(1) is what the sign said."


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_a_spreadsheet_would_run_get_a_leading_quote(start):
    assert neutralised(f"{start}1+1") == f"'{start}1+1"


def test_plain_cells_are_left_alone():
    assert neutralised("Kyiv, 3 = 3") == "Kyiv, 3 = 3"
    assert neutralised("") == ""
    assert neutralised(None) is None


def test_the_csv_can_start_with_a_byte_order_mark_for_spreadsheets(dataset):
    plain, _ = exported("csv")
    marked, _ = exported("csv", bom=True)
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert marked == b"\xef\xbb\xbf" + plain
    table = pd.read_csv(io.BytesIO(marked), encoding="utf-8-sig")
    assert table.columns[0] == "article_id"


def test_parquet_has_a_typed_schema_pandas_reads(dataset):
    data, _ = exported("parquet")
    schema = pq.read_schema(io.BytesIO(data))
    assert str(schema.field("published_on").type) == "date32[day]"
    assert str(schema.field("decided_at").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("annotations").type).startswith("list<element: struct<reviewer")
    table = pd.read_parquet(io.BytesIO(data))
    assert list(table.sentence_id) == [row["sentence_id"] for row in all_rows()]
    agreed = table[table.sentence_id == dataset.agreed.pk].iloc[0]
    assert agreed.published_on.isoformat() == "2022-02-23"
    assert [a["label"] for a in agreed.annotations] == ["sourced", "sourced"]
    assert agreed.annotations[0]["span_end"] == 12
    assert agreed.label_counts["sourced"] == 2
    assert list(agreed.claimants) == ["Defence ministry"]
    unlabelled = table[table.sentence_id == dataset.unlabelled.pk].iloc[0]
    assert pd.isna(unlabelled.final_label) and pd.isna(unlabelled.agreement)


def test_checkthat_tsv_reads_back_with_the_same_positives_and_negatives(dataset, tmp_path):
    data, _ = exported("checkthat")
    path = tmp_path / "export.tsv"
    path.write_bytes(data)
    rows = {row.line: row for row in read_label_file(path)}
    positives = {line for line, row in rows.items() if row.checkworthy == 1}
    negatives = {line for line, row in rows.items() if row.checkworthy == 0}
    assert positives == {dataset.agreed.pk, dataset.tie.pk, dataset.adjudicated.pk}
    assert negatives == {dataset.formula.pk, dataset.rejected.pk}
    # Unlabelled sentences are left out, not made negatives.
    assert dataset.unlabelled.pk not in rows
    assert rows[dataset.agreed.pk].text == dataset.agreed.text
    assert rows[dataset.agreed.pk].speaker == "Defence ministry"


def test_claimreview_holds_one_review_per_claim_with_its_permalink(dataset, settings):
    settings.SITE_URL = "https://factcheck.example.org"
    data, result = exported("claimreview")
    reviews = [json.loads(line) for line in data.decode().splitlines()]
    assert [review["url"] for review in reviews] == [
        f"https://factcheck.example.org/claims/{sentence.pk}/"
        for sentence in (dataset.agreed, dataset.tie, dataset.adjudicated)
    ]
    assert all(review["@type"] == "ClaimReview" for review in reviews)
    assert result.rows == 6  # the rows read; the file holds the claims among them


def test_the_formats_know_every_label():
    # formats.py is plain Python and keeps its own copy of the vocabulary.
    assert tuple(Label.values) == formats.LABELS
    assert {value for value, _ in CLAIM_LABELS} == formats.CLAIM_LABELS
