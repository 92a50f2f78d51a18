"""A tenant's billing terms (markup, currency): every write audited (`tenants.audit`)."""

from __future__ import annotations

from billing.models import Account
from tenants.audit import audited_save

ACCOUNT_FIELDS = ("tenant", "markup_percent", "currency")


def save_account(account: Account, *, actor: str) -> Account:
    """Creates or changes a tenant's billing account as given, recording old and new
    values; the next draft invoice uses them, finalized ones keep theirs."""
    audited_save(account, fields=ACCOUNT_FIELDS, actor=actor)
    return account
