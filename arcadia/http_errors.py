"""Django's error views (handler400/403/404/500 in arcadia.urls): JSON under `/api/`,
Django's own pages elsewhere (the console).

DRF answers the errors its views raise; these answer the rest: a URL no route matches
(`/api/v1/nope`, `/api/v1/drift/%C2%84`), a body over DATA_UPLOAD_MAX_MEMORY_SIZE read
outside DRF (a 413), and a crash (a 500 without a traceback). With DEBUG on, Django
shows its debug pages instead, as it always does."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from arcadia.request_id import request_id_of

API_PREFIX = "/api/"
REQUEST_TOO_LARGE = {"detail": "Request body too large.", "code": "request_too_large"}


def _error(request: HttpRequest, body: dict[str, str], status: int) -> JsonResponse:
    """An API error body, naming its request (arcadia.request_id)."""
    request_id = request_id_of(request)
    return JsonResponse({**body, "request_id": request_id} if request_id else body, status=status)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _error(request, REQUEST_TOO_LARGE, 413)
    return _error(request, {"detail": "Bad request.", "code": "bad_request"}, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return _error(request, {"detail": "Permission denied.", "code": "permission_denied"}, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return _error(request, {"detail": "Not found.", "code": "not_found"}, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not _is_api(request):
        return defaults.server_error(request)
    return _error(request, {"detail": "Server error.", "code": "server_error"}, 500)
