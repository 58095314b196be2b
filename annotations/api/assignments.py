"""Assignments: "next" hands me a sentence that still needs a reviewer, held for me a while; I
may pass it over. The same service as the review page's `g` key."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from annotations.assignment.services import next_sentence_for, skip_sentence
from annotations.corpus.models import Sentence
from annotations.corpus.selectors import sentences_visible_to
from annotations.review.selectors import overlap_of, sentence_rows
from annotations.roles import check_can_review

from .base import ApiViewSet
from .sentences import SentenceSerializer


class AssignmentSerializer(serializers.Serializer):
    sentence = SentenceSerializer(help_text="the sentence to label, as /api/sentences/ has it")
    article_title = serializers.CharField()
    needed_reviewers = serializers.IntegerField(
        help_text="how many reviewers each sentence of the article needs (its overlap k)"
    )
    expires_at = serializers.DateTimeField(
        help_text="the sentence is held for you until then; label it (POST /api/annotations/) "
        "or skip it before"
    )


class AssignmentViewSet(ApiViewSet):
    queryset = Sentence.objects.none()  # for the schema: the path's id is a sentence's
    serializer_class = AssignmentSerializer

    def get_queryset(self):
        return sentences_visible_to(self.request.user)

    @extend_schema(
        summary="My next sentence to label",
        description="A sentence that still needs labels from reviewers other than those who "
        "gave them (its article's overlap k), highest candidate score first, never one I "
        "labelled or skipped; it is held for me for `ASSIGNMENT_CLAIM_MINUTES`, so reviewers "
        "asking at the same moment never push it past k. Asking again before labelling it "
        "gives the same sentence. 204 when no sentence needs me. Reviewers and moderators.",
        request=None,
        responses={
            200: AssignmentSerializer,
            204: OpenApiResponse(description="nothing left that needs me"),
        },
    )
    @action(detail=False, methods=["post"], url_path="next")
    def next_sentence(self, request):
        claim = next_sentence_for(request.user)
        if claim is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        [row] = sentence_rows([claim.sentence], request.user)
        assignment = {
            "sentence": row,
            "article_title": claim.sentence.article.title,
            "needed_reviewers": overlap_of(claim.sentence.article),
            "expires_at": claim.expires_at,
        }
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(
        summary="Skip a sentence handed to me",
        description="I pass over a sentence `next` gave me: it is free for another reviewer at "
        "once, and `next` never offers it to me again (I can still label it on its article). "
        "204; 404 when I hold no claim on that sentence. Reviewers and moderators.",
        request=None,
        responses={204: OpenApiResponse(description="skipped")},
    )
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        check_can_review(request.user)
        sentence = self.get_object()
        if not skip_sentence(request.user, sentence.pk):
            raise NotFound(f"you hold no claim on sentence {sentence.pk}")
        return Response(status=status.HTTP_204_NO_CONTENT)
