"""What the browser tests of the web UI share: the users, the seed article, a logged-in page."""

import pytest
from django.contrib.auth.models import Group, User

from annotations.corpus.models import Article
from annotations.corpus.services import ingest_files
from annotations.roles import MODERATORS_GROUP, REVIEWERS_GROUP
from tests.conftest import SEED_ARTICLE, make_reviewer


@pytest.fixture
def role_groups(transactional_db):
    """The role groups migrations made, which each transactional test's flush removes
    (serialized_rollback did not bring them back once Playwright's sync API was running)."""
    for name in (REVIEWERS_GROUP, MODERATORS_GROUP):
        Group.objects.get_or_create(name=name)


@pytest.fixture
def users(role_groups):
    return make_reviewer("reviewer"), make_reviewer("other")


@pytest.fixture
def moderator_account(role_groups):
    """A moderator who logs in as "moderator" with "pw-moderator"."""
    user = User.objects.create_user("moderator", password="pw-moderator")
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


@pytest.fixture
def seed_article(transactional_db):
    [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
    return Article.objects.get(pk=outcome.article_id)  # candidates are computed on commit


@pytest.fixture
def script_errors():
    """JavaScript errors raised on any page the test opened."""
    return []


@pytest.fixture
def log_in(browser, live_server, script_errors):
    """Open a browser session of its own and log in through the login page."""
    from playwright.sync_api import expect

    contexts = []

    def log_in(username, password, viewport=None, **context_options):
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900}, **context_options
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: script_errors.append(error))
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Articles")).to_be_visible()
        return page

    yield log_in
    for context in contexts:
        context.close()
