"""Admin for model operations: start and follow training runs, cancel them, roll back versions.

Staff need `recommendations.add_trainingrun` to start runs, `change_trainingrun` to cancel them and
`change_modelversion` to activate a version; everything else is read-only. The run list polls a
small JSON view (progress/) every two seconds so that bars move while runs go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recommendations import training, versions
from recommendations.artifacts import ArtifactError
from recommendations.collaborative import admin_chart
from recommendations.models import ModelVersion, TrainingRun, TrainingSchedule
from recommendations.registry import all_kinds, get_kind
from storefront.plurals import counted

# Enough to compare runs at a glance without widening the list past a laptop screen.
METRICS_IN_LIST = 4
# The progress view answers for at most this many runs a poll, each id a number that fits bigint.
MAX_PROGRESS_IDS = 200
RUN_ID = re.compile(r"[0-9]{1,18}")
# Where a listed version's row object keeps its files check for the rest of the request.
LISTED_PROBLEM = "_listed_files_problem"


def _short_number(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def start_run(request: HttpRequest, kind_name: str) -> None:
    """Start a run from the admin and say what happened, whatever happened (never a 500)."""
    try:
        run = training.training_run_request(
            kind_name=kind_name, triggered_by=_user(request), trigger=TrainingRun.Trigger.ADMIN
        )
    except training.RunAlreadyInProgress as error:
        messages.warning(request, str(error))
    except (training.QueueUnavailable, LookupError, ValueError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Started {kind_name} run #{run.pk}.")


def progress_bar(run: TrainingRun) -> str:
    """The run's bar, a progressbar to screen readers too (training_runs.js moves both). Its title
    is what the progress view's polls write there, so that a reload and a poll say the same."""
    percent = f"{run.progress:.0f}"
    return format_html(
        '<div class="training-progress" data-run-id="{}" data-status="{}" title="{}" role="progressbar"'
        ' aria-label="Run #{} progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow="{}">'
        '<div class="training-progress-bar" style="width: {}%"></div>'
        '<span class="training-progress-label">{}%</span></div>',
        run.pk,
        run.status,
        run.status_message(),
        run.pk,
        percent,
        percent,
        percent,
    )


def held_back_badge(run: TrainingRun) -> str:
    """A badge beside a run the quality gate held back at training time, saying too whether staff
    activated its version by hand since (`held_back` alone read as if it were still held back)."""
    if not run.held_back:
        return ""
    produced: ModelVersion | None = getattr(run, "model_version", None)
    if produced is not None and produced.activated_at is not None:
        return format_html(
            ' <span class="{}">{}</span>',
            "training-gate training-gate-activated",
            "held back, activated by hand",
        )
    return format_html(' <span class="{}">{}</span>', "training-gate", "held back")


def listed_files_problem(version: ModelVersion) -> str | None:
    """versions.model_version_problem without checksums, once per row object: the version list's
    files column and its warning about a broken active version ask about the same rows, and each
    check reads the manifest and every file's size from the artifact store."""
    memo = vars(version)
    if LISTED_PROBLEM not in memo:
        memo[LISTED_PROBLEM] = versions.model_version_problem(version=version)
    problem: str | None = memo[LISTED_PROBLEM]
    return problem


