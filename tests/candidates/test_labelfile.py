import json

import pytest

from annotations.candidates.labelfile import LabelFileError, LabelledRow, read_label_file
from tests.conftest import CHECKTHAT_SAMPLE

SAMPLE = CHECKTHAT_SAMPLE


def test_reads_checkthat_tsv():
    rows = read_label_file(SAMPLE / "20181015_60_min.tsv")
    assert len(rows) == 150
    assert all(r.document == "20181015_60_min" for r in rows)
    assert [r.line for r in rows[:3]] == [1, 2, 3]
    assert [r.speaker for r in rows[:2]] == ["LESLEY STAHL", "TRUMP"]
    assert {r.checkworthy for r in rows} == {0, 1}
    assert all(r.label is None and r.text for r in rows)


def test_reads_jsonl(tmp_path):
    path = tmp_path / "mine.jsonl"
    lines = [
        {"text": "Reuters reported 12 deaths.", "label": "sourced", "document": "art-1"},
        {"text": "Nice weather.", "label": "not_claim", "speaker": "Ann"},
        {"text": "Taxes rose.", "checkworthy": 1, "label": None},
        {"text": "It rained.", "checkworthy": 0},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    assert read_label_file(path) == [
        LabelledRow("art-1", 1, None, "Reuters reported 12 deaths.", 1, "sourced"),
        LabelledRow("mine", 2, "Ann", "Nice weather.", 0, "not_claim"),
        LabelledRow("mine", 3, None, "Taxes rose.", 1, None),
        LabelledRow("mine", 4, None, "It rained.", 0, None),
    ]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("a.tsv", b"1\tBOB\tHello.\t0\n2\tBOB\tBye.\n", "line 2: expected 4 tab-separated"),
        ("a.tsv", b"1\tBOB\tHello.\t2\n", "line 1: expected label 0 or 1"),
        ("a.tsv", b"x\tBOB\tHello.\t0\n", "line 1: expected a line number"),
        ("a.tsv", b"1\tBOB\tHello.\t\n", "line 1: expected label 0 or 1 in column 4, found ''"),
        ("a.tsv", b"1\tBOB\t \t0\n", "line 1: expected sentence text in column 3, found nothing"),
        ("a.tsv", b"1\tBOB\tHello.\t0\n2\tBOB\tCaf\xe9.\t0\n", "line 2: not valid UTF-8"),
        ("a.tsv", b"\n\n", "file is empty"),
        (
            "a.jsonl",
            b'{"text": "Hi", "label": "rumour"}\n',
            "line 1: unknown label 'rumour', expected one of sourced, disputed, false_flag, "
            "not_claim or null",
        ),
        ("a.jsonl", b'{"text": "Hi"}\n{"text": \n', "line 2: malformed JSON"),
        ("a.jsonl", b'{"text": "Hi", "checkworthy": 3}\n', "expected 'checkworthy' 0 or 1"),
        ("a.jsonl", b'["Hi"]\n', "expected a JSON object, found list"),
        ("a.jsonl", b'{"text": "Hi", "speaker": 3}\n', "expected 'speaker' to be a string or null"),
        ("a.jsonl", b'{"label": "sourced"}\n', "non-empty string in 'text'"),
        ("a.csv", b"text,label\n", "expected a .tsv or .jsonl file, got '.csv'"),
        ("labels", b"text,label\n", "expected a .tsv or .jsonl file, got 'no suffix'"),
    ],
)
def test_bad_input_names_file_line_and_expectation(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LabelFileError) as error:
        read_label_file(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_a_byte_order_mark_at_the_start_of_a_file_is_ignored(tmp_path):
    tsv, jsonl = tmp_path / "a.tsv", tmp_path / "b.jsonl"
    tsv.write_bytes(b"\xef\xbb\xbf1\t\tHello.\t1\r\n2\tANN\tBye.\t0\r\n")
    jsonl.write_bytes(b'\xef\xbb\xbf{"text": "Hello.", "checkworthy": 1}\n')
    assert read_label_file(tsv) == [
        LabelledRow("a", 1, None, "Hello.", 1),  # an empty speaker is no speaker
        LabelledRow("a", 2, "ANN", "Bye.", 0),
    ]
    assert read_label_file(jsonl) == [LabelledRow("b", 1, None, "Hello.", 1)]
