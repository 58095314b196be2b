"""Reads: the querysets pages and the API show, with their related rows fetched up front."""

from itertools import groupby

from django.db.models import Count, QuerySet

from .models import Article, Sentence


def article_list() -> QuerySet[Article]:
    return (
        Article.objects.annotate(sentence_count=Count("sentences"))
        .defer("body")
        .order_by("-published_on", "-id")
    )


def article_paragraphs(article: Article) -> list[list[Sentence]]:
    """The article's sentences grouped by paragraph, in order (one query)."""
    sentences = Sentence.objects.filter(article=article).order_by("index")
    return [list(group) for _, group in groupby(sentences, key=lambda s: s.paragraph)]