def format_duration(run: TrainingRun) -> str:
    duration = run.duration
    if duration is None:
        return "—"
    seconds = int(duration.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class ReadOnlyPageAdmin(admin.ModelAdmin):
    """Pages whose every field is read-only (what changes them are buttons and actions): without
    Save buttons, which could only save nothing."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        buttons = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, {**buttons, **(extra_context or {})})


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyPageAdmin):
    change_list_template = "admin/recommendations/trainingrun/change_list.html"
    change_form_template = "admin/recommendations/trainingrun/change_form.html"
    # What staff come for first (the outcome and its version) before the long columns: beside the
    # admin's two sidebars a 1280 px screen shows about 600 px of the table, the rest scrolls.
    list_display = [
        "id",
        "kind",
        "status_badge",
        "version",
        "progress_display",
        "message_display",
        "duration",
        "metrics_summary",
        "map12_blend_display",
        "trigger",
        "triggered_by",
        "created_at",
    ]
    list_filter = ["kind", "status", "held_back", "trigger"]
    list_select_related = ["triggered_by", "model_version"]
    actions = ["train_again", "cancel_runs"]
    fields = (
        "kind",
        "status_badge",
        "progress_display",
        "message_display",
        "duration",
        "version",
        "held_back",
        "parameters_display",
        "map12_display",
        "metrics_display",
        "error_display",
        "trigger",
        "triggered_by",
        "created_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "cancel_requested",
        "chunks_done",
        "chunks_total",
    )
    readonly_fields = fields

    class Media:
        # The progress bars' styles and polling, on the list and on each run's page.
        css = {"all": ["recommendations/admin/training_runs.css"]}
        js = [forms.Script("recommendations/admin/training_runs.js", defer=True)]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        training.training_runs_fail_stale()  # as the list does: no "running" run whose worker is gone
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs are started with the buttons, which go through the lock per kind

    def has_delete_permission(self, request: HttpRequest, obj: TrainingRun | None = None) -> bool:
        return False  # the history of runs is the audit trail of what was published

    @admin.display(description="status", ordering="status")
    def status_badge(self, run: TrainingRun) -> str:
        status = format_html(
            '<span class="training-status training-status-{}">{}</span>', run.status, run.status
        )
        return format_html("{}{}", status, held_back_badge(run))

    @admin.display(description="progress")
    def progress_display(self, run: TrainingRun) -> str:
        return progress_bar(run)

    @admin.display(description="message")
    def message_display(self, run: TrainingRun) -> str:
        return run.status_message()

    @admin.display(description="metrics")
    def metrics_summary(self, run: TrainingRun) -> str:
        """The first few metrics in one line; the run's page shows them all."""
        shown = sorted(run.metrics.items())[:METRICS_IN_LIST]
        text = ", ".join(f"{name}={_short_number(value)}" for name, value in shown)
        return text + (" …" if len(run.metrics) > METRICS_IN_LIST else "") if text else "—"

    @admin.display(description="duration")
    def duration(self, run: TrainingRun) -> str:
        return format_duration(run)

    @admin.display(description="version produced")
    def version(self, run: TrainingRun) -> str:
        produced: ModelVersion | None = getattr(run, "model_version", None)
        if produced is None:
            return "—"
        url = reverse("admin:recommendations_modelversion_change", args=[produced.pk])
        return format_html(
            '<a href="{}">v{}</a>{}', url, produced.version, " (active)" if produced.is_active else ""
        )

    @admin.display(description="parameters")
    def parameters_display(self, run: TrainingRun) -> str:
        return format_html("<pre>{}</pre>", json.dumps(run.parameters, indent=2, sort_keys=True))

    @admin.display(description="metrics")
    def metrics_display(self, run: TrainingRun) -> str:
        if not run.metrics:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(run.metrics, indent=2, sort_keys=True))

    @admin.display(description="held-out MAP@12")
    def map12_display(self, run: TrainingRun) -> str:
        return admin_chart.map12_table(run.metrics or {})

    @admin.display(description="MAP@12 (blend)")
    def map12_blend_display(self, run: TrainingRun) -> str:
        value = (run.metrics or {}).get("map12_blend")
        return f"{value:.4f}" if isinstance(value, int | float) else "—"

    @admin.display(description="error")
    def error_display(self, run: TrainingRun) -> str:
        return format_html('<pre class="training-error">{}</pre>', run.error) if run.error else "—"

    @admin.action(description="Train the selected runs' kinds again", permissions=["train"])
    def train_again(self, request: HttpRequest, queryset: QuerySet[TrainingRun]) -> None:
        for kind_name in sorted(set(queryset.values_list("kind", flat=True))):
            start_run(request, kind_name)

    @admin.action(description="Cancel the selected runs", permissions=["change"])
    def cancel_runs(self, request: HttpRequest, queryset: QuerySet[TrainingRun]) -> None:
        in_progress = list(queryset.filter(status__in=TrainingRun.IN_PROGRESS))
        for run in in_progress:
            messages.info(request, training.training_run_cancel(run=run))
        # Finished runs are left alone; a page with no word at all read as if the click did nothing.
        finished = queryset.count() - len(in_progress)
        if finished:
            runs = counted(finished, "selected run")
            messages.warning(request, f"Not cancelled: {runs} had already finished.")

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "train/",
                self.admin_site.admin_view(self.train_view),
                name="recommendations_trainingrun_train",
            ),
            path(
                "progress/",
                self.admin_site.admin_view(self.progress_view),
                name="recommendations_trainingrun_progress",
            ),
            path(
                "<int:pk>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="recommendations_trainingrun_cancel",
            ),
        ]
        return own + super().get_urls()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Beat sweeps stale runs every minute; the demo has no beat, and staff looking at the list
        # should never see a run "running" whose process is gone.
        training.training_runs_fail_stale()
        in_progress = {run.kind: run for run in TrainingRun.objects.in_progress()}
        extra_context = {
            **(extra_context or {}),
            "training_kinds": [{"kind": kind, "run": in_progress.get(kind.name)} for kind in all_kinds()],
            "can_train": self.has_train_permission(request),
            "map12_chart": admin_chart.map12_chart(admin_chart.recent_collaborative_runs()),
        }
        return super().changelist_view(request, extra_context)

    def has_train_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("recommendations.add_trainingrun")

    @staticmethod
    def _back_to_list() -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:recommendations_trainingrun_changelist"))

    @method_decorator(require_POST)
    def train_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_train_permission(request):
            raise PermissionDenied
        start_run(request, request.POST.get("kind", ""))
        return self._back_to_list()

    @method_decorator(require_POST)
    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("recommendations.change_trainingrun"):
            raise PermissionDenied
        run = get_object_or_404(TrainingRun, pk=pk)
        try:
            messages.info(request, training.training_run_cancel(run=run))
        except ValueError as error:
            messages.warning(request, str(error))
        return HttpResponseRedirect(reverse("admin:recommendations_trainingrun_change", args=[pk]))

    @method_decorator(require_GET)
    def progress_view(self, request: HttpRequest) -> JsonResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        # ASCII digits: str.isdigit() also passes superscripts such as "²", which int() refuses (a 500).
        parts = request.GET.get("ids", "").split(",")
        ids = [int(part) for part in parts if RUN_ID.fullmatch(part.strip())][:MAX_PROGRESS_IDS]
        # The page polls while staff watch a run; when its only worker is killed (no worker left to
        # run beat's sweep) the bar turns to "failed" here instead of staying "running".
        training.training_runs_fail_stale()
        runs = TrainingRun.objects.filter(pk__in=ids)
        return JsonResponse(
            {
                "runs": [
                    {
                        "id": run.pk,
                        "status": run.status,
                        "progress": round(run.progress, 1),
                        "message": run.status_message(),
                        "duration": format_duration(run),
                    }
                    for run in runs
                ]
            }
        )


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyPageAdmin):
    # The rollback button beside the version's name: last, it sat past the 600 px of the table that
    # a 1280 px screen shows beside the admin's sidebars, hidden in the sideways scroll.
    list_display = [
        "__str__",
        "active_badge",
        "activate_button",
        "quality_gate",
        "run_link",
        "created_at",
        "activated_at",
        "size",
        "files",
        "kind",
        "version",
    ]
    list_filter = ["kind", "is_active"]
    list_select_related = ["run"]
    actions = ["activate_selected"]
    fields = (
        "kind",
        "version",
        "active_badge",
        "quality_gate",
        "path",
        "format_version",
        "size",
        "run_link",
        "created_at",
        "activated_at",
        "activated_by",
        "pruned_at",
        "files_check",
        "manifest_display",
        "activate_button",
    )
    readonly_fields = fields

    class Media:
        css = {"all": ["recommendations/admin/training_runs.css"]}  # the quality gate's badges

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions are published by training runs

    def has_delete_permission(self, request: HttpRequest, obj: ModelVersion | None = None) -> bool:
        return False  # old versions are pruned with their files (ARTIFACTS_KEEP)

    @admin.display(description="active", boolean=True, ordering="is_active")
    def active_badge(self, version: ModelVersion) -> bool:
        return version.is_active

    @admin.display(description="quality gate")
    def quality_gate(self, version: ModelVersion) -> str:
        """Which versions the gate held back at training time, and why (the run's message)."""
        if not version.was_held_back:
            return "—"
        assert version.run is not None  # was_held_back says so
        return format_html("{}<br>{}", held_back_badge(version.run), version.run.message)

    @admin.display(description="size", ordering="size_bytes")
    def size(self, version: ModelVersion) -> str:
        # One scale for the column: "4134 bytes" next to "0.1 MB" could not be compared at a glance.
        return filesizeformat(version.size_bytes)

    @admin.display(description="files", boolean=True)
    def files(self, version: ModelVersion) -> bool:
        return listed_files_problem(version) is None

    @admin.display(description="files check")
    def files_check(self, version: ModelVersion) -> str:
        # One version's page: worth reading every file's checksum, as a web process loading it does.
        problem = versions.model_version_problem(version=version, check_checksums=True)
        return "Complete and intact." if problem is None else problem

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)
        # Not on an action's POST: its redirect comes back here, and the check then sees the
        # action's result.
        if request.method == "GET":
            self._flag_broken_active_versions(request, changelist.result_list)
        return changelist

    @staticmethod
    def _flag_broken_active_versions(request: HttpRequest, listed: Iterable[ModelVersion]) -> None:
        """A broken active version is served by nobody (web processes keep an older model or fall
        back, and only their logs say so): staff looking at the versions must see it, listed or not.
        One listed reuses its row's check: the files column reads the same rows when rendered."""
        rows = {version.pk: version for version in listed}
        for active in ModelVersion.objects.active().order_by("kind"):
            version = rows.get(active.pk, active)
            problem = listed_files_problem(version)
            if problem is not None:
                messages.error(
                    request,
                    f"{version} is active but cannot be served: {problem}. Web processes keep the "
                    "model they had loaded or fall back; activate an intact version or retrain.",
                )

    @admin.display(description="run")
    def run_link(self, version: ModelVersion) -> str:
        if version.run_id is None:
            return "—"
        url = reverse("admin:recommendations_trainingrun_change", args=[version.run_id])
        return format_html('<a href="{}">#{}</a>', url, version.run_id)

    @admin.display(description="manifest")
    def manifest_display(self, version: ModelVersion) -> str:
        return format_html("<pre>{}</pre>", json.dumps(version.manifest, indent=2, sort_keys=True))

    @admin.display(description="rollback")
    def activate_button(self, version: ModelVersion) -> str:
        if version.is_active or version.pruned_at is not None:
            return "—"
        url = reverse("admin:recommendations_modelversion_activate", args=[version.pk])
        return format_html('<a class="button" href="{}">Activate v{}</a>', url, version.version)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/activate/",
                self.admin_site.admin_view(self.activate_view),
                name="recommendations_modelversion_activate",
            )
        ]
        return own + super().get_urls()

    def _activate(self, request: HttpRequest, version: ModelVersion) -> None:
        try:
            activated = versions.model_version_activate(version=version, activated_by=_user(request))
        except (ArtifactError, LookupError) as error:
            messages.error(request, f"{version} was not activated: {error}")
        else:
            messages.success(
                request, f"{activated} is now active; web processes switch to it within seconds."
            )

    @method_decorator(require_http_methods(["GET", "POST"]))
    def activate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """GET asks for confirmation (like delete), POST activates. A version whose files are gone
        (pruned, deleted) is refused on the GET already, with the reason and no button: asking
        "are you sure?" only to refuse after the click wasted the staff member's decision."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        version = get_object_or_404(ModelVersion, pk=pk)
        if request.method == "POST":
            self._activate(request, version)
            return HttpResponseRedirect(reverse("admin:recommendations_modelversion_changelist"))
        active = ModelVersion.objects.active().filter(kind=version.kind).first()
        # The cheap check (manifest and sizes); the POST reads every checksum before activating.
        problem = versions.model_version_problem(version=version)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{version} cannot be activated" if problem else f"Activate {version}?",
            "version": version,
            "active": active,
            "problem": problem,
        }
        return TemplateResponse(
            request, "admin/recommendations/modelversion/activate_confirmation.html", context
        )

    @admin.action(description="Activate the selected version (rollback)", permissions=["change"])
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            messages.warning(request, "Select exactly one version to activate.")
            return
        self._activate(request, queryset.get())


class TrainingScheduleForm(forms.ModelForm):
    class Meta:
        model = TrainingSchedule
        fields = ["enabled", "hour", "minute", "parameters"]

    def clean_parameters(self) -> dict[str, Any]:
        """Checked as a run's would be (names, types, ranges): a mistake is refused on save, not
        found at night as a run that did not start."""
        parameters = self.cleaned_data["parameters"] or {}
        if not isinstance(parameters, dict):
            raise forms.ValidationError('Parameters are a JSON object, e.g. {"factors": 64}.')
        try:
            get_kind(self.instance.kind).merged_parameters(parameters)
        except (LookupError, ValueError) as error:
            raise forms.ValidationError(str(error)) from None
        return parameters


class TrainingScheduleRowForm(forms.ModelForm):
    """A row of the schedule list. Its inputs sit in table cells with no label of their own, so
    each names what it sets and for which kind ("Hour for trending") to a screen reader."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{field.label} for {self.instance.kind}"


