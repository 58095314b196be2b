"""A reviewer's settings for the review page: single-key shortcuts on until turned off."""

import pytest

from annotations.review.models import ReviewerSettings
from annotations.review.selectors import shortcuts_enabled
from annotations.review.services import reviewer_settings_save

pytestmark = pytest.mark.django_db


def test_shortcuts_are_on_until_a_reviewer_turns_them_off(reviewer, other_reviewer):
    assert shortcuts_enabled(reviewer)
    reviewer_settings_save(user=other_reviewer, shortcuts=False)
    assert shortcuts_enabled(reviewer) and not shortcuts_enabled(other_reviewer)
    reviewer_settings_save(user=reviewer, shortcuts=False)
    reviewer_settings_save(user=other_reviewer, shortcuts=True)
    assert not shortcuts_enabled(reviewer) and shortcuts_enabled(other_reviewer)
    reviewer_settings_save(user=reviewer, shortcuts=True)
    assert shortcuts_enabled(reviewer)
    assert ReviewerSettings.objects.filter(user=reviewer).count() == 1
