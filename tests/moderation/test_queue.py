"""The moderation queue's reads: which sentences each tab holds, in which order, with what."""

import datetime

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from annotations.detection.models import Candidate
from annotations.detection.services import candidates_written, precompute_articles
from annotations.moderation.selectors import (
    QueueFilters,
    contested_sentences,
    decided_sentences,
    frequent_reasons,
    history_of,
    pending_sentences,
    queue_items,
    queue_sizes,
    reviewers_overview,
)
from annotations.moderation.services import (
    adjudicate,
    adjudication_clear,
    moderate,
    moderate_many,
)
from annotations.review.models import Annotation, SentenceTally
from annotations.review.services import annotation_clear, annotation_save, retally
from tests.api_support import load_articles
from tests.conftest import make_reviewer

pytestmark = pytest.mark.django_db


def pks(rows) -> list[int]:
    return [row["sentence"] for row in rows]


def label(sentence, user, value):
    annotation, _ = annotation_save(sentence=sentence, reviewer=user, changes={"label": value})
    return annotation


def test_disagreeing_labels_make_a_sentence_contested(disagreement):
    assert pks(contested_sentences()) == [disagreement.contested.pk]
    assert set(pks(pending_sentences())) == {disagreement.contested.pk, disagreement.single.pk}
    assert pks(decided_sentences()) == []


def rescore(sentence, score, suggested_label):
    """A new candidate for the sentence, announced as precompute announces replaced ones."""
    Candidate.objects.filter(sentence=sentence).update(score=score, suggested_label=suggested_label)
    candidates_written.send(Candidate, article_ids=[sentence.article_id])


def test_a_label_against_a_confident_suggestion_is_contested(disagreement, settings):
    single = disagreement.single
    rescore(single, 0.9, "sourced")
    settings.CONTESTED_SCORE = 0.8
    assert single.pk in pks(contested_sentences())  # "not a claim" against a sourced suggestion
    settings.CONTESTED_SCORE = 0.95
    assert single.pk not in pks(contested_sentences())
    rescore(single, 0.9, None)
    settings.CONTESTED_SCORE = 0.8
    assert single.pk not in pks(contested_sentences())  # no suggestion: "not a claim" agrees


def test_rescoring_an_article_moves_its_sentences_in_the_queue(disagreement):
    Candidate.objects.filter(sentence__article=disagreement.article).update(score=0.01)
    disagreement.article.precompute_status = "pending"
    disagreement.article.save()
    assert precompute_articles([disagreement.article.pk]) == [disagreement.article.pk]
    rescored = Candidate.objects.get(sentence=disagreement.single).score
    assert rescored > 0.01
    [row] = [
        r
        for r in pending_sentences().values("sentence", "score")
        if r["sentence"] == disagreement.single.pk
    ]
    assert row["score"] == rescored


def test_a_decision_that_ends_the_disagreement_takes_it_off_the_contested_tab(
    disagreement, moderator
):
    moderate(annotation=disagreement.theirs, actor=moderator, decision="reject", reason="No")
    assert pks(contested_sentences()) == []
    moderate(annotation=disagreement.theirs, actor=moderator, decision="reopen")
    assert pks(contested_sentences()) == [disagreement.contested.pk]
    adjudicate(sentence=disagreement.contested, actor=moderator, label="sourced")
    assert pks(contested_sentences()) == []


def test_the_most_divided_sentences_come_first(disagreement, reviewer, other_reviewer):
    third = make_reviewer("third")
    second_article = load_articles(2)[1]
    divided = second_article.sentences.get(index=0)
    for user, value in ((reviewer, "sourced"), (other_reviewer, "disputed"), (third, "false_flag")):
        label(divided, user, value)
    assert pks(contested_sentences()) == [divided.pk, disagreement.contested.pk]


def test_the_filters_narrow_each_tab(disagreement, reviewer, other_reviewer, moderator):
    by_other = QueueFilters(reviewer=other_reviewer.pk)
    assert pks(pending_sentences(by_other)) == [disagreement.contested.pk]
    assert pks(pending_sentences(QueueFilters(label="not_claim"))) == [disagreement.single.pk]
    assert pks(contested_sentences(QueueFilters(label="not_claim"))) == []
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert pks(pending_sentences(QueueFilters(since=tomorrow))) == []
    assert len(pks(pending_sentences(QueueFilters(until=tomorrow)))) == 2
    elsewhere = load_articles(2)[1]
    assert pks(pending_sentences(QueueFilters(article=elsewhere.pk))) == []
    moderate(annotation=disagreement.single_label, actor=moderator, decision="approve")
    assert pks(decided_sentences(QueueFilters(reviewer=reviewer.pk))) == [disagreement.single.pk]
    assert pks(decided_sentences(QueueFilters(reviewer=other_reviewer.pk))) == []
    assert queue_sizes(by_other) == {"contested": 1, "pending": 1, "decided": 0}


