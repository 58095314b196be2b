from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Article


@login_required
def article_list(request):
    page = Paginator(selectors.article_list(), 50).get_page(request.GET.get("page"))
    return render(request, "annotations/article_list.html", {"page": page})


@login_required
def article_detail(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    paragraphs = selectors.article_paragraphs(article)
    return render(
        request, "annotations/article_detail.html", {"article": article, "paragraphs": paragraphs}
    )


def healthz(request):
    """For load balancers and the compose healthcheck: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
