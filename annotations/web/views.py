"""The reviewer web UI: article list, review page, tagging actions, sentence search, next queue.

Tagging actions answer with the one sentence's fragment (htmx swaps it in place); the review
page's script (static/annotations/review.js) sends them one at a time and retries failures.
"""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from annotations.assignment.selectors import recent_overlap_progress
from annotations.assignment.services import next_sentence_for
from annotations.corpus.models import Sentence
from annotations.corpus.selectors import (
    articles_visible_to,
    full_text_search,
    search_sentences,
)
from annotations.labels import LABEL_GUIDELINES, LABEL_PRECEDENCE_RULE, Label
from annotations.review import selectors
from annotations.review.models import Annotation
from annotations.review.selectors import SentenceRow
from annotations.review.services import (
    VersionConflict,
    annotation_clear,
    annotation_save,
    reviewer_settings_save,
)
from annotations.roles import ArticleLocked, can_edit_article, can_train_detector, is_moderator
from annotations.training.selectors import training_notice

from .forms import (
    AnnotationActionForm,
    ArticleFilterForm,
    ReviewerSettingsForm,
    SentenceSearchForm,
    as_id,
)
from .presenters import LABEL_KEYS, LABEL_NAMES, paragraphs, review_url, sentence_item
from .search_presenters import search_items

PAGE_SIZE = 50
# Sent with every sentence fragment so the script never swaps in another page (a login form
# after the session expired, a CSRF failure page) in place of a sentence.
FRAGMENT_HEADER = "X-Sentence-Fragment"
# Sent with every window of sentences, for the same reason.
WINDOW_HEADER = "X-Sentence-Window"
LOCKED_MESSAGE = "This article is locked by a moderator: it is read-only."
NOTHING_TO_ASSIGN = (
    "Nothing left to label for you: every open sentence has your label or the reviewers it "
    "needs. Open any article to label more."
)
BAD_CURSOR_MESSAGE = (
    "That page link does not fit this list (it was changed, or made for another sort): "
    "here is the first page."
)
CONFLICT_MESSAGE = (
    "Not saved: this label was changed elsewhere (another tab or a moderator) since the page "
    "loaded. It now shows what is stored; apply your change again."
)


def user_roles(request) -> dict:
    """Context processor: whether to offer the moderation link (evaluated only when shown)."""
    return {"is_moderator": partial(is_moderator, request.user)}


@login_required
def article_list(request):
    form = ArticleFilterForm(request.GET)
    filters = form.filters()
    sort = filters.pop("sort")
    articles = selectors.filter_articles(
        selectors.article_list(request.user), request.user, **filters
    )
    # Keyset pages (an old ?page=N link shows the first page): no count, no offset.
    cursors = {name: request.GET.get(name, "") for name in ("after", "before")}
    try:
        page = selectors.article_page(
            articles, sort=sort, size=PAGE_SIZE, last="last" in request.GET, **cursors
        )
    except selectors.BadCursor:
        messages.error(request, BAD_CURSOR_MESSAGE)
        page = selectors.article_page(articles, sort=sort, size=PAGE_SIZE)
    progress, counted_at = recent_overlap_progress(request.user)
    # For those who can train the detector (the admin's Train button): reviewers are spared
    # the queries and a notice they cannot act on.
    can_train = request.user.is_staff and can_train_detector(request.user)
    return render(
        request,
        "annotations/article_list.html",
        {
            "form": form,
            "page": page,
            "progress": progress,
            "progress_counted_at": counted_at,
            "training_notice": training_notice() if can_train else None,
        },
    )


@login_required
def article_detail(request, pk: int):
    """The review page, opened at its first sentences, or with `at` at the window holding the
    sentence at that index; the rest comes a window at a time (article_window)."""
    article = _visible_article(request, pk)
    at = request.GET.get("at")
    if at is not None and as_id(at) is None:
        messages.error(request, f"“{at}” is not a sentence index: the article opens at its start.")
    window = selectors.review_window(
        article, request.user, at=as_id(at), limit=settings.REVIEW_WINDOW
    )
    can_edit = can_edit_article(request.user, article)
    return render(
        request,
        "annotations/article_detail.html",
        {
            "article": article,
            **_window_context(article, window, can_edit, earlier=True, later=True),
            "progress": selectors.article_progress(article, request.user),
            "can_edit": can_edit,
            "labels": Label.choices,
            "label_names": LABEL_NAMES,
            "guidelines": LABEL_GUIDELINES,
            "precedence_rule": LABEL_PRECEDENCE_RULE,
            "label_keys": [(LABEL_KEYS[value], value, name) for value, name in Label.choices],
            "max_length": Annotation.max_lengths(),
            "shortcuts": selectors.shortcuts_enabled(request.user),
        },
    )


@login_required
def article_window(request, pk: int):
    """The review page's next window: the sentences after index `after`, or before index
    `before`, in the page's markup with the way on, for htmx to add as the reviewer scrolls or
    moves on."""
    article = _visible_article(request, pk)
    after, before = as_id(request.GET.get("after")), as_id(request.GET.get("before"))
    if (after is None) == (before is None):
        return HttpResponse(
            "Name the sentences to show: after=<index> or before=<index>.",
            status=400,
            content_type="text/plain",
        )
    window = selectors.review_window(
        article, request.user, after=after, before=before, limit=settings.REVIEW_WINDOW
    )
    can_edit = can_edit_article(request.user, article)
    context = _window_context(
        article, window, can_edit, earlier=before is not None, later=after is not None
    )
    response = render(request, "annotations/_sentence_window.html", context)
    # Which sentences came ("101-200", numbers for people), for the page to announce.
    ends = window.rows[:1] + window.rows[-1:]
    response[WINDOW_HEADER] = "-".join(str(row.sentence.index + 1) for row in ends)
    return response


