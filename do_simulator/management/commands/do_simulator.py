"""Serve the simulated DigitalOcean API until interrupted.

    manage.py do_simulator [--port P] [--host H] [--droplets N] [--seed S]
                           [--token T | --any-token] [--action-seconds F]
                           [--rate-limit N] [--verbose]

Host and port default to those of `DO_API_BASE_URL` when it is a loopback http URL (else
127.0.0.1:8765). Prints the API base URL and the token masked (the output ends up in
log files); point `DO_API_BASE_URL` and `DO_API_TOKEN` at them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from do_simulator.address import listen_address, masked
from do_simulator.server import SimServer
from do_simulator.state import SimState


class Command(BaseCommand):
    help = "Serve a simulated DigitalOcean v2 API (droplets, projects, tags, invoices)."

    def add_arguments(self, parser: CommandParser) -> None:
        host, port = listen_address()
        parser.add_argument("--host", default=host, help="Default: DO_API_BASE_URL's host.")
        parser.add_argument("--port", type=int, default=port, help="Default: its port.")
        parser.add_argument("--droplets", type=int, default=50, help="Size of the fleet.")
        parser.add_argument("--seed", type=int, default=1)
        auth = parser.add_mutually_exclusive_group()
        auth.add_argument("--token", default="sim-token", help="The one accepted token.")
        auth.add_argument(
            "--any-token", action="store_true", help="Accept any non-empty bearer token."
        )
        parser.add_argument(
            "--action-seconds", type=float, default=2.0, help="How long an action runs."
        )
        parser.add_argument("--rate-limit", type=int, default=5000, help="Requests per hour.")
        parser.add_argument("--verbose", action="store_true", help="Log every request.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["droplets"] < 0:
            raise CommandError("--droplets must be zero or more")
        token = None if options["any_token"] else options["token"]
        self.stdout.write(f"Building a fleet of {options['droplets']} droplets...")
        state = SimState(
            droplets=options["droplets"],
            seed=options["seed"],
            token=token,
            action_seconds=options["action_seconds"],
            rate_limit=options["rate_limit"],
        )
        try:
            server = SimServer(
                state, host=options["host"], port=options["port"], verbose=options["verbose"]
            )
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        self.stdout.write(f"DO_API_BASE_URL={server.base_url}")
        self.stdout.write(f"DO_API_TOKEN={masked(token) if token else '<any non-empty token>'}")
        self.stdout.write(f"Control API: {server.base_url}/_sim/state  (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopping.")
        finally:
            server.stop()
