"""Projects, project resources and tags, as `/v2/projects` and `/v2/tags` serve them.

A resource belongs to exactly one project: assigning it moves it. Only droplet URNs are
simulated; any other URN answers with status `not_found` in the assignment result.
Tags must exist before they are put on a resource (404 otherwise), as at DO; creating
an existing tag answers 201 with it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

from . import persist, render
from .base import StateBase, locked
from .fleet import new_uuid
from .models import Droplet, Project, SimError, bad_request, not_found, unprocessable
from .state_droplets import valid_tag

PURPOSES = {
    "Just trying out DigitalOcean",
    "Class project / Educational purposes",
    "Website or blog",
    "Web Application",
    "Service or API",
    "Mobile Application",
    "Machine learning / AI / Data processing",
    "IoT",
    "Operational / Developer tooling",
}
ENVIRONMENTS = {"Development", "Staging", "Production"}
DROPLET_URN = re.compile(r"^do:droplet:(\d+)$")


class ProjectsMixin(StateBase):
    @locked
    def list_projects(self, query: Mapping[str, str], base_url: str) -> dict[str, Any]:
        page, links, meta = render.paginate(
            list(self.projects.values()), query=query, url=f"{base_url}/v2/projects"
        )
        return {"projects": [render.project(p) for p in page], "links": links, "meta": meta}

    @locked
    def get_project(self, project_id: str) -> dict[str, Any]:
        return {"project": render.project(self.project_or_404(project_id))}

    @locked
    def create_project(self, body: object) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        name, purpose = body.get("name"), body.get("purpose")
        description = body.get("description", "")
        environment = body.get("environment", "Development")
        if not isinstance(name, str) or not 1 <= len(name) <= 175:
            raise unprocessable("name is required and must be at most 175 characters")
        if not isinstance(purpose, str) or not 1 <= len(purpose) <= 255:
            raise unprocessable("purpose is required and must be at most 255 characters")
        if not isinstance(description, str) or len(description) > 255:
            raise unprocessable("description must be at most 255 characters")
        if environment not in ENVIRONMENTS:
            raise unprocessable("environment must be one of Development, Staging, Production")
        if any(p.name == name for p in self.projects.values()):
            raise SimError(409, "conflict", "a project with this name already exists")
        project = Project(
            id=new_uuid(random.Random(f"{self.seed}:project:{len(self.projects)}:{name}")),
            name=name,
            description=description,
            # DO keeps its listed purposes and stores anything else as "Other: ...".
            purpose=purpose if purpose in PURPOSES else f"Other: {purpose}",
            environment=environment,
            is_default=False,
            created_at=self.now(),
        )
        self.projects[project.id] = project
        return {"project": render.project(project)}

    @locked
    def update_project(self, project_id: str, body: object, *, partial: bool) -> dict[str, Any]:
        """PATCH (partial) or PUT (every field) of a project (projects/projects_patch.yml)."""
        project = self.project_or_404(project_id)
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        fields = ("name", "description", "purpose", "environment", "is_default")
        if not partial and any(f not in body for f in fields):
            raise unprocessable(f"PUT needs every field: {', '.join(fields)}")
        name = body.get("name", project.name)
        if not isinstance(name, str) or not 1 <= len(name) <= 175:
            raise unprocessable("name must be 1 to 175 characters")
        if any(p.name == name and p.id != project.id for p in self.projects.values()):
            raise SimError(409, "conflict", "a project with this name already exists")
        description = body.get("description", project.description)
        if not isinstance(description, str) or len(description) > 255:
            raise unprocessable("description must be at most 255 characters")
        purpose = body.get("purpose", project.purpose)
        if not isinstance(purpose, str) or not 1 <= len(purpose) <= 255:
            raise unprocessable("purpose must be 1 to 255 characters")
        environment = body.get("environment", project.environment)
        if environment not in ENVIRONMENTS:
            raise unprocessable("environment must be one of Development, Staging, Production")
        is_default = body.get("is_default", project.is_default)
        if not isinstance(is_default, bool) or (project.is_default and not is_default):
            raise unprocessable("set another project as default instead")
        if is_default and not project.is_default:
            self.default_project().is_default = False
        project.name, project.description, project.environment = name, description, environment
        project.purpose = (
            purpose
            if purpose in PURPOSES or purpose.startswith("Other: ")
            else (f"Other: {purpose}")
        )
        project.is_default = is_default
        project.updated_at = self.now()
        return {"project": render.project(project)}

    def _project_ids(self, project: Project) -> list[int]:
        return self.cached(
            ("project", project.id),
            self.version,
            lambda: [i for i in self.live_ids() if self.droplets[i].project_id == project.id],
        )

    @locked
    def list_project_resources(
        self, project_id: str, query: Mapping[str, str], base_url: str
    ) -> dict[str, Any]:
        project = self.project_or_404(project_id)
        # Droplets first, then every other kind's entries (state_resources.py).
        entries = getattr(self, "project_resource_entries", None)
        others: list[dict[str, Any]] = entries(project.id, base_url) if entries else []
        items: list[int | dict[str, Any]] = [*self._project_ids(project), *others]
        page, links, meta = render.paginate(
            items,
            query=query,
            url=f"{base_url}/v2/projects/{project_id}/resources",
        )
        resources = [
            i
            if isinstance(i, dict)
            else render.project_resource(base_url, i, self.droplets[i].assigned_at, "ok")
            for i in page
        ]
        return {"resources": resources, "links": links, "meta": meta}

    @locked
    def assign_resources(self, project_id: str, body: object, base_url: str) -> dict[str, Any]:
        project = self.project_or_404(project_id)
        urns = body.get("resources") if isinstance(body, dict) else None
        if not isinstance(urns, list) or not all(isinstance(u, str) for u in urns):
            raise bad_request("resources must be a list of URNs")
        results = []
        for urn in urns:
            match = DROPLET_URN.match(urn)
            droplet = self.droplets.get(int(match.group(1))) if match else None
            if droplet is None:
                assign = getattr(self, "assign_urn", lambda *_: None)  # other kinds
                results.append(
                    assign(urn, project.id, base_url) or {"urn": urn, "status": "not_found"}
                )
                continue
            self.move_droplet(droplet, project)
            results.append(render.project_resource(base_url, droplet.id, droplet.assigned_at, "ok"))
        return {"resources": results}

    def move_droplet(self, droplet: Droplet, project: Project) -> None:
        if droplet.project_id != project.id:
            droplet.project_id = project.id
            droplet.assigned_at = self.now()
            self.touch()

    # -- tags --------------------------------------------------------------------------

    def _tag_counts(self) -> dict[str, tuple[int, int]]:
        """Tag -> (droplet count, id of the last droplet tagged), over live droplets."""

        def build() -> dict[str, tuple[int, int]]:
            counts: dict[str, tuple[int, int]] = {}
            for droplet in self.droplets.values():
                for name in droplet.tags:
                    count, _ = counts.get(name, (0, 0))
                    counts[name] = (count + 1, droplet.id)
            return counts

        return self.cached(("tag_counts",), self.version, build)

    def _render_tag(self, name: str, base_url: str) -> dict[str, Any]:
        count, last = self._tag_counts().get(name, (0, None))
        return render.tag(base_url, name, count, last)

    @locked
    def list_tags(self, query: Mapping[str, str], base_url: str) -> dict[str, Any]:
        page, links, meta = render.paginate(
            sorted(self.tags), query=query, url=f"{base_url}/v2/tags"
        )
        return {"tags": [self._render_tag(t, base_url) for t in page], "links": links, "meta": meta}

    @locked
    def get_tag(self, name: str, base_url: str) -> dict[str, Any]:
        if name not in self.tags:
            raise not_found()
        return {"tag": self._render_tag(name, base_url)}

    @locked
    def create_tag(self, body: object, base_url: str) -> dict[str, Any]:
        name = body.get("name") if isinstance(body, dict) else None
        if not valid_tag(name):
            # DO answers this 400 with `error` and `root_causes` as well.
            message = f"tag name {name!r} contains invalid characters"
            raise SimError(
                400,
                "bad_request",
                message,
                extra={"error": message, "messages": None, "root_causes": [message]},
            )
        assert isinstance(name, str)
        self.tags.add(name)
        self.touch()
        return {"tag": self._render_tag(name, base_url)}

    @locked
    def delete_tag(self, name: str) -> None:
        if name not in self.tags:
            raise not_found()
        self.tags.discard(name)
        for droplet in self.droplets.values():
            if name in droplet.tags:
                droplet.tags = tuple(t for t in droplet.tags if t != name)
        self.touch()

    @locked
    def tag_resources(self, name: str, body: object, *, add: bool) -> None:
        if name not in self.tags:
            raise not_found()
        for droplet in self._tag_targets(body):
            if add and name not in droplet.tags:
                droplet.tags = (*droplet.tags, name)
            elif not add and name in droplet.tags:
                droplet.tags = tuple(t for t in droplet.tags if t != name)
        self.touch()

    def _tag_targets(self, body: object) -> list[Droplet]:
        resources = body.get("resources") if isinstance(body, dict) else None
        if not isinstance(resources, list) or not resources:
            raise bad_request("resources must be a non-empty list")
        targets = []
        for item in resources:
            if not isinstance(item, dict) or item.get("resource_type") != "droplet":
                raise unprocessable("only droplet resources are supported by the simulator")
            targets.append(self.droplet_or_404(str(item.get("resource_id"))))
        return targets

    # -- persistence (persist.py) ----------------------------------------------------

    def snapshot_projects(self) -> dict[str, Any]:
        return {"projects": [persist.project_json(p) for p in self.projects.values()]}

    def restore_projects(self, data: Mapping[str, Any]) -> None:
        projects = map(persist.project_from_json, data["projects"])
        self.projects = {p.id: p for p in projects}

    def snapshot_tags(self) -> dict[str, Any]:
        return {"tags": sorted(self.tags)}

    def restore_tags(self, data: Mapping[str, Any]) -> None:
        self.tags = set(data["tags"])
