"""An annotation's (or adjudication's) ETag is its version: `ETag: "3"`; send it back as
`If-Match: "3"`."""

import re

from rest_framework.exceptions import ValidationError

ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def etag_for(versioned) -> str:
    return f'"{versioned.version}"'


def version_from_if_match(request) -> int | None:
    """The version an If-Match header names; None without the header or for `*` (any)."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    match = ETAG.match(header)
    if match is None:
        expected = 'expected one ETag as the ETag header gave it, e.g. "3"'
        raise ValidationError({"If-Match": f"{expected}; got {header[:40]!r}"})
    return int(match.group(1))


def required_version(request, sent: int | None) -> int:
    """The version the client read, from If-Match or else the body's `version` (`sent`): a
    write that must not overwrite a change it has not seen needs one."""
    version = version_from_if_match(request)
    if version is None:
        version = sent
    if version is None:
        raise ValidationError(
            {"version": 'send the version you read, in `version` or as If-Match: "3"'}
        )
    return version
