"""The moderation UI: the queue (contested, pending, recently decided) with its decisions, bulk
decisions, article locks, the reviewers and the audit trail.

Every decision on a queue item answers with the item's fragment (htmx swaps it in place, the
queue's script announces its status line); refusals answer 400, 403 or 409 with the item as
stored and why. The views only call the moderation services and selectors.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from annotations.corpus.selectors import articles_visible_to, sentences_visible_to
from annotations.labels import Label
from annotations.moderation.selectors import (
    TABS,
    QueueItem,
    annotation_in_sentence,
    frequent_reasons,
    history_of,
    history_page,
    queue_item,
    queue_items,
    queue_sentences,
    queue_sizes,
    reviewers_overview,
    reviewing_people,
    to_decide_on_article,
)
from annotations.moderation.services import (
    REASON_MAX_LENGTH,
    AdjudicationConflict,
    adjudicate,
    adjudication_clear,
    deactivate_reviewer,
    moderate,
    moderate_many,
    set_article_flag,
)
from annotations.review.models import Annotation
from annotations.review.selectors import shortcuts_enabled
from annotations.review.services import VersionConflict
from annotations.roles import NotAModerator, check_can_moderate, is_moderator

from .forms import (
    AdjudicationForm,
    ArticleFlagForm,
    BulkDecisionForm,
    DeactivateForm,
    DecisionForm,
    HistoryFilterForm,
    QueueFilterForm,
    as_id,
)
from .moderation_presenters import (
    ARTICLE_CHANGES,
    bulk_message,
    decision_message,
    history_row,
    queue_item_view,
)
from .views import FRAGMENT_HEADER, problems

QUEUE_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50
DRAWER_ROWS = 50  # a sentence's drawer shows its latest changes; the history page has them all
CONFLICT_MESSAGE = (
    "Not done: this changed since the page showed it (another moderator, or the reviewer). "
    "It now shows what is stored; decide again."
)


def refused_unless(check):
    """A view decorator: log in first; then anyone `check(user)` refuses (NotAModerator) gets a
    page saying why not (403)."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            try:
                check(request.user)
            except NotAModerator:
                return render(request, "annotations/moderation_forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorator


moderators_only = refused_unless(check_can_moderate)


@moderators_only
def queue(request):
    return _queue_page(request)


def _queue_page(request, status: int = 200, selected=()):
    """The queue as the query string filters it; `selected` keeps ticked labels ticked (a bulk
    decision refused)."""
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "contested"
    reviewers = dict(reviewing_people().values_list("pk", "username"))
    form = QueueFilterForm(request.GET, reviewers.items())
    filters = form.filters()
    if form.errors:
        messages.error(request, "Some filters were not understood and are left out; see below.")
    sizes = queue_sizes(filters)
    paginator = Paginator(queue_sentences(tab, filters), QUEUE_PAGE_SIZE)
    paginator.count = sizes[tab]  # the same count queue_sizes() just made: not twice
    page = paginator.get_page(request.GET.get("page"))
    bulk_all = None
    if filters.article and filters.reviewer:
        pending = to_decide_on_article(
            article=filters.article, reviewer=filters.reviewer, decision="approve"
        )
        bulk_all = {
            "count": pending.count(),
            "reviewer": reviewers[filters.reviewer],
            "article": filters.article,
            "reviewer_pk": filters.reviewer,
        }
    return render(
        request,
        "annotations/moderation_queue.html",
        {
            "tab": tab,
            "tabs": [(key, name, sizes[key]) for key, name in TABS.items()],
            "form": form,
            "page": page,
            "items": [queue_item_view(item) for item in queue_items(page.object_list)],
            "selected": {str(pk) for pk in selected},
            "reasons": frequent_reasons(),
            "reason_max_length": REASON_MAX_LENGTH,
            "bulk_all": bulk_all,
            "labels": Label.choices,
            "shortcuts": shortcuts_enabled(request.user),
        },
        status=status,
    )


def _posted_item(request) -> QueueItem:
    """The queue item of the posted sentence; 404 for an id that names none."""
    pk = as_id(request.POST.get("sentence"))
    item = queue_item(pk) if pk else None
    if item is None:
        raise Http404("no such sentence")
    return item


def _item_fragment(request, item: QueueItem, status=200, state="", message="", current=None):
    response = render(
        request,
        "annotations/_queue_item.html",
        {
            "item": queue_item_view(item, state, message, current),
            "shortcuts": shortcuts_enabled(request.user),
        },
        status=status,
    )
    response[FRAGMENT_HEADER] = "1"
    return response


def _refused(request, item: QueueItem, error: Exception, current=None):
    """The item as stored, with why the action was turned down."""
    if isinstance(error, VersionConflict | AdjudicationConflict):
        fresh = queue_item(item.sentence.pk)
        return _item_fragment(request, fresh, 409, "refused", CONFLICT_MESSAGE, current)
    if isinstance(error, PermissionDenied):
        return _item_fragment(request, item, 403, "refused", f"Not done: {error}.", current)
    return _item_fragment(request, item, 400, "refused", f"Not done: {problems(error)}.", current)


@moderators_only
@require_POST
def decide(request):
    """Approve, reject (with a reason) or reopen one annotation of a queue item."""
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refused(request, _posted_item(request), ValidationError(form.errors))
    pk, decision = form.cleaned_data["annotation"], form.cleaned_data["decision"]
    sentence = as_id(request.POST.get("sentence"))
    expected = form.cleaned_data["expected_version"]
    # The version before the decision ("nothing changed" when it stays): the one the page
    # showed, else what is stored (read once more, only then).
    before = expected
    if before is None:
        before = getattr(annotation_in_sentence(pk, sentence), "version", None)
    try:
        decided = moderate(
            annotation=pk,
            sentence_id=sentence,
            actor=request.user,
            decision=decision,
            reason=form.reason_given(),
            expected_version=expected,
        )
    except Annotation.DoesNotExist:
        message = "Not done: that label was removed meanwhile. The sentence shows what is stored."
        return _item_fragment(request, _posted_item(request), 409, "refused", message)
    except (ValidationError, PermissionDenied, VersionConflict) as error:
        return _refused(request, _posted_item(request), error, current=pk)
    fresh = _posted_item(request)
    # On to the next label waiting for a decision, if the sentence has one.
    current = None if fresh.pending else pk
    message = decision_message(decision, decided, changed=decided.version != before)
    return _item_fragment(request, fresh, 200, "done", message, current)


@moderators_only
@require_POST
def adjudicate_sentence(request):
    """Set a queue item's final label with a note, or remove its adjudication (`clear`)."""
    item = _posted_item(request)
    form = AdjudicationForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, ValidationError(form.errors))
    data, before = form.cleaned_data, item.adjudication
    try:
        if data["clear"]:
            adjudication_clear(
                sentence=item.sentence,
                actor=request.user,
                expected_version=data["expected_version"],
            )
            message = (
                "Adjudication removed: the final label is the reviewers' majority again."
                if before
                else "Nothing changed: the sentence had no adjudication."
            )
        else:
            after = adjudicate(
                sentence=item.sentence,
                actor=request.user,
                label=data["label"],
                reason=data["reason"],
                expected_version=data["expected_version"],
            )
            name = Label(after.label).label
            message = (
                f"Nothing changed: the final label already was {name}."
                if before and before.version == after.version
                else f"Adjudicated: the final label is {name}."
            )
    except (ValidationError, PermissionDenied, AdjudicationConflict) as error:
        return _refused(request, item, error)
    return _item_fragment(request, queue_item(item.sentence.pk), 200, "done", message)


