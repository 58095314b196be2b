"""Reads of articles and sentences on their own."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

from annotations.roles import is_moderator_sql

from .models import Article, Sentence


def articles_visible_to(user) -> QuerySet[Article]:
    """Every article for moderators; the others do not see hidden ones (decided inside the
    query: no query of its own)."""
    return Article.objects.filter(Q(hidden=False) | is_moderator_sql(user))


def sentences_visible_to(user) -> QuerySet[Sentence]:
    """Sentences of the articles the user sees."""
    return Sentence.objects.filter(Q(article__hidden=False) | is_moderator_sql(user))


def search_sentences(query: str, user) -> QuerySet[Sentence]:
    """Sentences matching query across the articles the user sees: PostgreSQL full-text search
    (GIN index) ranked by relevance, or a plain substring match on SQLite."""
    sentences = sentences_visible_to(user).select_related("article").defer("article__body")
    if connection.vendor == "postgresql":
        vector = SearchVector("text", config="english")
        search = SearchQuery(query, config="english", search_type="websearch")
        # The same expression as the GIN index of migration 0003, so the index serves it.
        return (
            sentences.annotate(document=vector, rank=SearchRank(vector, search))
            .filter(document=search)
            .order_by("-rank", "article_id", "index")
        )
    return sentences.filter(text__icontains=query).order_by("article_id", "index")


def neighbour_texts(article_id: int, index: int) -> tuple[str, str]:
    """The texts of the sentences before and after one of an article's ("" at either end)."""
    texts = dict(
        Sentence.objects.filter(article_id=article_id, index__in=(index - 1, index + 1))
        .order_by()
        .values_list("index", "text")
    )
    return texts.get(index - 1, ""), texts.get(index + 1, "")
