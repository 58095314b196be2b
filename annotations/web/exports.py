"""Dataset exports in the UI: a form that starts an export job, the requester's recent jobs
with a progress bar htmx polls while they run, and the download of a finished file. The views
only call the export services and read ExportJob rows."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseGone
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from annotations.export.models import ExportJob
from annotations.export.selectors import BASES, ExportFilters
from annotations.export.services import FILE_FORMATS, FORMATS, ExportOptions, start_export
from annotations.labels import Label
from annotations.moderation.selectors import reviewing_people
from annotations.review.models import ModerationStatus
from annotations.roles import can_export_real_names, check_can_export

from .forms import as_id
from .moderation import refused_unless

RECENT_JOBS = 20
FORMAT_NAMES = {
    "jsonl": "JSONL: one JSON object per sentence",
    "csv": "CSV: one line per sentence",
    "parquet": "Parquet: typed columns",
    "claimreview": "ClaimReview: schema.org JSON-LD of the claims",
    "checkthat": "CheckThat! TSV: for import_labels",
    "bundle": "Bundle: a zip of several formats, train/dev/test splits and a dataset card",
}
BASIS_NAMES = {
    "adjudicated": "Adjudicated by a moderator",
    "majority": "Majority of the labels",
    "tie": "Tie",
    "unlabelled": "Unlabelled",
}
FILTER_NAMES = {
    "articles": "articles",
    "since": "published from",
    "until": "published until",
    "labels": "final labels",
    "reviewers": "annotations of reviewer ids",
    "statuses": "annotations with status",
    "min_agreement": "agreement at least",
    "bases": "final labels reached by",
}
DEFAULTS = ExportOptions(format="jsonl")


def _checkboxes(label: str, choices, **kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, widget=forms.CheckboxSelectMultiple, **kwargs
    )


class ExportForm(forms.Form):
    """What to export; the export service checks the options as a whole."""

    format = forms.ChoiceField(choices=[(f, FORMAT_NAMES[f]) for f in FORMATS])
    articles = forms.CharField(
        label="Article ids",
        required=False,
        max_length=10_000,
        help_text="Separated by commas or spaces; empty: every article.",
    )
    since = forms.DateField(
        label="Published from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Published until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    labels = _checkboxes("Final labels (none ticked: any)", Label.choices, required=False)
    bases = _checkboxes(
        "How the final label was reached (none ticked: any)",
        [(basis, BASIS_NAMES[basis]) for basis in BASES],
        required=False,
    )
    reviewers = forms.TypedMultipleChoiceField(
        label="Only these reviewers' annotations (none selected: everyone's)",
        required=False,
        coerce=int,
    )
    statuses = _checkboxes(
        "Annotations with moderation status",
        ModerationStatus.choices,
        initial=list(DEFAULTS.filters.statuses),
        error_messages={"required": "Choose at least one moderation status."},
    )
    min_agreement = forms.FloatField(
        label="Minimum agreement on the sentence",
        required=False,
        min_value=0,
        max_value=1,
        help_text="The share of agreeing pairs of labels, from 0 to 1; empty: any.",
    )
    train = forms.FloatField(label="Train", min_value=0, max_value=1, initial=DEFAULTS.splits[0])
    dev = forms.FloatField(label="Dev", min_value=0, max_value=1, initial=DEFAULTS.splits[1])
    test = forms.FloatField(label="Test", min_value=0, max_value=1, initial=DEFAULTS.splits[2])
    bundle_formats = _checkboxes(
        "Formats in the bundle",
        [(f, FORMAT_NAMES[f]) for f in FILE_FORMATS],
        required=False,
        initial=list(DEFAULTS.bundle_formats),
    )
    bom = forms.BooleanField(
        label="CSV: start with a byte order mark (for spreadsheets)", required=False
    )
    salt = forms.CharField(
        label="Pseudonym salt",
        required=False,
        max_length=200,
        help_text="The same salt gives reviewers the same pseudonyms in several exports; "
        "empty: pseudonyms of their own.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].choices = reviewing_people().values_list("pk", "username")
        if can_export_real_names(user):
            self.fields["real_names"] = forms.BooleanField(
                label="Name reviewers by username instead of pseudonym", required=False
            )

    def clean_articles(self) -> tuple[int, ...]:
        ids = []
        for word in re.split(r"[\s,]+", self.cleaned_data["articles"].strip()):
            if not word:
                continue
            if as_id(word) is None:
                raise ValidationError(f"{word!r} is not an article id.")
            ids.append(as_id(word))
        return tuple(ids)

    def options(self) -> ExportOptions:
        data = self.cleaned_data
        return ExportOptions(
            format=data["format"],
            filters=ExportFilters(
                articles=data["articles"],
                since=data["since"],
                until=data["until"],
                labels=tuple(data["labels"]),
                reviewers=tuple(data["reviewers"]),
                statuses=tuple(data["statuses"]),
                min_agreement=data["min_agreement"],
                bases=tuple(data["bases"]),
            ),
            salt=data["salt"],
            real_names=data.get("real_names", False),
            bom=data["bom"],
            splits=(data["train"], data["dev"], data["test"]),
            bundle_formats=tuple(data["bundle_formats"]),
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """The export service's objections, on the fields they name (the split ratios, which
        are three fields here, for the whole form)."""
        for name, problems in error.message_dict.items():
            self.add_error(name if name in self.fields else None, problems)


exporters_only = refused_unless(check_can_export)


@exporters_only
@require_http_methods(["GET", "POST"])
def exports(request):
    """The export form and the requester's recent export jobs; posting the form starts one."""
    status = 200
    if request.method == "POST":
        form = ExportForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                job = start_export(request.user, form.options())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"Export #{job.pk} started: follow its progress below.")
                return redirect("annotations:exports")
        status = 400
    else:
        form = ExportForm(user=request.user)
    jobs = ExportJob.objects.filter(requester=request.user)[:RECENT_JOBS]
    context = {"form": form, "jobs": [job_view(job) for job in jobs], "section": "exports"}
    return render(request, "annotations/exports.html", context, status=status)


@login_required
def export_progress(request, pk: int):
    """One job's item, which the page polls every second while the job runs; once it ended,
    the item comes with a line for the page's status region, which screen readers announce."""
    job = get_object_or_404(ExportJob.objects.visible_to(request.user), pk=pk)
    return render(request, "annotations/_export_job.html", {"job": job_view(job), "poll": True})


@login_required
def export_download(request, pk: int):
    """The file of a finished export, streamed from storage to its requester or a moderator
    (an export naming reviewers by username: to its requester or an administrator)."""
    job = get_object_or_404(ExportJob.objects.visible_to(request.user), pk=pk)
    if job.status == ExportJob.Status.EXPIRED:
        return HttpResponseGone(
            f"Export #{job.pk} expired: its file was deleted. Start the export again.",
            content_type="text/plain; charset=utf-8",
        )
    if job.status != ExportJob.Status.DONE:
        raise Http404("this export has no file yet")
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)


def job_view(job: ExportJob) -> dict:
    """A job as its item shows it: the format's name and the filters that narrowed it."""
    narrowed = [
        f"{FILTER_NAMES[name]} {', '.join(map(str, value)) if isinstance(value, list) else value}"
        for name, value in job.options["filters"].items()
        if value not in (None, [], list(DEFAULTS.filters.statuses))
    ]
    return {
        "job": job,
        "format": FORMAT_NAMES.get(job.format, job.format).split(":")[0],
        "filters": "; ".join(narrowed),
        "running": job.status in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING),
    }
