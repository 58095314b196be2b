from datetime import date

import pytest

from annotations.corpus.seedfile import (
    MAX_FILE_BYTES,
    MAX_TITLE_LENGTH,
    MAX_URL_LENGTH,
    SeedArticle,
    SeedFileError,
    parse_seed_file,
    seed_article,
)
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


DATE_FORMAT = "expected a publication date as YYYYMMDD (e.g. 20220223), found"
NOT_A_DATE = "is not a real calendar date (expected YYYYMMDD)"
NOT_HTTP = "expected an http:// or https:// URL, found"
NO_URL = "expected the article's URL (http:// or https://), found nothing"
NO_BODY = "expected the article body (one paragraph a line), found none"


# The whole problem is checked: the API returns it as the field's error (error.problem).
@pytest.mark.parametrize(
    ("data", "line", "problem"),
    [
        (b"", 1, "file is empty; expected a title on line 1"),
        (b"  \n \n", 1, "file is empty; expected a title on line 1"),
        (b"\n20220223\nhttps://e.com/a\nBody.", 1, "expected a title, found an empty line"),
        (b"A title", 2, f"{DATE_FORMAT} nothing"),
        (seed_text(date=""), 2, f"{DATE_FORMAT} nothing"),
        (seed_text(date="2022-02-23"), 2, f"{DATE_FORMAT} '2022-02-23'"),
        (seed_text(date="2022O223"), 2, f"{DATE_FORMAT} '2022O223'"),
        (seed_text(date="20221399"), 2, f"'20221399' {NOT_A_DATE}"),
        (seed_text(date="20230229"), 2, f"'20230229' {NOT_A_DATE}"),
        (seed_text(url="ftp://example.com/a"), 3, f"{NOT_HTTP} 'ftp://example.com/a'"),
        (seed_text(url="example.com/a"), 3, f"{NOT_HTTP} 'example.com/a'"),
        (seed_text(url="javascript:alert(1)"), 3, f"{NOT_HTTP} 'javascript:alert(1)'"),
        (seed_text(url="https://e.com/a b"), 3, f"{NOT_HTTP} 'https://e.com/a b'"),
        (b"Title\n20220223", 3, NO_URL),
        (b"Title\n20220223\n", 3, NO_URL),
        (seed_text(body=""), 4, NO_BODY),
        (b"Title\n20220223\nhttps://e.com/a", 4, NO_BODY),
    ],
)
def test_it_names_the_line_and_what_was_expected(data, line, problem):
    error = error_of(data)
    assert (error.source_name, error.line, error.problem) == ("bad.txt", line, problem)
    assert str(error) == f"bad.txt, line {line}: {problem}"


@pytest.mark.parametrize("raw_date", ["2022223", "202202233"])
def test_it_refuses_a_date_of_7_or_9_digits_on_line_2(raw_date):
    # strptime alone would read 2022223 as 2022-02-23: the length check is what refuses it.
    error = error_of(seed_text(date=raw_date))
    assert str(error) == f"bad.txt, line 2: {DATE_FORMAT} {raw_date!r}"


def test_it_rejects_bytes_that_are_not_utf8_on_their_line():
    error = error_of(b"Title\n20220223\nhttps://e.com/a\nFine.\nBad \xff byte.\n")
    assert str(error) == "bad.txt, line 5: bytes that are not valid UTF-8"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"Title\n20220223\nhttps://e.com/a\nA NUL\x00 here.\nAnother\x00.\n", 4),
        # A blank first line still counts as line 1.
        (b"\nTitle\n20220223\nhttps://e.com/a\nA NUL\x00 here.\n", 5),
    ],
)
def test_it_rejects_nul_bytes_naming_the_line_of_the_first(data, line):
    assert str(error_of(data)) == f"bad.txt, line {line}: NUL byte; expected UTF-8 text"


def test_it_rejects_a_file_over_5_mb_without_reading_its_lines():
    data = seed_text(body="x" * MAX_FILE_BYTES)
    error = error_of(data)
    assert error.line is None
    assert str(error) == f"bad.txt: file is {len(data):,} bytes; the limit is 5,242,880 bytes"


def test_it_accepts_a_file_just_under_the_limit():
    header = seed_text(body="")
    data = header + b"y." + b"y" * (MAX_FILE_BYTES - len(header) - 2)
    assert len(parse_seed_file("big.txt", data).body) == MAX_FILE_BYTES - len(header)


def test_it_accepts_old_mac_line_endings():
    plain = parse_seed_file("a.txt", seed_text(body="First para.\nSecond para."))
    mac = parse_seed_file(
        "a.txt", seed_text(body="First para.\nSecond para.").replace(b"\n", b"\r")
    )
    assert mac == plain


def test_it_accepts_plain_http_urls():
    article = parse_seed_file("a.txt", seed_text(url="http://example.com/a"))
    assert article.url == "http://example.com/a"


def test_it_accepts_a_title_and_a_url_at_their_length_limits_and_refuses_one_more():
    title = "t" * MAX_TITLE_LENGTH
    url = "https://e.com/" + "u" * (MAX_URL_LENGTH - len("https://e.com/"))
    article = parse_seed_file("a.txt", seed_text(title=title, url=url))
    assert (article.title, article.url) == (title, url)
    assert str(error_of(seed_text(title=title + "t"))) == (
        f"bad.txt, line 1: title is {MAX_TITLE_LENGTH + 1} characters; "
        f"at most {MAX_TITLE_LENGTH} allowed"
    )
    assert str(error_of(seed_text(url=url + "u"))) == (
        f"bad.txt, line 3: URL is {MAX_URL_LENGTH + 1} characters; at most {MAX_URL_LENGTH} allowed"
    )


# seed_article: the API's JSON articles, checked as seed files are.


def article_of(**fields) -> SeedArticle:
    given = {
        "title": "A title",
        "published_on": date(2022, 2, 23),
        "url": "https://example.com/a",
        "body": "One. Two.",
    }
    return seed_article("api.json", **{**given, **fields})


def json_error_of(**fields) -> SeedFileError:
    with pytest.raises(SeedFileError) as caught:
        article_of(**fields)
    return caught.value


def test_a_json_article_is_read_as_the_same_seed_file_would_be():
    article = article_of(title="  A title ", url=" https://example.com/a ", body=" One. \n\nTwo.")
    as_file = parse_seed_file("api.json", seed_text(body="One.\nTwo."))
    assert article == as_file


@pytest.mark.parametrize(
    ("fields", "line", "problem"),
    [
        ({"title": " "}, 1, "expected a title, found an empty line"),
        ({"title": "Two\nlines"}, 1, "must be a single line"),
        ({"url": "https://e.com/a\r"}, 3, "must be a single line"),
        ({"url": "ftp://e.com/a"}, 3, f"{NOT_HTTP} 'ftp://e.com/a'"),
        ({"body": "\n \n"}, 4, NO_BODY),
    ],
)
def test_a_json_article_field_is_refused_with_the_line_it_would_have_in_a_file(
    fields, line, problem
):
    error = json_error_of(**fields)
    assert (error.source_name, error.line, error.problem) == ("api.json", line, problem)


def test_a_json_article_over_5_mb_is_refused_and_one_at_the_limit_is_not():
    # The size counted is that of the article as a seed file.
    body = "x" * (MAX_FILE_BYTES - len(seed_text(body="")))
    assert len(article_of(body=body).body) == len(body)
    error = json_error_of(body=body + "x")
    assert error.line is None
    assert error.problem == (
        f"the article is {MAX_FILE_BYTES + 1:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"
    )
