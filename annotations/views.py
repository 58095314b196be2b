"""The reviewer web UI: article list, review page, tagging actions, sentence search, next queue.

Tagging actions answer with the one sentence's fragment (htmx swaps it in place); the review
page's script (static/annotations/review.js) sends them one at a time and retries failures.
"""

from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import selectors, services
from .accounts import is_moderator
from .forms import AnnotationActionForm, ArticleFilterForm, SentenceSearchForm
from .models import Article, Label, Sentence
from .selectors import SentenceRow

PAGE_SIZE = 50
LABEL_NAMES = dict(Label.choices)
# The review page's keys for the labels (the script reads them from the toolbar's buttons).
LABEL_KEYS = {Label.SOURCED: "1", Label.DISPUTED: "2", Label.FALSE_FLAG: "3", Label.NOT_CLAIM: "0"}
# Sent with every sentence fragment so the script never swaps in another page (a login form
# after the session expired, a CSRF failure page) in place of a sentence.
FRAGMENT_HEADER = "X-Sentence-Fragment"
LOCKED_MESSAGE = "This article is locked by a moderator: it is read-only."
CONFLICT_MESSAGE = (
    "Not saved: this label was changed elsewhere (another tab or a moderator) since the page "
    "loaded. It now shows what is stored; apply your change again."
)


def user_roles(request) -> dict:
    """Context processor: whether to offer the moderation link (evaluated only when shown)."""
    return {"is_moderator": partial(is_moderator, request.user)}


@dataclass
class SentenceItem:
    """What the review page shows for one sentence, ready to print: the page has hundreds, and
    every lookup and number formatting the template does costs."""

    anchor: str  # the element id, "s<index>", which links to the sentence
    number: str  # 1-based, for people
    pk: str
    # The text split around my claim span, to highlight it.
    text_before: str
    claim: str
    text_after: str
    # The candidate suggestion
    score: str  # "" without a candidate
    suggested_label: str
    suggested_label_name: str
    suggested_source: str
    reasons: str  # one finding a line
    # My annotation
    version: str  # "0": none
    label: str
    label_name: str
    has_span: bool
    details: list[tuple[str, str, str]]  # (title, field, value) of what I filled in
    offer_source: bool
    label_counts: str  # everyone's labels; "" until I have labelled the sentence
    state: str  # "saved" right after a save; "refused" when the server turned it down
    status: str


DETAIL_FIELDS = (
    ("Claimant", "claimant"),
    ("Source", "source_name"),
    ("Evidence", "evidence_url"),
    ("Note", "note"),
)


def sentence_item(
    row: SentenceRow, can_edit: bool, state: str = "", message: str = ""
) -> SentenceItem:
    sentence, candidate, mine = row.sentence, row.candidate, row.mine
    text = sentence.text
    start, end = (mine.span_start, mine.span_end) if mine else (None, None)
    if start is None or end is None:
        start = end = len(text)
    reasons = candidate.reasons if candidate else {}
    sources = [
        a["source"] for a in _entries(reasons, "attributions") if isinstance(a.get("source"), str)
    ]
    return SentenceItem(
        anchor=f"s{sentence.index}",
        number=str(sentence.index + 1),
        pk=str(sentence.pk),
        text_before=text[:start],
        claim=text[start:end],
        text_after=text[end:],
        score=f"{candidate.score:.2f}" if candidate else "",
        suggested_label=(candidate and candidate.suggested_label) or "",
        suggested_label_name=LABEL_NAMES.get(candidate.suggested_label, "") if candidate else "",
        suggested_source=sources[0] if sources else "",
        reasons="\n".join([*reason_lines(reasons), f"Score {candidate.score:.3f}"])
        if candidate
        else "",
        version=str(mine.version if mine else 0),
        label=mine.label if mine else "",
        label_name=LABEL_NAMES[mine.label] if mine else "Not labelled",
        has_span=bool(mine and mine.span_start is not None),
        details=[
            (title, name, getattr(mine, name))
            for title, name in DETAIL_FIELDS
            if getattr(mine, name)
        ]
        if mine
        else [],
        offer_source=bool(
            can_edit and mine and mine.label == Label.SOURCED and not mine.source_name
        ),
        label_counts=" · ".join(
            f"{name} {row.label_counts[value]}"
            for value, name in LABEL_NAMES.items()
            if row.label_counts[value]
        )
        if row.others_visible
        else "",
        state=state,
        status="Saved ✓" if state == "saved" else message,
    )


def _entries(reasons, key: str) -> list[dict]:
    """The dicts listed under reasons[key]; anything of another shape is left out."""
    value = reasons.get(key) if isinstance(reasons, dict) else None
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def reason_lines(reasons) -> list[str]:
    """Why the detector suggested the sentence, one short line per finding."""
    lines = [
        f"Attributed to {a['source']}" + (f" ({a['verb']})" if a.get("verb") else "")
        for a in _entries(reasons, "attributions")
        if a.get("source")
    ]
    lines += [
        f"Quote “{q['text']}”" + (f" by {q['speaker']}" if q.get("speaker") else "")
        for q in _entries(reasons, "quotes")
        if q.get("text")
    ]
    lines += [
        f"Quantity {n['text']}" + (f" ({n['unit']})" if n.get("unit") else "")
        for n in _entries(reasons, "quantities")
        if n.get("text")
    ]
    lines += [
        f"Dispute cue “{c['cue']}”" for c in _entries(reasons, "dispute_cues") if c.get("cue")
    ]
    lines += [
        f"False-flag cue “{c['cue']}”" for c in _entries(reasons, "false_flag_cues") if c.get("cue")
    ]
    if not isinstance(reasons, dict):
        return lines
    if _number(reasons.get("rule_score")):
        lines.append(f"Rules score {reasons['rule_score']:.2f}")
    model = reasons.get("model")
    if isinstance(model, dict) and model.get("version") and _number(model.get("contribution")):
        lines.append(f"Model {model['version']}: contribution {model['contribution']:+.2f}")
    return lines


