"""Hostile seed files at every entry point (the command, the admin upload, the API): each is
loaded whole or refused with a message naming the file and what is wrong, never an exception,
never an article without its sentences."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.corpus.models import Article, Sentence
from annotations.corpus.seedfile import (
    MAX_FILE_BYTES,
    MAX_URL_LENGTH,
    SeedArticle,
    SeedFileError,
    parse_seed_file,
)
from annotations.corpus.segmenter import has_visible_text, split_sentences
from annotations.corpus.services import FAILED, LOADED, ingest_files
from tests.api_support import client_for
from tests.conftest import seed_text

# Right-to-left mark, zero-width joiner, zero-width space, byte order mark, word joiner,
# no-break space, Hangul filler, combining grapheme joiner.
INVISIBLE = "\u200f\u200d\u200b\ufeff\u2060\u00a0\u3164\u034f"
NO_VISIBLE_BODY = "the article body has no visible text, only invisible characters"


def refusal(data: bytes) -> SeedFileError:
    with pytest.raises(SeedFileError) as caught:
        parse_seed_file("hostile.txt", data)
    return caught.value


@pytest.mark.parametrize(
    "body",
    [
        "\u200f\u200d",  # the repro: a right-to-left mark and a zero-width joiner
        "\u200b\u200b\u200b",
        "\ufeff",
        "\u00a0\u200f\u00a0",
        INVISIBLE,
        f"{INVISIBLE}\n\u200f\n \u200d ",
    ],
)
def test_a_body_with_nothing_visible_is_refused(body):
    error = refusal(seed_text(body=body))
    assert error.line == 4
    assert error.problem.startswith(NO_VISIBLE_BODY)


def test_invisible_paragraphs_and_sentences_are_dropped_and_the_rest_kept():
    article = parse_seed_file("a.txt", seed_text(body="\u200f\u200d\nOne. Two.\n\u200b"))
    assert article.body == "One. Two."
    spans = split_sentences("First. \u200b\u200d. Second.")
    assert [span.text for span in spans] == ["First.", "\u200b\u200d.", "Second."]
    assert [span.text for span in split_sentences("First.\u00a0 \u200f\u200d")] == ["First."]


@pytest.mark.parametrize(
    ("fields", "line", "problem"),
    [
        ({"title": "\u200f\u200d"}, 1, "expected a title, found only invisible characters"),
        (
            {"title": "Breaking\x07news"},
            1,
            "title has an invisible control character (U+0007) at character 9",
        ),
        (
            {"title": "A\x1b[31mred\x1b[0m title"},
            1,
            "title has an invisible control character (U+001B) at character 2",
        ),
        (
            {"url": "https://e.com/a\x07b"},
            3,
            "URL has an invisible control character (U+0007) at character 16",
        ),
        (
            {"url": "https://e.com/\x7f"},
            3,
            "URL has an invisible control character (U+007F) at character 15",
        ),
        (
            {"url": "https://e.com/\u202eevil"},
            3,
            "URL has an invisible control character (U+202E) at character 15",
        ),
        ({"url": "https://e.com/a\tb"}, 3, "expected an http:// or https:// URL, found"),
        ({"url": "https://e.com/a\u00a0b"}, 3, "expected an http:// or https:// URL, found"),
        ({"url": "https://e.com/a\u3000b"}, 3, "expected an http:// or https:// URL, found"),
        ({"url": "file:///etc/passwd"}, 3, "expected an http:// or https:// URL, found"),
        ({"url": "data:text/html,<b>x</b>"}, 3, "expected an http:// or https:// URL, found"),
        ({"url": "http://[::1/a"}, 3, "expected an http:// or https:// URL, found"),
        ({"url": "http:///no-host"}, 3, "expected an http:// or https:// URL, found"),
        (
            {"url": "https://e.com/" + "a" * MAX_URL_LENGTH},
            3,
            f"URL is {MAX_URL_LENGTH + 14} characters; at most {MAX_URL_LENGTH} allowed",
        ),
    ],
)
def test_titles_and_urls_with_hidden_characters_are_refused(fields, line, problem):
    error = refusal(seed_text(**fields))
    assert error.line == line
    assert error.problem.startswith(problem)


def test_a_url_may_hold_non_ascii_letters():
    url = "https://uk.wikipedia.org/wiki/Київ"
    assert parse_seed_file("a.txt", seed_text(url=url)).url == url


HOSTILE = {
    "nul.txt": (seed_text(body="Before\x00after."), "line 4: NUL byte"),
    "latin1.txt": (seed_text(body="Caf\xe9.").replace(b"\xc3\xa9", b"\xe9"), "line 4: bytes"),
    "utf16.txt": (seed_text().decode().encode("utf-16"), "NUL byte"),
    "empty.txt": (b"", "file is empty"),
    "header-only.txt": (b"A title\n20220223\nhttps://example.com/h\n", "line 4: expected"),
    "oversized.txt": (b"x" * (MAX_FILE_BYTES + 1), "the limit is 5,242,880 bytes"),
    "title-control.txt": (seed_text(title="A\x08title"), "line 1: title has an invisible"),
    "url-control.txt": (seed_text(url="https://e.com/\x00a"), "NUL byte"),
    "invisible.txt": (seed_text(body="\u200f\u200d"), "line 4: the article body has no"),
}


def test_hostile_files_are_refused_each_with_its_reason_and_good_ones_load(db):
    files = [(name, data) for name, (data, _) in HOSTILE.items()]
    files += [
        ("crlf.txt", seed_text(url="https://e.com/crlf", body="A.\nB.").replace(b"\n", b"\r\n")),
        ("cr.txt", seed_text(url="https://e.com/cr", body="A.\nB.").replace(b"\n", b"\r")),
        # One 5 MB line: one paragraph, one sentence.
        ("huge-line.txt", seed_text(url="https://e.com/huge", body="Word " * 1_048_000)),
    ]
    outcomes = {outcome.source_name: outcome for outcome in ingest_files(files)}
    for name, (_, reason) in HOSTILE.items():
        assert outcomes[name].status == FAILED, name
        assert outcomes[name].message.startswith(name) and reason in outcomes[name].message
    assert {outcomes[name].status for name in ("crlf.txt", "cr.txt", "huge-line.txt")} == {LOADED}
    assert outcomes["crlf.txt"].sentence_count == outcomes["cr.txt"].sentence_count == 2
    assert outcomes["huge-line.txt"].sentence_count == 1
    assert Article.objects.count() == 3
    assert_no_half_written_article()


def assert_no_half_written_article():
    for article in Article.objects.all():
        sentences = list(article.sentences.order_by("index"))
        assert sentences, f"{article.source_name} was stored without sentences"
        assert article.sentence_count == len(sentences)
        assert all(article.body[s.start : s.end] == s.text for s in sentences)


# Text that tends to break parsers: invisible and control characters, every line ending,
# right-to-left text, combining marks, astral characters, list markers and sentence ends.
HOSTILE_ALPHABET = st.one_of(
    st.sampled_from(
        [*INVISIBLE, "\r", "\n", "\r\n", "\t", "\x00", "\x07", "\x1b", "\x85", "\u2028"]
        + [". ", "? ", "…", "1. ", "a) ", "• ", "* ", "Mr. ", "U.S. ", '"', "(", ")"]
        + ["\u05e9\u05dc\u05d5\u05dd", "e\u0301", "\U0001f600", "\ufffd", "Word", " "]
    ),
    st.characters(codec="utf-8"),
)
hostile_text = st.lists(HOSTILE_ALPHABET, max_size=40).map("".join)
dates = st.one_of(st.just("20220223"), st.text(max_size=10))
urls = st.one_of(
    st.builds(lambda tail: f"https://example.com/{tail}", hostile_text),
    st.text(max_size=30),
)
structured = st.builds(
    lambda title, date, url, body: f"{title}\n{date}\n{url}\n{body}".encode(errors="replace"),
    hostile_text,
    dates,
    urls,
    hostile_text,
)
seed_files = st.one_of(structured, st.binary(max_size=200))


# A few thousand cases of the pure parser and segmenter (a few seconds), then fewer through the
# database. Derandomized: CI must not fail on a case it never saw before.
@settings(max_examples=2000, deadline=None, derandomize=True)
@given(seed_files)
def test_fuzzed_seed_files_parse_with_their_invariants_or_are_refused_with_a_reason(data):
    try:
        article = parse_seed_file("fuzz.txt", data)
    except SeedFileError as error:
        assert error.problem and str(error).startswith("fuzz.txt")
        return
    assert isinstance(article, SeedArticle)
    assert has_visible_text(article.title) and "\n" not in article.title
    assert article.url.startswith(("http://", "https://"))
    spans = split_sentences(article.body)
    assert spans, "a parsed article always has a sentence"
    paragraphs = article.body.split("\n")
    assert all(has_visible_text(paragraph) for paragraph in paragraphs)
    for span in spans:
        assert article.body[span.start : span.end] == span.text
        assert has_visible_text(span.text)
    assert sorted({span.paragraph for span in spans}) == list(range(len(paragraphs)))


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(seed_files, min_size=1, max_size=4))
def test_fuzzed_loads_never_half_write(db, files):
    named = [(f"fuzz-{position}.txt", data) for position, data in enumerate(files)]
    outcomes = list(ingest_files(named))
    assert [outcome.source_name for outcome in outcomes] == [name for name, _ in named]
    for outcome in outcomes:
        assert outcome.status != FAILED or outcome.message
    assert_no_half_written_article()


# The sentence-count limit, at each entry point.
LONG = seed_text(url="https://e.com/long", body="One. Two. Three.\nFour.")
SHORT = seed_text(url="https://e.com/short", body="One. Two. Three.")
TOO_LONG = "long.txt: the article has more than 3 sentences, the most one article may have"


@pytest.fixture
def at_most_three_sentences(settings):
    settings.ARTICLE_MAX_SENTENCES = 3


@pytest.mark.usefixtures("at_most_three_sentences")
def test_the_command_refuses_an_article_over_the_sentence_limit_and_loads_the_rest(
    db, tmp_path, capsys
):
    (tmp_path / "long.txt").write_bytes(LONG)
    (tmp_path / "short.txt").write_bytes(SHORT)
    with pytest.raises(CommandError, match="1 of 2 files failed"):
        call_command("load_articles", str(tmp_path / "long.txt"), str(tmp_path / "short.txt"))
    captured = capsys.readouterr()
    assert f"failed: {tmp_path / TOO_LONG}" in captured.err
    assert "1 loaded, 0 already present, 1 failed" in captured.out
    assert Article.objects.get().url == "https://e.com/short"
    assert Sentence.objects.count() == 3


@pytest.mark.usefixtures("at_most_three_sentences")
def test_the_admin_upload_shows_the_sentence_limit_refusal(superuser, client):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:annotations_article_upload"),
        {"files": [SimpleUploadedFile("long.txt", LONG), SimpleUploadedFile("short.txt", SHORT)]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 files, 1 failed" in html and TOO_LONG in html
    assert Article.objects.get().url == "https://e.com/short"


@pytest.mark.usefixtures("at_most_three_sentences")
def test_the_api_refuses_an_article_over_the_sentence_limit(superuser):
    api = client_for(superuser)
    article = {
        "title": "Long",
        "published_on": "2022-02-23",
        "url": "https://e.com/long",
        "body": "One. Two. Three.\nFour.",
    }
    response = api.post("/api/articles/", article, format="json")
    assert response.status_code == 400
    assert "more than 3 sentences" in response.json()["errors"]["body"][0]
    upload = api.post(
        "/api/articles/", {"file": [SimpleUploadedFile("long.txt", LONG)]}, format="multipart"
    )
    assert upload.status_code == 400
    assert upload.json()["errors"]["file.0"][0].startswith(TOO_LONG)
    assert not Article.objects.exists()


def test_the_api_refuses_a_body_with_nothing_visible(superuser):
    article = {
        "title": "Invisible",
        "published_on": "2022-02-23",
        "url": "https://e.com/invisible",
        "body": "\u200f\u200d",
    }
    response = client_for(superuser).post("/api/articles/", article, format="json")
    assert response.status_code == 400
    assert NO_VISIBLE_BODY in str(response.json())
    assert not Article.objects.exists()
