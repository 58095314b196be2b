"""Reads of articles and sentences on their own."""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Q, QuerySet, Window

from annotations.planner import planner_settings
from annotations.roles import is_moderator_sql

from .models import Article, Sentence

SEARCH_MATCHES = 500  # matches ranked per search, at most
# The sentence search index (migration 0003) and its parts once split_search_index() has cut it
# (services): "sentence_text_search" covers every sentence, "..._from_<first>" the sentences from
# id <first> on (the open part, where new sentences go), "..._<first>_<end>" ids first to end - 1.
SEARCH_INDEX = "sentence_text_search"
FIRST_PARTS = 2  # parts of the index a search asks first (see _first_matches)
SEARCH_INDEX_PART = re.compile(rf"{SEARCH_INDEX}(?:_from_(\d+)|_(\d+)_(\d+))?")
# What ts_headline puts around a matched word: control characters, which sentences do not hold.
# The page escapes the fragment, then marks what lies between them (web.search_presenters).
HEADLINE_START, HEADLINE_STOP = "\x02", "\x03"


def articles_visible_to(user) -> QuerySet[Article]:
    """Every article for moderators; the others do not see hidden ones (decided inside the
    query: no query of its own)."""
    return Article.objects.filter(Q(hidden=False) | is_moderator_sql(user))


def sentences_visible_to(user) -> QuerySet[Sentence]:
    """Sentences of the articles the user sees."""
    return Sentence.objects.filter(Q(article__hidden=False) | is_moderator_sql(user))


