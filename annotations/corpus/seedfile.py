"""Parser for the seed article format. Plain Python, no Django.

    line 1: title
    line 2: publication date, YYYYMMDD
    line 3: canonical URL (http or https)
    line 4+: body, one paragraph a line

Windows line endings and a UTF-8 byte order mark are accepted; body lines with nothing visible
(blank, or only invisible characters such as a right-to-left mark) are dropped.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from urllib.parse import urlsplit

from .segmenter import has_visible_text

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_URL_LENGTH = 2000
MAX_TITLE_LENGTH = 500
BOM = b"\xef\xbb\xbf"
# What each of the first lines holds, as SeedArticle's field (line 4 on: the body).
LINE_FIELDS = {1: "title", 2: "published_on", 3: "url"}


class SeedFileError(ValueError):
    """A seed file that cannot be loaded; says which file, which line and what was expected."""

    def __init__(self, source_name: str, line: int | None, problem: str):
        self.source_name = source_name
        self.line = line
        self.problem = problem
        where = f"{source_name}, line {line}" if line else source_name
        super().__init__(f"{where}: {problem}")

    def __reduce__(self):
        # Rebuilt from its three parts when a load sends it to the process that segments.
        return SeedFileError, (self.source_name, self.line, self.problem)

    @property
    def field(self) -> str:
        """The SeedArticle field the problem is in (the body for a problem of the whole file)."""
        return LINE_FIELDS.get(self.line, "body")


@dataclass(frozen=True)
class SeedArticle:
    source_name: str
    title: str
    published_on: date
    url: str
    body: str

    @property
    def content_hash(self) -> str:
        return body_hash(self.body)


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def parse_seed_file(source_name: str, data: bytes) -> SeedArticle:
    fail = partial(SeedFileError, source_name)

    if len(data) > MAX_FILE_BYTES:
        raise fail(None, f"file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,} bytes")
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if b"\x00" in data:
        raise fail(_line_of(data, data.index(b"\x00")), "NUL byte; expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise fail(_line_of(data, error.start), "bytes that are not valid UTF-8") from None

    lines = _lines(text)
    if not text.strip():
        raise fail(1, "file is empty; expected a title on line 1")
    title = _title(fail, lines[0])
    published_on = _date(fail, lines[1].strip() if len(lines) > 1 else "")
    url = _url(fail, lines[2].strip() if len(lines) > 2 else "")
    return SeedArticle(source_name, title, published_on, url, _body(fail, lines[3:]))


def seed_article(
    source_name: str, *, title: str, published_on: date, url: str, body: str
) -> SeedArticle:
    """An article given field by field (the API's JSON), checked as a seed file's lines are; a
    SeedFileError names the line the field would have in a seed file."""
    fail = partial(SeedFileError, source_name)
    size = len(f"{title}\n{published_on:%Y%m%d}\n{url}\n{body}\n".encode())
    if size > MAX_FILE_BYTES:
        raise fail(None, f"the article is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes")
    for line, value in ((1, title), (3, url)):
        if "\n" in value or "\r" in value:
            raise fail(line, "must be a single line")
    return SeedArticle(
        source_name,
        _title(fail, title),
        published_on,
        _url(fail, url.strip()),
        _body(fail, _lines(body)),
    )


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _title(fail, line: str) -> str:
    title = line.strip()
    if not title:
        raise fail(1, "expected a title, found an empty line")
    if not has_visible_text(title):
        raise fail(1, "expected a title, found only invisible characters")
    if problem := _control_character(title, "title"):
        raise fail(1, problem)
    if len(title) > MAX_TITLE_LENGTH:
        raise fail(1, f"title is {len(title)} characters; at most {MAX_TITLE_LENGTH} allowed")
    return title


def _date(fail, raw_date: str) -> date:
    if len(raw_date) != 8 or not raw_date.isdigit():
        shown = repr(raw_date[:40]) if raw_date else "nothing"
        raise fail(2, f"expected a publication date as YYYYMMDD (e.g. 20220223), found {shown}")
    try:
        return datetime.strptime(raw_date, "%Y%m%d").date()
    except ValueError:
        raise fail(2, f"{raw_date!r} is not a real calendar date (expected YYYYMMDD)") from None


def _url(fail, url: str) -> str:
    problem = _url_problem(url)
    if problem:
        raise fail(3, problem)
    return url


def _body(fail, lines: list[str]) -> str:
    paragraphs = [line.strip() for line in lines if line.strip()]
    if not paragraphs:
        raise fail(4, "expected the article body (one paragraph a line), found none")
    visible = [paragraph for paragraph in paragraphs if has_visible_text(paragraph)]
    if not visible:
        shown = ", ".join(sorted({f"U+{ord(char):04X}" for char in "".join(paragraphs)})[:5])
        raise fail(4, f"the article body has no visible text, only invisible characters ({shown})")
    return "\n".join(visible)


def _line_of(data: bytes, byte_offset: int) -> int:
    return data.count(b"\n", 0, byte_offset) + 1


def _control_character(text: str, what: str) -> str | None:
    """Control characters (all but tab) and, in a URL, format characters hide what the text says;
    the problem names the first one."""
    for position, char in enumerate(text, start=1):
        category = unicodedata.category(char)
        if (category == "Cc" and char != "\t") or (what == "URL" and category == "Cf"):
            code = f"U+{ord(char):04X}"
            return f"{what} has an invisible control character ({code}) at character {position}"
    return None


def _url_problem(url: str) -> str | None:
    if not url:
        return "expected the article's URL (http:// or https://), found nothing"
    if len(url) > MAX_URL_LENGTH:
        return f"URL is {len(url)} characters; at most {MAX_URL_LENGTH} allowed"
    if problem := _control_character(url, "URL"):
        return problem
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1": an unclosed IPv6 address
        parts = None
    if not parts or parts.scheme not in ("http", "https") or not parts.hostname or _spaced(url):
        return f"expected an http:// or https:// URL, found {url[:200]!r}"
    return None


def _spaced(text: str) -> bool:
    return any(char.isspace() for char in text)
