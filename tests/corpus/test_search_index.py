"""The sentence search index cut into parts of SEARCH_PART_SIZE sentence ids (PostgreSQL): a
search finds what it found before, new sentences included, and a common word reads only the
newest part's matches; a split that failed half-way is finished by the next."""

import json

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.corpus import selectors
from annotations.corpus.models import Article, Sentence
from annotations.corpus.selectors import SEARCH_INDEX, search_index_parts, search_sentences
from annotations.corpus.services import SEARCH_DOCUMENT, split_search_index
from tests.conftest import make_reviewer
from tests.plans import indexes_used, nodes, sequential_scans
from tests.services import require_postgres

# CREATE INDEX CONCURRENTLY runs outside a transaction, as the task does.
pytestmark = pytest.mark.django_db(transaction=True)

PART = 1000
WORDS = ["shelling", "Reuters", "Moscow", "sanctions", "troops", "border", "claims", "denied"]


@pytest.fixture
def search_index(settings):
    """Parts of PART sentence ids; the test database's single index given back afterwards."""
    require_postgres()
    settings.SEARCH_PART_SIZE = PART
    yield
    with connection.cursor() as cursor:
        for part in search_index_parts() + search_index_parts(valid=False):
            cursor.execute(f"DROP INDEX {part.name}")
        cursor.execute(
            f"CREATE INDEX {SEARCH_INDEX} ON annotations_sentence USING gin ({SEARCH_DOCUMENT}) "
            "WITH (gin_pending_list_limit = 256)"
        )


def add_articles(count: int, first: int = 0, sentences: int = 20) -> list[int]:
    """count articles of 20 sentences, each with two of WORDS and its article's number; their
    sentences' ids."""
    articles = Article.objects.bulk_create(
        Article(title=f"Article {n}", url=f"https://g.example/{n}", published_on="2022-02-23")
        for n in range(first, first + count)
    )
    made = Sentence.objects.bulk_create(
        Sentence(article=article, index=i, paragraph=0, start=0, end=len(text), text=text)
        for n, article in enumerate(articles, start=first)
        for i in range(sentences)
        for text in [f"Officials said {WORDS[i % 8]} and {WORDS[(i + n) % 8]}, article a{n}."]
    )
    return [sentence.pk for sentence in made]


def found(query: str) -> set[int]:
    searcher = User.objects.filter(username="searcher").first() or make_reviewer("searcher")
    return {s.pk for s in search_sentences(query, searcher, size=500).sentences}


def part_names() -> list[str]:
    return sorted(part.name for part in search_index_parts())


def test_a_split_index_finds_what_the_whole_one_found_and_new_sentences(search_index):
    ids = add_articles(130)  # 2,600 sentences
    before = {query: found(query) for query in ["a7", "Moscow troops", '"sanctions and border"']}
    assert all(0 < len(matches) <= 500 for matches in before.values())

    last = max(ids)
    built = split_search_index()
    ends = range(0, last, PART)
    assert built == [f"{SEARCH_INDEX}_{n}_{n + PART}" for n in ends if n + PART <= last] + [
        f"{SEARCH_INDEX}_from_{(last // PART) * PART}"
    ]
    assert part_names() == sorted(built)  # the whole index replaced
    assert {query: found(query) for query in before} == before

    later = add_articles(1, first=500)  # into the open part
    assert found("a500") == set(later)
    assert split_search_index() == []  # nothing new to close
    add_articles(60, first=600)
    more = split_search_index()  # closed parts, then a new open one
    assert len(more) >= 2 and more[-1].startswith(f"{SEARCH_INDEX}_from_")
    assert len(part_names()) == len(built) - 1 + len(more)
    assert found("a500") == set(later)


