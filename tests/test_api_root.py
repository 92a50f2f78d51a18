"""The address `bin/up` prints for the API answers with its collections' links."""

from __future__ import annotations

import pytest

from arcadia.api_root import COLLECTIONS

pytestmark = pytest.mark.django_db


def test_the_api_root_links_every_collection_and_each_link_answers(client, operator):
    root = client.get("/api/v1/")

    assert root.status_code == 200
    links = root.json()
    assert set(links) == {key for key, _ in COLLECTIONS}
    client.force_login(operator)
    for key, url in links.items():
        assert url.startswith("http://testserver/api/v1/"), key
        assert client.get(url).status_code == 200, key
