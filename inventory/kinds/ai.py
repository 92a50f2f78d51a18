"""AI: dedicated inference endpoints, GenAI agents and knowledge bases. The GenAI
objects are keyed by `uuid` (gen-ai/definitions.yml), not `id`."""

from __future__ import annotations

from typing import Any

from inventory.kinds.base import (
    KindSpec,
    Listing,
    ResourceRow,
    canonical_tags,
    fetch_by,
    slug_of,
)
from inventory.models import Kind


def normalize_dedicated_inference(raw: dict[str, Any]) -> ResourceRow:
    """A dedicated inference (dedicated_inferences/models/dedicated_inference.yml).
    Its name is its spec's when DO gives one.

    Meaningful: spec (models, accelerators, scaling: what runs), vpc_uuid, created_at.
    Left out as volatile: `pending_deployment_spec` (a deploy in flight; the spec it
    lands becomes `spec`), `endpoints` (hostnames), `updated_at`."""
    spec = raw.get("spec") or {}
    return ResourceRow(
        kind=Kind.DEDICATED_INFERENCE,
        provider_id=str(raw["id"]),
        name=raw.get("name") or spec.get("name") or "",
        region=slug_of(raw.get("region")),
        status=raw.get("status") or "",
        attrs={
            "spec": spec,
            "vpc_uuid": raw.get("vpc_uuid"),
            "created_at": raw.get("created_at"),
        },
    )


def normalize_genai_agent(raw: dict[str, Any]) -> ResourceRow:
    """A GenAI agent (gen-ai/definitions.yml, apiAgent).

    Meaningful: model (its uuid), instruction, description, temperature, top_p, k,
    max_tokens, retrieval_method, knowledge_base_uuids (sorted), created_at; the status
    column is the deployment's status. Left out as volatile: `updated_at`,
    `version_hash`, the deployment's url and timestamps, API key infos (secrets),
    `chatbot_identifiers`, usage counters, `project_id`."""
    model = raw.get("model") or {}
    return ResourceRow(
        kind=Kind.GENAI_AGENT,
        provider_id=str(raw["uuid"]),
        name=raw.get("name") or "",
        region=slug_of(raw.get("region")),
        status=(raw.get("deployment") or {}).get("status") or "",
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "model": model.get("uuid"),
            "instruction": raw.get("instruction"),
            "description": raw.get("description"),
            "temperature": raw.get("temperature"),
            "top_p": raw.get("top_p"),
            "k": raw.get("k"),
            "max_tokens": raw.get("max_tokens"),
            "retrieval_method": raw.get("retrieval_method"),
            "knowledge_base_uuids": sorted(
                str(kb.get("uuid")) for kb in raw.get("knowledge_bases") or ()
            ),
            "created_at": raw.get("created_at"),
        },
    )


def normalize_knowledge_base(raw: dict[str, Any]) -> ResourceRow:
    """A GenAI knowledge base (gen-ai/definitions.yml, apiKnowledgeBase).

    Meaningful: embedding_model_uuid, database_id (its OpenSearch cluster), is_public,
    created_at. Left out as volatile: `last_indexing_job` (every indexing run rewrites
    it), `updated_at`, `added_to_agent_at`, `project_id`, `user_id`."""
    return ResourceRow(
        kind=Kind.KNOWLEDGE_BASE,
        provider_id=str(raw["uuid"]),
        name=raw.get("name") or "",
        region=slug_of(raw.get("region")),
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "embedding_model_uuid": raw.get("embedding_model_uuid"),
            "database_id": raw.get("database_id"),
            "is_public": raw.get("is_public"),
            "created_at": raw.get("created_at"),
        },
    )


DEDICATED_INFERENCE = KindSpec(
    kind=Kind.DEDICATED_INFERENCE,
    listings=(Listing("/v2/dedicated-inferences", "dedicated_inferences"),),
    normalize=normalize_dedicated_inference,
    fetch=fetch_by("/v2/dedicated-inferences/{id}", "dedicated_inference"),
)

GENAI_AGENT = KindSpec(
    kind=Kind.GENAI_AGENT,
    listings=(Listing("/v2/gen-ai/agents", "agents"),),
    normalize=normalize_genai_agent,
    fetch=fetch_by("/v2/gen-ai/agents/{id}", "agent"),
)

KNOWLEDGE_BASE = KindSpec(
    kind=Kind.KNOWLEDGE_BASE,
    listings=(Listing("/v2/gen-ai/knowledge_bases", "knowledge_bases"),),
    normalize=normalize_knowledge_base,
    fetch=fetch_by("/v2/gen-ai/knowledge_bases/{id}", "knowledge_base"),
)