def test_a_common_word_reads_only_the_newest_part(search_index, monkeypatch):
    """The bitmap of a word's matches is built whole (GIN cannot stop early): once split, a
    search takes its first matches from the newest part and never reads the older parts."""
    monkeypatch.setattr(selectors, "SEARCH_MATCHES", 20)
    add_articles(130)
    split_search_index()
    add_articles(2, first=200)  # 40 sentences in the open part, each with the word
    newest, *older = selectors.newest_first_cover(search_index_parts())
    assert len(older) >= selectors.FIRST_PARTS

    with connection.cursor() as cursor:
        # Parallel workers would run every branch at once: make them look free to the planner
        # (at 1,000,000 articles its estimates chose them).
        for setting in ("parallel_setup_cost", "parallel_tuple_cost"):
            cursor.execute(f"SET {setting} = 0")
        cursor.execute("SET min_parallel_table_scan_size = 0")
    with CaptureQueriesContext(connection) as captured:
        assert len(found("Officials")) == 20
    # Replayed as the search ran them, its own planner settings included, each union explained.
    plans = []
    with connection.cursor() as cursor:
        for sql in [query["sql"] for query in captured.captured_queries]:
            if "UNION ALL" in sql:
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                [[plan]] = cursor.fetchone()
                plans.append((plan if isinstance(plan, dict) else json.loads(plan))["Plan"])
            elif sql.startswith(("BEGIN", "SET", "RESET", "COMMIT")):
                cursor.execute(sql)
    [plan] = plans  # the newest parts had enough: the older ones were not asked
    assert "Gather" not in {node["Node Type"] for node in nodes(plan)}
    assert sequential_scans(plan) == set()
    first_asked = [newest, *older][: selectors.FIRST_PARTS]
    assert indexes_used(plan) == {part.name for part in first_asked}
    read = {n["Index Name"] for n in nodes(plan) if "Index Name" in n and n["Actual Loops"]}
    assert read == {newest.name}


def test_a_split_that_failed_half_way_is_finished_by_the_next(search_index):
    """A part whose build failed is left invalid by PostgreSQL: searches do not use it and the
    next split builds it again; until the split ends, the old open part serves the searches."""
    add_articles(130)
    with connection.cursor() as cursor:
        # A failed CREATE INDEX CONCURRENTLY leaves its index behind, invalid.
        with pytest.raises(Exception, match="could not create unique index"):
            cursor.execute(
                f"CREATE UNIQUE INDEX CONCURRENTLY {SEARCH_INDEX}_0_{PART} "
                "ON annotations_sentence (article_id)"
            )
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY {SEARCH_INDEX}_{PART}_{2 * PART} ON annotations_sentence "
            f"USING gin ({SEARCH_DOCUMENT}) WHERE id >= {PART} AND id < {2 * PART}"
        )
    assert [part.name for part in search_index_parts(valid=False)] == [f"{SEARCH_INDEX}_0_{PART}"]
    # The parts do not join up yet: the whole index alone serves searches.
    assert [p.name for p in selectors.newest_first_cover(search_index_parts())] == [SEARCH_INDEX]
    assert len(found("a7")) == 20

    split_search_index()
    assert search_index_parts(valid=False) == []
    assert SEARCH_INDEX not in part_names()
    assert f"{SEARCH_INDEX}_0_{PART}" in part_names()
    assert len(found("a7")) == 20


def test_the_parts_searched_are_the_newest_chain_down_to_the_first_sentence():
    part = selectors.SearchIndexPart
    whole, old_open = part("whole", 0, None), part("old", 1000, None)
    first, second, new_open = part("a", 0, 1000), part("b", 1000, 2000), part("new", 2000, None)
    cover = selectors.newest_first_cover
    assert cover([whole]) == [whole]
    # A split under way: built parts wait until the new open part joins them up.
    assert cover([first, old_open, second]) == [old_open, first]
    assert cover([first, old_open, second, new_open]) == [new_open, second, first]
    assert cover([old_open, second, new_open]) == []  # the first part dropped by hand
    assert cover([]) == []
