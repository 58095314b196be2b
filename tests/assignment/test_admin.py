"""The admin: moderators set an article's overlap (its only editable field), within 1 to 20;
the claims "next" handed out are listed, read-only."""

import pytest
from django.test import Client
from django.urls import reverse

from annotations.assignment.models import ReviewClaim
from annotations.assignment.services import next_sentence_for
from annotations.corpus.admin import ArticleAdmin
from annotations.corpus.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_staff(moderator):
    """A member of the Moderators group who may open the admin (nothing else given)."""
    moderator.is_staff = True
    moderator.save()
    return moderator


def change_url(article) -> str:
    return reverse("admin:annotations_article_change", args=[article.pk])


def form_data(page, overlap: str) -> dict:
    """The article's change form as the page has it, with `overlap` typed in."""
    data = {"overlap": overlap, "_save": "Save"}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {f"{management.prefix}-{name}": value for name, value in management.initial.items()}
    return data


def save_overlap(client, article, overlap: str):
    page = client.get(change_url(article))
    return client.post(change_url(article), form_data(page, overlap))


def stored_overlap(article) -> int | None:
    return Article.objects.get(pk=article.pk).overlap


def test_a_moderator_sets_an_articles_overlap_and_clears_it(article, moderator_staff):
    client = Client()
    client.force_login(moderator_staff)
    assert save_overlap(client, article, "3").status_code == 302
    assert stored_overlap(article) == 3
    save_overlap(client, article, "")
    assert stored_overlap(article) is None


@pytest.mark.parametrize("overlap", ["0", "21", "two"])
def test_an_overlap_out_of_range_is_refused_on_the_form(article, moderator_staff, overlap):
    client = Client()
    client.force_login(moderator_staff)
    response = save_overlap(client, article, overlap)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["overlap"]
    assert stored_overlap(article) is None


def test_only_the_overlap_is_written(article, moderator_staff, monkeypatch):
    client = Client()
    client.force_login(moderator_staff)
    page = client.get(change_url(article))
    read = ArticleAdmin.get_object

    def read_then_a_worker_writes(self, request, object_id, from_field=None):
        found = read(self, request, object_id, from_field)
        Article.objects.filter(pk=article.pk).update(precompute_status="failed")
        return found

    monkeypatch.setattr(ArticleAdmin, "get_object", read_then_a_worker_writes)
    client.post(change_url(article), form_data(page, "4"))
    stored = Article.objects.get(pk=article.pk)
    assert (stored.overlap, stored.precompute_status) == (4, "failed")


def test_moderators_get_no_other_change(article, moderator_staff):
    client = Client()
    client.force_login(moderator_staff)
    listing = client.get(reverse("admin:annotations_article_changelist"))
    actions = {name for name, _ in listing.context["action_form"].fields["action"].choices}
    assert "rerun_precompute" not in actions and "lock" in actions


def test_staff_without_a_role_or_permission_cannot_set_it(article, staff):
    client = Client()
    client.force_login(staff)
    assert client.post(change_url(article), {"overlap": "3"}).status_code == 403
    assert stored_overlap(article) is None


def test_claims_are_listed_read_only(article, reviewer, superuser):
    next_sentence_for(reviewer)
    client = Client()
    client.force_login(superuser)
    html = client.get(reverse("admin:annotations_reviewclaim_changelist")).content.decode()
    claim = ReviewClaim.objects.get()
    assert claim.sentence.text in html and "reviewer" in html
    assert client.get(reverse("admin:annotations_reviewclaim_add")).status_code == 403
