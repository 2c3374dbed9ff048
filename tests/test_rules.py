"""The notice's rules as pure functions: the USCC check character and the scale rule."""

from decimal import Decimal

import pytest

from portal.accounts.uscc import uscc_check_character, uscc_error
from portal.campaigns.models import NOTICE_LARGE_MIN_EMPLOYEES, NOTICE_LARGE_MIN_REVENUE, Campaign, Scale

VALID = "91350100M000100Y43"  # the code commonly cited as a valid example of GB 32100-2015


def test_known_valid_code_passes():
    assert uscc_check_character(VALID[:17]) == "3"
    assert uscc_error(VALID) is None


def test_lowercase_is_accepted_as_the_same_code():
    assert uscc_error(VALID.lower()) is None


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("91350100M000100Y44", "校验位"),
        ("91350100M000100Y4", "18 位"),
        ("91350100M000100Y433", "18 位"),
        ("", "18 位"),
        ("91350100M0001I0Y43", "不允许的字符"),
    ],
)
def test_invalid_codes_are_refused_with_the_reason(code, fragment):
    assert fragment in uscc_error(code)


@pytest.mark.parametrize(
    "employees, revenue, expected",
    [
        (999, 100000, Scale.SME),  # fewer than 1000 people
        (1000, 40000, Scale.LARGE),  # both at the bound: "以下" excludes it
        (1000, Decimal("39999.99"), Scale.SME),
        (5000, 39999, Scale.SME),  # revenue below 4 亿元 alone is enough
        (1000, 40000.01, Scale.LARGE),
    ],
)
def test_scale_rule_at_its_bounds(employees, revenue, expected):
    assert _notice_campaign().scale_of(employees, revenue) == expected


def test_scale_unknown_until_both_figures_are_given():
    assert _notice_campaign().scale_of(None, 50000) is None
    assert _notice_campaign().scale_of(1200, None) is None


def test_scale_uses_the_campaign_thresholds():
    campaign = Campaign(large_min_employees=2000, large_min_revenue=40000)
    assert campaign.scale_of(1500, 50000) == Scale.SME


def _notice_campaign() -> Campaign:
    return Campaign(large_min_employees=NOTICE_LARGE_MIN_EMPLOYEES, large_min_revenue=NOTICE_LARGE_MIN_REVENUE)
