"""Pricing as pure functions (DESIGN.md, "Rule version", "Cost", "Money"): exact Decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcadia.errors import InvalidInput
from billing.models import Rule
from billing.periods import parse_month
from billing.pricing import line_amount, round_cents, rule_for, share, split, usage_cost

D = Decimal
HOURLY, MONTHLY = D("0.00893"), D("6.00")  # DO's s-1vcpu-1gb


def cost(seconds: int, rule: Rule, hourly: Decimal = HOURLY, monthly: Decimal = MONTHLY):
    return usage_cost(seconds, price_hourly=hourly, price_monthly=monthly, rule=rule)


def test_rule_is_hourly_before_2026_and_per_second_from_january_2026():
    assert rule_for(date(2025, 12, 1)) == Rule.HOURLY
    assert rule_for(date(2026, 1, 1)) == Rule.PER_SECOND


def test_hourly_rounds_seconds_up_to_whole_hours():
    assert cost(1, Rule.HOURLY).hours == 1
    assert cost(3600, Rule.HOURLY).hours == 1
    assert cost(3601, Rule.HOURLY).cost == D("0.01786")


def test_per_second_is_seconds_over_3600_exactly():
    assert cost(5400, Rule.PER_SECOND).cost == D("0.013395")
    assert cost(5400, Rule.PER_SECOND).hours == D("1.5")


def test_per_second_bills_at_least_60_seconds():
    assert cost(1, Rule.PER_SECOND).hours == cost(60, Rule.PER_SECOND).hours == D(60) / 3600


def test_per_second_costs_at_least_one_cent():
    assert cost(60, Rule.PER_SECOND).cost == D("0.01")


def test_hourly_has_no_one_cent_minimum():
    assert cost(60, Rule.HOURLY, hourly=D("0.001")).cost == D("0.001")


def test_cap_is_price_monthly_itself_not_672_rounded_hours():
    # 672 x 0.00893 = 6.00096 > 6.00: the cap is 6.00, exactly.
    capped = cost(672 * 3600, Rule.HOURLY)
    assert (capped.cost, capped.capped) == (D("6.00"), True)
    below = cost(671 * 3600, Rule.HOURLY)
    assert (below.cost, below.capped) == (D("5.99203"), False)


def test_a_whole_31_day_month_costs_price_monthly():
    assert cost(31 * 86400, Rule.PER_SECOND).cost == MONTHLY
    assert cost(31 * 86400, Rule.HOURLY).cost == MONTHLY


def test_a_whole_28_day_month_is_not_capped():
    # 672 h x 0.00893 = 6.00096: a 28-day February is 672 hours, just over the cap.
    assert cost(28 * 86400, Rule.HOURLY).cost == MONTHLY
    cheap = cost(28 * 86400, Rule.PER_SECOND, hourly=D("0.0089"))
    assert (cheap.cost, cheap.capped) == (D("5.9808"), False)


def test_shares_are_proportional_to_seconds():
    total = cost(31 * 86400, Rule.PER_SECOND)
    shares = split(total, {"a": 10 * 86400, "b": 21 * 86400})
    assert shares["a"].cost == (D("6.00") * 10 / 31).quantize(D("1e-12"))
    assert abs(shares["a"].cost + shares["b"].cost - D("6.00")) <= D("1e-12")


def test_amount_is_cost_with_markup_rounded_half_up_once():
    assert line_amount(D("0.005"), D("0")) == D("0.01")
    assert line_amount(D("0.004999"), D("0")) == D("0.00")
    assert line_amount(D("1.00"), D("0.5")) == D("1.01")  # 1.005 exactly: half up
    assert line_amount(D("0.015"), D("0")) == D("0.02")  # not banker's rounding (0.02 too)
    assert line_amount(D("0.025"), D("0")) == D("0.03")  # banker's would give 0.02


def test_exact_half_cent_from_per_second_arithmetic_rounds_up():
    # 1,800 s at 0.01/h is 0.005 exactly; computed as seconds x price / 3600 it stays exact.
    half = cost(1800, Rule.PER_SECOND, hourly=D("0.01"), monthly=D("100"))
    assert half.cost == D("0.01")  # the $0.01 minimum
    one_and_half = cost(5400, Rule.PER_SECOND, hourly=D("0.01"), monthly=D("100"))
    assert one_and_half.cost == D("0.015")
    assert round_cents(one_and_half.cost) == D("0.02")


@pytest.mark.parametrize("text", ["2026-13", "26-1", "2026-3", "2026-00", "2026-03-01", "", "x"])
def test_malformed_month_is_invalid_input(text):
    with pytest.raises(InvalidInput, match="expected YYYY-MM"):
        parse_month(text)


def test_month_parses_to_its_first_day():
    assert parse_month("2026-03") == date(2026, 3, 1)


prices = st.decimals(min_value=D("0.00001"), max_value=D("2"), places=5)
markups = st.decimals(min_value=D("0"), max_value=D("100"), places=3)
seconds = st.integers(min_value=1, max_value=31 * 86400)
rules = st.sampled_from([Rule.HOURLY, Rule.PER_SECOND])


@given(
    hourly=prices,
    cap_hours=st.integers(min_value=1, max_value=800),
    markup=markups,
    owners=st.lists(seconds, min_size=1, max_size=4),
    rule=rules,
)
def test_no_line_exceeds_the_monthly_price_with_markup(hourly, cap_hours, markup, owners, rule):
    monthly = (hourly * cap_hours).quantize(D("0.01")) or D("0.01")
    total = usage_cost(sum(owners), price_hourly=hourly, price_monthly=monthly, rule=rule)
    limit = round_cents(monthly * (1 + markup / 100))
    for part in split(total, dict(enumerate(owners))).values():
        assert line_amount(part.cost, markup) <= limit


@given(owners=st.lists(seconds, min_size=1, max_size=6), rule=rules, hourly=prices)
def test_shares_add_up_to_the_cost(owners, rule, hourly):
    total = usage_cost(sum(owners), price_hourly=hourly, price_monthly=D("50"), rule=rule)
    parts = split(total, dict(enumerate(owners)))
    assert abs(sum(p.cost for p in parts.values()) - total.cost) <= D("1e-12") * len(owners)


@given(seconds=seconds, rule=rules, hourly=prices)
def test_one_owner_takes_the_whole_cost(seconds, rule, hourly):
    total = usage_cost(seconds, price_hourly=hourly, price_monthly=D("50"), rule=rule)
    assert share(total, seconds, seconds).cost == total.cost.quantize(D("1e-12"))
