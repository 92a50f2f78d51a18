"""Bounded retries with backoff, only for what is safe to repeat."""

from __future__ import annotations

import httpx
import pytest

from do_client import DOAPIError, DOServerError, DOTransportError, DOUnprocessable

from .fakes import Replies, error_response, json_response

DROPLET = json_response({"droplet": {"id": 7}})
SERVER_ERROR = error_response(500, "server_error", "Server was unable to give you a response.")


def test_get_is_retried_after_5xx_then_succeeds(make_client, sleeps):
    handler = Replies(SERVER_ERROR, error_response(503, "unavailable", "try later"), DROPLET)

    assert make_client(handler).get_droplet(7) == {"id": 7}
    assert handler.methods == ["GET", "GET", "GET"]
    assert len(sleeps) == 2


@pytest.mark.parametrize("method", ["PUT", "DELETE", "HEAD"])
def test_other_repeatable_methods_are_retried_after_5xx(make_client, method):
    handler = Replies(SERVER_ERROR, httpx.Response(204))

    make_client(handler)._call(method, "/v2/whatever")

    assert handler.methods == [method, method]


def test_post_is_not_retried_after_5xx(make_client, sleeps):
    handler = Replies(SERVER_ERROR, DROPLET)

    with pytest.raises(DOServerError) as caught:
        make_client(handler).create_droplet({"name": "web-1"})

    assert handler.methods == ["POST"]
    assert sleeps == []
    assert caught.value.status_code == 500


def test_post_is_retried_when_the_connection_was_never_made(make_client, sleeps):
    handler = Replies(
        httpx.ConnectError("connection refused"),
        httpx.ConnectTimeout("connect timed out"),
        json_response({"droplet": {"id": 7}, "links": {"actions": []}}, status_code=202),
    )

    body = make_client(handler).create_droplet({"name": "web-1"})

    assert body["droplet"] == {"id": 7}
    assert handler.methods == ["POST", "POST", "POST"]
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout("read timed out"), httpx.RemoteProtocolError("peer closed")]
)
def test_post_is_not_retried_once_it_may_have_reached_do(make_client, error):
    # DO may have created the droplet: sending it again could create a second one.
    handler = Replies(error, DROPLET)

    with pytest.raises(DOTransportError):
        make_client(handler).create_droplet({"name": "web-1"})

    assert handler.methods == ["POST"]


def test_timeouts_are_retried_then_raise_transport_error(make_client, sleeps):
    handler = Replies(httpx.ReadTimeout("read timed out"))

    with pytest.raises(DOTransportError, match="ReadTimeout after 6 attempt"):
        make_client(handler, max_retries=5).get_droplet(7)

    assert len(handler.calls) == 6
    assert len(sleeps) == 5


def test_timeout_then_success(make_client):
    handler = Replies(httpx.ReadTimeout("read timed out"), DROPLET)

    assert make_client(handler).get_droplet(7) == {"id": 7}


def test_retries_are_bounded_with_capped_jittered_backoff(make_client, sleeps):
    handler = Replies(SERVER_ERROR)

    with pytest.raises(DOServerError):
        make_client(handler, max_retries=4, backoff_base=1.0, backoff_cap=3.0).get_droplet(7)

    assert len(handler.calls) == 5
    assert len(sleeps) == 4
    ceilings = [1.0, 2.0, 3.0, 3.0]  # base * 2**n, capped
    assert all(0 <= slept <= ceiling for slept, ceiling in zip(sleeps, ceilings, strict=True))


def test_no_retries_when_max_retries_is_zero(make_client, sleeps):
    handler = Replies(SERVER_ERROR)

    with pytest.raises(DOServerError):
        make_client(handler, max_retries=0).get_droplet(7)

    assert len(handler.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "error"), [(400, DOAPIError), (409, DOAPIError), (422, DOUnprocessable)]
)
def test_other_4xx_are_not_retried(make_client, sleeps, status, error):
    handler = Replies(error_response(status, "bad", "no"), DROPLET)

    with pytest.raises(error):
        make_client(handler).get_droplet(7)

    assert len(handler.calls) == 1
    assert sleeps == []


def test_unsupported_protocol_is_not_retried(make_client):
    # A configuration error, not a transient one.
    handler = Replies(httpx.UnsupportedProtocol("ftp"), DROPLET)

    with pytest.raises(DOTransportError):
        make_client(handler).get_droplet(7)

    assert len(handler.calls) == 1