def test_recent_decisions_come_first_adjudications_included(disagreement, moderator):
    moderate(annotation=disagreement.single_label, actor=moderator, decision="approve")
    adjudicate(sentence=disagreement.contested, actor=moderator, label="sourced")
    assert pks(decided_sentences()) == [disagreement.contested.pk, disagreement.single.pk]
    moderate(annotation=disagreement.single_label, actor=moderator, decision="reject", reason="x")
    assert pks(decided_sentences()) == [disagreement.single.pk, disagreement.contested.pk]


def test_an_item_holds_the_context_suggestion_and_every_label(disagreement, moderator):
    moderate(annotation=disagreement.theirs, actor=moderator, decision="reject", reason="No")
    [item] = queue_items([disagreement.contested])
    assert item.previous is None and item.next == disagreement.single
    assert item.candidate == Candidate.objects.get(sentence=disagreement.contested)
    assert [a.pk for a in item.annotations] == [disagreement.mine.pk, disagreement.theirs.pk]
    assert [a.pk for a in item.pending] == [disagreement.mine.pk]
    assert (item.gold.label, item.gold.basis) == ("sourced", "majority")  # the rejected one out
    [middle] = queue_items([disagreement.single])
    assert (middle.previous, middle.next.index) == (disagreement.contested, 2)


def many_disagreements(articles: int, reviewers: list) -> None:
    """Every sentence of `articles` new articles labelled differently by each reviewer."""
    for article in load_articles(articles, sentences=3):
        for sentence in article.sentences.all():
            for n, user in enumerate(reviewers):
                label(sentence, user, ["sourced", "disputed", "false_flag", "not_claim"][n % 4])


def queries_for_a_page(tab: str) -> tuple[int, int]:
    """Queries of a queue page (its sentences, its size, its items) and how many items."""
    with CaptureQueriesContext(connection) as queries:
        sentences = QueueFilters()
        page = list(
            {"contested": contested_sentences, "pending": pending_sentences}[tab](sentences)[:25]
        )
        queue_sizes()
        items = queue_items(page)
    return len(queries), len(items)


@pytest.mark.parametrize("tab", ["contested", "pending"])
def test_a_queue_page_takes_the_same_queries_whatever_the_queue_holds(
    tab, reviewer, other_reviewer
):
    many_disagreements(1, [reviewer, other_reviewer])
    small, small_items = queries_for_a_page(tab)
    many_disagreements(12, [reviewer, other_reviewer, make_reviewer("third")])
    large, large_items = queries_for_a_page(tab)
    assert (small_items, large_items) == (3, 25)
    # page, 3 tab sizes, sentences (and adjudications), context, candidates, labels
    assert small == large == 8


def test_the_reasons_offered_are_those_given_most_then_the_standard_ones(
    disagreement, moderator, reviewer
):
    assert frequent_reasons()[0].startswith("Not a claim")
    moderate(annotation=disagreement.theirs, actor=moderator, decision="reject", reason="Dup")
    moderate(annotation=disagreement.mine, actor=moderator, decision="reject", reason="Vague")
    moderate(annotation=disagreement.single_label, actor=moderator, decision="reject", reason="Dup")
    assert frequent_reasons()[:3] == [
        "Dup",
        "Vague",
        "Not a claim: opinion, question or prediction",
    ]


def test_the_reviewers_overview_counts_each_decision(disagreement, moderator, reviewer):
    moderate(annotation=disagreement.mine, actor=moderator, decision="reject", reason="No")
    counts = {
        user.username: (user.pending, user.approved, user.rejected) for user in reviewers_overview()
    }
    assert counts == {"moderator": (0, 0, 0), "other": (1, 0, 0), "reviewer": (1, 0, 1)}