def full_text_search() -> bool:
    """Whether search_sentences() looks for words (PostgreSQL) rather than a substring."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class SearchPage:
    """A page of a sentence search. At most SEARCH_MATCHES matches are ranked: a common word
    costs no more than a rare one, and no search counts every match."""

    sentences: list[Sentence]  # best first, each with `headline` (None: no highlight)
    number: int
    start_index: int  # the 1-based position of its first sentence among the results
    has_next: bool
    matches: int  # how many sentences match, counted up to SEARCH_MATCHES
    capped: bool  # more sentences match than the SEARCH_MATCHES ranked
    no_terms: bool  # nothing to look for: only stop words ("the", "of") or punctuation


@dataclass(frozen=True)
class SearchIndexPart:
    """A part of the sentence search index: a partial index of the sentences whose ids lie
    from first_id to end_id (excluded; None: every later one)."""

    name: str
    first_id: int
    end_id: int | None


def search_index_parts(valid: bool = True) -> list[SearchIndexPart]:
    """The sentence search index's usable parts, from PostgreSQL's catalog (none on SQLite);
    with valid=False, its unusable ones instead: being built, or left by a build that failed."""
    if not full_text_search():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND i.indisvalid = %s AND c.relname LIKE %s",
            [Sentence._meta.db_table, valid, SEARCH_INDEX + "%"],
        )
        names = [name for (name,) in cursor.fetchall()]
    parts = []
    for name in names:
        if found := SEARCH_INDEX_PART.fullmatch(name):
            open_from, first, end = found.groups()
            part = SearchIndexPart(name, int(open_from or first or 0), int(end) if end else None)
            if part.end_id is None or part.first_id < part.end_id:  # else no range: not ours
                parts.append(part)
    return parts


def search_part_name(first_id: int, end_id: int | None = None) -> str:
    """The name of the part of the search index over ids first_id to end_id (None: open)."""
    return f"{SEARCH_INDEX}_{first_id}_{end_id}" if end_id else f"{SEARCH_INDEX}_from_{first_id}"


def newest_first_cover(parts: list[SearchIndexPart]) -> list[SearchIndexPart]:
    """Parts that hold every sentence once, newest first: the open part that starts last, then
    the part that ends where it starts, and so on down to id 0: a split under way has built
    parts that nothing uses yet. Empty if they do not join up (none, or one dropped by hand)."""
    cover, end = [], None
    while not cover or cover[-1].first_id > 0:
        below = [part for part in parts if part.end_id == end]
        if not below:
            return []
        cover.append(max(below, key=lambda part: part.first_id))
        end = cover[-1].first_id
    return cover


def search_sentences(query: str, user, number: int = 1, size: int = 50) -> SearchPage:
    """Page `number` of the sentences matching query across the articles the user sees:
    PostgreSQL full-text search in websearch syntax (words, "a phrase", OR, -word), the first
    SEARCH_MATCHES matches the GIN index gives, newest part of it first, ranked by relevance, the
    page's matched words marked by ts_headline between HEADLINE_START and HEADLINE_STOP; on
    SQLite a plain substring match in article order. Five queries at most."""
    search = None
    if full_text_search():
        vector = SearchVector("text", config="english")
        search = SearchQuery(query, config="english", search_type="websearch")
        # The same expression as the GIN index of migration 0003, so the index serves it.
        matches = Sentence.objects.annotate(document=vector).filter(document=search)
        order = [SearchRank(vector, search).desc(), "pk"]
    else:
        matches, order = Sentence.objects.filter(text__icontains=query), ["article_id", "index"]
    # The index alone picks the first matches, read first: what the user may see is decided on
    # those only (a join to every article otherwise), so a hidden article's matches take room
    # in the cap; ranking their ids as a list, PostgreSQL reads them by key at any table size.
    first_matches = _first_matches(matches.order_by().values_list("pk", flat=True))
    ranked = (
        sentences_visible_to(user)
        .filter(pk__in=first_matches)
        .annotate(found=Window(Count("pk")))
        .select_related("article")
        .defer("article__body")
        .order_by(*order)
    )
    number = max(number, 1)
    start = (number - 1) * size
    end = min(start + size, SEARCH_MATCHES)
    sentences = list(ranked[start:end]) if start < end else []
    found = sentences[0].found if sentences else 0
    headlines = _headlines(sentences, search) if search is not None else {}
    for sentence in sentences:
        sentence.headline = headlines.get(sentence.pk)
    return SearchPage(
        sentences=sentences,
        number=number,
        start_index=start + 1,
        has_next=end < min(found, SEARCH_MATCHES),
        matches=min(found, SEARCH_MATCHES),
        capped=found > SEARCH_MATCHES,
        no_terms=not sentences and number == 1 and not _has_terms(query),
    )


def _first_matches(matches: QuerySet) -> list[int]:
    """The ids of the first SEARCH_MATCHES + 1 matches. Where the search index is split, one
    branch per part, newest first, each with its part's id range so that part serves it:
    PostgreSQL runs a branch only while it lacks matches, so a common word reads the bitmap of
    its matches in the newest part, not in every sentence (GIN cannot stop early). The newest
    FIRST_PARTS parts are asked first, the others only if they lack matches: building and
    planning a branch per part costs about 0.3 ms a part (41 parts at 1,000,000 articles)."""
    wanted = SEARCH_MATCHES + 1
    parts = newest_first_cover(search_index_parts())
    if len(parts) <= 1:
        return list(matches[:wanted])
    found = []
    for group in (parts[:FIRST_PARTS], parts[FIRST_PARTS:]):
        if group and len(found) < wanted:
            found += _matches_in_parts(matches, group, wanted - len(found))
    return found


def _matches_in_parts(matches: QuerySet, parts: list[SearchIndexPart], limit: int) -> list[int]:
    branches = [
        matches.filter(pk__gte=part.first_id, **({"pk__lt": part.end_id} if part.end_id else {}))
        for part in parts
    ]
    # In parallel workers the branches would all start at once (and the workers take longer to
    # start than the newest part to answer).
    with planner_settings(max_parallel_workers_per_gather="0"):
        return list(branches[0].union(*branches[1:], all=True)[:limit])


def _headlines(sentences: list[Sentence], search: SearchQuery) -> dict[int, str]:
    """ts_headline of the page's sentences only: a fragment of each, its matches marked."""
    if not sentences:
        return {}
    marked = Sentence.objects.filter(pk__in=[s.pk for s in sentences]).annotate(
        headline=SearchHeadline(
            "text", search, config="english", start_sel=HEADLINE_START, stop_sel=HEADLINE_STOP
        )
    )
    return dict(marked.values_list("pk", "headline"))


def _has_terms(query: str) -> bool:
    """Whether the search has a word to look for once stop words and punctuation are dropped
    (always for a substring search, which drops nothing)."""
    if not full_text_search():
        return bool(query.strip())
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(websearch_to_tsquery('english', %s)) > 0", [query])
        return cursor.fetchone()[0]


def neighbour_texts(article_id: int, index: int) -> tuple[str, str]:
    """The texts of the sentences before and after one of an article's ("" at either end)."""
    texts = dict(
        Sentence.objects.filter(article_id=article_id, index__in=(index - 1, index + 1))
        .order_by()
        .values_list("index", "text")
    )
    return texts.get(index - 1, ""), texts.get(index + 1, "")
