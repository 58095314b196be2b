"""Django loads an app's models from this module; each domain defines its own."""

from .agreement.models import AgreementSnapshot
from .assignment.models import ReviewClaim
from .corpus.models import Article, Sentence
from .detection.models import Candidate, DetectorModel, DetectorVersion
from .export.models import ExportJob
from .review.models import Adjudication, Annotation, History, ReviewerSettings
from .training.models import LabelledSentence, TrainingRun
from .webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Adjudication",
    "AgreementSnapshot",
    "Annotation",
    "Article",
    "Candidate",
    "DetectorModel",
    "DetectorVersion",
    "ExportJob",
    "History",
    "LabelledSentence",
    "ReviewClaim",
    "ReviewerSettings",
    "Sentence",
    "TrainingRun",
    "WebhookDelivery",
    "WebhookEndpoint",
]
