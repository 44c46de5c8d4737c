"""The e-mail sent to the applicant on each status change, in their language (nl or en).

Domain text, not gettext: the message is written in the *member's* language, which need not be
the language of whoever caused the change (a Dutch credit officer, an English applicant).
"""

from __future__ import annotations

from bank.applications.models import ApplicationStatus as S

_SUBJECTS: dict[str, dict[S, str]] = {
    "nl": {
        S.SUBMITTED: "Uw kredietaanvraag {number} is ontvangen",
        S.IN_REVIEW: "Uw kredietaanvraag {number} wordt beoordeeld",
        S.ON_AGENDA: "Uw kredietaanvraag {number} staat op de agenda van de kredietcommissie",
        S.RETURNED: "Uw kredietaanvraag {number}: wij hebben meer informatie nodig",
        S.APPROVED: "Uw kredietaanvraag {number} is goedgekeurd",
        S.REJECTED: "Besluit over uw kredietaanvraag {number}",
        S.WITHDRAWN: "Uw kredietaanvraag {number} is ingetrokken",
        S.EXPIRED: "Het aanbod voor kredietaanvraag {number} is verlopen",
        S.DISBURSED: "Uw lening {loan} is uitbetaald",
    },
    "en": {
        S.SUBMITTED: "Your loan application {number} has been received",
        S.IN_REVIEW: "Your loan application {number} is being reviewed",
        S.ON_AGENDA: "Your loan application {number} is on the loan committee's agenda",
        S.RETURNED: "Your loan application {number}: we need more information",
        S.APPROVED: "Your loan application {number} has been approved",
        S.REJECTED: "Decision on your loan application {number}",
        S.WITHDRAWN: "Your loan application {number} has been withdrawn",
        S.EXPIRED: "The offer for loan application {number} has expired",
        S.DISBURSED: "Your loan {loan} has been paid out",
    },
}

_BODIES: dict[str, dict[S, str]] = {
    "nl": {
        S.SUBMITTED: "We hebben uw aanvraag ontvangen. Een kredietadviseur neemt haar in behandeling.",
        S.IN_REVIEW: "Een kredietadviseur beoordeelt nu uw aanvraag.",
        S.ON_AGENDA: "Uw aanvraag wordt besproken in de vergadering van de kredietcommissie.",
        S.RETURNED: "Wilt u uw aanvraag aanvullen en opnieuw indienen? Toelichting:",
        S.APPROVED: "De kredietcommissie heeft uw aanvraag goedgekeurd. De besluitbrief staat in het portaal."
        " Het aanbod is geldig tot {expires}.",
        S.REJECTED: "De kredietcommissie heeft uw aanvraag helaas afgewezen. De besluitbrief met de redenen"
        " staat in het portaal.",
        S.WITHDRAWN: "Uw aanvraag is ingetrokken.",
        S.EXPIRED: "Het aanbod is niet binnen 90 dagen gebruikt en is verlopen.",
        S.DISBURSED: "Het bedrag is uitbetaald. Het aflossingsschema staat in het portaal.",
    },
    "en": {
        S.SUBMITTED: "We have received your application. A credit officer will take it up.",
        S.IN_REVIEW: "A credit officer is now reviewing your application.",
        S.ON_AGENDA: "Your application will be discussed at the loan committee's meeting.",
        S.RETURNED: "Please complete your application and submit it again. Note:",
        S.APPROVED: "The loan committee has approved your application. The decision letter is in the portal."
        " The offer is valid until {expires}.",
        S.REJECTED: "The loan committee has unfortunately declined your application. The decision letter with"
        " the reasons is in the portal.",
        S.WITHDRAWN: "Your application has been withdrawn.",
        S.EXPIRED: "The offer was not taken up within 90 days and has expired.",
        S.DISBURSED: "The amount has been paid out. The repayment schedule is in the portal.",
    },
}


def status_message(
    language: str, status: S, *, number: str, note: str = "", **values: str
) -> tuple[str, str]:
    """(subject, body) for a move to ``status`` in ``language`` (Dutch when unknown)."""
    lang = language if language in _SUBJECTS else "nl"
    subject = _SUBJECTS[lang][status].format(number=number, **values)
    body = _BODIES[lang][status].format(number=number, **values)
    if note and status in (S.RETURNED, S.WITHDRAWN, S.REJECTED):
        body = f"{body}\n\n{note}"
    greeting = "Beste aanvrager," if lang == "nl" else "Dear applicant,"
    closing = "Met vriendelijke groet,\nWijkbank" if lang == "nl" else "Kind regards,\nWijkbank"
    return subject, f"{greeting}\n\n{body}\n\n{closing}\n"
