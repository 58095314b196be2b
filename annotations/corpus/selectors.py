"""Reads of articles and sentences on their own."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import QuerySet

from .models import Sentence


def search_sentences(query: str) -> QuerySet[Sentence]:
    """Sentences matching query across all articles: PostgreSQL full-text search (GIN index)
    ranked by relevance, or a plain substring match on SQLite."""
    sentences = Sentence.objects.select_related("article").defer("article__body")
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
