"""Serve the simulated DigitalOcean API until interrupted.

    manage.py do_simulator [--port P] [--host H] [--droplets N] [--seed S]
                           [--token T | --any-token] [--action-seconds F]
                           [--rate-limit N] [--gpu-droplets N] [--state-file PATH]
                           [--verbose]

Host and port default to those of `DO_API_BASE_URL` when it is a loopback http URL (else
127.0.0.1:8765). Prints the API base URL and the token masked (the output ends up in
log files); point `DO_API_BASE_URL` and `DO_API_TOKEN` at them.

With `--state-file`, the account is read from that JSON file when it exists (the seed
options are then ignored) and written back after every change and at exit (Ctrl-C or
SIGTERM), so a restarted simulator is the account it was.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from do_simulator.address import listen_address, masked
from do_simulator.resource_kinds import DEFAULT_COUNTS
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
        parser.add_argument(
            "--rate-window", type=float, default=3600.0, help="The hourly window, in seconds."
        )
        parser.add_argument(
            "--burst-limit", type=int, default=250, help="Requests per burst window (DO: 250)."
        )
        parser.add_argument(
            "--burst-window", type=float, default=60.0, help="The burst window, in seconds."
        )
        parser.add_argument(
            "--gpu-droplets", type=int, default=3, help="GPU droplets in the seeded fleet."
        )
        parser.add_argument(
            "--state-file",
            default=None,
            help="Keep the state in this JSON file across restarts (default: none).",
        )
        parser.add_argument(
            "--resources",
            default="",
            help="Other kinds' counts, `volume=5000,domain=500` (the rest: a small account), "
            "or `none` for droplets alone.",
        )
        parser.add_argument("--verbose", action="store_true", help="Log every request.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["droplets"] < 0 or options["gpu_droplets"] < 0:
            raise CommandError("--droplets and --gpu-droplets must be zero or more")
        token = None if options["any_token"] else options["token"]
        resources = _resource_counts(options["resources"])
        self.stdout.write(f"Building a fleet of {options['droplets']} droplets...")
        state = SimState(
            droplets=options["droplets"],
            gpu_droplets=options["gpu_droplets"],
            seed=options["seed"],
            token=token,
            action_seconds=options["action_seconds"],
            rate_limit=options["rate_limit"],
            rate_window=options["rate_window"],
            burst_limit=options["burst_limit"],
            burst_window=options["burst_window"],
            resources=resources,
        )
        try:
            server = SimServer(
                state,
                host=options["host"],
                port=options["port"],
                verbose=options["verbose"],
                state_file=options["state_file"],
            )
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        except ValueError as exc:  # an unreadable state file
            raise CommandError(str(exc)) from exc
        if options["state_file"]:
            self.stdout.write(f"State file: {options['state_file']}")
        # bin/up stops its children with SIGTERM: leave through `finally`, saving the state.
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
        self.stdout.write(f"DO_API_BASE_URL={server.base_url}")
        self.stdout.write(f"DO_API_TOKEN={masked(token) if token else '<any non-empty token>'}")
        self.stdout.write(f"Control API: {server.base_url}/_sim/state  (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopping.")
        finally:
            server.stop()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _resource_counts(text: str) -> dict[str, int] | None:
    """`--resources`: None (the default small account), every kind at 0, or counts."""
    text = text.strip()
    if not text:
        return None
    if text == "none":
        return dict.fromkeys(DEFAULT_COUNTS, 0)
    counts: dict[str, int] = {}
    for item in text.split(","):
        kind, _, number = item.partition("=")
        kind = kind.strip()
        if kind not in DEFAULT_COUNTS:
            raise CommandError(f"--resources: unknown kind {kind!r}")
        if not number.strip().isdigit():
            raise CommandError(f"--resources: {kind} needs a count, e.g. {kind}=10")
        counts[kind] = int(number)
    return counts
