"""`manage.py recount_stored_figures`: after labels were written around the services, the
article list and "next" count them again."""

from django.core.management import call_command

from annotations.assignment.services import next_sentence_for
from annotations.review.models import Annotation
from annotations.review.selectors import article_list
from tests.reviewing import load_article, sentence


def test_labels_loaded_around_the_services_are_counted_after_the_command(
    db, reviewer, other_reviewer, settings, capsys
):
    settings.REVIEW_OVERLAP = 1
    article = load_article(body="Officials said the plant was shelled. Critics disputed it.")
    first, second = sentence(article, 0), sentence(article, 1)
    Annotation.objects.bulk_create([Annotation(sentence=first, reviewer=other_reviewer)])

    def listed():
        return article_list(reviewer).values("labelled_by_anyone", "reached_overlap").get()

    assert listed() == {"labelled_by_anyone": 0, "reached_overlap": 0}
    call_command("recount_stored_figures")
    assert "afresh" in capsys.readouterr().out
    assert listed() == {"labelled_by_anyone": 1, "reached_overlap": 1}
    assert next_sentence_for(reviewer).sentence == second  # the first has its one reviewer
