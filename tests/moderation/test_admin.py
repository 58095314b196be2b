"""Moderation in the admin: who sees and may run each action, what each one changes, the pages
that ask first (a rejection's reason, an adjudication's label, a deactivation), the role on
"add user", and an audit trail no one can change there."""

from dataclasses import dataclass, field

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from annotations.moderation.selectors import STANDARD_REASONS
from annotations.moderation.services import adjudicate, moderate, set_article_flag
from annotations.review.models import Adjudication, Annotation, History
from annotations.roles import MODERATORS_GROUP, REVIEWERS_GROUP

pytestmark = pytest.mark.django_db
MODELS = {
    "annotation": "annotations_annotation",
    "article": "annotations_article",
    "adjudication": "annotations_adjudication",
    "user": "auth_user",
    "history": "annotations_history",
}


def changelist(model: str) -> str:
    return reverse(f"admin:{MODELS[model]}_changelist")


def ask(client, model: str, action: str, pks):
    """Choose the action for the selection on the list, as the list's form posts it."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in pks], "index": "0"}
    return client.post(changelist(model), data)


def apply(client, model: str, action: str, pks, **form):
    """Submit the page an action asked with (it posts the action and the selection back)."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in pks], "apply": "go"}
    return client.post(changelist(model), {**data, **form}, follow=True)


def offered(client, model: str) -> set[str] | None:
    """The actions the list offers; None when the list itself is refused."""
    response = client.get(changelist(model))
    if response.status_code != 200:
        return None
    form = response.context["action_form"]  # None: no action at all
    return {name for name, _ in form.fields["action"].choices if name} if form else set()


def client_as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def grant(user, *codenames: str) -> User:
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=name)
        )
    return User.objects.get(pk=user.pk)  # permissions are cached on the object


@pytest.fixture
def moderator_staff(moderator):
    """A member of the Moderators group who may open the admin (nothing else given)."""
    moderator.is_staff = True
    moderator.save()
    return moderator


@pytest.fixture
def viewer(staff):
    """Staff who may see every list the actions are on, and run none of them."""
    return grant(
        staff,
        "annotations.view_annotation",
        "annotations.view_article",
        "annotations.view_adjudication",
        "auth.view_user",
    )


@dataclass
class Case:
    """One admin action: its list, how to run it, and how to tell that it ran."""

    model: str
    action: str
    target: object  # (disagreement) -> the selected object
    done: object  # (disagreement) -> whether the action took effect
    form: dict = field(default_factory=dict)  # filled in on the page it asks with
    setup: object = None  # (disagreement, superuser): the state the action undoes


def article_of(d):
    d.article.refresh_from_db()
    return d.article


def already(flag: str):
    """A setup: the article already locked or hidden (by someone else)."""
    return lambda d, root: set_article_flag(article=d.article, actor=root, flag=flag, value=True)


def status_of(annotation):
    return Annotation.objects.get(pk=annotation.pk).moderation_status


