"""The dashboard for moderators and admins: labels per day and per reviewer, the label
distribution, agreement over time and per article, the moderation queue, candidate precompute,
and how many sentences have the reviewers they need. A fixed number of queries, whatever the
data's size: each figure is one aggregate read."""

import datetime

from django.db.models import Case, FloatField, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.shortcuts import render
from django.utils import timezone

from annotations.agreement.selectors import article_snapshots, project_history, project_snapshot
from annotations.agreement.services import confusion
from annotations.assignment.selectors import overlap_progress
from annotations.detection.selectors import precompute_overview
from annotations.jobs import JobStatus
from annotations.labels import Label
from annotations.moderation.selectors import (
    TABS,
    label_distribution,
    labels_per_day,
    queue_sizes,
    reviewers_overview,
)

from .charts import lines, stacked_bars
from .moderation import moderators_only

ACTIVITY_DAYS = 30
AGREEMENT_DAYS = 90
LEAST_AGREED_ARTICLES = 20
STATUSES = ("pending", "approved", "rejected")
MEASURES = {
    "krippendorff_alpha": "Krippendorff's alpha",
    "fleiss_kappa": "Fleiss' kappa",
    "percent_agreement": "Percent agreement",
}


# An article's alpha as a number to sort by, undefined (JSON null) last: SQLite's key transform
# reads a JSON null as the text "null", which casts to 0.
ALPHA = Case(
    When(figures__krippendorff_alpha__value=None, then=Value(None)),
    default=Cast(KT("figures__krippendorff_alpha__value"), FloatField()),
    output_field=FloatField(),
)


def measure_text(measure: dict) -> str:
    """A stored agreement figure in words: its value, or why it is undefined."""
    if measure["value"] is None:
        return f"undefined ({measure['reason']})"
    return f"{measure['value']:.3f}"


def _measures(figures: dict) -> list[tuple[str, str]]:
    return [(name, measure_text(figures[key])) for key, name in MEASURES.items()]


@moderators_only
def dashboard(request):
    label_names = dict(Label.choices)
    per_day = labels_per_day(ACTIVITY_DAYS)
    days = [day.strftime("%b %d") for day, _ in per_day]
    people = [p for p in reviewers_overview() if any(getattr(p, s) for s in STATUSES)]
    distribution = label_distribution()
    sizes = queue_sizes()
    precompute = precompute_overview()
    since = timezone.localdate() - datetime.timedelta(days=AGREEMENT_DAYS - 1)
    history = list(project_history().filter(day__gte=since))
    latest = project_snapshot()
    least_agreed = (
        article_snapshots()
        .select_related("article")
        .only("figures", "computed_at", "article__title")
        .order_by(ALPHA.asc(nulls_last=True), "article")
    )[:LEAST_AGREED_ARTICLES]
    context = {
        "days": [
            (day, [counts[label] for label in label_names], sum(counts.values()))
            for day, counts in per_day
        ],
        "days_chart": stacked_bars(
            "Labels per day",
            days,
            {name: [counts[label] for _, counts in per_day] for label, name in label_names.items()},
        ),
        "people": people,
        "people_chart": stacked_bars(
            "Labels per reviewer",
            [person.get_username() for person in people],
            {s.capitalize(): [getattr(p, s) for p in people] for s in STATUSES},
        ),
        "distribution": [(name, distribution[label]) for label, name in label_names.items()],
        "distribution_chart": stacked_bars(
            "Counted labels by kind",
            list(label_names.values()),
            {"Counted labels": [distribution[label] for label in label_names]},
        ),
        "label_names": list(label_names.values()),
        "queue": [(key, name, sizes[key]) for key, name in TABS.items()],
        # Done first, then whichever other states have articles.
        "precompute": sorted(
            [(JobStatus(s).label, n) for s, n in precompute.items()],
            key=lambda state: state[0] != JobStatus.DONE.label,
        ),
        "articles_total": sum(precompute.values()),
        "overlap": overlap_progress(),
        "agreement": latest
        and {
            "computed_at": latest.computed_at,
            "figures": latest.figures,
            "measures": _measures(latest.figures),
            "pairs": [
                (pair, measure_text(pair["cohen_kappa"]), measure_text(pair["percent_agreement"]))
                for pair in latest.figures["pairs"]
            ],
        },
        "history": [(s.day, _measures(s.figures)) for s in history],
        "history_chart": lines(
            "Agreement over time",
            [s.day.strftime("%b %d") for s in history],
            {name: [s.figures[key]["value"] for s in history] for key, name in MEASURES.items()},
        ),
        "articles": [
            (s.article, s.figures["sentences"], _measures(s.figures)) for s in least_agreed
        ],
        "measure_names": list(MEASURES.values()),
        **_confusion(request, people),
    }
    return render(request, "annotations/dashboard.html", context)


def _confusion(request, people) -> dict:
    """The label-by-label table of the two reviewers chosen on the page, if both are known."""
    by_id = {str(person.pk): person for person in people}
    a, b = by_id.get(request.GET.get("a", "")), by_id.get(request.GET.get("b", ""))
    chosen = {"chosen_a": a, "chosen_b": b}
    if a is None or b is None or a == b:
        return chosen
    table = confusion(a, b)
    names = dict(Label.choices)
    rows = [
        (names[label], counts)
        for label, counts in zip(table["categories"], table["counts"], strict=True)
    ]
    return {
        **chosen,
        "confusion": {**table, "rows": rows, "kappa": measure_text(table["cohen_kappa"])},
    }
