"""Countries as compliance sees them: the EU/EEA, and the EU's list of high-risk third countries.

Plain data (ISO 3166-1 alpha-2 codes) and two small functions, importable by any part of
compliance (due diligence reads a member's country of residence, transaction monitoring the
country of an IBAN). No session, no Flask.

The high-risk list follows Commission Delegated Regulation (EU) 2016/1675 (the list of
high-risk third countries with strategic deficiencies, art. 9 of Directive (EU) 2015/849) as
last amended by Delegated Regulation (EU) 2025/1184 of 10 June 2025 (in force 5 August 2025).
When the Commission amends it, change :data:`HIGH_RISK_THIRD_COUNTRIES` and
:data:`HIGH_RISK_LIST_DATE` together.
"""

from __future__ import annotations

import datetime as dt

from babel import Locale

#: The 27 member states of the European Union.
EU_COUNTRIES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip

#: The European Economic Area: the EU plus Iceland, Liechtenstein and Norway.
EEA_COUNTRIES = EU_COUNTRIES | frozenset({"IS", "LI", "NO"})

#: The date of the delegated regulation the list below follows.
HIGH_RISK_LIST_DATE = dt.date(2025, 6, 10)

#: High-risk third countries (Delegated Regulation (EU) 2016/1675 as amended on
#: :data:`HIGH_RISK_LIST_DATE`).
HIGH_RISK_THIRD_COUNTRIES = frozenset(
    {
        "AF",  # Afghanistan
        "AO",  # Angola
        "BF",  # Burkina Faso
        "CD",  # Democratic Republic of the Congo
        "CI",  # Côte d'Ivoire
        "CM",  # Cameroon
        "DZ",  # Algeria
        "HT",  # Haiti
        "IR",  # Iran
        "KE",  # Kenya
        "KP",  # North Korea
        "LA",  # Laos
        "LB",  # Lebanon
        "MC",  # Monaco
        "ML",  # Mali
        "MM",  # Myanmar
        "MZ",  # Mozambique
        "NA",  # Namibia
        "NG",  # Nigeria
        "NP",  # Nepal
        "SS",  # South Sudan
        "SY",  # Syria
        "TT",  # Trinidad and Tobago
        "TZ",  # Tanzania
        "VE",  # Venezuela
        "VN",  # Vietnam
        "VU",  # Vanuatu
        "YE",  # Yemen
        "ZA",  # South Africa
    }
)

#: CLDR's territories that are no country (groupings, unknown, pseudo-regions).
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})

#: Every ISO 3166-1 alpha-2 code a form may name (CLDR's territories, through Babel).
COUNTRY_CODES = frozenset(
    code
    for code in map(str, Locale("en").territories)
    if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)

assert HIGH_RISK_THIRD_COUNTRIES <= COUNTRY_CODES and EEA_COUNTRIES <= COUNTRY_CODES
assert not HIGH_RISK_THIRD_COUNTRIES & EEA_COUNTRIES


def normalise(code: str | None) -> str:
    """``" nl "`` -> ``"NL"`` (not checked: see :func:`is_country`)."""
    return (code or "").strip().upper()


def is_country(code: str | None) -> bool:
    return normalise(code) in COUNTRY_CODES


def in_eea(code: str | None) -> bool:
    return normalise(code) in EEA_COUNTRIES


def is_high_risk_third_country(code: str | None) -> bool:
    """Whether the country is on the EU list of high-risk third countries."""
    return normalise(code) in HIGH_RISK_THIRD_COUNTRIES