def test_reviewers_see_the_history_of_their_own_labels_only(
    disagreement, reviewer, other_reviewer, moderator
):
    moderate(annotation=disagreement.theirs, actor=moderator, decision="reject", reason="No")
    sentence = disagreement.contested
    everything = history_of(moderator, sentence=sentence)
    assert [(h.action, h.reviewer.username) for h in everything] == [
        ("rejected", "other"),
        ("created", "other"),
        ("created", "reviewer"),
    ]
    assert [h.action for h in history_of(reviewer, sentence=sentence)] == ["created"]
    assert [h.action for h in history_of(other_reviewer, sentence=sentence)] == [
        "rejected",
        "created",
    ]
    by_person = history_of(moderator, person=moderator)
    assert [h.action for h in by_person] == ["rejected"]
    assert Annotation.objects.count() == 3


def tallies() -> dict:
    return {t.sentence_id: t for t in SentenceTally.objects.all()}


def test_every_write_keeps_the_tallies_as_a_fresh_count_would(
    disagreement, reviewer, other_reviewer, moderator
):
    contested, single = disagreement.contested, disagreement.single
    moderate(annotation=disagreement.mine, actor=moderator, decision="reject", reason="No")
    moderate_many(annotations=[disagreement.theirs.pk], actor=moderator, decision="approve")
    adjudicate(sentence=single, actor=moderator, label="disputed")
    annotation_save(sentence=single, reviewer=other_reviewer, changes={"label": "sourced"})
    annotation_clear(annotation=disagreement.single_label, actor=reviewer)
    adjudication_clear(sentence=single, actor=moderator)
    rescore(contested, 0.95, "disputed")
    stored = {pk: model_to_dict(t) for pk, t in tallies().items()}
    retally([contested.pk, single.pk])
    assert stored == {pk: model_to_dict(t) for pk, t in tallies().items()}
    assert (stored[contested.pk]["votes"], stored[contested.pk]["pending"]) == (1, 0)
    assert stored[contested.pk]["score"] == 0.95
    assert (stored[single.pk]["votes"], stored[single.pk]["adjudicated"]) == (1, False)
    annotation_clear(annotation=Annotation.objects.get(sentence=single), actor=other_reviewer)
    assert single.pk not in tallies()  # nothing left to moderate there


def at_the_same_moment(*calls) -> None:
    """Run the calls in threads released together; fail with the first error any raised."""
    import threading

    ready, errors = threading.Barrier(len(calls)), []

    def run(call):
        try:
            ready.wait()
            call()
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_reviewers_labelling_one_sentence_at_the_same_moment_are_all_counted():
    """Each label's write counts the sentence's labels again; counted before the others
    committed, the last write would keep a stale count."""
    from tests.reviewing import load_article
    from tests.services import require_postgres

    require_postgres()
    [target] = load_article("race", "Only one sentence here.").sentences.all()
    people = [make_reviewer(f"racer-{n}") for n in range(8)]
    at_the_same_moment(
        *(
            lambda person=person: annotation_save(
                sentence=target, reviewer=person, changes={"label": "sourced"}
            )
            for person in people
        )
    )
    assert Annotation.objects.filter(sentence=target).count() == len(people)
    tally = SentenceTally.objects.get(sentence=target)
    assert (tally.votes, tally.pending) == (len(people), len(people))


@pytest.mark.django_db(transaction=True)
def test_decisions_and_labels_at_the_same_moment_are_all_counted(moderator):
    from tests.reviewing import load_article
    from tests.services import require_postgres

    require_postgres()
    [target] = load_article("race", "Only one sentence here.").sentences.all()
    labelled = [
        annotation_save(
            sentence=target, reviewer=make_reviewer(f"first-{n}"), changes={"label": "sourced"}
        )[0]
        for n in range(4)
    ]
    newcomers = [make_reviewer(f"second-{n}") for n in range(4)]
    at_the_same_moment(
        *(
            lambda a=a: moderate(annotation=a, actor=moderator, decision="reject", reason="No")
            for a in labelled
        ),
        *(
            lambda person=person: annotation_save(
                sentence=target, reviewer=person, changes={"label": "disputed"}
            )
            for person in newcomers
        ),
    )
    tally = SentenceTally.objects.get(sentence=target)
    # The four rejected no longer count; the four new ones do, and wait for a decision.
    assert (tally.votes, tally.pending, tally.distinct_labels) == (4, 4, 1)