def _visible_article(request, pk: int):
    """The article, if the user sees it; its body stays unread (the page shows sentences)."""
    return get_object_or_404(articles_visible_to(request.user).defer("body"), pk=pk)


def _window_context(article, window, can_edit: bool, *, earlier: bool, later: bool) -> dict:
    """A window's paragraphs and, on the sides asked for, where the sentences beside it load
    from."""
    url = reverse("annotations:article_window", args=[article.pk])
    return {
        "paragraphs": paragraphs(window.rows, can_edit),
        "earlier_url": f"{url}?before={window.earlier}" if earlier and window.earlier else "",
        "later_url": f"{url}?after={window.later}" if later and window.later is not None else "",
    }


def _sentence_row(pk, user) -> SentenceRow:
    """The posted sentence's row; 404 for an id that names no sentence."""
    pk = as_id(pk)
    if pk is None:
        raise Http404("no such sentence")
    sentences = Sentence.objects.filter(pk=pk).select_related("article").defer("article__body")
    rows = selectors.sentence_rows(sentences, user)
    if not rows:
        raise Http404("no such sentence")
    return rows[0]


def _fragment(request, row: SentenceRow, status: int = 200, state: str = "", message: str = ""):
    can_edit = can_edit_article(request.user, row.sentence.article)
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
    if isinstance(error, ArticleLocked):
        return _fragment(request, row, 403, "refused", LOCKED_MESSAGE)
    if isinstance(error, PermissionDenied):
        return _fragment(request, row, 403, "refused", f"Not saved: {error}.")
    if isinstance(error, VersionConflict):
        fresh = _sentence_row(row.sentence.pk, request.user)
        return _fragment(request, fresh, 409, "refused", CONFLICT_MESSAGE)
    return _fragment(request, row, 400, "refused", f"Not saved: {problems(error)}.")


def problems(error: ValidationError) -> str:
    """What was wrong, field by field, in one line."""
    if hasattr(error, "error_dict"):
        return "; ".join(
            " ".join(errors)
            if field == NON_FIELD_ERRORS
            else f"{field.replace('_', ' ')}: {' '.join(errors)}"
            for field, errors in error.message_dict.items()
        )
    return " ".join(error.messages)


@login_required
@require_POST
def tag_sentence(request, clear: bool):
    """Tag a sentence for the user (label, and optionally span, claimant, source, note), or
    with `clear` remove the user's label."""
    row = _sentence_row(request.POST.get("sentence"), request.user)
    form = AnnotationActionForm(request.POST)
    if not form.is_valid():
        return _refused(request, row, ValidationError(form.errors))
    expected_version = form.cleaned_data["expected_version"]
    annotation = None
    try:
        if not clear:
            annotation, _ = annotation_save(
                sentence=row.sentence,
                reviewer=request.user,
                changes=form.changes(),
                expected_version=expected_version,
            )
        elif row.mine is not None:
            row.mine.sentence = row.sentence  # the service checks the article's lock through it
            annotation_clear(
                annotation=row.mine, actor=request.user, expected_version=expected_version
            )
    except (ValidationError, PermissionDenied, VersionConflict) as error:
        return _refused(request, row, error)
    return _fragment(request, selectors.row_after_own_change(row, annotation), state="saved")


@login_required
@require_POST
def save_settings(request):
    """Keep the review page's settings for the user, then go back to the page."""
    form = ReviewerSettingsForm(request.POST)
    form.is_valid()  # an unticked box is simply off; a missing page goes to the list
    shortcuts = form.cleaned_data.get("shortcuts", False)
    reviewer_settings_save(user=request.user, shortcuts=shortcuts)
    messages.success(request, f"Single-key shortcuts turned {'on' if shortcuts else 'off'}.")
    back = form.cleaned_data.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(back)  # a URL: redirect() would take "x" for a view name
    return redirect("annotations:article_list")


@login_required
def next_sentence(request):
    """Go to the sentence I should label next (assignment.services.next_sentence_for). The `g`
    key sends `skip`, the sentence it was pressed on, when that one has no label of mine: I pass
    it over."""
    try:
        claim = next_sentence_for(request.user, skip=as_id(request.GET.get("skip")))
    except PermissionDenied as error:
        messages.error(request, f"{error}.")
        return redirect("annotations:article_list")
    if claim is None:
        messages.info(request, NOTHING_TO_ASSIGN)
        return redirect("annotations:article_list")
    return redirect(review_url(claim.sentence.article_id, claim.sentence.index))


@login_required
def sentence_search(request):
    form = SentenceSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = items = None
    if query:
        page = search_sentences(query, request.user, as_id(request.GET.get("page")) or 1)
        items = search_items(page.sentences, request.user)
    return render(
        request,
        "annotations/sentence_search.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "items": items,
            "full_text": full_text_search(),
        },
    )


def healthz(request):
    """For load balancers and the compose healthcheck: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
