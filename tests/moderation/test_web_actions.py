"""The moderation UI's actions and what they do: decisions on one label (answered with the queue
item's fragment), bulk decisions, adjudication, locks and hiding, deactivation; refusals that say
why; the audit trail they leave; and what reviewers then see."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotations.corpus.models import Article
from annotations.moderation.services import moderate, set_article_flag
from annotations.review.models import Adjudication, Annotation, History
from annotations.review.services import retally
from tests.api_support import load_articles
from tests.conftest import make_reviewer
from tests.reviewing import article_url, label, load_article, long_body, save

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
REASON = "Source missing or wrong"
# session, user, the user's roles, the reviewer filter's people, the three tabs' sizes, the page
# of sentences, its items (4: sentences with their adjudications, their neighbours, candidates,
# labels), the frequent reasons, the shortcuts setting
QUEUE_QUERIES = 14


@pytest.fixture
def as_moderator(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def as_reviewer(reviewer):
    client = Client()
    client.force_login(reviewer)
    return client


def decide(client, annotation, decision, **fields):
    data = {
        "sentence": annotation.sentence_id,
        "annotation": annotation.pk,
        "decision": decision,
        "expected_version": annotation.version,
        **fields,
    }
    return client.post("/moderation/decide", data, headers=HTMX)


def adjudicate(client, sentence, **fields):
    return client.post("/moderation/adjudicate", {"sentence": sentence.pk, **fields}, headers=HTMX)


def status_line(response) -> str:
    return re.search(r'<p class="outcome">(.*?)</p>', response.content.decode()).group(1)


def reloaded(annotation) -> Annotation:
    return Annotation.objects.get(pk=annotation.pk)


def test_approving_answers_with_the_item_and_records_who_and_through_the_ui(
    as_moderator, moderator, disagreement
):
    response = decide(as_moderator, disagreement.theirs, "approve")
    assert response.status_code == 200 and response["X-Sentence-Fragment"] == "1"
    html = response.content.decode()
    assert "<html" not in html and html.count('class="queue-item"') == 1
    assert status_line(response) == "Approved other&#x27;s label (Disputed)."
    theirs = reloaded(disagreement.theirs)
    assert (theirs.moderation_status, theirs.moderated_by, theirs.version) == (
        "approved",
        moderator,
        2,
    )
    # The item moves on to the next label still waiting: the reviewer's own.
    assert (
        f'data-annotation="{disagreement.mine.pk}" data-version="1" data-status="pending"' in html
    )
    assert re.search(rf'data-annotation="{disagreement.mine.pk}"[^>]*aria-current="true"', html)
    entry = History.objects.get(action="approved")
    assert (entry.actor, entry.reviewer, entry.via) == (moderator, theirs.reviewer, "ui")
    assert (entry.before["moderation_status"], entry.after["moderation_status"]) == (
        "pending",
        "approved",
    )


def test_approving_twice_changes_nothing_the_second_time(as_moderator, disagreement):
    decide(as_moderator, disagreement.theirs, "approve")
    response = decide(as_moderator, reloaded(disagreement.theirs), "approve")
    assert (
        status_line(response)
        == "Nothing changed: other&#x27;s label (Disputed) was already approved."
    )
    assert History.objects.filter(action="approved").count() == 1


@pytest.mark.parametrize(
    "fields, stored",
    [
        ({"reason": REASON}, REASON),
        ({"reason": REASON, "other_reason": "  Typed instead  "}, "Typed instead"),
    ],
    ids=["picked", "typed wins"],
)
def test_rejecting_records_the_reason(as_moderator, moderator, disagreement, fields, stored):
    response = decide(as_moderator, disagreement.theirs, "reject", **fields)
    assert response.status_code == 200
    assert status_line(response) == f"Rejected other&#x27;s label (Disputed): {stored}"
    assert f"by moderator: {stored}" in response.content.decode()
    theirs = reloaded(disagreement.theirs)
    assert (theirs.moderation_status, theirs.moderation_reason) == ("rejected", stored)
    entry = History.objects.get(action="rejected")
    assert (entry.actor, entry.via, entry.after["moderation_reason"]) == (moderator, "ui", stored)


@pytest.mark.parametrize("fields", [{}, {"reason": "  ", "other_reason": " "}])
def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(
    as_moderator, disagreement, fields
):
    response = decide(as_moderator, disagreement.theirs, "reject", **fields)
    assert response.status_code == 400 and response["X-Sentence-Fragment"] == "1"
    assert "a rejection needs a reason" in status_line(response)
    assert 'data-state="refused"' in response.content.decode()
    theirs = reloaded(disagreement.theirs)
    assert (theirs.moderation_status, theirs.version) == ("pending", 1)
    assert not History.objects.filter(action="rejected").exists()


def test_reopening_puts_a_decided_label_back_to_pending(as_moderator, moderator, disagreement):
    rejected = moderate(
        annotation=disagreement.theirs, actor=moderator, decision="reject", reason=REASON
    )
    response = decide(as_moderator, rejected, "reopen")
    assert status_line(response) == "Reopened other&#x27;s label (Disputed): pending again."
    theirs = reloaded(disagreement.theirs)
    assert (theirs.moderation_status, theirs.moderation_reason, theirs.moderated_by) == (
        "pending",
        "",
        None,
    )
    assert History.objects.get(action="reopened").via == "ui"


def test_a_stale_version_is_refused_with_the_fresh_item(as_moderator, other_reviewer, disagreement):
    shown = disagreement.theirs  # version 1, as the queue showed it
    label(disagreement.contested, other_reviewer, "false_flag")  # the reviewer changes it: 2
    response = decide(as_moderator, shown, "approve")
    assert response.status_code == 409 and response["X-Sentence-Fragment"] == "1"
    assert "changed since the page showed it" in status_line(response)
    html = response.content.decode()
    assert f'data-annotation="{shown.pk}" data-version="2"' in html
    assert '<span class="chip label false_flag">' in html
    assert reloaded(shown).moderation_status == "pending"


def test_a_label_removed_meanwhile_is_refused(as_moderator, disagreement):
    shown = disagreement.theirs
    Annotation.objects.filter(pk=shown.pk).delete()
    response = decide(as_moderator, shown, "approve")
    assert response.status_code == 409
    assert "that label was removed meanwhile" in status_line(response)


@pytest.mark.parametrize(
    "data",
    [
        {"sentence": "abc", "annotation": "1", "decision": "approve"},
        {"sentence": "999999", "annotation": "1", "decision": "approve"},
    ],
)
def test_an_unknown_sentence_is_a_404(as_moderator, disagreement, data):
    assert as_moderator.post("/moderation/decide", data, headers=HTMX).status_code == 404


def test_a_bad_decision_is_a_400_fragment(as_moderator, disagreement):
    response = decide(as_moderator, disagreement.theirs, "delete")
    assert response.status_code == 400
    assert "decision: Select a valid choice" in status_line(response)


def test_adjudicating_sets_the_final_label_with_a_note(as_moderator, moderator, disagreement):
    response = adjudicate(
        as_moderator,
        disagreement.contested,
        label="disputed",
        reason="Kyiv denies it",
        expected_version=0,
    )
    assert response.status_code == 200
    assert status_line(response) == "Adjudicated: the final label is Disputed."
    html = response.content.decode()
    assert "Adjudicated by moderator:" in html and "Kyiv denies it" in html
    assert "(adjudicated)" in html and 'data-adjudication-version="1"' in html
    adjudication = Adjudication.objects.get(sentence=disagreement.contested)
    assert (adjudication.label, adjudication.reason, adjudication.moderator) == (
        "disputed",
        "Kyiv denies it",
        moderator,
    )
    entry = History.objects.get(action="adjudicated")
    assert (entry.actor, entry.via, entry.after["label"]) == (moderator, "ui", "disputed")


def test_adjudication_is_version_checked_and_can_be_removed(as_moderator, disagreement):
    adjudicate(as_moderator, disagreement.contested, label="disputed", expected_version=0)
    stale = adjudicate(as_moderator, disagreement.contested, label="sourced", expected_version=0)
    assert stale.status_code == 409 and "changed since the page showed it" in status_line(stale)
    assert Adjudication.objects.get(sentence=disagreement.contested).label == "disputed"
    removed = adjudicate(as_moderator, disagreement.contested, clear="1", expected_version=1)
    assert removed.status_code == 200
    assert "Adjudication removed" in status_line(removed)
    assert not Adjudication.objects.exists()
    assert History.objects.filter(subject="adjudication", action="deleted", via="ui").exists()


def test_adjudication_needs_a_label(as_moderator, disagreement):
    response = adjudicate(as_moderator, disagreement.contested, expected_version=0)
    assert response.status_code == 400 and "choose a label" in status_line(response)
    assert not Adjudication.objects.exists()


@pytest.mark.parametrize(
    "change, flag, value, said",
    [
        ("lock", "locked", True, "Article locked: reviewers can no longer change its labels."),
        ("hide", "hidden", True, "Article hidden: reviewers no longer see it."),
    ],
)
def test_locking_and_hiding_from_the_queue(
    as_moderator, moderator, disagreement, change, flag, value, said
):
    data = {"sentence": disagreement.contested.pk, "change": change}
    response = as_moderator.post("/moderation/article", data, headers=HTMX)
    assert response.status_code == 200 and status_line(response) == said
    assert f'data-{flag}="1"' in response.content.decode()
    assert getattr(Article.objects.get(pk=disagreement.article.pk), flag) is value
    entry = History.objects.get(subject="article")
    assert (entry.action, entry.actor, entry.via) == (flag, moderator, "ui")
    again = as_moderator.post("/moderation/article", data, headers=HTMX)
    assert status_line(again).startswith("Nothing changed: the article was already")


def test_the_review_page_offers_moderators_the_article_switches(
    as_moderator, as_reviewer, disagreement
):
    url = article_url(disagreement.article)
    html = as_moderator.get(url).content.decode()
    assert 'value="lock">Lock article</button>' in html
    assert 'value="hide">Hide article from reviewers</button>' in html
    response = as_moderator.post(
        "/moderation/article",
        {"article": disagreement.article.pk, "change": "lock", "next": url},
        follow=True,
    )
    assert response.redirect_chain == [(url, 302)]
    html = response.content.decode()
    assert "Article locked: reviewers can no longer change its labels." in html
    assert 'value="unlock">Unlock article</button>' in html
    assert Article.objects.get(pk=disagreement.article.pk).locked
    assert "Lock article" not in as_reviewer.get(url).content.decode()


def test_the_switches_go_back_only_to_this_site(as_moderator, disagreement):
    response = as_moderator.post(
        "/moderation/article",
        {"article": disagreement.article.pk, "change": "lock", "next": "https://evil.example/"},
    )
    assert response["Location"] == article_url(disagreement.article)


@pytest.mark.parametrize("article", ["abc", "999999"])
def test_an_unknown_article_is_a_404(as_moderator, disagreement, article):
    response = as_moderator.post("/moderation/article", {"article": article, "change": "lock"})
    assert response.status_code == 404


def test_a_locked_article_refuses_a_reviewers_save(as_moderator, as_reviewer, disagreement):
    as_moderator.post(
        "/moderation/article",
        {"sentence": disagreement.contested.pk, "change": "lock"},
        headers=HTMX,
    )
    assert "it is read-only" in as_reviewer.get(article_url(disagreement.article)).content.decode()
    response = save(
        as_reviewer, disagreement.contested, {"label": "not_claim", "expected_version": 1}
    )
    assert response.status_code == 403 and "locked by a moderator" in response.content.decode()
    assert reloaded(disagreement.mine).label == "sourced"


def test_a_hidden_article_is_gone_for_reviewers(as_moderator, as_reviewer, disagreement):
    article = disagreement.article
    as_moderator.post(
        "/moderation/article",
        {"sentence": disagreement.contested.pk, "change": "hide"},
        headers=HTMX,
    )
    assert as_reviewer.get(article_url(article)).status_code == 404
    assert article.title not in as_reviewer.get("/").content.decode()
    found = as_reviewer.get("/search/", {"q": "Kyiv"}).content.decode()
    assert "No sentence matches" in found and disagreement.contested.text not in found
    assert as_reviewer.get("/next/")["Location"] == "/"  # nothing left: it was the only article
    history = as_reviewer.get("/history/sentence", {"sentence": disagreement.contested.pk})
    assert history.status_code == 404
    # Moderators still see it, marked.
    html = as_moderator.get(article_url(article)).content.decode()
    assert "hidden by a moderator: reviewers do not see it" in html


def test_bulk_approval_of_the_selected_labels_says_how_many_changed(
    as_moderator, moderator, disagreement
):
    moderate(annotation=disagreement.mine, actor=moderator, decision="approve")
    picked = [disagreement.mine.pk, disagreement.theirs.pk, disagreement.single_label.pk]
    response = as_moderator.post(
        "/moderation/bulk?tab=pending", {"decision": "approve", "annotation": picked}, follow=True
    )
    assert response.redirect_chain == [("/moderation/?tab=pending", 302)]
    assert "Approved 2 labels. 1 of the 3 chosen was already so." in response.content.decode()
    assert set(Annotation.objects.values_list("moderation_status", flat=True)) == {"approved"}
    assert History.objects.filter(action="approved", actor=moderator, via="ui").count() == 2


def test_bulk_rejection_needs_a_reason_and_keeps_the_selection(as_moderator, disagreement):
    picked = [disagreement.theirs.pk, disagreement.single_label.pk]
    response = as_moderator.post(
        "/moderation/bulk?tab=pending", {"decision": "reject", "annotation": picked}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing changed: reason: a rejection needs a reason" in html
    for pk in picked:
        assert f'value="{pk}" form="bulk-form" tabindex="-1" aria-label="Select' in html
        assert re.search(rf'value="{pk}" form="bulk-form"[^>]* checked>', html)
    assert not re.search(rf'value="{disagreement.mine.pk}" form="bulk-form"[^>]* checked>', html)
    # Shown at the bulk action's address, its links and filters still lead to the queue.
    assert 'href="/moderation/?tab=contested"' in html
    assert '<form method="get" action="/moderation/"' in html
    assert set(Annotation.objects.values_list("moderation_status", flat=True)) == {"pending"}


def test_bulk_rejection_with_one_reason(as_moderator, disagreement):
    picked = [disagreement.theirs.pk, disagreement.single_label.pk]
    response = as_moderator.post(
        "/moderation/bulk",
        {"decision": "reject", "annotation": picked, "reason": REASON},
        follow=True,
    )
    assert "Rejected 2 labels." in response.content.decode()
    assert set(
        Annotation.objects.filter(pk__in=picked).values_list("moderation_reason", flat=True)
    ) == {REASON}
    assert reloaded(disagreement.mine).moderation_status == "pending"


def test_a_bulk_decision_needs_labels(as_moderator, disagreement):
    response = as_moderator.post("/moderation/bulk", {"decision": "approve"})
    assert response.status_code == 400
    assert "Nothing changed: no label selected" in response.content.decode()


def test_all_pending_labels_of_a_reviewer_on_an_article(
    as_moderator, reviewer, other_reviewer, disagreement
):
    query = f"article={disagreement.article.pk}&reviewer={reviewer.pk}"
    html = as_moderator.get(f"/moderation/?tab=pending&{query}").content.decode()
    assert "Approve all 2 pending labels of reviewer on this article" in html
    response = as_moderator.post(
        f"/moderation/bulk?tab=pending&{query}",
        {
            "decision": "reject",
            "article": disagreement.article.pk,
            "reviewer": reviewer.pk,
            "other_reason": "Wrong label: see the label guideline",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Rejected 2 labels." in html
    assert "reviewer has no pending label on this article." in html
    statuses = dict(Annotation.objects.values_list("reviewer__username", "moderation_status"))
    assert Annotation.objects.filter(reviewer=reviewer, moderation_status="rejected").count() == 2
    assert statuses["other"] == "pending"  # the other reviewer's label is left alone
    assert other_reviewer.annotations.get().moderation_status == "pending"


def test_deactivation_states_the_pending_labels_first(as_moderator, reviewer, disagreement):
    html = as_moderator.get(f"/moderation/reviewers/{reviewer.pk}/deactivate").content.decode()
    assert "reviewer has 2 pending labels." in html
    assert "Also reject all 2 pending labels" in html


def test_deactivating_without_rejecting(as_moderator, moderator, reviewer, disagreement):
    response = as_moderator.post(f"/moderation/reviewers/{reviewer.pk}/deactivate", follow=True)
    assert response.redirect_chain == [("/moderation/reviewers/", 302)]
    html = response.content.decode()
    assert "Deactivated reviewer: they can no longer log in. 0 pending labels rejected." in html
    assert re.search(r">reviewer</a></th>\s*<td>Deactivated</td>", html)
    reviewer.refresh_from_db()
    assert not reviewer.is_active
    assert reloaded(disagreement.mine).moderation_status == "pending"
    entry = History.objects.get(action="deactivated")
    assert (entry.actor, entry.reviewer, entry.via) == (moderator, reviewer, "ui")


def test_deactivating_and_rejecting_every_pending_label(as_moderator, reviewer, disagreement):
    url = f"/moderation/reviewers/{reviewer.pk}/deactivate"
    refused = as_moderator.post(url, {"reject_pending": "1"})
    assert refused.status_code == 400
    assert "To reject their pending labels, pick or type a reason." in refused.content.decode()
    reviewer.refresh_from_db()
    assert reviewer.is_active
    response = as_moderator.post(url, {"reject_pending": "1", "reason": REASON}, follow=True)
    assert "2 pending labels rejected." in response.content.decode()
    assert set(reviewer.annotations.values_list("moderation_reason", flat=True)) == {REASON}
    assert History.objects.filter(action="rejected", via="ui").count() == 2


def test_a_moderator_cannot_deactivate_themselves(as_moderator, moderator, disagreement):
    label(disagreement.single, moderator, "sourced")  # labels make them listed
    response = as_moderator.post(f"/moderation/reviewers/{moderator.pk}/deactivate")
    assert response.status_code == 400
    assert "you cannot deactivate your own account" in response.content.decode()
    moderator.refresh_from_db()
    assert moderator.is_active


def test_the_reviewers_page_counts_each_ones_labels(as_moderator, moderator, disagreement):
    moderate(annotation=disagreement.mine, actor=moderator, decision="approve")
    moderate(annotation=disagreement.theirs, actor=moderator, decision="reject", reason=REASON)
    html = as_moderator.get("/moderation/reviewers/").content.decode()
    rows = dict(re.findall(r'aria-label="(\w+): history">.*?</th>(.*?)</tr>', html, re.S))
    counts = {
        name: re.findall(r'<td class="num">(?:<a[^>]*>)?(\d+)', row) for name, row in rows.items()
    }
    assert counts == {
        "moderator": ["0", "0", "0"],
        "other": ["0", "0", "1"],
        "reviewer": ["1", "1", "0"],
    }
    assert f'href="/moderation/history/?user={disagreement.mine.reviewer_id}"' in html
    assert f"/moderation/reviewers/{disagreement.mine.reviewer_id}/deactivate" in html


def test_a_reviewer_sees_the_rejection_and_its_reason_then_revises(
    client, reviewer, moderator, disagreement
):
    moderate(annotation=disagreement.mine, actor=moderator, decision="reject", reason=REASON)
    moderate(annotation=disagreement.single_label, actor=moderator, decision="approve")
    client.force_login(reviewer)
    html = client.get(article_url(disagreement.article)).content.decode()
    # In the sentence's description (its "mine" part), so it is announced with it.
    assert re.search(
        r'id="s0-mine">.*<span class="chip moderation rejected">Rejected: Source missing or '
        r"wrong</span></span>",
        html,
    )
    assert '<span class="chip moderation approved">Approved</span>' in html
    response = save(client, disagreement.contested, {"label": "disputed", "expected_version": 2})
    assert response.status_code == 200
    assert (
        '<span class="chip moderation pending">Pending review</span>' in response.content.decode()
    )
    assert reloaded(disagreement.mine).moderation_status == "pending"


def test_the_sentence_drawer_shows_a_reviewer_only_what_concerns_their_label(
    client, reviewer, moderator, disagreement
):
    moderate(annotation=disagreement.mine, actor=moderator, decision="reject", reason=REASON)
    moderate(annotation=disagreement.theirs, actor=moderator, decision="approve")
    url = f"/history/sentence?sentence={disagreement.contested.pk}"
    client.force_login(reviewer)
    response = client.get(url)
    assert response.status_code == 200 and response["X-Sentence-Fragment"] == "1"
    html = response.content.decode()
    assert html.count("<tr>") == 3  # the header, my label's creation and its rejection
    assert REASON in html and "moderation status: Pending → rejected" not in html
    assert "moderation status: pending → rejected" in html and "web UI" not in html
    client.force_login(moderator)
    html = client.get(url).content.decode()
    assert html.count("<tr>") == 5 and "The sentence's full history" in html


@pytest.mark.parametrize("sentence", ["", "abc", "999999"])
def test_the_drawer_of_an_unknown_sentence_is_a_404(client, reviewer, sentence):
    client.force_login(reviewer)
    assert client.get("/history/sentence", {"sentence": sentence}).status_code == 404


def test_the_history_pages_per_article_and_per_person(as_moderator, moderator, disagreement):
    other_article = load_articles(2)[1]
    set_article_flag(article=other_article, actor=moderator, flag="locked", value=True)
    moderate(annotation=disagreement.theirs, actor=moderator, decision="reject", reason=REASON)
    html = as_moderator.get(
        "/moderation/history/", {"article": disagreement.article.pk}
    ).content.decode()
    assert html.count("<tr>") == 5  # the header, three labels created, one rejection
    assert "Article 1" not in html and "Rejected" in html and REASON in html
    html = as_moderator.get(
        "/moderation/history/", {"user": disagreement.theirs.reviewer_id}
    ).content.decode()
    assert html.count("<tr>") == 3  # the other reviewer's label, created then rejected
    html = as_moderator.get("/moderation/history/", {"article": "x", "user": "y"}).content.decode()
    assert "Some filters were not understood" in html and html.count("<tr>") == 6


@pytest.mark.parametrize(
    "query",
    [
        {"article": "abc"},
        {"reviewer": "nobody"},
        {"label": "maybe"},
        {"since": "yesterday"},
        {"since": "2026-05-02", "until": "2026-05-01"},
        {"tab": "elsewhere", "page": "x"},
    ],
)
def test_bad_filters_are_reported_never_a_500(as_moderator, disagreement, query):
    response = as_moderator.get("/moderation/", query)
    assert response.status_code == 200
    html = response.content.decode()
    if "tab" not in query:
        assert "Some filters were not understood and are left out" in html
    assert disagreement.contested.text in html  # the filter was left out


def test_filters_narrow_the_queue(as_moderator, reviewer, disagreement):
    html = as_moderator.get(
        "/moderation/", {"tab": "pending", "label": "not_claim"}
    ).content.decode()
    assert html.count('class="queue-item"') == 1 and disagreement.single.text in html
    html = as_moderator.get("/moderation/", {"tab": "pending"}).content.decode()
    assert html.count('class="queue-item"') == 2
    assert re.search(r'aria-current="page">Contested <span class="size">1</span>', html) is None
    assert '>Contested <span class="size">1</span>' in html
    assert 'aria-current="page">Pending <span class="size">2</span>' in html


def contested_article(sentences: int, title: str, reviewers: int = 3) -> list[Annotation]:
    """An article whose every sentence `reviewers` reviewers label in turn sourced, disputed,
    not a claim."""
    article = load_article(title, long_body(sentences), f"https://example.com/{title}")
    people = [make_reviewer(f"{title}-{n}") for n in range(reviewers)]
    values = ("sourced", "disputed", "not_claim")
    labels = Annotation.objects.bulk_create(
        Annotation(sentence=s, reviewer=r, label=values[n % 3])
        for s in article.sentences.all()
        for n, r in enumerate(people)
    )
    retally(article.sentences.values_list("pk", flat=True))  # as the services do, label by label
    return labels


def test_the_queue_page_runs_a_constant_number_of_queries_and_paginates(as_moderator):
    contested_article(3, "few")
    with CaptureQueriesContext(connection) as few:
        small = as_moderator.get("/moderation/").content.decode()
    assert small.count('class="queue-item"') == 3
    contested_article(27, "many")
    with CaptureQueriesContext(connection) as many:
        big = as_moderator.get("/moderation/").content.decode()
    assert big.count('class="queue-item"') == 25 and "Page 1 of 2" in big
    assert big.count('<tr class="annotation-row"') == 75
    assert len(many) == len(few) == QUEUE_QUERIES
    last = as_moderator.get("/moderation/", {"page": 2}).content.decode()
    assert last.count('class="queue-item"') == 5 and "Page 2 of 2" in last


def test_a_decision_runs_a_constant_number_of_queries(as_moderator):
    few = contested_article(1, "few")[0]
    many = contested_article(1, "many", reviewers=12)[0]
    with CaptureQueriesContext(connection) as on_few:
        assert decide(as_moderator, few, "approve").status_code == 200
    with CaptureQueriesContext(connection) as on_many:
        response = decide(as_moderator, many, "approve")
    assert response.content.decode().count('<tr class="annotation-row"') == 12
    assert len(on_many) == len(on_few)


TOO_BIG = str(2**63)  # past any database id


@pytest.mark.parametrize(
    "method, url, data, expected",
    [
        ("get", "/moderation/", {"article": TOO_BIG}, 200),
        ("get", "/moderation/history/", {"article": TOO_BIG, "sentence": TOO_BIG}, 200),
        ("get", "/history/sentence", {"sentence": TOO_BIG}, 404),
        ("get", "/history/sentence", {"sentence": "²"}, 404),
        ("post", "/moderation/decide", {"sentence": TOO_BIG}, 404),
        ("post", "/moderation/decide", {"annotation": TOO_BIG, "decision": "approve"}, 400),
        ("post", "/moderation/article", {"sentence": TOO_BIG, "change": "lock"}, 404),
        ("post", "/moderation/article", {"article": TOO_BIG, "change": "lock"}, 404),
        ("post", "/moderation/bulk", {"decision": "approve", "annotation": TOO_BIG}, 400),
        ("post", "/moderation/bulk", {"decision": "approve", "article": TOO_BIG}, 400),
    ],
)
def test_ids_no_row_can_have_are_refused_never_a_500(
    as_moderator, disagreement, method, url, data, expected
):
    headers = HTMX if "sentence" in data or url == "/moderation/decide" else {}
    data = {"sentence": disagreement.contested.pk, **data} if url.endswith("decide") else data
    response = getattr(as_moderator, method)(url, data, headers=headers)
    assert response.status_code == expected
    assert set(Annotation.objects.values_list("moderation_status", flat=True)) == {"pending"}
