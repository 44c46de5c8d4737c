"""The risk class of a member, computed from facts (pure: plain data in, plain data out).

The compliance officer's due-diligence file holds the facts (kind, country of residence or
registration, nationality, PEP, a confirmed sanctions hit, an organisation's sector, the
expected use and the purpose of the relationship); :func:`assess` turns them into a class and
the reasons that set it. The officer may set a higher class than computed, with a reason, never
a lower one (:func:`final_class`).

The rules, and why:

* A person resident in the EU/EEA without any other factor is *low*.
* An organisation is at least *normal*: its owners stand behind it (UBO research).
* A country of residence (registration) or nationality outside the EU/EEA is *normal*; on the EU
  list of high-risk third countries (:mod:`bank.compliance.countries`) it is *high*.
* A politically exposed person, or a confirmed sanctions hit, is *high*.
* An organisation active in a higher-risk sector (:data:`HIGH_RISK_SECTORS`) is *high*.
* Expected turnover above :data:`TURNOVER_THRESHOLDS` (a month, by kind) is *high*: far more
  than a neighbourhood bank's members move.
* A relationship to hold third parties' money is *high*; an "other" purpose is *normal* (it
  needs explaining).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal

from bank.compliance import countries


class RiskClass(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {RiskClass.LOW: 0, RiskClass.NORMAL: 1, RiskClass.HIGH: 2}

#: Years until the next periodic review, by class (from the assessment date).
REVIEW_YEARS = {RiskClass.LOW: 5, RiskClass.NORMAL: 3, RiskClass.HIGH: 1}


class Sector(enum.StrEnum):
    """What an organisation does, as far as the risk of money laundering goes."""

    FOOD_AND_RETAIL = "food_and_retail"
    CRAFT_AND_REPAIR = "craft_and_repair"
    CARE_AND_EDUCATION = "care_and_education"
    ENERGY = "energy"
    HOUSING_AND_LAND = "housing_and_land"
    CULTURE_AND_SPORT = "culture_and_sport"
    NEIGHBOURHOOD = "neighbourhood"
    #: Higher-risk sectors below.
    CASH_INTENSIVE_TRADE = "cash_intensive_trade"
    CRYPTO_ASSETS = "crypto_assets"
    GAMBLING = "gambling"
    REAL_ESTATE_DEALING = "real_estate_dealing"
    PRECIOUS_GOODS = "precious_goods"
    MONEY_TRANSFER = "money_transfer"
    OTHER = "other"


#: Sectors with a higher risk of money laundering (the Wwft's and the national risk
#: assessment's usual suspects): cash-heavy trade, crypto, gambling, dealing in real estate,
#: precious metals and stones or art, money transfer.
HIGH_RISK_SECTORS = frozenset(
    {
        Sector.CASH_INTENSIVE_TRADE,
        Sector.CRYPTO_ASSETS,
        Sector.GAMBLING,
        Sector.REAL_ESTATE_DEALING,
        Sector.PRECIOUS_GOODS,
        Sector.MONEY_TRANSFER,
    }
)


class RelationPurpose(enum.StrEnum):
    """Why the member banks with us (the purpose and intended nature of the relationship)."""

    SAVING = "saving"
    PAYMENTS = "payments"
    BORROWING = "borrowing"
    BUSINESS = "business"
    THIRD_PARTY_FUNDS = "third_party_funds"
    OTHER = "other"


#: Expected monthly turnover (euros) above which the expected use alone makes the risk high.
TURNOVER_THRESHOLDS = {"person": Decimal("10000.00"), "organisation": Decimal("50000.00")}


@dataclass(frozen=True)
class RiskFacts:
    """What the class is computed from."""

    is_organisation: bool
    #: ISO-2 country of residence (persons) or registration (organisations).
    residence_country: str = "NL"
    nationality: str | None = None
    pep: bool = False
    sanctions_hit: bool = False
    sector: Sector | None = None
    expected_monthly_turnover: Decimal | None = None
    purpose: RelationPurpose | None = None


@dataclass(frozen=True)
class Reason:
    """One fact that sets (at least) a class: a code and its values (a country, an amount)."""

    code: str
    risk_class: RiskClass
    params: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "class": self.risk_class.value, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Reason:
        params = data.get("params") or {}
        assert isinstance(params, dict)
        return cls(
            str(data["code"]), RiskClass(str(data["class"])), {str(k): str(v) for k, v in params.items()}
        )


@dataclass(frozen=True)
class Outcome:
    risk_class: RiskClass
    reasons: tuple[Reason, ...]


def assess(facts: RiskFacts) -> Outcome:
    """The class the facts give and every reason that raised it above low (or "no factors")."""
    reasons: list[Reason] = []
    if facts.is_organisation:
        reasons.append(Reason("organisation", RiskClass.NORMAL))
    for code_prefix, country in (("residence", facts.residence_country), ("nationality", facts.nationality)):
        if not country:
            continue
        country = countries.normalise(country)
        if countries.is_high_risk_third_country(country):
            reasons.append(Reason(f"{code_prefix}_high_risk_country", RiskClass.HIGH, {"country": country}))
        elif not countries.in_eea(country):
            reasons.append(Reason(f"{code_prefix}_outside_eea", RiskClass.NORMAL, {"country": country}))
    if facts.pep:
        reasons.append(Reason("pep", RiskClass.HIGH))
    if facts.sanctions_hit:
        reasons.append(Reason("sanctions_hit", RiskClass.HIGH))
    if facts.is_organisation and facts.sector in HIGH_RISK_SECTORS:
        reasons.append(Reason("high_risk_sector", RiskClass.HIGH, {"sector": facts.sector.value}))
    threshold = TURNOVER_THRESHOLDS["organisation" if facts.is_organisation else "person"]
    if facts.expected_monthly_turnover is not None and facts.expected_monthly_turnover > threshold:
        reasons.append(
            Reason(
                "turnover_above_threshold",
                RiskClass.HIGH,
                {"amount": str(facts.expected_monthly_turnover), "threshold": str(threshold)},
            )
        )
    if facts.purpose is RelationPurpose.THIRD_PARTY_FUNDS:
        reasons.append(Reason("third_party_funds", RiskClass.HIGH))
    elif facts.purpose is RelationPurpose.OTHER:
        reasons.append(Reason("purpose_other", RiskClass.NORMAL))
    if not reasons:
        return Outcome(RiskClass.LOW, (Reason("no_risk_factors", RiskClass.LOW),))
    highest = max((reason.risk_class for reason in reasons), key=lambda risk: risk.rank)
    return Outcome(highest, tuple(reasons))


def final_class(computed: RiskClass, raised_to: RiskClass | None) -> RiskClass:
    """The officer's class when higher than computed; never lower (the caller refuses that)."""
    if raised_to is None or raised_to.rank <= computed.rank:
        return computed
    return raised_to


def review_due_on(risk_class: RiskClass, assessed_on: dt.date) -> dt.date:
    """The next periodic review: 5, 3 or 1 years after the assessment (29 February -> 28th)."""
    years = REVIEW_YEARS[risk_class]
    try:
        return assessed_on.replace(year=assessed_on.year + years)
    except ValueError:
        return assessed_on.replace(year=assessed_on.year + years, day=28)
