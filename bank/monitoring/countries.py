"""Countries of IBANs, against the EU list of high-risk third countries kept by due diligence.

The list itself (Delegated Regulation (EU) 2016/1675 as amended, ISO 3166 alpha-2 codes) is
``bank.compliance.countries.HIGH_RISK_THIRD_COUNTRIES``: one list for the risk class and for the
payments the monitoring watches, so an amendment is made once.
"""

from __future__ import annotations

from bank.compliance.countries import HIGH_RISK_THIRD_COUNTRIES

#: The codes the rule "to or from a high-risk third country" watches.
HIGH_RISK_COUNTRIES = HIGH_RISK_THIRD_COUNTRIES


def country_of_iban(iban: str | None) -> str | None:
    """The country of an IBAN: its first two letters (``LB62 0999 …`` -> ``LB``)."""
    if not iban:
        return None
    code = iban.replace(" ", "")[:2].upper()
    return code if len(code) == 2 and code.isalpha() else None


def is_high_risk_iban(iban: str | None) -> bool:
    return country_of_iban(iban) in HIGH_RISK_COUNTRIES
