"""Training runs of the candidate detector: request one, poll it."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from annotations.training.models import TrainingRun
from annotations.training.services import request_training

from .base import ApiViewSet
from .parsers import StrictJSONParser
from .permissions import CanTrainDetector


class TrainingRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", default=None)
    detector_version_name = serializers.CharField(source="detector_version.name", default=None)

    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "status",
            "trigger",
            "force",
            "requested_by",
            "detector_version",
            "detector_version_name",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


class TrainingRequestSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        default=False, help_text="train even if the active model already has every label"
    )


@extend_schema_view(
    list=extend_schema(summary="List training runs", description="Newest first."),
    retrieve=extend_schema(summary="A training run", description="Poll it until it ends."),
)
class TrainingRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = TrainingRun.objects.select_related("requested_by", "detector_version")
    serializer_class = TrainingRunSerializer
    permission_classes = [IsAuthenticated, CanTrainDetector]
    parser_classes = [StrictJSONParser]
    ordering = ("-id",)

    @extend_schema(
        summary="Train the candidate detector",
        description="Queues a training run on every label there is (imported and reviewers'); "
        "when done, every article is re-scored with the new version. 202 with the run to poll; "
        "a request while a run still waits joins it. One run trains at a time: a request while "
        "one trains is the next run, which starts when that one ends. 200 with a skipped run "
        "when the active model already has every label (send `force: true` to train anyway). "
        "400 when there is too little to train on, saying what is missing; the refused request "
        "is listed as a failed run with that reason. Needs the 'Can add detector version' "
        "permission.",
        request=TrainingRequestSerializer,
        responses={202: TrainingRunSerializer, 200: TrainingRunSerializer},
    )
    def create(self, request):
        wish = TrainingRequestSerializer(data=request.data)
        wish.is_valid(raise_exception=True)
        run = request_training(
            TrainingRun.Trigger.API, user=request.user, force=wish.validated_data["force"]
        )
        if run.status == TrainingRun.Status.FAILED:  # refused: recorded, and said as bad input
            raise ValidationError(run.error)
        skipped = run.status == TrainingRun.Status.SKIPPED
        code = status.HTTP_200_OK if skipped else status.HTTP_202_ACCEPTED
        return Response(TrainingRunSerializer(run).data, status=code)
