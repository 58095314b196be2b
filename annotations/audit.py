"""Through which entry point a change came (the web UI, the API, the admin, a command, an
import), so the audit trail can say so without every service taking it as an argument.

The middleware sets it for each request from the URL it resolved to; commands and imports set it
with `entry_point(...)`; anything else (Celery tasks, the shell) records "system".
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models


class EntryPoint(models.TextChoices):
    UI = "ui", "web UI"
    API = "api", "API"
    ADMIN = "admin", "admin"
    CLI = "cli", "command line"
    IMPORT = "import", "import"
    SYSTEM = "system", "system"


_current: ContextVar[str] = ContextVar("entry_point", default=EntryPoint.SYSTEM)


def current_entry_point() -> str:
    return _current.get()


@contextmanager
def entry_point(name: str):
    token = _current.set(name)
    try:
        yield
    finally:
        _current.reset(token)


class EntryPointMiddleware:
    """Marks each request with its entry point: the admin site, the API, or the web UI."""

    NAMESPACES = {"admin": EntryPoint.ADMIN, "api": EntryPoint.API}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(EntryPoint.UI)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        namespaces = request.resolver_match.namespaces if request.resolver_match else []
        for namespace in namespaces:
            if namespace in self.NAMESPACES:
                _current.set(self.NAMESPACES[namespace])
                break
        return None
