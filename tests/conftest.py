from pathlib import Path

import pytest
from django.contrib.auth.models import User

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_ARTICLE = SEEDS / "000_8b43fa19184383b1.txt"


def seed_text(title="A title", date="20220223", url="https://example.com/a", body="One. Two."):
    return f"{title}\n{date}\n{url}\n{body}\n".encode()


@pytest.fixture
def reviewer(db):
    return User.objects.create_user("reviewer", password="pw-reviewer")


@pytest.fixture
def other_reviewer(db):
    return User.objects.create_user("other", password="pw-other")


@pytest.fixture
def staff(db):
    return User.objects.create_user("staff", password="pw-staff", is_staff=True)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw-root")
