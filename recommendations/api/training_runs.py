"""Staff API for training: start and follow runs, list versions, roll back, see what is served."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recommendations import serving, training, versions
from recommendations.api.permissions import staff_with
from recommendations.artifacts import ArtifactError
from recommendations.models import ModelVersion, TrainingRun
from recommendations.registry import KIND_NAMES
from recommendations.serializers import (
    ModelVersionSerializer,
    ServingStateSerializer,
    TrainingRunRequestSerializer,
    TrainingRunSerializer,
)
from storefront.api_schema import Detail
from storefront.pagination import PAGE_SCHEMA, PageNumberPagination
from storefront.query_params import query_choice

PAGE_PARAMETER = OpenApiParameter(
    "page", PAGE_SCHEMA, description=PageNumberPagination.page_query_description
)


def _page_of(name: str, items: serializers.BaseSerializer[Any]) -> serializers.Serializer[Any]:
    """The schema of one page of PageNumberPagination, as these function views answer."""
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": items,
        },
    )


RowT = TypeVar("RowT", bound=Model)
# What cancelling answers, and starting a run of a kind already in progress (with that run).
RunWithMessage = inline_serializer(
    "TrainingRunWithMessage",
    {
        "detail": serializers.CharField(),
        "run": TrainingRunSerializer(allow_null=True, help_text="The run concerned; null if it is gone."),
    },
)

# The admin's permissions for the same actions (recommendations/admin.py).
RUNS = staff_with(GET="recommendations.view_trainingrun", POST="recommendations.add_trainingrun")
RUN = staff_with(GET="recommendations.view_trainingrun")
RUN_CANCEL = staff_with(POST="recommendations.change_trainingrun")
VERSIONS = staff_with(GET="recommendations.view_modelversion")
VERSION_ACTIVATE = staff_with(POST="recommendations.change_modelversion")


def _staff_user(request: Request) -> User | None:
    # The permission already let only staff through; this narrows the type for the services.
    return request.user if isinstance(request.user, User) else None


def _found(rows: QuerySet[RowT], pk: int, what: str) -> RowT:
    """The row with this id, or a 404 that says what was looked for (not the model's class name)."""
    row = rows.filter(pk=pk).first()
    if row is None:
        raise NotFound(f"No {what} with id {pk}.")
    return row


def _runs() -> QuerySet[TrainingRun]:
    # A run whose only worker was killed is failed here too: with no worker left, beat's sweep has
    # nobody to run it, and a client following the run read "running" for ever.
    training.training_runs_fail_stale()
    return TrainingRun.objects.newest_first().select_related("triggered_by", "model_version")


@extend_schema(
    methods=["GET"],
    parameters=[
        OpenApiParameter("kind", OpenApiTypes.STR, enum=KIND_NAMES, description="Only runs of this kind."),
        OpenApiParameter(
            "status",
            OpenApiTypes.STR,
            enum=TrainingRun.Status.values,
            description="Only runs with this status.",
        ),
        PAGE_PARAMETER,
    ],
    responses=_page_of("PaginatedTrainingRunList", TrainingRunSerializer(many=True)),
    operation_id="v1_training_runs_list",
    description="Training runs, newest first. Staff only.",
)
@extend_schema(
    methods=["POST"],
    request=TrainingRunRequestSerializer,
    responses={
        202: TrainingRunSerializer,
        400: OpenApiResponse(description="Unknown kind or bad parameters"),
        409: OpenApiResponse(RunWithMessage, description="A run of this kind is already in progress"),
        503: OpenApiResponse(Detail, description="The task queue (Redis) is unavailable"),
    },
    description="Start a training run of a kind. Staff only. Answers 202 with the queued run.",
)
@api_view(["GET", "POST"])
@permission_classes([RUNS])
def training_runs(request: Request) -> Response:
    if request.method == "POST":
        return _start_run(request)
    runs = _runs()
    # A kind that is not registered (a typo) is refused, not answered with an empty list.
    if kind := query_choice(request.query_params, "kind", KIND_NAMES):
        runs = runs.filter(kind=kind)
    if run_status := query_choice(request.query_params, "status", TrainingRun.Status.values):
        runs = runs.filter(status=run_status)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(runs, request)
    return paginator.get_paginated_response(TrainingRunSerializer(page, many=True).data)


def _start_run(request: Request) -> Response:
    payload = TrainingRunRequestSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    try:
        run = training.training_run_request(
            kind_name=payload.validated_data["kind"],
            parameters=payload.validated_data["parameters"],
            triggered_by=_staff_user(request),
            trigger=TrainingRun.Trigger.API,
        )
    except training.RunAlreadyInProgress as error:
        body = {"detail": str(error), "run": TrainingRunSerializer(error.run).data if error.run else None}
        return Response(body, status=status.HTTP_409_CONFLICT)
    except training.QueueUnavailable as error:
        return Response({"detail": str(error)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    run.refresh_from_db()
    return Response(TrainingRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(responses=TrainingRunSerializer, description="One training run. Staff only.")
@api_view(["GET"])
@permission_classes([RUN])
def training_run_detail(request: Request, pk: int) -> Response:
    return Response(TrainingRunSerializer(_found(_runs(), pk, "training run")).data)


@extend_schema(
    request=None,
    responses={
        202: OpenApiResponse(RunWithMessage, description="Cancelled, or asked to stop"),
        409: OpenApiResponse(Detail, description="The run already ended"),
    },
    description="Cancel a queued run at once, or ask a running one to stop. Staff only.",
)
@api_view(["POST"])
@permission_classes([RUN_CANCEL])
def training_run_cancel(request: Request, pk: int) -> Response:
    run = _found(TrainingRun.objects.all(), pk, "training run")
    try:
        message = training.training_run_cancel(run=run)
    except ValueError as error:
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    return Response(
        {"detail": message, "run": TrainingRunSerializer(_found(_runs(), pk, "training run")).data},
        status=status.HTTP_202_ACCEPTED,
    )


@extend_schema(
    parameters=[
        OpenApiParameter(
            "kind", OpenApiTypes.STR, enum=KIND_NAMES, description="Only versions of this kind."
        ),
        PAGE_PARAMETER,
    ],
    responses=_page_of("PaginatedModelVersionList", ModelVersionSerializer(many=True)),
    operation_id="v1_model_versions_list",
    description="Published model versions, newest first per kind. Staff only.",
)
@api_view(["GET"])
@permission_classes([VERSIONS])
def model_versions(request: Request) -> Response:
    found = ModelVersion.objects.order_by("kind", "-version")
    if kind := query_choice(request.query_params, "kind", KIND_NAMES):
        found = found.filter(kind=kind)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(found, request)
    return paginator.get_paginated_response(ModelVersionSerializer(page, many=True).data)


@extend_schema(
    request=None,
    responses={
        200: ModelVersionSerializer,
        409: OpenApiResponse(Detail, description="Files missing or broken"),
    },
    description="Activate a published version (roll back or forward). Staff only.",
)
@api_view(["POST"])
@permission_classes([VERSION_ACTIVATE])
def model_version_activate(request: Request, pk: int) -> Response:
    version = _found(ModelVersion.objects.all(), pk, "model version")
    try:
        version = versions.model_version_activate(version=version, activated_by=_staff_user(request))
    except (ArtifactError, LookupError) as error:
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    return Response(ModelVersionSerializer(version).data)


@extend_schema(
    parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=KIND_NAMES, required=True)],
    responses=ServingStateSerializer,
    description="Which version of a kind the web process answering this request serves. Staff only.",
)
@api_view(["GET"])
@permission_classes([VERSIONS])
def serving_state(request: Request) -> Response:
    kind = query_choice(request.query_params, "kind", KIND_NAMES, required=True)
    return Response(ServingStateSerializer(serving.serving_state(kind)).data)
