"""Input and output shapes. Inputs are parsed here and checked by the services, which name each
bad field and the allowed values; outputs read rows the selectors fetched, with no queries."""

from dataclasses import fields

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.ingest import FAILED, LOADED, PRESENT
from annotations.models import Annotation, Article, Candidate, Label, Sentence, TrainingRun
from annotations.seedfile import SeedFileError, parse_seed_file
from annotations.services import NOTE_MAX_LENGTH, AnnotationInput

# The seed format's lines, as the fields of a JSON article.
SEED_LINE_FIELDS = {1: "title", 2: "published_on", 3: "url"}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="What was wrong, by field (query parameter, body field, `request_body` for "
        "malformed JSON, `content_type`, `If-Match`); messages name the allowed values.",
    )


# Candidates


class CandidateSummarySerializer(serializers.ModelSerializer):
    reasons = serializers.JSONField(
        help_text="Why: attributions, quotes, quantities, dispute and false-flag cues, the "
        "model's contribution."
    )

    class Meta:
        model = Candidate
        fields = ["id", "score", "suggested_label", "reasons", "detector_version"]


class CandidateSerializer(CandidateSummarySerializer):
    article = serializers.IntegerField(source="sentence.article_id")
    sentence_index = serializers.IntegerField(source="sentence.index")
    text = serializers.CharField(source="sentence.text")

    class Meta(CandidateSummarySerializer.Meta):
        fields = ["id", "article", "sentence", "sentence_index", "text"] + (
            CandidateSummarySerializer.Meta.fields[1:]
        )


# Annotations


class MyAnnotationSerializer(serializers.ModelSerializer):
    """An annotation shown inside its sentence, to its own reviewer."""

    evidence_url = serializers.CharField()

    class Meta:
        model = Annotation
        fields = [
            "id",
            "label",
            "span_start",
            "span_end",
            "claimant",
            "source_name",
            "evidence_url",
            "note",
            "moderation_status",
            "version",
            "created_at",
            "updated_at",
        ]


class AnnotationSerializer(MyAnnotationSerializer):
    article = serializers.IntegerField(source="sentence.article_id")
    reviewer = serializers.CharField(source="reviewer.get_username")

    class Meta(MyAnnotationSerializer.Meta):
        fields = ["id", "sentence", "article", "reviewer"] + MyAnnotationSerializer.Meta.fields[1:]


class ConflictSerializer(ErrorSerializer):
    current = AnnotationSerializer(
        allow_null=True, help_text="What is stored now; null when it no longer exists."
    )


@extend_schema_field(serializers.ChoiceField(choices=Label.choices))
class LabelField(serializers.CharField):
    """A label value. The service checks it and answers with the allowed values."""


class AnnotationWriteSerializer(serializers.Serializer):
    label = LabelField()
    span_start = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Claim span inside the sentence text: 0 <= span_start < span_end <= length.",
    )
    span_end = serializers.IntegerField(required=False, allow_null=True)
    claimant = serializers.CharField(
        required=False, allow_blank=True, help_text="Who makes the claim (at most 255 characters)."
    )
    source_name = serializers.CharField(
        required=False, allow_blank=True, help_text="For `sourced`: the source named."
    )
    evidence_url = serializers.CharField(
        required=False, allow_blank=True, help_text="An http:// or https:// URL."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, help_text=f"At most {NOTE_MAX_LENGTH:,} characters."
    )

    def annotation_input(self, base: Annotation | None = None) -> AnnotationInput:
        """The fields sent; those left out keep base's values (PATCH) or their defaults."""
        names = [field.name for field in fields(AnnotationInput)]
        sent = {name: value for name, value in self.validated_data.items() if name in names}
        kept = {name: getattr(base, name) for name in names} if base else {}
        return AnnotationInput(**{**kept, **sent})


class AnnotationCreateSerializer(AnnotationWriteSerializer):
    sentence = serializers.PrimaryKeyRelatedField(
        queryset=Sentence.objects.select_related("article"),
        pk_field=serializers.IntegerField(),  # a number first: a huge one is not found, no DB error
        error_messages={"does_not_exist": "there is no sentence {pk_value}"},
    )
    article = serializers.IntegerField(
        required=False,
        write_only=True,
        help_text="Optional: the article the sentence must belong to.",
    )

    def validate(self, data):
        article = data.pop("article", None)
        if article is not None and data["sentence"].article_id != article:
            raise serializers.ValidationError(
                {
                    "sentence": f"sentence {data['sentence'].pk} belongs to article "
                    f"{data['sentence'].article_id}, not to article {article}"
                }
            )
        return data


class AnnotationUpdateSerializer(AnnotationWriteSerializer):
    version = serializers.IntegerField(
        required=False,
        help_text="The version you read. Required unless sent as `If-Match`; a stale one "
        "gets 409 (412 with If-Match) and what is stored now.",
    )


