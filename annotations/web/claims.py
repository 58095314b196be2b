"""The public, read-only review page of a reviewed claim (/claims/<sentence id>/): the permalink
its ClaimReview names as `url`, so a newsroom can publish straight from the tool. No login, no
reviewer shown; the same JSON-LD as the export, embedded for search engines."""

import json

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe

from annotations.corpus.selectors import neighbour_texts
from annotations.export.claimreview import (
    BEST,
    RATINGS,
    WORST,
    claim_review,
    claim_span,
    review_url,
)
from annotations.export.selectors import sentence_row

from .presenters import LABEL_NAMES

BASIS_TEXTS = {
    "adjudicated": "decided by a moderator",
    "majority": "the majority of reviewers' labels",
    "tie": "reviewers were tied; the most specific of the tied labels",
}
# What json_script escapes (django.utils.html), which only writes type="application/json": no
# "</script>" or "<!--" can end or alter the script element.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def ld_json(data: dict) -> str:
    """JSON to place inside a <script type="application/ld+json"> element."""
    return mark_safe(json.dumps(data).translate(SCRIPT_ESCAPES))


def evidence_links(urls: list[str]) -> list[tuple[str, bool]]:
    """Each evidence address and whether to link it: only http(s) ones (never a javascript:
    address, however it was stored)."""
    return [(url, url.startswith(("http://", "https://"))) for url in urls]


def claim_page(request, pk: int):
    row = sentence_row(pk)  # None for a hidden article's sentence, too
    review = row and claim_review(
        row,
        organisation=settings.CLAIMREVIEW_ORGANISATION,
        organisation_url=settings.CLAIMREVIEW_ORGANISATION_URL,
        url=review_url(settings.SITE_URL, pk),
    )
    if not review:
        raise Http404("no reviewed claim here")
    previous, following = neighbour_texts(row["article_id"], row["sentence_index"])
    start, end = claim_span(row) or (0, len(row["text"]))
    return render(
        request,
        "annotations/claim_review.html",
        {
            "row": row,
            "review": review,
            "previous": previous,
            "next": following,
            "before": row["text"][:start],
            "claim": row["text"][start:end],
            "after": row["text"][end:],
            "label_name": LABEL_NAMES[row["final_label"]],
            "basis": BASIS_TEXTS[row["final_basis"]],
            "label_counts": [
                (LABEL_NAMES[label], n) for label, n in row["label_counts"].items() if n
            ],
            "decided_at": parse_datetime(row["decided_at"]),
            "best": BEST,
            "worst": WORST,
            "scale": [(value, LABEL_NAMES[label]) for label, value in RATINGS.items()],
            "evidence": evidence_links(row["evidence_urls"]),
            "json_ld": ld_json(review),
        },
    )
