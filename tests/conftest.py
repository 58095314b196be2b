from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User

from annotations.roles import MODERATORS_GROUP, REVIEWERS_GROUP, ROLES
from tests.services import unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# A few CheckThat! transcripts (labelled debate sentences), for training and evaluation tests.
CHECKTHAT_SAMPLE = ROOT / "tests" / "data" / "checkthat_sample"
SEED_ARTICLE = SEEDS / "000_8b43fa19184383b1.txt"


@pytest.fixture(autouse=True)
def own_cache(settings, request):
    """Each test counts throttles in a cache of its own: nothing carries over from one test to
    the next, nor from one CI run to the next through the shared Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


# The permissions the migrations gave each role's group, as (app, codename): read once the test
# database is made, before any test can flush it.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        for group in Group.objects.filter(name__in=ROLES.values()):
            codenames = group.permissions.values_list("content_type__app_label", "codename")
            ROLE_PERMISSIONS[group.name] = list(codenames)


def seed_text(title="A title", date="20220223", url="https://example.com/a", body="One. Two."):
    return f"{title}\n{date}\n{url}\n{body}\n".encode()


# The personas every feature's permission tests use (annotations.roles says what each may do):
# a reviewer, another reviewer, a moderator (the Moderators group, not staff), staff (the admin
# site and the model permissions they are given, no moderator role), a superuser, and an
# outsider (no account: an anonymous visitor).


def make_reviewer(username: str, password: str = "") -> User:
    """A user in the Reviewers group (made by migration 0013; made again here after a
    transactional test flushed the database)."""
    user = User.objects.create_user(username, password=password or f"pw-{username}")
    user.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
    return user


@pytest.fixture
def reviewer(db):
    return make_reviewer("reviewer")


@pytest.fixture
def other_reviewer(db):
    return make_reviewer("other")


@pytest.fixture
def moderator(db):
    user = User.objects.create_user("moderator", password="pw-moderator")
    # Made by migration 0010 (with its permissions from 0013); made again after a transactional
    # test's flush emptied every table (in whatever order the test processes take the files).
    group, created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    if created:
        group.permissions.add(
            *(
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in ROLE_PERMISSIONS[MODERATORS_GROUP]
            )
        )
    user.groups.add(group)
    return user


@pytest.fixture
def staff(db):
    return User.objects.create_user("staff", password="pw-staff", is_staff=True)


@pytest.fixture
def webhook_subscriber(db, monkeypatch):
    """subscribe(*events) makes an endpoint for those events and returns sent(): what was
    queued for it so far, as (event, data). Deliveries are recorded, never sent."""
    from annotations.webhooks import services
    from annotations.webhooks.models import WebhookDelivery, WebhookEndpoint

    monkeypatch.setattr(services, "_queue", lambda ids: None)

    def subscribe(*events):
        WebhookEndpoint.objects.create(
            url="https://hooks.example.org/", secret="whsec_x", events=list(events)
        )
        return lambda: [
            (d.event, d.payload["data"]) for d in WebhookDelivery.objects.order_by("id")
        ]

    return subscribe


@pytest.fixture
def outsider():
    return AnonymousUser()


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw-root")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
        # are still plain synchronous code.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
