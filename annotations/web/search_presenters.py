"""What sentence search shows for each result, ready to print: the text with the matched words
marked, its label state and its candidate's score."""

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from annotations.corpus.models import Sentence
from annotations.corpus.selectors import HEADLINE_START, HEADLINE_STOP
from annotations.review.selectors import gold_labels, sentence_rows
from annotations.roles import is_moderator

from .presenters import LABEL_NAMES, review_url


@dataclass(frozen=True)
class SearchItem:
    url: str  # the sentence in its article
    text: SafeString  # escaped, the matched words in <mark>
    article_title: str
    published_on: str
    number: int  # 1-based, in the article
    label_state: str
    score: str  # "" without a candidate


def search_items(sentences: list[Sentence], user) -> list[SearchItem]:
    """The page's results with their label state and score (five queries, however many)."""
    rows = sentence_rows(sentences, user)
    finals = gold_labels([sentence.pk for sentence in sentences])
    sees_finals = is_moderator(user)
    return [
        SearchItem(
            url=review_url(row.sentence.article_id, row.sentence.index),
            text=highlighted(row.sentence.text, row.sentence.headline),
            article_title=row.sentence.article.title,
            published_on=f"{row.sentence.article.published_on:%Y-%m-%d}",
            number=row.sentence.index + 1,
            label_state=label_state(row.mine, finals.get(row.sentence.pk), sees_finals),
            score=f"{row.candidate.score:.2f}" if row.candidate else "",
        )
        for row in rows
    ]


def label_state(mine, final, sees_finals: bool) -> str:
    """My label, and the final label once it cannot anchor my judgement (I labelled the
    sentence, or I moderate); else whether anyone labelled it."""
    parts = [f"My label: {LABEL_NAMES[mine.label]}"] if mine else []
    if final and (mine or sees_finals):
        parts.append(f"final label: {LABEL_NAMES[final.label]}")
    elif final:
        parts.append("labelled by others (shown once you label it)")
    elif not mine:
        parts.append("unlabelled")
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def highlighted(text: str, headline: str | None) -> SafeString:
    """The headline's fragment of the text, escaped, its matched words in <mark> ("…" where
    the text goes on). The whole text escaped, unmarked, when the headline is not the text's
    own (ts_headline drops what looks like an HTML tag) or the text holds a marker character
    itself (its "match" would be the sentence's own)."""
    fragment = (headline or "").replace(HEADLINE_START, "").replace(HEADLINE_STOP, "")
    own = fragment and fragment in text
    if not own or HEADLINE_START in text or HEADLINE_STOP in text:
        return escape(text)
    plain, *marked = headline.split(HEADLINE_START)
    html = ["" if text.startswith(fragment) else "… ", escape(plain)]
    for piece in marked:
        word, _, rest = piece.partition(HEADLINE_STOP)
        html.append(format_html("<mark>{}</mark>{}", word, rest))
    html.append("" if text.endswith(fragment) else " …")
    return mark_safe("".join(html))  # every piece escaped above
