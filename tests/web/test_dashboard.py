"""The moderators' dashboard: who may see it, what its tables say, constant queries, and its
charts drawing what the tables hold."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.corpus.models import Sentence
from annotations.review.models import Annotation
from annotations.web.charts import nice_ceiling, stacked_bars
from tests.conftest import make_reviewer
from tests.reviewing import label, load_article, long_body

pytestmark = pytest.mark.django_db
URL = "/moderation/dashboard/"


def table_after(html: str, heading_id: str) -> list[list[str]]:
    """The rows (header cell and data cells, as text) of the first table after a heading."""
    section = html[html.index(f'id="{heading_id}"') :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def labelled_article(title: str, sentences: int, people: list) -> None:
    """Every sentence labelled by each of `people`: the first says sourced, the others disputed."""
    article = load_article(title, long_body(sentences), f"https://example.com/{title}")
    for s in Sentence.objects.filter(article=article):
        for n, person in enumerate(people):
            label(s, person, "sourced" if n == 0 else "disputed")


@pytest.mark.parametrize(
    "persona, status", [("reviewer", 403), ("staff", 403), ("moderator", 200), ("superuser", 200)]
)
def test_only_moderators_and_admins_see_the_dashboard(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_tables_count_labels_per_reviewer_per_day_and_by_kind(client, moderator):
    ann, bob = make_reviewer("ann"), make_reviewer("bob")
    labelled_article("a", 3, [ann, bob])
    rejected = Annotation.objects.filter(reviewer=bob).first()
    Annotation.objects.filter(pk=rejected.pk).update(moderation_status="rejected")
    # One of ann's labels was given three days ago.
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    Annotation.objects.filter(pk=Annotation.objects.filter(reviewer=ann).first().pk).update(
        created_at=three_days_ago
    )
    client.force_login(moderator)
    html = client.get(URL).content.decode()

    assert table_after(html, "per-reviewer") == [["ann", "3", "0", "0"], ["bob", "2", "0", "1"]]
    # Sourced, Disputed, Not a claim, "false flag"… in the Label order, then the total.
    days = {row[0]: row[1:] for row in table_after(html, "per-day")}
    assert len(days) == 30
    today = timezone.localdate()
    assert days[today.isoformat()][-1] == "5"
    assert days[(today - datetime.timedelta(days=3)).isoformat()][-1] == "1"
    assert sum(int(row[-1]) for row in days.values()) == 6
    distribution = dict(table_after(html, "distribution"))
    assert distribution["Sourced"] == "3" and distribution["Disputed"] == "2"  # rejected left out


def test_names_are_shown_as_text(client, moderator):
    labelled_article("x", 1, [make_reviewer("<img src=x onerror=alert(1)>")])
    client.force_login(moderator)
    html = client.get(URL).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_dashboard_runs_a_constant_number_of_queries(client, moderator):
    client.force_login(moderator)
    labelled_article("small", 1, [make_reviewer("one"), make_reviewer("two")])
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    labelled_article("big", 12, [make_reviewer(f"r{n}") for n in range(6)])
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_bars_stack_to_their_totals_on_a_round_axis():
    chart = stacked_bars("t", ["a", "b"], {"x": [3, 0], "y": [4, 2]})
    assert nice_ceiling(7) == 10
    baseline = chart.baseline
    a_bars = [bar for bar in chart.bars if bar.tooltip.startswith("a:")]
    assert [bar.tooltip for bar in chart.bars] == ["a: 3 x", "a: 4 y", "b: 2 y"]
    # Stacked: the second bar starts where the first ends; 7 of 10 reaches 70% of the plot.
    assert a_bars[1].y + a_bars[1].height == pytest.approx(a_bars[0].y)
    plot = baseline - chart.ticks[-1][0]
    assert baseline - a_bars[1].y == pytest.approx(plot * 0.7)
    assert [text for _, text in chart.ticks] == ["0", "2", "4", "6", "8", "10"]


def test_agreement_is_shown_per_article_lowest_first_and_between_reviewers(client, moderator):
    from annotations.agreement.services import refresh_snapshots

    ann, bob = make_reviewer("ann"), make_reviewer("bob")
    labelled_article("agreed", 2, [ann, ann])  # one label per sentence: nothing to agree on
    disputed = load_article("split", long_body(4), "https://example.com/split")
    for n, s in enumerate(Sentence.objects.filter(article=disputed)):
        label(s, ann, "sourced")
        label(s, bob, "sourced" if n < 2 else "disputed")
    same = load_article("same", long_body(2), "https://example.com/same")
    for n, s in enumerate(Sentence.objects.filter(article=same)):
        label(s, ann, ("sourced", "disputed")[n])
        label(s, bob, ("sourced", "disputed")[n])
    refresh_snapshots()
    client.force_login(moderator)
    html = client.get(URL, {"a": ann.pk, "b": bob.pk}).content.decode()

    articles = table_after(html, "per-article")
    assert [row[0] for row in articles] == ["split", "same", "agreed"]
    assert articles[1][2:] == ["1.000", "1.000", "1.000"]
    assert articles[2][2].startswith("undefined (")
    [pair] = table_after(html, "pairs")
    assert pair[:2] == ["ann and bob", "6"]
    # ann's rows against bob's columns: 3 sourced by both, 2 sourced by ann and disputed by
    # bob, 1 disputed by both.
    confusion = {row[0]: row[1:3] for row in table_after(html, "confusion")}
    assert confusion["Sourced"] == ["3", "2"] and confusion["Disputed"] == ["0", "1"]


def test_two_reviewers_must_differ_to_be_compared(client, moderator):
    ann = make_reviewer("ann")
    labelled_article("a", 1, [ann])
    client.force_login(moderator)
    html = client.get(URL, {"a": ann.pk, "b": ann.pk}).content.decode()
    assert "Choose two different reviewers." in html
    assert client.get(URL, {"a": "x", "b": "2**70"}).status_code == 200


def test_the_dashboard_with_agreement_runs_a_constant_number_of_queries(client, moderator):
    from annotations.agreement.services import refresh_snapshots

    client.force_login(moderator)
    people = [make_reviewer(f"r{n}") for n in range(6)]
    labelled_article("small", 1, people[:2])
    refresh_snapshots()
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL, {"a": people[0].pk, "b": people[1].pk}).status_code == 200
    for n in range(5):
        labelled_article(f"big{n}", 6, people)
    refresh_snapshots()
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL, {"a": people[0].pk, "b": people[1].pk}).status_code == 200
    assert len(many) == len(few)
