"""The operator console for sagas: every run with its status, step, attempts, when it is
next due and its last error; its steps inline with theirs. Read-only (the engine is the
only writer), except "resume now", which makes live runs due at once through the
`resume_now` service, as a list action or as the saga page's "Resume now…" button (a
confirmation with a reason, kept in the saga's console history).

The drift inbox's "Revert" action and the drift's latest revert saga live here too:
starting a revert is starting a saga, and drift (the layer below) imports nothing from
provisioning. `DriftAdmin` below replaces drift's registration with a subclass that adds
them, so operators find them in the drift inbox as before, and a "Revert…" button on the
drift's page whose confirmation lists the saga's steps for that kind and which cannot be
undone (`provisioning.revert_preview`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from arcadia.admin import ViewOnlyAdmin, ViewOnlyInline
from arcadia.diffs import render_changes, render_value
from arcadia.errors import Conflict, DomainError
from arcadia.page_actions import PageAction, PageActionsMixin, Preview
from drift.admin import ACCEPT, DRIFT_PAGE
from drift.admin import DriftAdmin as BaseDriftAdmin
from drift.models import Drift
from provisioning.models import SagaRun, SagaStep
from provisioning.revert import revert_drift
from provisioning.revert_preview import RevertPreview, preview_revert
from provisioning.services import resume_now
from tenants.roles import is_platform_admin

ERROR_PREVIEW = 120


STEP_FIELDS = (
    "index",
    "name",
    "status",
    "waiting",
    "attempts",
    "compensation_attempts",
    "action_id",
    "result_json",
    "last_error",
    "started_at",
    "finished_at",
)
RUN_FIELDS = (
    "saga",
    "status",
    "current_step",
    "params_json",
    "resource_link",
    "droplet_id",
    "tenant",
    "drift_link",
    "idempotency_key",
    *SagaRun.ENGINE_FIELDS,
)


class SagaStepInline(ViewOnlyInline):
    model = SagaStep
    extra = 0
    can_delete = False
    ordering = ["index"]
    fields = STEP_FIELDS
    readonly_fields = STEP_FIELDS

    @admin.display(description="Result")
    def result_json(self, obj: SagaStep) -> str:
        return render_value(obj.result)


RESUME = PageAction(
    name="resume",
    label="Resume now…",
    verb="Resume: make this saga due now",
    permission="resume",
    needs="the platform-admin role",
    comment_label="Reason",
)
REVERT = PageAction(
    name="revert",
    label="Revert…",
    verb="Revert: start the saga",
    permission="revert",
    needs="the platform-admin role",
    comment_label="Why revert",
)


@admin.register(SagaRun)
class SagaRunAdmin(PageActionsMixin, ViewOnlyAdmin):
    list_display = [
        "id",
        "saga",
        "status",
        "resource_link",
        "droplet_id",
        "current_step",
        "attempts",
        "next_run_at",
        "error_preview",
        "created_at",
    ]
    list_filter = ["status", "saga", "requested_via"]
    list_select_related = ["resource"]
    search_fields = ["=id", "idempotency_key", "resource__urn", "=droplet_id"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    inlines = [SagaStepInline]
    actions = ["resume_selected"]
    page_actions = (RESUME,)
    fields = RUN_FIELDS
    readonly_fields = RUN_FIELDS

    def has_resume_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request.user)

    @admin.display(description="Resource", ordering="resource__urn")
    def resource_link(self, obj: SagaRun) -> str:
        if obj.resource is None:
            return "-"
        url = reverse("admin:inventory_cloudresource_change", args=[obj.resource_id])
        return format_html('<a href="{}">{}</a>', url, obj.resource.urn)

    @admin.display(description="Drift")
    def drift_link(self, obj: SagaRun) -> str:
        if obj.drift_id is None:
            return "-"
        url = reverse("admin:drift_drift_change", args=[obj.drift_id])
        return format_html('<a href="{}">drift #{}</a>', url, obj.drift_id)

    @admin.display(description="Params")
    def params_json(self, obj: SagaRun) -> str:
        return render_value(obj.params)

    @admin.display(description="Last error")
    def error_preview(self, obj: SagaRun) -> str:
        error = obj.last_error
        return error if len(error) <= ERROR_PREVIEW else error[: ERROR_PREVIEW - 1] + "…"

    @admin.action(description="Resume selected sagas now", permissions=["resume"])
    def resume_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = resume_now(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"{count} live saga{'s' if count != 1 else ''} due now; finished ones were left alone.",
            messages.SUCCESS,
        )

    # -- the page's action: resume now (arcadia.page_actions) ------------------------

    def resume_preview(self, request: HttpRequest, obj: SagaRun) -> Preview:
        summary = format_html(
            "<p>Saga #{} ({}) is <strong>{}</strong> at step {} after {} attempt{}; next due "
            "{}. Resuming makes it due now: a worker picks it up and carries on from that "
            "step (a worker that holds it already is left to finish its pass).</p>{}",
            obj.pk,
            obj.saga,
            obj.status,
            obj.current_step or "-",
            obj.attempts,
            "" if obj.attempts == 1 else "s",
            f"{obj.next_run_at:%Y-%m-%d %H:%M:%S}Z" if obj.next_run_at else "never",
            format_html("<p>Last error: <code>{}</code></p>", obj.last_error)
            if obj.last_error
            else "",
        )
        refusal = (
            ""
            if obj.is_live
            else f"Saga #{obj.pk} is {obj.status}: it has ended, there is nothing to resume."
        )
        return Preview(summary, refusal=refusal)

    def resume_perform(self, request: HttpRequest, obj: SagaRun, comment: str) -> str:
        if resume_now([obj.pk]) != 1:
            raise Conflict(f"Saga #{obj.pk} ended meanwhile: there is nothing to resume.")
        return f"Saga #{obj.pk} is due now ({timezone.now():%H:%M:%S}Z)."


# Drift's page with the revert saga before the resource's drift history.
REVERT_DRIFT_PAGE = (*DRIFT_PAGE[: DRIFT_PAGE.index("history")], "revert_saga", "history")

# Drift's admin module is imported first (INSTALLED_APPS order; and by the import above).
admin.site.unregister(Drift)


@admin.register(Drift)
class DriftAdmin(BaseDriftAdmin):
    """Drift's inbox plus the revert action and the drift's latest revert saga."""

    actions = [*BaseDriftAdmin.actions, "revert_selected"]
    page_actions = (ACCEPT, REVERT)
    fields = REVERT_DRIFT_PAGE
    readonly_fields = REVERT_DRIFT_PAGE

    def has_revert_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request.user)

    @admin.display(description="Revert saga (latest)")
    def revert_saga(self, obj: Drift) -> str:
        run = SagaRun.objects.filter(drift_id=obj.pk).order_by("-id").first()
        if run is None:
            return "-"
        url = reverse("admin:provisioning_sagarun_change", args=[run.pk])
        return format_html(
            '<a href="{}">{} #{}</a>: {} (step {}){}',
            url,
            run.saga,
            run.pk,
            run.status,
            run.current_step or "-",
            format_html("<br><code>{}</code>", run.last_error) if run.last_error else "",
        )

    @admin.action(
        description="Revert selected drift (a saga puts the live value back to the spec)",
        permissions=["revert"],
    )
    def revert_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        # The action form's comment is the revert's too (it was once dropped here).
        comment = request.POST.get("comment", "")
        started: list[str] = []
        refused: list[str] = []
        for drift_id in self._selected_ids(request, queryset):
            try:
                result = revert_drift(
                    drift_id,
                    actor=request.user,  # type: ignore[arg-type]
                    requested_via="console",
                    comment=comment,
                )
            except DomainError as exc:
                refused.append(f"#{drift_id}: {exc.message}")
                continue
            verb = "started" if result.created else "already running"
            started.append(f"#{drift_id}: saga #{result.run.pk} {verb}")
        if started:
            self.message_user(
                request,
                f"Reverting {len(started)} drift{'s' if len(started) != 1 else ''} ("
                + "; ".join(started)
                + "). Each closes `reverted` when its saga succeeds.",
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                f"Refused {len(refused)}: " + "; ".join(refused),
                messages.WARNING,
            )

    # -- the page's action: revert (arcadia.page_actions) ------------------------------

    def revert_preview(self, request: HttpRequest, obj: Drift) -> Preview:
        plan = preview_revert(obj)
        return Preview(
            self._revert_summary(obj, plan),
            refusal=plan.refusal,
            refusal_status=plan.refusal_status,
        )

    def revert_perform(self, request: HttpRequest, obj: Drift, comment: str) -> str:
        result = revert_drift(
            obj.pk,
            actor=request.user,  # type: ignore[arg-type]
            requested_via="console",
            comment=comment,
        )
        if not result.created:
            raise Conflict(
                f"A revert is already running: saga #{result.run.pk} ({result.run.status})."
            )
        return (
            f"Reverting drift #{obj.pk}: saga #{result.run.pk} ({result.run.saga}) started. "
            "The drift closes `reverted` when it succeeds."
        )

    @staticmethod
    def _revert_summary(obj: Drift, plan: RevertPreview) -> SafeString:
        change = format_html(
            "<p>DigitalOcean's live value goes back to the spec, and the drift closes "
            "<strong>reverted</strong> when the saga succeeds:</p>{}",
            render_changes({obj.field: [obj.actual, obj.expected]}),
        )
        if not plan.steps:
            return change
        steps = format_html_join(
            "",
            "<li><code>{}</code>{}</li>",
            (
                (
                    step.name,
                    format_html(' <strong class="irreversible">{}</strong>', "cannot be undone")
                    if step.irreversible
                    else "",
                )
                for step in plan.steps
            ),
        )
        warning = (
            format_html(
                '<p class="irreversible">{}</p>',
                "A step of this saga cannot be undone: once it is done, a failure after "
                "it is not rolled back; the saga keeps trying forward.",
            )
            if plan.irreversible
            else format_html(
                "<p>{}</p>",
                "Every step can be undone: if one fails, the saga undoes the ones before it.",
            )
        )
        return format_html(
            "{}<p>The <code>{}</code> saga runs these steps, in order:</p><ol>{}</ol>{}",
            change,
            plan.saga,
            steps,
            warning,
        )