# Sentences and articles


class LabelCountsSerializer(serializers.Serializer):
    sourced = serializers.IntegerField()
    disputed = serializers.IntegerField()
    false_flag = serializers.IntegerField()
    not_claim = serializers.IntegerField()


class SentenceSerializer(serializers.Serializer):
    """A selectors.SentenceRow: the sentence, its candidate, my annotation, everyone's labels."""

    id = serializers.IntegerField(source="sentence.id")
    article = serializers.IntegerField(source="sentence.article_id")
    index = serializers.IntegerField(source="sentence.index")
    paragraph = serializers.IntegerField(source="sentence.paragraph")
    start = serializers.IntegerField(source="sentence.start", help_text="offset in the body")
    end = serializers.IntegerField(source="sentence.end")
    text = serializers.CharField(source="sentence.text")
    candidate = CandidateSummarySerializer(allow_null=True)
    my_annotation = MyAnnotationSerializer(source="mine", allow_null=True)
    label_counts = serializers.SerializerMethodField(
        help_text="Everyone's labels (rejected ones left out); null until you have labelled "
        "this sentence, so they cannot anchor your own judgement."
    )

    @extend_schema_field(LabelCountsSerializer(allow_null=True))
    def get_label_counts(self, row) -> dict | None:
        if not row.others_visible:
            return None
        return {label: row.label_counts[label] for label in Label.values}


class ArticleSerializer(serializers.ModelSerializer):
    url = serializers.CharField()
    sentence_count = serializers.IntegerField()
    candidate_claims = serializers.IntegerField(help_text="sentences scoring 0.5 or more")
    top_score = serializers.FloatField(allow_null=True)
    labelled_by_me = serializers.IntegerField()
    labelled_by_anyone = serializers.IntegerField()

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "url",
            "published_on",
            "source_name",
            "locked",
            "precompute_status",
            "precompute_error",
            "created_at",
            "sentence_count",
            "candidate_claims",
            "top_score",
            "labelled_by_me",
            "labelled_by_anyone",
        ]


class ArticleDetailSerializer(ArticleSerializer):
    """An article with its body and sentences; the view passes the rows as context."""

    sentences = serializers.SerializerMethodField()

    class Meta(ArticleSerializer.Meta):
        fields = ArticleSerializer.Meta.fields + ["body", "sentences"]

    @extend_schema_field(SentenceSerializer(many=True))
    def get_sentences(self, article) -> list:
        return SentenceSerializer(self.context["sentences"], many=True).data


class ArticleJSONSerializer(serializers.Serializer):
    """One article as JSON; stored through the same ingest as seed files."""

    title = serializers.CharField()
    published_on = serializers.DateField()
    url = serializers.CharField(help_text="The canonical http:// or https:// URL; unique.")
    body = serializers.CharField(help_text="The text, one paragraph a line.")

    def validate(self, data):
        errors = {
            field: "must be a single line"
            for field in ("title", "url")
            if "\n" in data[field] or "\r" in data[field]
        }
        if errors:
            raise serializers.ValidationError(errors)
        day = data["published_on"]
        text = f"{data['title']}\n{day.year:04d}{day.month:02d}{day.day:02d}\n{data['url']}\n"
        seed = (text + data["body"] + "\n").encode()
        try:
            parse_seed_file(self.context["source_name"], seed)
        except SeedFileError as error:
            raise serializers.ValidationError(
                {SEED_LINE_FIELDS.get(error.line, "body"): error.problem}
            ) from None
        return {"files": [(self.context["source_name"], seed)]}


class SeedUploadSerializer(serializers.Serializer):
    file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        min_length=1,
        help_text="One or more seed-format files: title, date (YYYYMMDD), URL, then one "
        "paragraph a line.",
    )


class LoadOutcomeSerializer(serializers.Serializer):
    source_name = serializers.CharField()
    status = serializers.ChoiceField(choices=[LOADED, PRESENT, FAILED])
    message = serializers.CharField(help_text="why it failed, naming the line")
    article = serializers.IntegerField(source="article_id", allow_null=True)
    sentence_count = serializers.IntegerField()


class IngestResultSerializer(serializers.Serializer):
    outcomes = LoadOutcomeSerializer(many=True)


class IngestFailureSerializer(ValidationErrorSerializer):
    outcomes = LoadOutcomeSerializer(
        many=True, required=False, help_text="Per file, when files were read: what loaded too."
    )


# The caller and the vocabulary


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField(help_text="may change anyone's annotations")
    is_moderator = serializers.BooleanField()
    can_add_articles = serializers.BooleanField()


class LabelGuidelineSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=Label.choices, source="label")
    name = serializers.CharField(source="label.label")
    meaning = serializers.CharField()


class LabelVocabularySerializer(serializers.Serializer):
    labels = LabelGuidelineSerializer(many=True, help_text="most specific first")
    rule = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


# Training runs


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
