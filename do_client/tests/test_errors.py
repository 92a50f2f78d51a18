"""DO's error statuses become typed errors; bad bodies become DOBadResponse; no token leaks."""

from __future__ import annotations

import logging

import httpx
import pytest

from do_client import (
    DOAPIError,
    DOBadResponse,
    DOForbidden,
    DONotFound,
    DORateLimited,
    DOServerError,
    DOTransportError,
    DOUnauthorized,
    DOUnprocessable,
)

from .fakes import TOKEN, Replies, error_response, json_response


def test_404_raises_not_found_with_do_error_fields(make_client):
    handler = Replies(
        error_response(
            404,
            "not_found",
            "The resource you were accessing could not be found.",
            request_id="4d9d8375-3c56-4925-a3e7-eb137fed17e9",
        )
    )

    with pytest.raises(DONotFound) as caught:
        make_client(handler).get_droplet(404)

    error = caught.value
    assert error.status_code == 404
    assert error.error_id == "not_found"
    assert error.message == "The resource you were accessing could not be found."
    assert error.request_id == "4d9d8375-3c56-4925-a3e7-eb137fed17e9"
    assert str(error) == (
        "DO 404 not_found on GET /v2/droplets/404: The resource you were accessing could not be"
        " found. (request_id=4d9d8375-3c56-4925-a3e7-eb137fed17e9)"
    )


def test_401_raises_unauthorized(make_client):
    handler = Replies(error_response(401, "unauthorized", "Unable to authenticate you."))

    with pytest.raises(DOUnauthorized) as caught:
        make_client(handler).get_droplet(1)

    assert caught.value.error_id == "unauthorized"


def test_request_id_falls_back_to_header(make_client):
    handler = Replies(error_response(403, "forbidden", "no", headers={"x-request-id": "r-1"}))

    with pytest.raises(DOForbidden) as caught:
        make_client(handler).get_droplet(1)

    assert caught.value.request_id == "r-1"


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, DOAPIError),
        (401, DOUnauthorized),
        (403, DOForbidden),
        (404, DONotFound),
        (422, DOUnprocessable),
        (429, DORateLimited),
        (500, DOServerError),
        (503, DOServerError),
    ],
)
def test_status_maps_to_error_class(make_client, status, error_class):
    handler = Replies(error_response(status, "some_id", "some message"))

    with pytest.raises(error_class) as caught:
        make_client(handler, max_retries=0).get_droplet(1)

    assert type(caught.value) is error_class


def test_html_error_page_keeps_a_snippet(make_client):
    handler = Replies(httpx.Response(502, text="<html><body>Bad Gateway</body></html>"))

    with pytest.raises(DOServerError) as caught:
        make_client(handler, max_retries=0).get_droplet(1)

    assert caught.value.error_id is None
    assert "Bad Gateway" in caught.value.message


def test_garbage_body_raises_bad_response(make_client):
    handler = Replies(httpx.Response(200, text="<html>maintenance</html>"))

    with pytest.raises(DOBadResponse) as caught:
        make_client(handler).get_droplet(1)

    assert "200" in str(caught.value)
    assert "maintenance" in str(caught.value)
    assert "/v2/droplets/1" in str(caught.value)


def test_truncated_json_raises_bad_response(make_client):
    handler = Replies(httpx.Response(200, text='{"droplets": [{"id": 1}, {"id": 2'))

    with pytest.raises(DOBadResponse, match="not valid JSON"):
        list(make_client(handler).list_droplets())


def test_body_missing_expected_key_raises_bad_response(make_client):
    handler = Replies(json_response({"droplets": []}))

    with pytest.raises(DOBadResponse, match="'droplet'"):
        make_client(handler).get_droplet(1)


def test_204_returns_none(make_client):
    handler = Replies(httpx.Response(204))

    assert make_client(handler).delete_droplet(1) is None
    assert handler.methods == ["DELETE"]


def test_token_is_never_in_client_repr(make_client):
    client = make_client(Replies(httpx.Response(204)))

    assert TOKEN not in repr(client)
    assert TOKEN not in str(client)
    assert repr(client) == "<DOClient base_url='https://api.digitalocean.com' purpose='sync'>"


def test_token_is_sent_as_bearer_header(make_client):
    handler = Replies(json_response({"droplet": {"id": 1}}))

    make_client(handler).get_droplet(1)

    assert handler.calls[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert handler.calls[0].headers["User-Agent"].startswith("arcadia-do-client/")


def test_no_authorization_header_without_token(make_client):
    handler = Replies(json_response({"droplet": {"id": 1}}))

    make_client(handler, token="").get_droplet(1)

    assert "Authorization" not in handler.calls[0].headers


def echo_authorization(status: int):
    """A misbehaving proxy that echoes our request headers into its body."""

    def handler(request: httpx.Request) -> httpx.Response:
        text = f"oops, you sent {request.headers['Authorization']}"
        if status >= 400:
            return error_response(status, "echo", text)
        return httpx.Response(status, text=text)

    return handler


@pytest.mark.parametrize("status", [200, 401, 404, 429, 500])
def test_token_is_never_in_errors_even_when_echoed(make_client, status):
    client = make_client(echo_authorization(status), max_retries=0)

    with pytest.raises((DOAPIError, DOBadResponse)) as caught:
        client.get_droplet(1)

    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)
    assert "[token]" in str(caught.value)


def test_token_is_never_in_transport_errors(make_client):
    client = make_client(Replies(httpx.ConnectError("refused")), max_retries=1)

    with pytest.raises(DOTransportError) as caught:
        client.get_droplet(1)

    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)
    assert TOKEN not in repr(caught.value.__cause__)


def test_requests_are_logged_at_debug_without_token(make_client, caplog):
    handler = Replies(
        error_response(500, "server_error", "boom"),
        json_response({"droplet": {"id": 1}}, headers={"ratelimit-remaining": "4321"}),
    )

    with caplog.at_level(logging.DEBUG):
        make_client(handler).get_droplet(1)

    messages = [r.getMessage() for r in caplog.records if r.name.startswith("do_client")]
    assert messages == [
        "DO GET /v2/droplets/1 -> 500 (attempt 1, ratelimit-remaining None)",
        "DO GET /v2/droplets/1 -> 200 (attempt 2, ratelimit-remaining 4321)",
    ]
    assert TOKEN not in caplog.text
