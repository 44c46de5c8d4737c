"""The EU list of high-risk third countries (AMLD art. 9) as data: ISO 3166 alpha-2 codes.

Commission Delegated Regulation (EU) 2016/1675, as last amended by Delegated Regulation (EU)
2025/1184 (adopted 10 June 2025, applicable from 5 August 2025), which added Algeria, Angola,
Côte d'Ivoire, Kenya, Laos, Lebanon, Monaco, Namibia, Nepal and Venezuela and removed Barbados,
Gibraltar, Jamaica, Panama, the Philippines, Senegal, Uganda and the United Arab Emirates. The
compliance officer checks this list against the Official Journal when the Commission amends it;
a change is a change of this module (its date says which version the rules apply).
"""

from __future__ import annotations

import datetime as dt

#: The amending regulation the list follows and the day it applies from.
REGULATION = "Gedelegeerde Verordening (EU) 2016/1675, gewijzigd bij (EU) 2025/1184"
APPLIES_FROM = dt.date(2025, 8, 5)

HIGH_RISK_COUNTRIES: frozenset[str] = frozenset(
    {
        "AF",  # Afghanistan
        "AO",  # Angola
        "BF",  # Burkina Faso
        "BO",  # Bolivia
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
        "VG",  # British Virgin Islands
        "VN",  # Vietnam
        "VU",  # Vanuatu
        "YE",  # Yemen
        "ZA",  # South Africa
    }
)


def country_of_iban(iban: str | None) -> str | None:
    """The country of an IBAN: its first two letters (``LB62 0999 …`` -> ``LB``)."""
    if not iban:
        return None
    code = iban.replace(" ", "")[:2].upper()
    return code if len(code) == 2 and code.isalpha() else None


def is_high_risk_iban(iban: str | None) -> bool:
    return country_of_iban(iban) in HIGH_RISK_COUNTRIES
