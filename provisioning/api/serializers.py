from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from arcadia.validation import StrictCharField, StrictIntegerField
from provisioning.models import SagaRun, SagaStep, StepStatus

DONE_STEPS = (StepStatus.SUCCEEDED, StepStatus.SKIPPED)


class SagaStepSerializer(serializers.ModelSerializer):
    result = serializers.JSONField(read_only=True)

    class Meta:
        model = SagaStep
        fields = [
            "index",
            "name",
            "status",
            "waiting",
            "attempts",
            "compensation_attempts",
            "last_error",
            "action_id",
            "result",
            "started_at",
            "finished_at",
        ]


class SagaProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class SagaRunSerializer(serializers.ModelSerializer):
    params = serializers.JSONField(read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )
    progress = serializers.SerializerMethodField()
    steps = SagaStepSerializer(many=True, read_only=True)

    class Meta:
        model = SagaRun
        fields = [
            "id",
            "saga",
            "status",
            "progress",
            "current_step",
            "idempotency_key",
            "params",
            "resource",
            "droplet_id",
            "tenant",
            "drift",
            *SagaRun.ENGINE_FIELDS,
            "steps",
        ]

    @extend_schema_field(SagaProgressSerializer)
    def get_progress(self, run: SagaRun) -> dict[str, int]:
        steps = list(run.steps.all())
        done = sum(1 for step in steps if step.status in DONE_STEPS)
        return SagaProgressSerializer({"done": done, "total": len(steps)}).data


class CreateDropletSerializer(serializers.Serializer):
    name = StrictCharField(max_length=255)
    region = StrictCharField(max_length=64)
    size = StrictCharField(max_length=64)
    image = StrictCharField(max_length=255, help_text="An image slug or numeric id.")
    tags = serializers.ListField(
        child=StrictCharField(max_length=255), required=False, default=list
    )
    tenant = StrictIntegerField(help_text="The tenant the droplet is for.")
    project = StrictIntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The tenant's project to put it in; needed when the tenant has several.",
    )
