"""manage.py export_dataset: the file, its summary, and a clear error for bad input."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.export.conftest import all_rows


def export(tmp_path, *args) -> tuple[str, list[dict]]:
    out = tmp_path / "dataset.jsonl"
    call_command(
        "export_dataset", "--out", str(out), *args, verbosity=0, stdout=(log := StringIO())
    )
    return log.getvalue(), [json.loads(line) for line in out.read_text().splitlines()]


def test_exports_to_the_file_with_a_summary(dataset, tmp_path):
    summary, rows = export(tmp_path, "--format", "jsonl", "--salt", "s")
    assert rows == all_rows(salt="s")
    assert summary.startswith("wrote 6 sentences (sourced 1, disputed 1, false_flag 1,")
    assert str(tmp_path / "dataset.jsonl") in summary


def test_filters_from_the_command_line(dataset, tmp_path, reviewer):
    _, rows = export(
        tmp_path,
        *("--format", "jsonl", "--since", "2023-01-01", "--reviewer", reviewer.username),
        *("--status", "pending", "--status", "rejected", "--basis", "unlabelled"),
    )
    # In the donbas article, the reviewer's rejected "sourced" is listed but not counted.
    [row] = rows
    assert row["sentence_id"] == dataset.rejected.pk
    assert [a["moderation_status"] for a in row["annotations"]] == ["rejected"]
    _, rows = export(tmp_path, "--format", "jsonl", "--basis", "tie", "--min-agreement", "0")
    assert [row["sentence_id"] for row in rows] == [dataset.tie.pk]


def test_real_names_only_for_an_administrator(dataset, tmp_path, superuser, moderator, reviewer):
    _, rows = export(tmp_path, "--format", "jsonl", "--real-names", "--as", superuser.username)
    assert rows[0]["annotations"][0]["reviewer"] == reviewer.username
    with pytest.raises(CommandError, match="--as: moderator is not an active administrator"):
        export(tmp_path, "--format", "jsonl", "--real-names", "--as", moderator.username)
    with pytest.raises(CommandError, match="--real-names needs --as"):
        export(tmp_path, "--format", "jsonl", "--real-names")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--format", "csv", "--since", "23/02/2022"], "expected a date as YYYY-MM-DD"),
        (["--format", "bundle", "--splits", "0.5,0.5,0.5"], "splits: three ratios"),
        (["--format", "bundle", "--splits", "a,b"], "expected three ratios"),
        (["--format", "csv", "--label", "true"], "labels: unknown: true"),
        (["--format", "csv", "--status", "done"], "statuses: unknown: done"),
        (["--format", "csv", "--basis", "vote"], "bases: unknown: vote"),
        (["--format", "csv", "--min-agreement", "2"], "min_agreement: a share between 0 and 1"),
        (["--format", "csv", "--since", "2023-01-02", "--until", "2023-01-01"], "until:"),
        (["--format", "csv", "--reviewer", "nobody"], "--reviewer: no user named 'nobody'"),
    ],
)
def test_bad_input_fails_with_a_message_and_leaves_no_file(db, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        export(tmp_path, *args)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_named(db, tmp_path):
    with pytest.raises(CommandError, match="--out: no folder"):
        call_command("export_dataset", "--format", "csv", "--out", str(tmp_path / "no" / "x.csv"))
