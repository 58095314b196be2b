"""Who I am and what I may do, and the label vocabulary with its guideline."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.labels import LABEL_GUIDELINES, LABEL_PRECEDENCE_RULE, Label
from annotations.roles import can_add_articles, is_moderator


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField(help_text="may use the admin site")
    is_moderator = serializers.BooleanField(help_text="may change anyone's annotations")
    can_add_articles = serializers.BooleanField()


class MeView(APIView):
    @extend_schema(summary="Who I am and what I may do", responses=MeSerializer)
    def get(self, request):
        user = request.user
        me = {
            "id": user.pk,
            "username": user.get_username(),
            "is_staff": user.is_staff,
            "is_moderator": is_moderator(user),
            "can_add_articles": can_add_articles(user),
        }
        return Response(MeSerializer(me).data)


class LabelGuidelineSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=Label.choices, source="label")
    name = serializers.CharField(source="label.label")
    meaning = serializers.CharField()


class LabelVocabularySerializer(serializers.Serializer):
    labels = LabelGuidelineSerializer(many=True, help_text="most specific first")
    rule = serializers.CharField()


class LabelVocabularyView(APIView):
    @extend_schema(
        summary="The labels and their guideline",
        description="The guideline reviewers see; when two labels apply, the first listed wins.",
        responses=LabelVocabularySerializer,
    )
    def get(self, request):
        vocabulary = {"labels": LABEL_GUIDELINES, "rule": LABEL_PRECEDENCE_RULE}
        return Response(LabelVocabularySerializer(vocabulary).data)