CASES = {
    "approve": Case(
        "annotation", "approve", lambda d: d.theirs, lambda d: status_of(d.theirs) == "approved"
    ),
    "reject": Case(
        "annotation",
        "reject",
        lambda d: d.theirs,
        lambda d: status_of(d.theirs) == "rejected",
        form={"other_reason": "Source missing"},
    ),
    "reopen": Case(
        "annotation",
        "reopen",
        lambda d: d.theirs,
        lambda d: status_of(d.theirs) == "pending",
        setup=lambda d, root: moderate(annotation=d.theirs, actor=root, decision="approve"),
    ),
    "adjudicate": Case(
        "annotation",
        "adjudicate_sentences",
        lambda d: d.theirs,
        lambda d: Adjudication.objects.filter(sentence=d.contested, label="disputed").exists(),
        form={"label": "disputed", "reason": "the source denies it"},
    ),
    "clear adjudication": Case(
        "adjudication",
        "clear",
        lambda d: Adjudication.objects.get(sentence=d.contested),
        lambda d: not Adjudication.objects.exists(),
        setup=lambda d, root: adjudicate(sentence=d.contested, actor=root, label="sourced"),
    ),
    "lock": Case("article", "lock", lambda d: d.article, lambda d: article_of(d).locked),
    "unlock": Case(
        "article",
        "unlock",
        lambda d: d.article,
        lambda d: not article_of(d).locked,
        setup=already("locked"),
    ),
    "hide": Case("article", "hide", lambda d: d.article, lambda d: article_of(d).hidden),
    "show": Case(
        "article",
        "show",
        lambda d: d.article,
        lambda d: not article_of(d).hidden,
        setup=already("hidden"),
    ),
    "deactivate": Case(
        "user",
        "deactivate",
        lambda d: d.theirs.reviewer,
        lambda d: not User.objects.get(pk=d.theirs.reviewer_id).is_active,
        form={"reject_pending": "on", "other_reason": "left the project"},
    ),
}
# Who may run what: a moderator who can open the admin runs every moderation action (the
# Moderators group holds their permissions) but not deactivation, which also takes the
# permission to change users; a superuser runs everything; nobody else runs any.
ALLOWED = {
    "moderator_staff": set(CASES) - {"deactivate"},
    "superuser": set(CASES),
}
PERSONAS = ["outsider", "reviewer", "staff", "viewer", "moderator_staff", "superuser"]