@login_required
def article_list(request):
    form = ArticleFilterForm(request.GET)
    articles = selectors.filter_articles(selectors.article_list(request.user), **form.filters())
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "annotations/article_list.html", {"form": form, "page": page})


@login_required
def article_detail(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    can_edit = services.can_edit_article(article, request.user)
    paragraphs = [
        [sentence_item(row, can_edit) for row in paragraph]
        for paragraph in selectors.article_paragraphs(article, request.user)
    ]
    return render(
        request,
        "annotations/article_detail.html",
        {
            "article": article,
            "paragraphs": paragraphs,
            "can_edit": can_edit,
            "labels": Label.choices,
            "label_names": LABEL_NAMES,
            "guidelines": selectors.LABEL_GUIDELINES,
            "precedence_rule": selectors.LABEL_PRECEDENCE_RULE,
            "label_keys": [(LABEL_KEYS[value], value, name) for value, name in Label.choices],
            "note_max_length": services.NOTE_MAX_LENGTH,
            "text_max_length": services.TEXT_FIELDS_MAX_LENGTH,
        },
    )


def _sentence_row(pk, user) -> SentenceRow:
    """The posted sentence's row; 404 for an id that names no sentence."""
    if not str(pk).isdigit():
        raise Http404("no such sentence")
    sentences = Sentence.objects.filter(pk=pk).select_related("article").defer("article__body")
    rows = selectors.sentence_rows(sentences, user)
    if not rows:
        raise Http404("no such sentence")
    return rows[0]


def _fragment(request, row: SentenceRow, status: int = 200, state: str = "", message: str = ""):
    can_edit = services.can_edit_article(row.sentence.article, request.user)
    response = render(
        request,
        "annotations/_sentence.html",
        {"item": sentence_item(row, can_edit, state, message)},
        status=status,
    )
    response[FRAGMENT_HEADER] = "1"
    return response


def _refused(request, row: SentenceRow, error: Exception):
    """The fragment of the sentence as stored, with why the action was turned down."""
    if isinstance(error, services.ArticleLocked):
        return _fragment(request, row, 403, "refused", LOCKED_MESSAGE)
    if isinstance(error, services.VersionConflict):
        fresh = _sentence_row(row.sentence.pk, request.user)
        return _fragment(request, fresh, 409, "refused", CONFLICT_MESSAGE)
    if hasattr(error, "error_dict"):
        problems = "; ".join(
            f"{field.replace('_', ' ')}: {' '.join(errors)}"
            for field, errors in error.message_dict.items()
        )
    else:
        problems = " ".join(error.messages)
    return _fragment(request, row, 400, "refused", f"Not saved: {problems}.")


@login_required
@require_POST
def annotation_save(request):
    """Tag a sentence (label, and optionally span, claimant, source, note) for the user."""
    row = _sentence_row(request.POST.get("sentence"), request.user)
    form = AnnotationActionForm(request.POST)
    if not form.is_valid():
        return _refused(request, row, ValidationError(form.errors))
    try:
        annotation, _ = services.annotation_save(
            sentence=row.sentence,
            reviewer=request.user,
            data=form.annotation_input(row.mine),
            expected_version=form.cleaned_data["expected_version"],
        )
    except (ValidationError, services.ArticleLocked, services.VersionConflict) as error:
        return _refused(request, row, error)
    return _fragment(request, selectors.row_after_own_change(row, annotation), state="saved")


@login_required
@require_POST
def annotation_clear(request):
    """Remove the user's label from a sentence."""
    row = _sentence_row(request.POST.get("sentence"), request.user)
    form = AnnotationActionForm(request.POST)
    if not form.is_valid():
        return _refused(request, row, ValidationError(form.errors))
    if row.mine is not None:
        row.mine.sentence = row.sentence  # the service checks the article's lock through it
        try:
            services.annotation_delete(
                annotation=row.mine,
                actor=request.user,
                expected_version=form.cleaned_data["expected_version"],
            )
        except (services.ArticleLocked, services.VersionConflict) as error:
            return _refused(request, row, error)
    return _fragment(request, selectors.row_after_own_change(row, None), state="saved")


@login_required
def next_sentence(request):
    """The next sentence I have not labelled, across articles, highest candidate score first."""
    sentence = selectors.next_unlabelled_sentence(request.user)
    if sentence is None:
        messages.info(request, "Nothing left to label: you have labelled every open sentence.")
        return redirect("annotations:article_list")
    url = reverse("annotations:article_detail", args=[sentence.article_id])
    return redirect(f"{url}#s{sentence.index}")


@login_required
def sentence_search(request):
    form = SentenceSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = None
    if query:
        page = Paginator(selectors.search_sentences(query), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    return render(
        request, "annotations/sentence_search.html", {"form": form, "query": query, "page": page}
    )


def healthz(request):
    """For load balancers and the compose healthcheck: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
