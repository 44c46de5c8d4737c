"""The expected-credit-loss maths, pure: a loan's stage and its expected loss (no session).

Staging (issue 16): stage 1 is current or up to 30 days past due; stage 2 is 31–90 days past
due, on the credit officer's watchlist, or forborne; stage 3 is over 90 days past due or judged
credit-impaired. The strongest reason decides.

Expected loss = exposure × PD × LGD, rounded half up to the cent once, at the end. LGD comes
from the collateral register: (exposure − cover) / exposure when something is registered
(never below 0: cover beyond the exposure recovers nothing more), the table's unsecured LGD when
nothing is. So a secured loan's loss is exactly PD × (exposure − cover), with no intermediate
rounding of the LGD. The run works in integer cents and integer rate parts (``RATE_SCALE``)
so a month-end of 100 000 loans makes no Decimal arithmetic per loan; :func:`expected_loss` is
the Decimal statement of the same rule the tests hold it to.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bank.money import RATE_SCALE, ZERO, round_cents

#: Days past due up to which a loan stays in stage 1, and up to which it is in stage 2.
STAGE_1_MAX_DAYS = 30
STAGE_2_MAX_DAYS = 90

CURRENT = "current"
ARREARS = "arrears"
WATCHLIST = "watchlist"
FORBORNE = "forborne"
CREDIT_IMPAIRED = "credit_impaired"


def stage_of(
    days_past_due: int, *, watchlist: bool = False, credit_impaired: bool = False, forborne: bool = False
) -> tuple[int, str]:
    """(stage, reason) of a loan at a month-end; the reason is the one that put it highest."""
    if credit_impaired:
        return 3, CREDIT_IMPAIRED
    if days_past_due > STAGE_2_MAX_DAYS:
        return 3, ARREARS
    if days_past_due > STAGE_1_MAX_DAYS:
        return 2, ARREARS
    if watchlist:
        return 2, WATCHLIST
    if forborne:
        return 2, FORBORNE
    return 1, CURRENT


def expected_loss(
    exposure: Decimal, probability: Decimal, *, cover: Decimal | None, unsecured_lgd: Decimal
) -> tuple[Decimal, Decimal]:
    """(LGD to 8 decimals, expected loss to the cent) of one loan; nothing owed, nothing lost."""
    if exposure <= 0:
        return (unsecured_lgd if cover is None else ZERO), ZERO
    if cover is None:
        return unsecured_lgd, round_cents(exposure * probability * unsecured_lgd)
    uncovered = max(exposure - max(cover, ZERO), ZERO)
    lgd = (uncovered / exposure).quantize(Decimal(1) / RATE_SCALE, rounding=ROUND_HALF_UP)
    return lgd, round_cents(uncovered * probability)


def _half_up_div(numerator: int, divisor: int) -> int:
    """numerator / divisor rounded half up, for numerator >= 0 (integers only)."""
    return (2 * numerator + divisor) // (2 * divisor)


def expected_loss_cents(
    exposure_cents: int, probability_parts: int, *, cover_cents: int | None, unsecured_lgd_parts: int
) -> tuple[int, int]:
    """:func:`expected_loss` in integers: (LGD in rate parts, loss in cents). The run's path."""
    if exposure_cents <= 0:
        return (unsecured_lgd_parts if cover_cents is None else 0), 0
    if cover_cents is None:
        loss = _half_up_div(exposure_cents * probability_parts * unsecured_lgd_parts, RATE_SCALE * RATE_SCALE)
        return unsecured_lgd_parts, loss
    uncovered = max(exposure_cents - max(cover_cents, 0), 0)
    lgd = _half_up_div(uncovered * RATE_SCALE, exposure_cents)
    return lgd, _half_up_div(uncovered * probability_parts, RATE_SCALE)