@moderators_only
@require_POST
def article_flag(request):
    """Lock, unlock, hide or show an article: from a queue item (htmx, answered with the item)
    or from the review page (back to it with a message)."""
    form = ArticleFlagForm(request.POST)
    valid = form.is_valid()
    if request.htmx:
        item = _posted_item(request)
        if not valid:
            return _refused(request, item, ValidationError(form.errors))
        article = item.sentence.article
    else:
        pk = as_id(form.data.get("article"))
        if pk is None:
            raise Http404("no such article")
        article = get_object_or_404(articles_visible_to(request.user), pk=pk)
    back = reverse("annotations:article_detail", args=[article.pk])
    if valid and url_has_allowed_host_and_scheme(
        form.cleaned_data["next"], allowed_hosts={request.get_host()}
    ):
        back = form.cleaned_data["next"] or back
    if not valid:
        messages.error(request, f"Nothing changed: {problems(ValidationError(form.errors))}.")
        return redirect(back)
    change = ARTICLE_CHANGES[form.cleaned_data["change"]]
    changed = set_article_flag(
        article=article, actor=request.user, flag=change.flag, value=change.value
    )
    message = (
        change.meaning if changed else f"Nothing changed: the article was already {change.done}."
    )
    if request.htmx:
        return _item_fragment(request, queue_item(item.sentence.pk), 200, "done", message)
    messages.success(request, message)
    return redirect(back)


