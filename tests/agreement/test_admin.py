"""The admin's agreement snapshots: read-only, their headline figures as columns, and a
"recompute now" action that moderators and superusers are offered and others are not."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from annotations.agreement.models import AgreementSnapshot
from annotations.agreement.services import refresh_snapshots
from annotations.review.models import Annotation

from .ratings import random_ratings
from .stored import reviewers, store

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:annotations_agreementsnapshot_changelist")


@pytest.fixture
def snapshots():
    store(random_ratings(1, 10, 2, missing=0), reviewers(2))
    refresh_snapshots()
    return list(AgreementSnapshot.objects.all())


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff_moderator(moderator):
    moderator.is_staff = True
    moderator.save()
    return moderator


def test_the_list_shows_the_headline_figures(snapshots, superuser):
    page = logged_in(superuser).get(CHANGELIST).content.decode()
    project = next(s for s in snapshots if s.article_id is None)
    assert f"{project.figures['krippendorff_alpha']['value']:.3f}" in page
    assert "Fleiss" in page and "Krippendorff" in page


def test_moderators_recompute_now(snapshots, moderator):
    client = logged_in(staff_moderator(moderator))
    Annotation.objects.filter(pk=Annotation.objects.first().pk).delete()  # no audit row
    data = {"action": "refresh_now", ACTION_CHECKBOX_NAME: [snapshots[0].pk], "index": "0"}
    response = client.post(CHANGELIST, data, follow=True)
    assert "Agreement recomputed for the project and 1 article(s)." in response.content.decode()
    project = AgreementSnapshot.objects.get(article__isnull=True)
    assert project.figures["annotations"] == Annotation.objects.count()


def test_staff_without_the_moderator_role_neither_see_nor_recompute(snapshots, staff):
    assert logged_in(staff).get(CHANGELIST).status_code == 403


def test_snapshots_cannot_be_changed_in_the_admin(snapshots, superuser):
    client = logged_in(superuser)
    snapshot = snapshots[0]
    change = reverse("admin:annotations_agreementsnapshot_change", args=[snapshot.pk])
    client.post(change, {"day": "2000-01-01"})
    assert AgreementSnapshot.objects.get(pk=snapshot.pk).day == snapshot.day
    assert client.get(reverse("admin:annotations_agreementsnapshot_add")).status_code == 403
