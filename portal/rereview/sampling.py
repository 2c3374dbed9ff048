"""The on-site sample of a 定期复核 round: who is checked on site, drawn so that anyone can draw it again.

"抽取的比例不低于…10%", "合格率低于98%的，应适当提高…抽取比例" (seed 004, 四（十一）): the rates are the
campaign's settings (:class:`portal.campaigns.models.SampleSettings`); the units ordered to rectify in the
previous round are always checked. The draw is ``random.Random(seed)`` over the units sorted by
application id, so the recorded seed and rate give the same list again (``flask rereview-sample``).
"""

import math
import random
import secrets
from typing import NamedTuple

from portal.campaigns.models import SampleSettings
from portal.rereview.statistics import RoundFigures


def sample_size(unit_count: int, rate: int) -> int:
    """At least ``rate`` per cent of the units, rounded up."""
    return math.ceil(unit_count * rate / 100)


def draw_sample(application_ids: list[int], always: set[int], rate: int, seed: int) -> set[int]:
    """The sampled units: ``always`` (those ordered to rectify last time), then a random draw from the
    others until ``rate`` per cent of all units are in."""
    others = sorted(set(application_ids) - always)
    wanted = min(len(others), max(0, sample_size(len(application_ids), rate) - len(always)))
    return always | set(random.Random(seed).sample(others, wanted))


def new_seed() -> int:
    return secrets.randbelow(2**31)  # fits the database's integer


class SampleDefault(NamedTuple):
    rate: int
    note: str


def default_sample(settings: SampleSettings, previous: RoundFigures | None) -> SampleDefault:
    """The rate a new round starts from, and why: raised when the last round kept too few without rectification."""
    kept_share = previous.kept_share if previous else None
    rate = settings.rate_after(kept_share)
    if rate > settings.rate:
        return SampleDefault(
            rate,
            f"上一轮（{previous.round.name}）未经整改即保持的单位占 {kept_share:.1%}，低于 {settings.pass_threshold}%，"
            f"抽取比例由 {settings.rate}% 提高到 {rate}%。",
        )
    return SampleDefault(rate, f"现场检查抽取比例不低于 {rate}%；上一轮限期整改的单位必查。")
