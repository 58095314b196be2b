from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from .account import LabelVocabularyView, MeView
from .adjudications import SentenceAdjudicationViewSet
from .agreement import (
    AgreementHistoryView,
    ArticleAgreementView,
    ConfusionView,
    ProjectAgreementView,
    SelectionAgreementView,
)
from .annotations import AnnotationViewSet
from .articles import ArticleViewSet
from .assignments import AssignmentViewSet
from .base import not_found
from .candidates import CandidateViewSet
from .exports import ExportJobViewSet
from .history import HistoryViewSet
from .moderation import (
    AnnotationDecisionViewSet,
    ArticleSwitchViewSet,
    BulkDecisionViewSet,
    QueueViewSet,
)
from .reviewers import ReviewerViewSet
from .sentences import SentenceViewSet
from .tokens import ObtainTokenView, api_token
from .training_runs import TrainingRunViewSet

app_name = "api"

# Later capabilities (export, agreement) register their viewsets on this router.
router = SimpleRouter()
router.register("articles", ArticleViewSet, basename="article")
router.register("sentences", SentenceViewSet, basename="sentence")
router.register("candidates", CandidateViewSet, basename="candidate")
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register("training-runs", TrainingRunViewSet, basename="training-run")
# Moderation: actions under the resources they act on, then the moderators' own lists.
router.register("annotations", AnnotationDecisionViewSet, basename="annotation-decision")
router.register("articles", ArticleSwitchViewSet, basename="article-switch")
router.register("sentences", SentenceAdjudicationViewSet, basename="sentence-adjudication")
router.register("moderation/queue", QueueViewSet, basename="moderation-queue")
router.register("moderation/bulk", BulkDecisionViewSet, basename="moderation-bulk")
router.register("reviewers", ReviewerViewSet, basename="reviewer")
router.register("history", HistoryViewSet, basename="history")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("exports", ExportJobViewSet, basename="export")


# Redoc renders with styles it writes into the page and searches in a worker it makes from a
# blob: URL. Its menu's vendor logo from cdn.redoc.ly stays refused (the image then hides).
redoc_policy = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})


urlpatterns = [
    *router.urls,
    path("agreement/", ProjectAgreementView.as_view(), name="agreement"),
    path("agreement/history/", AgreementHistoryView.as_view(), name="agreement-history"),
    path("agreement/articles/<int:pk>/", ArticleAgreementView.as_view(), name="agreement-article"),
    path("agreement/selection/", SelectionAgreementView.as_view(), name="agreement-selection"),
    path("agreement/confusion/", ConfusionView.as_view(), name="agreement-confusion"),
    path("me/", MeView.as_view(), name="me"),
    path("labels/", LabelVocabularyView.as_view(), name="labels"),
    path("auth/token/", ObtainTokenView.as_view(), name="obtain-token"),
    path("token/", api_token, name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="annotations/api_swagger.html"
        ),
        name="docs",
    ),
    path(
        "redoc/",
        redoc_policy(
            SpectacularRedocView.as_view(
                url_name="api:schema", template_name="annotations/api_redoc.html"
            )
        ),
        name="redoc",
    ),
    re_path(r"^(?P<path>.*)$", not_found),
]
