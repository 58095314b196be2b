"""schema.org ClaimReview JSON-LD of a reviewed claim, as Google's fact-check markup reads it:
written into the export's ClaimReview file and embedded in the claim's public review page.

Plain Python on an export row (selectors.export_rows' shape), so both build the same object.
Only a sentence whose final label is a claim label (sourced, disputed, "false flag" allegation)
has one; "not a claim" and unlabelled sentences have none.

The rating scale (reviewRating): ratingValue from WORST = 1 to BEST = 3.
    3  Sourced                   the claim is attributed to an identifiable source
    2  Disputed                  the text or another party contests it
    1  "False flag" allegation   it alleges a staged or deceptive act meant to be blamed on
                                 someone else
The number rates how the article presents the claim, from best supported (3) to the kind of
claim readers should treat with most caution (1): it is not a verdict on whether the claim is
true, which no label here records. alternateName is the label's display name, the text search
engines show.

The other choices:
- claimReviewed: the claim span, when the reviewers who gave the final label marked one and the
  same span (Google asks for a short claim); else the whole sentence.
- itemReviewed.author: the claimants named with the final label, one Person each (an annotation
  records a claimant's name, not whether it is a person or an organisation); left out when
  none was named.
- datePublished: when the final label was reached (the row's decided_at: the adjudication, else
  the latest update of a counted label giving it); itemReviewed.datePublished is the article's.
- url: the claim's public review page, review_url().
"""

# A label's place on the rating scale above.
RATINGS: dict[str, int] = {"sourced": 3, "disputed": 2, "false_flag": 1}
BEST = 3
WORST = 1
# labels.Label's display names of the claim labels (this module is plain Python, which the
# export formats build on; a test keeps the two equal).
RATING_NAMES: dict[str, str] = {
    "sourced": "Sourced",
    "disputed": "Disputed",
    "false_flag": '"False flag" allegation',
}
REJECTED = "rejected"  # the moderation status of an annotation that does not count


def review_url(site_url: str, sentence_id: int) -> str:
    """The permalink of a claim's public review page (web.urls' "claims/<id>/")."""
    return f"{site_url.rstrip('/')}/claims/{sentence_id}/"


def claim_span(row: dict) -> tuple[int, int] | None:
    """The claim span (offsets into the sentence's text) when every counted annotation giving
    the final label that marked a span marked this one; None without one or when they differ."""
    spans = {
        (annotation["span_start"], annotation["span_end"])
        for annotation in row["annotations"]
        if annotation["label"] == row["final_label"]
        and annotation["moderation_status"] != REJECTED
        and annotation["span_start"] is not None
    }
    return spans.pop() if len(spans) == 1 else None


def claim_review(row: dict, *, organisation: str, organisation_url: str, url: str) -> dict | None:
    """The ClaimReview of one export row; None when its final label is not a claim label."""
    label = row["final_label"]
    if label not in RATINGS:
        return None
    span = claim_span(row)
    claim = {
        "@type": "Claim",
        "datePublished": row["published_on"],
        "appearance": [
            {"@type": "CreativeWork", "url": row["article_url"], "headline": row["article_title"]}
        ],
    }
    if row["claimants"]:
        claim["author"] = [{"@type": "Person", "name": name} for name in row["claimants"]]
    author = {"@type": "Organization", "name": organisation}
    if organisation_url:
        author["url"] = organisation_url
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": row["text"][span[0] : span[1]] if span else row["text"],
        "itemReviewed": claim,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATINGS[label],
            "bestRating": BEST,
            "worstRating": WORST,
            "alternateName": RATING_NAMES[label],
        },
        "author": author,
        "datePublished": row["decided_at"],
    }
