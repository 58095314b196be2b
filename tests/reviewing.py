"""Test data for the reviewer UI tests: articles, candidates and other reviewers' labels."""

from django.contrib.auth.models import User
from django.urls import reverse

from annotations.assignment.services import rebuild_work_queue
from annotations.corpus.models import Article, Sentence
from annotations.corpus.services import ingest_files
from annotations.detection.models import Candidate, DetectorVersion
from annotations.review.models import Annotation
from annotations.review.services import annotation_save, recount_articles
from tests.conftest import seed_text


def load_article(title="A title", body="One. Two.", url="https://example.com/a", date="20220223"):
    [outcome] = ingest_files([(f"{title}.txt", seed_text(title, date, url, body))])
    assert outcome.status == "loaded", outcome.message
    return Article.objects.get(pk=outcome.article_id)


def long_body(sentences: int, per_paragraph: int = 3) -> str:
    """A body of `sentences` plain sentences, `per_paragraph` to a paragraph."""
    texts = [f"Officials counted {n} shelling incidents on day {n}." for n in range(sentences)]
    return "\n".join(
        " ".join(texts[i : i + per_paragraph]) for i in range(0, sentences, per_paragraph)
    )


def sentence(article: Article, index: int) -> Sentence:
    return Sentence.objects.get(article=article, index=index)


def add_candidates(sentences, score: float, label=None, reasons=None) -> list[Candidate]:
    """Candidates written directly (not by precompute), one per sentence, then the article
    list's figures and the work queue of their articles counted afresh once, as after any write
    that bypasses the services."""
    detector, _ = DetectorVersion.objects.get_or_create(name="test-rules", rules_version="test")
    candidates = Candidate.objects.bulk_create(
        Candidate(
            sentence=sentence,
            detector_version=detector,
            score=score,
            suggested_label=label,
            reasons=reasons if reasons is not None else {},
        )
        for sentence in sentences
    )
    articles = sorted({candidate.sentence.article_id for candidate in candidates})
    recount_articles(articles)
    rebuild_work_queue(articles)
    return candidates


def with_candidates(article: Article) -> Article:
    """The article with a 0.5 "sourced" candidate citing AP on every sentence."""
    add_candidates(
        Sentence.objects.filter(article=article),
        0.5,
        "sourced",
        {"attributions": [{"source": "AP", "verb": "said"}]},
    )
    return article


def add_candidate(sentence: Sentence, score: float, label=None, reasons=None) -> Candidate:
    [candidate] = add_candidates([sentence], score, label, reasons)
    return candidate


def label(sentence: Sentence, user, value: str, **fields) -> Annotation:
    annotation, _ = annotation_save(
        sentence=sentence, reviewer=user, changes={"label": value, **fields}
    )
    return annotation


def labels_by_many_reviewers(article: Article, reviewers: int) -> None:
    """Every sentence labelled by `reviewers` new users, written in bulk (test data only; the
    article list's figures counted afresh after it, the tallies not kept)."""
    users = User.objects.bulk_create(User(username=f"bulk-{n}") for n in range(reviewers))
    Annotation.objects.bulk_create(
        Annotation(sentence=s, reviewer=u, label="sourced" if u.pk % 2 else "disputed")
        for s in Sentence.objects.filter(article=article)
        for u in users
    )
    recount_articles([article.pk])


def article_url(article: Article) -> str:
    return reverse("annotations:article_detail", args=[article.pk])


def save(client, sentence: Sentence, data: dict):
    """Post a tagging action the way the review page's script does."""
    return client.post(
        reverse("annotations:annotation_save"),
        {"sentence": sentence.pk, **data},
        headers={"HX-Request": "true"},
    )


def clear(client, sentence: Sentence, data: dict):
    return client.post(
        reverse("annotations:annotation_clear"),
        {"sentence": sentence.pk, **data},
        headers={"HX-Request": "true"},
    )
