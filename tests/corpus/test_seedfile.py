from datetime import date

import pytest

from annotations.corpus.seedfile import MAX_FILE_BYTES, SeedFileError, parse_seed_file
from tests.conftest import SEED_ARTICLE, seed_text


def error_of(data: bytes) -> SeedFileError:
    with pytest.raises(SeedFileError) as caught:
        parse_seed_file("bad.txt", data)
    return caught.value


def test_it_reads_the_seed_article():
    article = parse_seed_file("seed.txt", SEED_ARTICLE.read_bytes())
    assert article.title.startswith("Russian Military to Put More Boots")
    assert article.published_on == date(2022, 2, 23)
    assert article.url.startswith("https://www.newsweek.com/")
    assert len(article.body.split("\n")) == 13  # paragraphs
    assert article.body.startswith("Kremlin spokesman Dmitry Peskov said")


def test_it_accepts_windows_line_endings_and_a_bom():
    plain = parse_seed_file("a.txt", seed_text(body="First para.\nSecond para."))
    windows = parse_seed_file(
        "a.txt",
        b"\xef\xbb\xbf" + seed_text(body="First para.\nSecond para.").replace(b"\n", b"\r\n"),
    )
    assert windows == plain
    assert windows.body == "First para.\nSecond para."


def test_it_drops_blank_body_lines_and_trims_paragraphs():
    article = parse_seed_file("a.txt", seed_text(body="  One.  \n\n   \nTwo."))
    assert article.body == "One.\nTwo."


@pytest.mark.parametrize(
    ("data", "line", "expected"),
    [
        (b"", 1, "file is empty"),
        (b"  \n \n", 1, "file is empty"),
        (b"\n20220223\nhttps://e.com/a\nBody.", 1, "expected a title"),
        (seed_text(date="2022-02-23"), 2, "expected a publication date as YYYYMMDD"),
        (seed_text(date=""), 2, "found nothing"),
        (seed_text(date="20221399"), 2, "'20221399' is not a real calendar date"),
        (seed_text(date="20230229"), 2, "not a real calendar date"),
        (seed_text(url="ftp://example.com/a"), 3, "expected an http:// or https:// URL"),
        (seed_text(url="example.com/a"), 3, "expected an http:// or https:// URL"),
        (seed_text(url="javascript:alert(1)"), 3, "expected an http:// or https:// URL"),
        (b"Title\n20220223\n", 3, "expected the article's URL"),
        (seed_text(body=""), 4, "expected the article body"),
        (b"Title\n20220223\nhttps://e.com/a", 4, "expected the article body"),
    ],
)
def test_it_names_the_line_and_what_was_expected(data, line, expected):
    error = error_of(data)
    assert error.line == line
    assert expected in str(error)
    assert str(error).startswith(f"bad.txt, line {line}: ")


def test_it_rejects_bytes_that_are_not_utf8_on_their_line():
    error = error_of(b"Title\n20220223\nhttps://e.com/a\nFine.\nBad \xff byte.\n")
    assert error.line == 5
    assert "not valid UTF-8" in str(error)


def test_it_rejects_nul_bytes_on_their_line():
    error = error_of(b"Title\n20220223\nhttps://e.com/a\nA NUL\x00 here.\n")
    assert error.line == 4
    assert "NUL byte" in str(error)


def test_it_rejects_a_file_over_5_mb_without_reading_its_lines():
    data = seed_text(body="x" * MAX_FILE_BYTES)
    error = error_of(data)
    assert error.line is None
    assert "limit is 5,242,880 bytes" in str(error)


def test_it_accepts_a_file_just_under_the_limit():
    header = seed_text(body="")
    data = header + b"y." + b"y" * (MAX_FILE_BYTES - len(header) - 2)
    assert len(parse_seed_file("big.txt", data).body) == MAX_FILE_BYTES - len(header)