@admin.register(TrainingSchedule)
class TrainingScheduleAdmin(admin.ModelAdmin):
    form = TrainingScheduleForm
    list_display = ["kind", "enabled", "hour", "minute", "next_run", "last_triggered", "last_result"]
    list_editable = ["enabled", "hour", "minute"]
    fields = ["kind", "enabled", "hour", "minute", "parameters", "next_run", "last_triggered", "last_result"]
    readonly_fields = ["kind", "next_run", "last_triggered", "last_result"]

    @admin.display(description="next run")
    def next_run(self, schedule: TrainingSchedule) -> str:
        slot = schedule.next_run(timezone.now())
        return f"{slot:%Y-%m-%d %H:%M} UTC" if slot else "off"

    @admin.display(description="last triggered at", ordering="last_triggered_at")
    def last_triggered(self, schedule: TrainingSchedule) -> str:
        # A new row is stamped "triggered" when it is created, so that it first fires at its next
        # slot; shown as such, the list claimed a run at that moment that never happened.
        if not schedule.last_result or schedule.last_triggered_at is None:
            return "never"
        return f"{schedule.last_triggered_at:%Y-%m-%d %H:%M} UTC"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row per registered kind, created automatically

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        return super().get_changelist_form(request, form=TrainingScheduleRowForm, **kwargs)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        training.training_schedules_ensure()
        return super().changelist_view(request, extra_context)
