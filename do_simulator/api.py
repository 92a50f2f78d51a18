"""The DO v2 routes: parse the request, call one state method, answer with DO's status."""

from __future__ import annotations

from . import billing_products
from .api_account import register_account_routes
from .api_resources import register_resource_routes
from .routing import Reply, Request, Router
from .state import SimState

ID = r"(?P<id>[^/]+)"


def build_api(state: SimState) -> Router:
    api = Router()
    register_resource_routes(api, state)  # first: /v2/droplets/autoscale is not a droplet

    @api.add("GET", "/v2/droplets")
    def list_droplets(req: Request) -> Reply:
        return Reply(200, state.list_droplets(req.query, req.base_url))

    @api.add("POST", "/v2/droplets")
    def create_droplets(req: Request) -> Reply:
        return Reply(202, state.create_droplets(req.json(), req.base_url))

    @api.add("DELETE", "/v2/droplets")
    def delete_by_tag(req: Request) -> Reply:
        state.delete_droplets_by_tag(req.query.get("tag_name", ""))
        return Reply(204)

    @api.add("POST", "/v2/droplets/actions")
    def post_tag_action(req: Request) -> Reply:
        return Reply(201, state.start_tag_action(req.query.get("tag_name"), req.json()))

    @api.add("GET", "/v2/droplets/backups/policies")
    def list_backup_policies(req: Request) -> Reply:
        return Reply(200, state.list_backup_policies(req.query, req.base_url))

    @api.add("GET", "/v2/droplets/backups/supported_policies")
    def supported_backup_policies(req: Request) -> Reply:
        return Reply(200, state.supported_backup_policies())

    @api.add("GET", f"/v2/droplets/{ID}/backups/policy")
    def get_backup_policy(req: Request, id: str) -> Reply:
        return Reply(200, state.get_backup_policy(id))

    @api.add("GET", f"/v2/droplets/{ID}")
    def get_droplet(req: Request, id: str) -> Reply:
        return Reply(200, state.get_droplet(id))

    @api.add("DELETE", f"/v2/droplets/{ID}")
    def delete_droplet(req: Request, id: str) -> Reply:
        state.delete_droplet(id)
        return Reply(204)

    @api.add("GET", f"/v2/droplets/{ID}/actions")
    def list_droplet_actions(req: Request, id: str) -> Reply:
        return Reply(200, state.list_droplet_actions(id, req.query, req.base_url))

    @api.add("POST", f"/v2/droplets/{ID}/actions")
    def post_droplet_action(req: Request, id: str) -> Reply:
        return Reply(201, state.start_action(id, req.json()))

    @api.add("GET", f"/v2/droplets/{ID}/actions/(?P<action_id>[^/]+)")
    def get_droplet_action(req: Request, id: str, action_id: str) -> Reply:
        return Reply(200, state.get_droplet_action(id, action_id))

    @api.add("GET", "/v2/actions")
    def list_actions(req: Request) -> Reply:
        return Reply(200, state.list_actions(req.query, req.base_url))

    @api.add("GET", f"/v2/actions/{ID}")
    def get_action(req: Request, id: str) -> Reply:
        return Reply(200, state.get_action(id))

    @api.add("GET", "/v2/projects")
    def list_projects(req: Request) -> Reply:
        return Reply(200, state.list_projects(req.query, req.base_url))

    @api.add("POST", "/v2/projects")
    def create_project(req: Request) -> Reply:
        return Reply(201, state.create_project(req.json()))

    @api.add("GET", f"/v2/projects/{ID}")
    def get_project(req: Request, id: str) -> Reply:
        return Reply(200, state.get_project(id))

    @api.add("PATCH", f"/v2/projects/{ID}")
    def patch_project(req: Request, id: str) -> Reply:
        return Reply(200, state.update_project(id, req.json(), partial=True))

    @api.add("PUT", f"/v2/projects/{ID}")
    def put_project(req: Request, id: str) -> Reply:
        return Reply(200, state.update_project(id, req.json(), partial=False))

    @api.add("GET", f"/v2/projects/{ID}/resources")
    def list_project_resources(req: Request, id: str) -> Reply:
        return Reply(200, state.list_project_resources(id, req.query, req.base_url))

    @api.add("POST", f"/v2/projects/{ID}/resources")
    def assign_resources(req: Request, id: str) -> Reply:
        return Reply(200, state.assign_resources(id, req.json(), req.base_url))

    @api.add("GET", "/v2/sizes")
    def list_sizes(req: Request) -> Reply:
        return Reply(200, state.list_sizes(req.query, req.base_url))

    # The current path and its deprecated twin (DO's spec: registries_get_options.yml,
    # registry_get_options.yml) answer the same.
    for options_path in ("/v2/registries/options", "/v2/registry/options"):

        @api.add("GET", options_path)
        def registry_options(req: Request) -> Reply:
            return Reply(200, billing_products.registry_options())

    @api.add("GET", "/v2/tags")
    def list_tags(req: Request) -> Reply:
        return Reply(200, state.list_tags(req.query, req.base_url))

    @api.add("POST", "/v2/tags")
    def create_tag(req: Request) -> Reply:
        return Reply(201, state.create_tag(req.json(), req.base_url))

    @api.add("GET", f"/v2/tags/{ID}")
    def get_tag(req: Request, id: str) -> Reply:
        return Reply(200, state.get_tag(id, req.base_url))

    @api.add("DELETE", f"/v2/tags/{ID}")
    def delete_tag(req: Request, id: str) -> Reply:
        state.delete_tag(id)
        return Reply(204)

    @api.add("POST", f"/v2/tags/{ID}/resources")
    def tag_resources(req: Request, id: str) -> Reply:
        state.tag_resources(id, req.json(), add=True)
        return Reply(204)

    @api.add("DELETE", f"/v2/tags/{ID}/resources")
    def untag_resources(req: Request, id: str) -> Reply:
        state.tag_resources(id, req.json(), add=False)
        return Reply(204)

    @api.add("GET", "/v2/customers/my/invoices")
    def list_invoices(req: Request) -> Reply:
        return Reply(200, state.list_invoices(req.query, req.base_url))

    @api.add("GET", f"/v2/customers/my/invoices/{ID}")
    def get_invoice(req: Request, id: str) -> Reply:
        return Reply(200, state.get_invoice(id, req.query, req.base_url))

    @api.add("GET", f"/v2/customers/my/invoices/{ID}/summary")
    def get_invoice_summary(req: Request, id: str) -> Reply:
        return Reply(200, state.get_invoice_summary(id))

    @api.add("GET", f"/v2/customers/my/invoices/{ID}/csv")
    def get_invoice_csv(req: Request, id: str) -> Reply:
        headers = {
            "content-type": "text/csv; charset=utf-8",
            "content-disposition": f"attachment; filename={id}.csv",
        }
        return Reply(200, state.invoice_csv(id).encode(), headers)

    register_account_routes(api, state)

    return api