@moderators_only
@require_POST
def bulk_decide(request):
    """One decision on the labels ticked in the queue, or on all of a reviewer's pending labels
    on an article; back to the queue with how many changed."""
    form = BulkDecisionForm(request.POST)
    ticked = request.POST.getlist("annotation")
    if not form.is_valid():
        messages.error(request, f"Nothing changed: {problems(ValidationError(form.errors))}.")
        return _queue_page(request, 400, ticked)
    data = form.cleaned_data
    if data["annotation"]:
        chosen, count = data["annotation"], len(set(data["annotation"]))
    else:
        chosen = to_decide_on_article(
            article=data["article"], reviewer=data["reviewer"], decision=data["decision"]
        )
        count = chosen.count()
    try:
        changed = moderate_many(
            annotations=chosen,
            actor=request.user,
            decision=data["decision"],
            reason=form.reason_given(),
        )
    except ValidationError as error:
        messages.error(request, f"Nothing changed: {problems(error)}.")
        return _queue_page(request, 400, ticked)
    messages.success(request, bulk_message(data["decision"], changed, count))
    query = request.GET.urlencode()
    return redirect(reverse("annotations:moderation_queue") + (f"?{query}" if query else ""))


@moderators_only
def reviewers(request):
    return render(
        request, "annotations/moderation_reviewers.html", {"people": reviewers_overview()}
    )


@moderators_only
def deactivate(request, pk: int):
    """Confirm (stating how many labels are pending), then deactivate the reviewer and maybe
    reject all their pending labels."""
    person = get_object_or_404(reviewers_overview(), pk=pk)
    was_active = person.is_active
    form = DeactivateForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rejected = deactivate_reviewer(
                    user=person,
                    actor=request.user,
                    reject_pending=form.cleaned_data["reject_pending"],
                    reason=form.reason_given(),
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                done = "Deactivated" if was_active else "Already deactivated:"
                messages.success(
                    request,
                    f"{done} {person.get_username()}: they can no longer log in. "
                    f"{rejected} pending label{'' if rejected == 1 else 's'} rejected.",
                )
                return redirect("annotations:moderation_reviewers")
        status = 400
    return render(
        request,
        "annotations/moderation_deactivate.html",
        {
            "person": person,
            "form": form,
            "reasons": frequent_reasons(),
            "reason_max_length": REASON_MAX_LENGTH,
        },
        status=status,
    )


@moderators_only
def history(request):
    """The audit trail, of an article, a person or a sentence, newest first."""
    people = reviewing_people().values_list("pk", "username")
    form = HistoryFilterForm(request.GET, people)
    about = form.about()
    if form.errors:
        messages.error(request, "Some filters were not understood and are left out; see below.")
    page = Paginator(history_page(request.user, **about), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "annotations/moderation_history.html",
        {
            "form": form,
            "page": page,
            "rows": [history_row(entry, with_article=True) for entry in page.object_list],
        },
    )


@login_required
def sentence_history(request):
    """The drawer of a sentence's audit trail: all of it for moderators, what concerns their
    own labels for a reviewer."""
    pk = as_id(request.GET.get("sentence"))
    if pk is None:
        raise Http404("no such sentence")
    sentence = get_object_or_404(sentences_visible_to(request.user), pk=pk)
    entries = list(history_of(request.user, sentence=sentence)[: DRAWER_ROWS + 1])
    response = render(
        request,
        "annotations/_history_drawer.html",
        {
            "sentence": sentence,
            "rows": [history_row(entry) for entry in entries[:DRAWER_ROWS]],
            "more": len(entries) > DRAWER_ROWS,
            "moderator": is_moderator(request.user),
        },
    )
    response[FRAGMENT_HEADER] = "1"
    return response
