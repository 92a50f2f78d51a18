"""Drive a running simulator through its control API (`/_sim/`).

manage.py do_simulator_ctl [--url URL] state      (URL: settings.DO_API_BASE_URL)
manage.py do_simulator_ctl oob <droplet_id> resize --size s-2vcpu-4gb [--disk]
manage.py do_simulator_ctl oob <droplet_id> retag --tags env:prod,team:ml
manage.py do_simulator_ctl oob <droplet_id> rename --name web-02
manage.py do_simulator_ctl oob <droplet_id> move --project-id <uuid>
manage.py do_simulator_ctl oob <droplet_id> {delete,power_off,power_on}
manage.py do_simulator_ctl add-droplets --count 5 [--size S] [--region R] [--tags a,b]
manage.py do_simulator_ctl faults [--every-nth-429 N] [--every-nth-500 N] [--latency S]
                                  [--truncate-every-nth N] [--garbage-every-nth N]
                                  [--fail-next 500,503] [--action-errors]
manage.py do_simulator_ctl reset-faults
manage.py do_simulator_ctl fail-next-action <droplet_id>
manage.py do_simulator_ctl resource <kind> <id> get
manage.py do_simulator_ctl resource <kind> <id> update --set size_gigabytes=200 \
                                  --set node_pools.worker.count=5   (values are JSON, else text)
manage.py do_simulator_ctl resource <kind> <id> delete
manage.py do_simulator_ctl add-resource <kind> --body '{"name": "vol-1", ...}'  (DO's create body)
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser

from do_simulator.address import simulator_url


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _change(value: str) -> tuple[str, Any]:
    """`field=value`: the value read as JSON (200, true, ["a"]), else kept as text."""
    field, sep, raw = value.partition("=")
    if not sep or not field:
        raise ValueError(value)
    try:
        return field, json.loads(raw)
    except ValueError:
        return field, raw


class Command(BaseCommand):
    help = "Out-of-band changes and faults for a running do_simulator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default=None,
            help="Simulator root (default: DO_API_BASE_URL, as the app's DO client uses).",
        )
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("state", help="Print the state summary.")
        oob = sub.add_parser("oob", help="Change a droplet as DO's console would.")
        oob.add_argument("droplet_id", type=int)
        oob.add_argument(
            "op", choices=["resize", "retag", "rename", "delete", "move", "power_off", "power_on"]
        )
        oob.add_argument("--size")
        oob.add_argument("--disk", action="store_true")
        oob.add_argument("--tags", type=_csv)
        oob.add_argument("--name")
        oob.add_argument("--project-id")
        add = sub.add_parser("add-droplets", help="Add droplets out of band.")
        add.add_argument("--count", type=int, default=1)
        add.add_argument("--size")
        add.add_argument("--region")
        add.add_argument("--image")
        add.add_argument("--tags", type=_csv)
        add.add_argument("--project-id")
        faults = sub.add_parser("faults", help="Replace the fault settings.")
        faults.add_argument("--every-nth-429", type=int, default=0)
        faults.add_argument("--every-nth-500", type=int, default=0)
        faults.add_argument("--latency", type=float, default=0.0)
        faults.add_argument("--truncate-every-nth", type=int, default=0)
        faults.add_argument("--garbage-every-nth", type=int, default=0)
        faults.add_argument("--fail-next", type=lambda v: [int(s) for s in _csv(v)], default=[])
        faults.add_argument("--action-errors", action="store_true")
        sub.add_parser("reset-faults", help="Turn every fault off.")
        fail = sub.add_parser("fail-next-action", help="The droplet's next action errors.")
        fail.add_argument("droplet_id", type=int)
        res = sub.add_parser("resource", help="Read or change any other kind out of band.")
        res.add_argument("kind", help="volume, database, kubernetes_cluster, reserved_ip, ...")
        res.add_argument("resource_id", help="id, uuid, ip or name, as DO names the kind")
        res.add_argument("resource_op", choices=["get", "update", "delete"])
        res.add_argument(
            "--set",
            dest="changes",
            action="append",
            type=_change,
            default=[],
            help="field=value; the field may be dotted (node_pools.worker.count=5)",
        )
        add_res = sub.add_parser("add-resource", help="Create any other kind out of band.")
        add_res.add_argument("kind")
        add_res.add_argument("--body", type=json.loads, required=True, help="DO's create body")

    def handle(self, *args: Any, **options: Any) -> None:
        method, path, body = self._request(options)
        url = (options["url"] or simulator_url()).rstrip("/")
        try:
            response = httpx.request(method, f"{url}{path}", json=body, timeout=30)
        except httpx.HTTPError as exc:
            raise CommandError(f"simulator unreachable at {url}: {exc}") from exc
        if response.status_code >= 400:
            raise CommandError(f"{response.status_code}: {response.text}")
        self.stdout.write(json.dumps(response.json(), indent=2))

    @staticmethod
    def _request(options: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
        action = options["action"]
        if action == "resource":
            url = f"/_sim/resources/{options['kind']}/{options['resource_id']}"
            if options["resource_op"] == "get":
                return "GET", url, None
            if options["resource_op"] == "delete":
                return "POST", f"{url}/oob", {"op": "delete"}
            if not options["changes"]:
                raise CommandError("update needs at least one --set field=value")
            return "POST", f"{url}/oob", {"op": "update", "changes": dict(options["changes"])}
        if action == "add-resource":
            return "POST", f"/_sim/resources/{options['kind']}", options["body"]
        if action == "state":
            return "GET", "/_sim/state", None
        if action == "reset-faults":
            return "POST", "/_sim/reset_faults", None
        if action == "fail-next-action":
            return "POST", f"/_sim/droplets/{options['droplet_id']}/fail_next_action", None
        if action == "faults":
            return (
                "POST",
                "/_sim/faults",
                {
                    "every_nth_429": options["every_nth_429"],
                    "every_nth_500": options["every_nth_500"],
                    "latency_seconds": options["latency"],
                    "truncate_every_nth": options["truncate_every_nth"],
                    "garbage_every_nth": options["garbage_every_nth"],
                    "fail_next": options["fail_next"],
                    "action_errors": options["action_errors"],
                },
            )
        keys = ("size", "region", "image", "tags", "project_id", "name", "disk")
        given = {k: options[k] for k in keys if options.get(k) not in (None, False)}
        if action == "add-droplets":
            return "POST", "/_sim/droplets", {"count": options["count"], **given}
        return "POST", f"/_sim/droplets/{options['droplet_id']}/oob", {"op": options["op"], **given}
