"""The account and its static catalog: `/v2/account`, `/v2/regions`, `/v2/images`, balance.

Wire formats: resources/account/models/account.yml, resources/regions/responses/
all_regions.yml, resources/images/responses/{all_images,existing_image}.yml and
resources/billing/responses/balance.yml in DO's spec.
"""

from __future__ import annotations

from . import render
from .catalog import IMAGE_JSON, IMAGES_BY_ID, REGION_JSON
from .models import not_found
from .routing import Reply, Request, Router
from .state import SimState
from .state_billing import ACCOUNT_EMAIL, ACCOUNT_NAME

DROPLET_LIMIT = 100_000  # the simulator holds accounts of 100,000 droplets
ACCOUNT = {
    "droplet_limit": DROPLET_LIMIT,
    "floating_ip_limit": 100,
    "volume_limit": 1000,
    "email": ACCOUNT_EMAIL,
    "name": ACCOUNT_NAME,
    "uuid": render.OWNER_UUID,
    "email_verified": True,
    "status": "active",
    "status_message": "",
    "team": {"uuid": "9d9f6c3c0f1b4f7c8e2a5b6d7e8f9a0b1c2d3e4f", "name": "Sky AI"},
}


def register_account_routes(api: Router, state: SimState) -> None:
    @api.add("GET", "/v2/account")
    def get_account(req: Request) -> Reply:
        return Reply(200, {"account": ACCOUNT})

    @api.add("GET", "/v2/regions")
    def list_regions(req: Request) -> Reply:
        page, links, meta = render.paginate(
            list(REGION_JSON.values()), query=req.query, url=f"{req.base_url}/v2/regions"
        )
        return Reply(200, {"regions": list(page), "links": links, "meta": meta})

    @api.add("GET", "/v2/images")
    def list_images(req: Request) -> Reply:
        # Every simulated image is a public base image: `private=true` and
        # `type=application` find none; `tag_name` matches none (no image is tagged).
        images = list(IMAGE_JSON.values())
        kind, private = req.query.get("type"), req.query.get("private")
        if kind not in (None, "distribution") or private == "true" or "tag_name" in req.query:
            images = []
        page, links, meta = render.paginate(
            images, query=req.query, url=f"{req.base_url}/v2/images"
        )
        return Reply(200, {"images": list(page), "links": links, "meta": meta})

    @api.add("GET", r"/v2/images/(?P<image>[^/]+)")
    def get_image(req: Request, image: str) -> Reply:
        found = IMAGE_JSON.get(image)
        if found is None and image.isdigit() and int(image) in IMAGES_BY_ID:
            found = IMAGE_JSON[IMAGES_BY_ID[int(image)].slug]
        if found is None:
            raise not_found()
        return Reply(200, {"image": found})

    @api.add("GET", "/v2/customers/my/balance")
    def get_balance(req: Request) -> Reply:
        return Reply(200, state.get_balance())
