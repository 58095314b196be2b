"""The one definition of the active detector, which scores sentences, trains against, and which
the admin marks as active."""

import pytest
from django.urls import reverse

from annotations.candidates.scoring import MODEL_FORMAT, RULES_VERSION
from annotations.detection.models import DetectorModel, DetectorVersion
from annotations.detection.selectors import active_detector

pytestmark = pytest.mark.django_db


def version(name, *, rules=RULES_VERSION, model_format=None) -> DetectorVersion:
    detector = DetectorVersion.objects.create(name=name, rules_version=rules)
    if model_format is not None:
        DetectorModel.objects.create(detector=detector, data=b"model", format=model_format)
    return detector


def test_before_any_training_it_is_the_rules_alone():
    detector = active_detector()
    assert (detector.name, detector.rules_version, detector.trained) == (
        RULES_VERSION,
        RULES_VERSION,
        False,
    )
    assert active_detector() == detector and DetectorVersion.objects.count() == 1


def test_it_is_the_newest_trained_version_this_release_can_load():
    rules_only = active_detector()
    version("older", model_format=MODEL_FORMAT)
    newest = version("newest", model_format=MODEL_FORMAT)
    assert active_detector() == newest and active_detector().trained
    version("from an older release", model_format=MODEL_FORMAT - 1)
    version("on other rules", rules="rules-0", model_format=MODEL_FORMAT)
    assert active_detector() == newest
    DetectorVersion.objects.filter(pk=newest.pk).delete()
    assert active_detector().name == "older"
    DetectorVersion.objects.filter(name="older").delete()
    assert active_detector() == rules_only


def test_the_admin_marks_the_same_version_active(superuser, client):
    version("older", model_format=MODEL_FORMAT)
    version("newest", model_format=MODEL_FORMAT - 1)
    client.force_login(superuser)
    page = client.get(reverse("admin:annotations_detectorversion_changelist")).content.decode()
    active_rows = [row for row in page.split("<tr") if 'alt="True"' in row]
    assert len(active_rows) == 1 and active_detector().name == "older" in active_rows[0]
