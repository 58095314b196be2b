"""Outgoing webhooks: signed (Standard Webhooks), sent by Celery with retries, never in requests."""

import base64
import hashlib
import ipaddress
import json
import secrets
import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from annotations.jobs import queue_on_commit

from .models import WebhookDelivery, WebhookEndpoint
from .tasks import RETRY_BACKOFF_MAX_SECONDS, DeliveryFailed, deliver_webhook_task

TIMEOUT_SECONDS = 10


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def url_problem(url: str) -> str | None:
    """Why a webhook may not be sent to url, or None.

    Only http(s); hosts that resolve to loopback, private, link-local or reserved addresses are
    refused (the server must not be a way into its own network) unless WEBHOOKS_ALLOW_PRIVATE.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "only http:// and https:// URLs can receive webhooks"
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        return f"the host {parts.hostname!r} cannot be resolved"
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            return f"{parts.hostname} resolves to a non-public address ({ip}); refused"
    return None


def emit(event: str, items: dict[str, dict]) -> int:
    """Record a delivery per item for every active endpoint subscribed to event, in the caller's
    transaction (an outbox: the deliveries commit or roll back with the data they announce),
    and queue them once it commits; returns how many were recorded.

    items: the event's key (what changed and which version of it, stable if the same event is
    emitted again) -> its data. The webhook-id is derived from the endpoint, the event type and
    that key, so a receiver de-duplicates on it, and a delivery already recorded for the same
    event is not recorded twice."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if event in e.events]
    if not endpoints or not items:
        return 0
    now = timezone.now()
    deliveries = {
        message_id(endpoint, event, key): (endpoint, data)
        for endpoint in endpoints
        for key, data in items.items()
    }
    recorded = WebhookDelivery.objects.filter(message_id__in=deliveries)
    for already in recorded.values_list("message_id", flat=True):
        del deliveries[already]
    created = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            message_id=msg_id,
            event=event,
            payload={"type": event, "timestamp": now.isoformat(), "data": data},
            # Not overdue while it may still be waiting in the broker's queue.
            attempt_due_by=now + timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE),
        )
        for msg_id, (endpoint, data) in deliveries.items()
    )
    _queue([delivery.pk for delivery in created])
    return len(created)


def message_id(endpoint: WebhookEndpoint, event: str, key: str) -> str:
    """The delivery's webhook-id: the same for the same event to the same endpoint."""
    digest = hashlib.sha256(f"{endpoint.pk}\n{event}\n{key}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def requeue_lost_deliveries() -> int:
    """Queue again the pending deliveries whose next attempt is overdue by more than
    WEBHOOK_SWEEP_GRACE seconds (the broker was down when they were queued, or a retry was
    dropped); returns how many."""
    overdue = WebhookDelivery.objects.filter(
        WebhookDelivery.lifecycle.waiting_too_long(settings.WEBHOOK_SWEEP_GRACE)
    )
    with transaction.atomic():
        ids = list(overdue.select_for_update(skip_locked=True).values_list("pk", flat=True))
        # Queued again: due once more within the grace, as a new delivery is.
        WebhookDelivery.objects.filter(pk__in=ids).update(
            attempt_due_by=timezone.now() + timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE)
        )
        _queue(ids)
    return len(ids)


def _queue(delivery_ids: list[int]) -> None:
    for pk in delivery_ids:
        queue_on_commit(lambda pk=pk: deliver_webhook_task.delay(pk), f"webhook delivery {pk}")


def signed_request(delivery: WebhookDelivery) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(delivery.payload, separators=(",", ":"))
    sent_at = datetime.now(tz=UTC)
    signature = Webhook(delivery.endpoint.secret).sign(delivery.message_id, sent_at, body)
    headers = {
        "content-type": "application/json",
        "user-agent": "factcheck-webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


def deliver(delivery_id: int) -> None:
    """Send one delivery. Raises DeliveryFailed to ask for a retry; on attempt
    WEBHOOK_MAX_ATTEMPTS the delivery is marked failed instead."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return
    delivery.attempts += 1
    error = url_problem(delivery.endpoint.url)
    if error is None:
        body, headers = signed_request(delivery)
        try:
            response = httpx.post(
                delivery.endpoint.url, content=body, headers=headers, timeout=TIMEOUT_SECONDS
            )
            delivery.response_status = response.status_code
            if response.is_success:
                delivery.status = WebhookDelivery.Status.SUCCEEDED
            else:
                error = f"receiver answered HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
    delivery.last_error = error or ""
    if error and delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    if delivery.status == WebhookDelivery.Status.PENDING:
        delivery.attempt_due_by = timezone.now() + timedelta(seconds=RETRY_BACKOFF_MAX_SECONDS)
    else:
        delivery.finished_at = timezone.now()
    delivery.save()
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise DeliveryFailed(error)
