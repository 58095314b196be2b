"""Every role check, for every persona (tests/conftest.py)."""

import pytest

from annotations.corpus.models import Article
from annotations.review.models import Annotation
from annotations.review.selectors import annotations_visible_to
from annotations.roles import (
    ArticleLocked,
    NotYourAnnotation,
    can_add_articles,
    can_change_annotation,
    can_edit_article,
    can_see_all_annotations,
    can_train_detector,
    check_can_change_annotation,
    check_can_edit_article,
    is_moderator,
    is_moderator_sql,
)
from tests.reviewing import label, load_article, sentence

pytestmark = pytest.mark.django_db
PERSONAS = ["outsider", "reviewer", "other_reviewer", "moderator", "staff", "superuser"]
# What each persona may do, in PERSONAS order.
MODERATES = [False, False, False, True, False, True]
ADDS_ARTICLES_AND_TRAINS = [False, False, False, False, False, True]
MODERATOR_OR_NOT = list(zip(PERSONAS, MODERATES, strict=True))
SIGNED_IN = MODERATOR_OR_NOT[1:]


@pytest.fixture
def reviewers_label(reviewer):
    return label(sentence(load_article(), 0), reviewer, "sourced")


@pytest.mark.parametrize("persona, moderates", MODERATOR_OR_NOT)
def test_moderators_are_the_group_and_superusers_not_staff(request, persona, moderates):
    user = request.getfixturevalue(persona)
    assert is_moderator(user) is moderates
    assert can_see_all_annotations(user) is moderates


@pytest.mark.parametrize("persona, moderates", SIGNED_IN)
def test_the_query_form_agrees(request, persona, moderates, reviewers_label):
    user = request.getfixturevalue(persona)
    everyone = Annotation.objects.filter(is_moderator_sql(user)).exists()
    assert everyone is moderates
    visible = annotations_visible_to(user).exists()
    assert visible is (moderates or user == reviewers_label.reviewer)


@pytest.mark.parametrize(
    "persona, allowed", list(zip(PERSONAS, ADDS_ARTICLES_AND_TRAINS, strict=True))
)
def test_adding_articles_and_training_take_their_model_permissions(request, persona, allowed):
    user = request.getfixturevalue(persona)
    assert can_add_articles(user) is allowed and can_train_detector(user) is allowed


@pytest.mark.parametrize("persona, moderates", SIGNED_IN)
def test_a_locked_article_is_editable_by_moderators_only(request, persona, moderates):
    user = request.getfixturevalue(persona)
    article = Article(locked=False)
    assert can_edit_article(user, article)
    article.locked = True
    assert can_edit_article(user, article) is moderates
    if not moderates:
        with pytest.raises(ArticleLocked):
            check_can_edit_article(user, article)


@pytest.mark.parametrize("persona, moderates", SIGNED_IN)
def test_an_annotation_is_changed_by_its_reviewer_or_a_moderator(
    request, persona, moderates, reviewers_label
):
    user = request.getfixturevalue(persona)
    own = user == reviewers_label.reviewer
    assert can_change_annotation(user, reviewers_label) is (own or moderates)
    if not (own or moderates):
        with pytest.raises(NotYourAnnotation, match="you can only change your own annotations"):
            check_can_change_annotation(user, reviewers_label)


def test_the_moderator_check_asks_the_database_once_per_user(moderator, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert is_moderator(moderator) and is_moderator(moderator)