def run(client, case: Case, pk):
    """The action as a person runs it: chosen on the list, then, if it asks, the page sent."""
    response = ask(client, case.model, case.action, [pk])
    if case.form and response.status_code == 200 and "form" in (response.context or {}):
        response = apply(client, case.model, case.action, [pk], **case.form)
    return response


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_admin_action_is_offered_to_and_run_by_those_allowed_only(
    request, persona, name, disagreement, superuser
):
    case = CASES[name]
    if case.setup:
        case.setup(disagreement, superuser)
    user = request.getfixturevalue(persona)
    client = client_as(None if persona == "outsider" else user)
    allowed = name in ALLOWED.get(persona, ())
    actions = offered(client, case.model)
    assert (actions is not None and case.action in actions) == allowed
    if persona == "viewer":
        assert actions is not None  # the list shows, without the action
    last = History.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = run(client, case, case.target(disagreement).pk)
    assert response.status_code in (200, 302, 403)
    assert case.done(disagreement) == allowed
    recorded = set(History.objects.filter(pk__gt=last).values_list("via", flat=True))
    assert recorded == ({"admin"} if allowed else set())
    if persona in ("outsider", "reviewer"):
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_staff_with_a_permission_but_no_moderator_role_are_refused_by_the_service(
    staff, disagreement
):
    # The permission offers the action; the service still checks the role.
    client = client_as(
        grant(staff, "annotations.view_annotation", "annotations.moderate_annotation")
    )
    assert {"approve", "reject", "reopen"} <= offered(client, "annotation")
    assert "adjudicate_sentences" not in offered(client, "annotation")
    response = client.post(
        changelist("annotation"),
        {"action": "approve", ACTION_CHECKBOX_NAME: [disagreement.theirs.pk], "index": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert "This takes the moderator role" in response.content.decode()
    assert status_of(disagreement.theirs) == "pending"
    assert not History.objects.filter(action="approved").exists()


def test_a_rejection_asks_for_its_reason_and_asks_again_without_one(moderator_staff, disagreement):
    client = client_as(moderator_staff)
    pks = [disagreement.mine.pk, disagreement.theirs.pk]
    page = ask(client, "annotation", "reject", pks).content.decode()
    assert "Reject annotations" in page
    assert all(reason in page for reason in STANDARD_REASONS)  # to pick from
    assert str(disagreement.theirs) in page  # the selection, named

    response = apply(client, "annotation", "reject", pks, other_reason="   ")
    assert "a rejection needs a reason" in response.content.decode()
    assert {status_of(disagreement.mine), status_of(disagreement.theirs)} == {"pending"}

    response = apply(client, "annotation", "reject", pks, reason=STANDARD_REASONS[2])
    assert "2 annotation(s) rejected." in response.content.decode()
    rejected = Annotation.objects.filter(pk__in=pks)
    assert {(a.moderation_status, a.moderation_reason) for a in rejected} == {
        ("rejected", STANDARD_REASONS[2])
    }
    assert History.objects.filter(action="rejected", via="admin").count() == 2


def test_a_typed_reason_wins_over_a_picked_one(moderator_staff, disagreement):
    client = client_as(moderator_staff)
    pk = disagreement.theirs.pk
    apply(client, "annotation", "reject", [pk], reason=STANDARD_REASONS[0], other_reason="Typo")
    assert Annotation.objects.get(pk=pk).moderation_reason == "Typo"


def test_adjudicating_asks_for_a_label_and_records_the_note(moderator_staff, disagreement):
    client = client_as(moderator_staff)
    # Two labels of the same sentence and one of another: two sentences adjudicated.
    pks = [disagreement.mine.pk, disagreement.theirs.pk, disagreement.single_label.pk]
    response = apply(client, "annotation", "adjudicate_sentences", pks, label="")
    assert "This field is required" in response.content.decode()
    assert not Adjudication.objects.exists()

    response = apply(
        client, "annotation", "adjudicate_sentences", pks, label="sourced", reason="on record"
    )
    assert "2 sentence(s) adjudicated: Sourced." in response.content.decode()
    assert set(Adjudication.objects.values_list("sentence", "label", "reason", "moderator")) == {
        (disagreement.contested.pk, "sourced", "on record", moderator_staff.pk),
        (disagreement.single.pk, "sourced", "on record", moderator_staff.pk),
    }
    assert History.objects.filter(action="adjudicated", via="admin").count() == 2


@pytest.mark.parametrize(
    ("action", "flag", "recorded"), [("lock", "locked", "locked"), ("hide", "hidden", "hidden")]
)
def test_locking_and_hiding_change_the_article_and_write_the_audit_trail(
    moderator_staff, disagreement, action, flag, recorded
):
    client = client_as(moderator_staff)
    response = client.post(
        changelist("article"),
        {"action": action, ACTION_CHECKBOX_NAME: [disagreement.article.pk], "index": "0"},
        follow=True,
    )
    assert f"1 article(s) {recorded}." in response.content.decode()
    assert getattr(article_of(disagreement), flag) is True
    [row] = History.objects.filter(action=recorded)
    assert (row.actor, row.article, row.subject, row.via) == (
        moderator_staff,
        disagreement.article,
        "article",
        "admin",
    )
    assert (row.before, row.after) == ({flag: False}, {flag: True})


def test_locked_and_hidden_cannot_be_changed_on_the_article_form(superuser, disagreement):
    client = client_as(superuser)
    url = reverse("admin:annotations_article_change", args=[disagreement.article.pk])
    html = client.get(url).content.decode()
    assert 'name="locked"' not in html and 'name="hidden"' not in html
    client.post(url, {"locked": "on", "hidden": "on", "_save": "Save"})
    article = article_of(disagreement)
    assert (article.locked, article.hidden) == (False, False)
    assert not History.objects.filter(subject="article").exists()


def test_deactivation_states_each_users_pending_labels_and_rejects_them_when_asked(
    superuser, disagreement, reviewer, other_reviewer
):
    client = client_as(superuser)
    pks = [reviewer.pk, other_reviewer.pk]
    page = ask(client, "user", "deactivate", pks).content.decode()
    assert "reviewer: 2 pending label(s)" in page and "other: 1 pending label(s)" in page

    response = apply(client, "user", "deactivate", pks, reject_pending="on")
    assert "a rejection needs a reason" in response.content.decode()
    assert User.objects.filter(pk__in=pks, is_active=True).count() == 2

    response = apply(client, "user", "deactivate", pks, reject_pending="on", other_reason="spam")
    assert "2 user(s) deactivated, 3 pending label(s) rejected." in response.content.decode()
    assert not User.objects.filter(pk__in=pks, is_active=True).exists()
    assert set(Annotation.objects.values_list("moderation_status", "moderation_reason")) == {
        ("rejected", "spam")
    }
    assert History.objects.filter(action="deactivated", via="admin").count() == 2


def test_deactivation_without_rejecting_leaves_the_labels_pending(superuser, disagreement):
    reviewer = disagreement.mine.reviewer
    response = apply(client_as(superuser), "user", "deactivate", [reviewer.pk])
    assert "1 user(s) deactivated, 0 pending label(s) rejected." in response.content.decode()
    assert not User.objects.get(pk=reviewer.pk).is_active
    assert set(Annotation.objects.values_list("moderation_status", flat=True)) == {"pending"}


def test_deactivation_is_refused_for_a_superuser_naming_them(superuser, reviewer):
    other_root = User.objects.create_superuser("root2", password="pw-root2")
    response = apply(client_as(superuser), "user", "deactivate", [reviewer.pk, other_root.pk])
    assert "root2: a superuser is deactivated by another superuser" in response.content.decode()
    assert User.objects.get(pk=reviewer.pk).is_active  # all or nothing


def test_deactivation_is_offered_to_moderators_who_may_change_users_only(moderator_staff, staff):
    assert offered(client_as(moderator_staff), "user") is None  # no permission on users at all
    assert "deactivate" in offered(
        client_as(grant(moderator_staff, "auth.view_user", "auth.change_user")), "user"
    )
    assert "deactivate" not in offered(
        client_as(grant(staff, "auth.view_user", "auth.change_user")), "user"
    )


@pytest.mark.parametrize(
    ("role", "groups"),
    [("reviewer", {REVIEWERS_GROUP}), ("moderator", {MODERATORS_GROUP}), ("", set())],
)
def test_adding_a_user_in_the_admin_gives_the_chosen_role(superuser, role, groups):
    response = client_as(superuser).post(
        reverse("admin:auth_user_add"),
        {
            "username": "newcomer",
            "role": role,
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert set(user.groups.values_list("name", flat=True)) == groups


@pytest.fixture
def trail(disagreement, moderator):
    """Four audit rows (the disagreement's three labels, then an approval), none of them the
    admin's."""
    moderate(annotation=disagreement.theirs, actor=moderator, decision="approve")
    return History.objects.get(action="approved")


def test_the_audit_trail_cannot_be_added_changed_or_deleted_even_by_a_superuser(superuser, trail):
    client = client_as(superuser)
    change = reverse("admin:annotations_history_change", args=[trail.pk])
    assert client.get(reverse("admin:annotations_history_add")).status_code == 403
    page = client.get(change)
    html = page.content.decode()
    assert page.status_code == 200 and 'name="_save"' not in html
    assert '<div class="readonly">Approved</div>' in html  # shown, not in a field
    assert client.post(change, {"action": "deleted", "via": "ui"}).status_code == 403
    delete = reverse("admin:annotations_history_delete", args=[trail.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert "delete_selected" not in offered(client, "history")
    response = client.post(
        changelist("history"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [trail.pk], "post": "yes"},
    )
    assert response.status_code == 200  # "No action selected": the list again
    stored = History.objects.get(pk=trail.pk)
    assert (stored.action, stored.via, History.objects.count()) == ("approved", "system", 4)


def test_the_audit_trail_filters_by_entry_point_and_searches_usernames(
    moderator_staff, trail, disagreement
):
    client = client_as(moderator_staff)
    client.post(
        changelist("article"),
        {"action": "lock", ACTION_CHECKBOX_NAME: [disagreement.article.pk], "index": "0"},
    )
    by_admin = client.get(changelist("history"), {"via__exact": "admin"})
    assert [row.action for row in by_admin.context["cl"].result_list] == ["locked"]
    by_reviewer = client.get(changelist("history"), {"q": "other"})
    assert {row.action for row in by_reviewer.context["cl"].result_list} == {
        "created",
        "approved",
    }
