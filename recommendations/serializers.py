"""API representations of training runs and model versions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recommendations.models import ModelVersion, TrainingRun
from recommendations.registry import KIND_NAMES, get_kind


class ModelVersionSerializer(serializers.ModelSerializer[ModelVersion]):
    run_id = serializers.IntegerField(allow_null=True, read_only=True)
    files_available = serializers.SerializerMethodField()

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "kind",
            "version",
            "format_version",
            "is_active",
            "created_at",
            "activated_at",
            "size_bytes",
            "run_id",
            "files_available",
        ]

    def get_files_available(self, version: ModelVersion) -> bool:
        return version.pruned_at is None


class ModelVersionSummarySerializer(serializers.ModelSerializer[ModelVersion]):
    class Meta:
        model = ModelVersion
        fields = ["id", "version", "is_active"]


class TrainingRunSerializer(serializers.ModelSerializer[TrainingRun]):
    triggered_by = serializers.CharField(source="triggered_by.username", read_only=True, allow_null=True)
    # Declared so that the schema says they are objects (a JSON model field has no type there).
    metrics = serializers.DictField(
        read_only=True, help_text="Name → number (null when not finite), as the kind reports them."
    )
    parameters = serializers.DictField(read_only=True, help_text="The kind's parameters this run used.")
    message = serializers.CharField(
        source="step_message", read_only=True, help_text='Where the run is; "Cancelling" once asked to stop.'
    )
    duration_seconds = serializers.SerializerMethodField()
    model_version = serializers.SerializerMethodField()
    waiting_note = serializers.SerializerMethodField(
        help_text="For a queued run no worker has taken for over a minute: for how long, and what to check."
    )

    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "held_back",
            "metrics",
            "parameters",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "heartbeat_at",
            "error",
            "trigger",
            "triggered_by",
            "cancel_requested",
            "chunks_total",
            "chunks_done",
            "model_version",
            "waiting_note",
        ]
        read_only_fields = fields

    def get_waiting_note(self, run: TrainingRun) -> str:
        return run.waiting_note()

    def get_duration_seconds(self, run: TrainingRun) -> float | None:
        duration = run.duration
        return None if duration is None else round(duration.total_seconds(), 1)

    @extend_schema_field(ModelVersionSummarySerializer(allow_null=True))
    def get_model_version(self, run: TrainingRun) -> dict[str, Any] | None:
        version = getattr(run, "model_version", None)  # the reverse one-to-one raises when absent
        return None if version is None else dict(ModelVersionSummarySerializer(version).data)


class KindField(serializers.CharField):
    """A registered model kind's name; the schema lists them (KindFieldSchema)."""


class KindFieldSchema(OpenApiSerializerFieldExtension):
    """The kinds as an enum, read when the schema is built: a field's schema given at import
    (`extend_schema_field`) could come before the app registers them (see KindNames)."""

    target_class = KindField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "enum": list(KIND_NAMES)}


class TrainingRunRequestSerializer(serializers.Serializer[dict[str, Any]]):
    kind = KindField(max_length=64)
    parameters = serializers.DictField(required=False, default=dict)

    def validate_kind(self, value: str) -> str:
        try:
            get_kind(value)
        except LookupError as error:
            raise serializers.ValidationError(str(error)) from None
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            get_kind(attrs["kind"]).merged_parameters(attrs.get("parameters"))
        except ValueError as error:
            raise serializers.ValidationError({"parameters": [str(error)]}) from None
        return attrs


class ServingStateSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.CharField()
    active_version_id = serializers.IntegerField(allow_null=True)
    loaded_version_id = serializers.IntegerField(allow_null=True)
    loaded = serializers.BooleanField()
    loading = serializers.BooleanField(
        help_text="True while this process loads the kind's first model (it serves nothing of it meanwhile); "
        "false for a version that failed to load."
    )
