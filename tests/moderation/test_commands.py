"""Accounts and moderation from the command line: create_user, moderate and
import_annotations, each through the services, recorded as the command line's (or the import's),
and failing with a message and a non-zero exit, never a traceback."""

import io
import json
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from annotations.moderation.services import set_article_flag
from annotations.review.models import Adjudication, Annotation, History
from annotations.roles import MODERATORS_GROUP, REVIEWERS_GROUP
from tests.api_support import load_articles

pytestmark = pytest.mark.django_db


def command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fails(*args) -> str:
    """The command's error: what a shell shows, with a non-zero exit status."""
    with pytest.raises(CommandError) as failure:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    return str(failure.value)


def logs_in(client, username: str, password: str) -> bool:
    """Through the login page (django-axes checks every password against its request)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and response["Location"] == reverse(
        settings.LOGIN_REDIRECT_URL
    )


def groups_of(username: str) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


# create_user


@pytest.mark.parametrize(
    ("role", "group"), [("reviewer", REVIEWERS_GROUP), ("moderator", MODERATORS_GROUP)]
)
def test_create_user_prints_a_password_once_that_logs_in(client, role, group):
    output = command("create_user", "--role", role, "alice", "--email", "alice@example.org")
    [password] = re.findall(r"password \(shown only now\): (\S+)", output)
    assert output.count(password) == 1
    assert not logs_in(client, "alice", "a wrong password")
    assert logs_in(client, "alice", password)
    assert groups_of("alice") == {group}
    assert User.objects.get(username="alice").email == "alice@example.org"


def test_create_user_sets_the_password_read_from_standard_input(client, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough passphrase\n"))
    output = command("create_user", "--role", "reviewer", "bob", "--password-stdin")
    assert "passphrase" not in output
    assert logs_in(client, "bob", "a long enough passphrase")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "admin", "carol"], "", "invalid choice: 'admin'"),
        (["--role", "reviewer", "reviewer"], "", "a user named 'reviewer' already exists"),
        (["--role", "reviewer", "carol", "--password-stdin"], "123\n", "password refused"),
        (["--role", "reviewer", "carol", "--password-stdin"], "", "no password on standard"),
        (["--role", "reviewer", "carol", "--email", "not an address"], "", "not an email"),
    ],
)
def test_create_user_refuses_with_the_reason(reviewer, monkeypatch, args, stdin, message):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert message in fails("create_user", *args)
    assert not User.objects.filter(username="carol").exists()


# moderate


def newest(action: str) -> History:
    return History.objects.filter(action=action).latest("id")


def test_moderate_approves_rejects_and_reopens_recorded_as_the_command_line(
    disagreement, moderator
):
    mine, theirs = disagreement.mine.pk, disagreement.theirs.pk
    output = command("moderate", "approve", str(mine), str(theirs), "--as", "moderator")
    assert output.strip() == "2 annotation(s) approved, 0 already so"
    output = command(
        "moderate", "reject", str(theirs), "--as", "moderator", "--reason", "No source"
    )
    assert output.strip() == "1 annotation(s) rejected, 0 already so"
    command("moderate", "reopen", str(mine), "--as", "moderator")
    stored = {a.pk: a for a in Annotation.objects.all()}
    assert (stored[mine].moderation_status, stored[theirs].moderation_status) == (
        "pending",
        "rejected",
    )
    assert stored[theirs].moderation_reason == "No source"
    for action in ("approved", "rejected", "reopened"):
        row = newest(action)
        assert (row.actor, row.via) == (moderator, "cli")


def test_moderate_reject_requires_a_reason(disagreement, moderator):
    assert "--reason" in fails(
        "moderate", "reject", str(disagreement.theirs.pk), "--as", "moderator"
    )
    message = fails(
        "moderate", "reject", str(disagreement.theirs.pk), "--as", "moderator", "--reason", " "
    )
    assert "reason: a rejection needs a reason" in message
    assert Annotation.objects.get(pk=disagreement.theirs.pk).moderation_status == "pending"


def test_moderate_adjudicates_a_sentence(disagreement, moderator):
    sentence = str(disagreement.contested.pk)
    output = command(
        "moderate", "adjudicate", sentence, "disputed", "--as", "moderator", "--reason", "denied"
    )
    assert output.strip() == f"sentence {sentence} adjudicated: disputed (version 1)"
    adjudication = Adjudication.objects.get(sentence=disagreement.contested)
    assert (adjudication.label, adjudication.reason, adjudication.moderator) == (
        "disputed",
        "denied",
        moderator,
    )
    assert newest("adjudicated").via == "cli"
    assert "label: choose a label" in fails(
        "moderate", "adjudicate", sentence, "maybe", "--as", "moderator"
    )


@pytest.mark.parametrize(
    ("switch", "flag", "value", "recorded"),
    [
        ("lock", "locked", True, "locked"),
        ("unlock", "locked", False, "unlocked"),
        ("hide", "hidden", True, "hidden"),
        ("show", "hidden", False, "shown"),
    ],
)
def test_moderate_switches_articles(moderator, superuser, switch, flag, value, recorded):
    articles = load_articles(2)
    for article in articles:  # so that unlocking and showing change something
        set_article_flag(article=article, actor=superuser, flag=flag, value=not value)
    ids = [str(article.pk) for article in articles]
    output = command("moderate", switch, *ids, "--as", "moderator")
    assert output.strip() == f"2 article(s) {recorded}, 0 already so"
    for article in articles:
        article.refresh_from_db()
        assert getattr(article, flag) is value
    rows = History.objects.filter(action=recorded, actor=moderator)
    assert sorted(rows.values_list("article", "via")) == [(a.pk, "cli") for a in articles]


def test_moderate_deactivates_and_rejects_pending_labels(disagreement, moderator, reviewer):
    output = command(
        "moderate",
        "deactivate",
        "reviewer",
        "--as",
        "moderator",
        "--reject-pending",
        "--reason",
        "spam",
    )
    assert output.strip() == "reviewer deactivated, 2 pending label(s) rejected"
    assert not User.objects.get(pk=reviewer.pk).is_active
    assert set(
        Annotation.objects.filter(reviewer=reviewer).values_list("moderation_status", flat=True)
    ) == {"rejected"}
    row = newest("deactivated")
    assert (row.actor, row.reviewer, row.via) == (moderator, reviewer, "cli")


def test_moderate_deactivate_takes_a_reason_only_with_reject_pending(disagreement, moderator):
    assert "--reject-pending" in fails(
        "moderate", "deactivate", "reviewer", "--as", "moderator", "--reason", "spam"
    )
    assert "reason: a rejection needs a reason" in fails(
        "moderate", "deactivate", "reviewer", "--as", "moderator", "--reject-pending"
    )
    assert User.objects.get(username="reviewer").is_active


@pytest.mark.parametrize(
    "args",
    [
        ["approve", "{annotation}"],
        ["reject", "{annotation}", "--reason", "wrong"],
        ["reopen", "{annotation}"],
        ["adjudicate", "{sentence}", "sourced"],
        ["lock", "{article}"],
        ["hide", "{article}"],
        ["deactivate", "other"],
    ],
)
def test_moderate_as_a_reviewer_is_refused(disagreement, args):
    ids = {
        "annotation": disagreement.theirs.pk,
        "sentence": disagreement.contested.pk,
        "article": disagreement.article.pk,
    }
    before = History.objects.count()
    message = fails("moderate", *(arg.format(**ids) for arg in args), "--as", "reviewer")
    assert message == "reviewer may not do this: this takes the moderator role"
    assert History.objects.count() == before
    assert Annotation.objects.get(pk=disagreement.theirs.pk).moderation_status == "pending"


def test_moderate_names_what_it_cannot_find(disagreement, moderator):
    assert fails("moderate", "approve", "999", "--as", "moderator") == "no annotation with id 999"
    assert fails("moderate", "lock", str(disagreement.article.pk), "998", "--as", "moderator") == (
        "no article with id 998"
    )
    assert fails("moderate", "approve", "1", "--as", "nobody") == "--as: no user named 'nobody'"
    assert not disagreement.article.__class__.objects.filter(locked=True).exists()


# import_annotations


def jsonl(tmp_path, *rows) -> str:
    path = tmp_path / "labels.jsonl"
    path.write_text(
        "\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows) + "\n",
        encoding="utf-8",
    )
    return str(path)


def test_import_annotations_saves_each_line_as_the_reviewers_label(tmp_path, reviewer):
    first, second = load_articles(2)
    file = jsonl(
        tmp_path,
        {
            "article_url": first.url,
            "sentence_index": 0,
            "label": "sourced",
            "span_start": 0,
            "span_end": 9,
            "claimant": "Officials",
            "source_name": "Reuters",
            "evidence_url": "https://example.org/e",
            "note": "from the wire",
        },
        "",
        {"article_url": second.url, "sentence_index": 2, "label": "not_claim"},
    )
    output = command("import_annotations", file, "--reviewer", "reviewer")
    assert output.strip() == f"imported 2 label(s) as reviewer from {file} (2 new)"
    stored = Annotation.objects.get(sentence__article=first)
    assert (
        stored.reviewer,
        stored.label,
        stored.span_start,
        stored.span_end,
        stored.source_name,
    ) == (reviewer, "sourced", 0, 9, "Reuters")
    assert Annotation.objects.get(sentence__article=second).sentence.index == 2
    rows = History.objects.filter(action="created")
    assert set(rows.values_list("actor", "via")) == {(reviewer.pk, "import")}


def test_import_annotations_writes_nothing_when_a_line_is_on_a_locked_article(
    tmp_path, reviewer, moderator
):
    open_article, locked = load_articles(2)
    set_article_flag(article=locked, actor=moderator, flag="locked", value=True)
    file = jsonl(
        tmp_path,
        {"article_url": open_article.url, "sentence_index": 0, "label": "sourced"},
        {"article_url": locked.url, "sentence_index": 1, "label": "disputed"},
    )
    before = History.objects.count()
    message = fails("import_annotations", file, "--reviewer", "reviewer")
    assert message == f"1 bad line(s) in {file}: nothing from it was imported"
    assert not Annotation.objects.exists()
    assert History.objects.count() == before


def test_import_annotations_reports_every_bad_line_with_its_number(tmp_path, reviewer):
    [article] = load_articles(1)
    file = jsonl(
        tmp_path,
        {"article_url": article.url, "sentence_index": 0, "label": "sourced"},
        "{not json",
        {"article_url": "https://nowhere.example/", "sentence_index": 0, "label": "sourced"},
        {"article_url": article.url, "sentence_index": 7, "label": "sourced"},
        {"article_url": article.url, "sentence_index": 1, "label": "maybe"},
        {"article_url": article.url, "sentence_index": 1, "label": "sourced", "span_start": "0"},
        {"article_url": article.url, "sentence_index": 1, "label": "sourced", "colour": "red"},
        {"article_url": article.url, "label": "sourced"},
        [1, 2],
    )
    errors = io.StringIO()
    with pytest.raises(CommandError, match="8 bad line"):
        call_command(
            "import_annotations",
            file,
            "--reviewer",
            "reviewer",
            stdout=io.StringIO(),
            stderr=errors,
        )
    lines = errors.getvalue().splitlines()
    expected = {
        2: "not JSON",
        3: "no article with the URL https://nowhere.example/",
        4: "the article has no sentence 7 (it has 3)",
        5: "label: 'maybe' is not a label",
        6: "span_start: expected a whole number",
        7: "unknown field(s) colour",
        8: "missing sentence_index",
        9: "expected a JSON object",
    }
    assert len(lines) == len(expected)
    for line, (number, text) in zip(lines, expected.items(), strict=True):
        assert line.startswith(f"{file}, line {number}: {text}")
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("reviewer_name", "message"),
    [("nobody", "--reviewer: no user named 'nobody'"), ("staff", "staff has no reviewer role")],
)
def test_import_annotations_needs_a_reviewer(tmp_path, staff, reviewer_name, message):
    [article] = load_articles(1)
    file = jsonl(tmp_path, {"article_url": article.url, "sentence_index": 0, "label": "sourced"})
    assert message in fails("import_annotations", file, "--reviewer", reviewer_name)
    assert not Annotation.objects.exists()


def test_import_annotations_refuses_a_missing_or_empty_file(tmp_path, reviewer):
    assert "cannot read" in fails(
        "import_annotations", str(tmp_path / "no.jsonl"), "--reviewer", "reviewer"
    )
    assert "holds no labels" in fails(
        "import_annotations", jsonl(tmp_path, ""), "--reviewer", "reviewer"
    )
