"""A moderator locks an article while a reviewer's save is in flight, on PostgreSQL with
threads: the save either lands before the lock or is refused, never just after it."""

import threading

import pytest
from django.db import connection, transaction

from annotations.corpus.models import Article
from annotations.moderation.services import set_article_flag
from annotations.review.models import Annotation
from annotations.review.services import annotation_save
from annotations.roles import ArticleLocked
from tests.reviewing import load_article, sentence
from tests.services import require_postgres, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_save_waiting_on_a_lock_being_taken_is_refused_once_it_is(reviewer, moderator):
    require_postgres()
    article = load_article(body="Russia said it would withdraw. Nobody believed it.")
    first = sentence(article, 0)
    locking, commit = threading.Event(), threading.Event()
    outcome = {}

    def moderator_locks():
        try:
            with transaction.atomic():
                set_article_flag(article=article, actor=moderator, flag="locked", value=True)
                locking.set()
                commit.wait(timeout=60)
        finally:
            connection.close()

    def reviewer_saves():
        try:
            stale = Article.objects.get(pk=article.pk)  # read before the lock: not locked
            first.article = stale
            locking.wait(timeout=60)
            annotation_save(sentence=first, reviewer=reviewer, changes={"label": "sourced"})
            outcome["saved"] = True
        except ArticleLocked as error:
            outcome["refused"] = str(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=moderator_locks), threading.Thread(target=reviewer_saves)]
    for thread in threads:
        thread.start()
    try:
        wait_for(waiting_for_a_lock, timeout=60, message="the save to wait for the lock")
    finally:
        commit.set()
        for thread in threads:
            thread.join()
    assert outcome == {
        "refused": "this article is locked by a moderator; it can no longer be edited"
    }
    assert not Annotation.objects.exists()
