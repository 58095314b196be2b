"""Readers for labelled sentence files: CheckThat TSV and our own JSONL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

LABELS = ("sourced", "disputed", "false_flag", "not_claim")


class LabelFileError(ValueError):
    """A labelled-data file that cannot be read; the message names file, line and problem."""


@dataclass
class LabelledRow:
    document: str
    line: int
    speaker: str | None
    text: str
    checkworthy: int
    label: str | None = None


def read_label_file(path: str | Path) -> list[LabelledRow]:
    """Read a `.tsv` (CheckThat: line, speaker, text, 0/1) or `.jsonl` file of labelled rows."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".tsv", ".jsonl"):
        raise LabelFileError(
            f"{path}: expected a .tsv or .jsonl file, got {suffix or 'no suffix'!r}"
        )
    lines = _decoded_lines(path)
    reader = _tsv_row if suffix == ".tsv" else _jsonl_row
    rows = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            rows.append(reader(path, number, line))
    if not rows:
        raise LabelFileError(f"{path}: file is empty, expected at least one labelled sentence")
    return rows


def _decoded_lines(path: Path) -> list[str]:
    # Decode line by line so the error can say which line is not UTF-8.
    lines = []
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            lines.append(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError as exc:
            raise LabelFileError(
                f"{path}, line {number}: not valid UTF-8 (byte {exc.start}), expected UTF-8 text"
            ) from None
    return lines


def _tsv_row(path: Path, number: int, line: str) -> LabelledRow:
    where = f"{path}, line {number}"
    cols = line.split("\t")
    if len(cols) != 4:
        raise LabelFileError(
            f"{where}: expected 4 tab-separated columns "
            f"(line_number, speaker, text, label), found {len(cols)}"
        )
    line_no, speaker, text, label = (c.strip() for c in cols)
    if not line_no.isdigit():
        raise LabelFileError(f"{where}: expected a line number in column 1, found {line_no!r}")
    if label not in ("0", "1"):
        raise LabelFileError(f"{where}: expected label 0 or 1 in column 4, found {label!r}")
    if not text:
        raise LabelFileError(f"{where}: expected sentence text in column 3, found nothing")
    return LabelledRow(path.stem, int(line_no), speaker or None, text, int(label))


def _jsonl_row(path: Path, number: int, line: str) -> LabelledRow:
    where = f"{path}, line {number}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LabelFileError(
            f"{where}: malformed JSON ({exc.msg}), expected one object per line"
        ) from None
    if not isinstance(obj, dict):
        raise LabelFileError(f"{where}: expected a JSON object, found {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LabelFileError(f"{where}: expected a non-empty string in 'text'")
    label = obj.get("label")
    if label is not None and label not in LABELS:
        raise LabelFileError(
            f"{where}: unknown label {label!r}, expected one of {', '.join(LABELS)} or null"
        )
    checkworthy = obj.get("checkworthy")
    if checkworthy is None:
        # A claim label implies check-worthiness when the file does not say.
        checkworthy = int(label is not None and label != "not_claim")
    elif checkworthy not in (0, 1) or isinstance(checkworthy, float):
        raise LabelFileError(f"{where}: expected 'checkworthy' 0 or 1, found {checkworthy!r}")
    speaker = obj.get("speaker")
    if speaker is not None and not isinstance(speaker, str):
        raise LabelFileError(f"{where}: expected 'speaker' to be a string or null")
    document = obj.get("document")
    document = path.stem if document is None else str(document)
    return LabelledRow(document, number, speaker or None, text.strip(), int(checkworthy), label)
