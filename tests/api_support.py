"""What the API tests share: a loaded article and clients that call as a given user."""

from django.test import TestCase
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.corpus.models import Article
from annotations.corpus.services import ingest_files
from tests.conftest import SEED_ARTICLE, seed_text


def load_articles(count: int, sentences: int = 3) -> list[Article]:
    """Articles loaded as the ingest does it, with their candidates (precompute runs in-process
    once the load commits; inside a test's transaction that is made to happen here)."""
    body = " ".join(f"Officials said {n} people were hurt in Kyiv." for n in range(sentences))
    files = [
        (f"a{n}.txt", seed_text(title=f"Article {n}", url=f"https://example.com/{n}", body=body))
        for n in range(count)
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        outcomes = list(ingest_files(files))
    return list(Article.objects.filter(pk__in=[o.article_id for o in outcomes]).order_by("pk"))


def load_seed_article() -> Article:
    """The real seed article: 19 sentences, with candidates."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
    return Article.objects.get(pk=outcome.article_id)


def client_for(user=None) -> APIClient:
    """Anonymous without a user; else authenticated with the user's token."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
