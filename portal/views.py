"""The tenant portal's pages: read-only, each scoped to one tenant of the signed-in user.

Every page is GET (or HEAD) only: anything else is a 405 (`require_safe`), whoever asks.
Sign-in and sign-out are Django's own views (`portal.urls`). Scope comes from
`portal.selectors`, which builds on the API's selectors: another tenant's resource or
invoice, and any draft, is a 404 here as it is in the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from billing.exports import invoice_csv, invoice_csv_filename
from inventory.kinds import KINDS
from inventory.selectors import events_visible_to, projects_visible_to
from portal import selectors
from portal.timeline import timeline_entries
from tenants.models import Tenant, User
from tenants.roles import is_platform_admin

LOGIN_URL = "/portal/login/"
RESOURCES_PER_PAGE = 50
EVENTS_PER_PAGE = 50
INVOICES_PER_PAGE = 50
# The longest search the resource list takes: a name is at most this long anyway.
MAX_SEARCH = 200

View = Callable[..., HttpResponse]


class BadQuery(Exception):
    """A query parameter the page cannot take: answered 400, naming it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def portal_page(view: View) -> View:
    """GET only, signed in (to the portal's own sign-in page), and a 400 naming the field
    for a bad query parameter."""

    @require_safe
    @login_required(login_url=LOGIN_URL)
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadQuery as exc:
            return render(
                request,
                "portal/bad_request.html",
                {"field": exc.field, "message": exc.message},
                status=400,
            )

    return wrapped


def tenant_page(view: View) -> View:
    """A page about one tenant (`<tenant>` in the URL, its slug): a 404 unless the user is
    a member of it. Passes the tenant to the view, and the page's shared context."""

    @portal_page
    @wraps(view)
    def wrapped(request: HttpRequest, tenant: str, *args: Any, **kwargs: Any) -> HttpResponse:
        found = selectors.portal_tenant(_user(request), tenant)
        return view(request, found, *args, **kwargs)

    return wrapped


def _user(request: HttpRequest) -> User:
    # Every page is behind `login_required`: the user is a signed-in `tenants.User`.
    return cast(User, request.user)


def _context(request: HttpRequest, tenant: Tenant | None, **extra: Any) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "tenants": list(selectors.portal_tenants(_user(request))),
        **extra,
    }


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise BadQuery("page", f"page must be a whole number from 1, not {raw[:20]!r}.")
    return int(raw)


def _paginate(request: HttpRequest, queryset: QuerySet, per_page: int) -> Page:
    try:
        return Paginator(queryset, per_page).page(_page_number(request))
    except EmptyPage as exc:
        raise Http404("No such page.") from exc


def _query_without_page(request: HttpRequest) -> str:
    """The list's filters, for its page links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@portal_page
def home(request: HttpRequest) -> HttpResponse:
    if is_platform_admin(_user(request)):
        # Operators read every tenant, drafts included: the console is their surface, and
        # a portal page showing them more than a tenant sees would not be the tenant's page.
        return render(request, "portal/operator.html", _context(request, None), status=200)
    tenants = list(selectors.portal_tenants(_user(request)))
    if len(tenants) == 1:
        return redirect("portal:tenant", tenant=tenants[0].slug)
    return render(request, "portal/home.html", _context(request, None))


@tenant_page
def tenant_home(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "portal/tenant.html",
        _context(
            request,
            tenant,
            resource_count=selectors.tenant_resources(user, tenant).count(),
            drift_count=selectors.tenant_open_drift(user, tenant).count(),
            invoices=list(selectors.tenant_invoices(user, tenant)[:3]),
        ),
    )


@tenant_page
def resources(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    queryset = selectors.tenant_resources(_user(request), tenant)
    kinds = sorted(set(queryset.order_by().values_list("kind", flat=True).distinct()))
    kind = request.GET.get("kind", "")
    if kind:
        if kind not in KINDS:
            raise BadQuery("kind", f"kind must be one of {', '.join(sorted(KINDS))}.")
        queryset = queryset.filter(kind=kind)
    search = request.GET.get("q", "").strip()
    if len(search) > MAX_SEARCH:
        raise BadQuery("q", f"q (search by name) is at most {MAX_SEARCH} characters.")
    if search:
        queryset = queryset.filter(name__icontains=search)
    page = _paginate(request, queryset.order_by("kind", "name", "id"), RESOURCES_PER_PAGE)
    return render(
        request,
        "portal/resources.html",
        _context(
            request,
            tenant,
            page=page,
            kinds=kinds,
            kind=kind,
            search=search,
            query=_query_without_page(request),
        ),
    )


@tenant_page
def resource(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    # A tombstoned resource keeps its page (its timeline says when it went), as in the API.
    found = get_object_or_404(
        selectors.tenant_resources(_user(request), tenant, include_tombstoned=True),
        pk=pk,
    )
    events = _paginate(request, events_visible_to(_user(request), found), EVENTS_PER_PAGE)
    drift = selectors.tenant_open_drift(_user(request), tenant).filter(resource=found)
    return render(
        request,
        "portal/resource.html",
        _context(
            request,
            tenant,
            resource=found,
            page=events,
            entries=timeline_entries(events.object_list, _project_names(request, tenant)),
            drift=list(drift),
            query="",
        ),
    )


def _project_names(request: HttpRequest, tenant: Tenant) -> dict[int, str]:
    return dict(projects_visible_to(_user(request)).filter(tenant=tenant).values_list("pk", "name"))


@tenant_page
def drift(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    page = _paginate(
        request,
        selectors.tenant_open_drift(_user(request), tenant),
        RESOURCES_PER_PAGE,
    )
    return render(request, "portal/drift.html", _context(request, tenant, page=page, query=""))


@tenant_page
def invoices(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    page = _paginate(
        request,
        selectors.tenant_invoices(_user(request), tenant),
        INVOICES_PER_PAGE,
    )
    return render(request, "portal/invoices.html", _context(request, tenant, page=page, query=""))


@tenant_page
def invoice(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    found = get_object_or_404(
        selectors.tenant_invoices(_user(request), tenant, with_lines=True),
        pk=pk,
    )
    return render(
        request,
        "portal/invoice.html",
        _context(
            request,
            tenant,
            invoice=found,
            lines=list(found.lines.all()),
            csv_url=reverse("portal:invoice-csv", kwargs={"tenant": tenant.slug, "pk": found.pk}),
        ),
    )


@tenant_page
def invoice_csv_download(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    """The API's CSV (`billing.exports`), byte for byte."""
    found = get_object_or_404(
        selectors.tenant_invoices(_user(request), tenant, with_lines=True),
        pk=pk,
    )
    response = HttpResponse(invoice_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{invoice_csv_filename(found)}"'
    return response
