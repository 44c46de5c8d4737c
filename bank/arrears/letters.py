"""Reminder letters as PDF, in the borrower's language (nl/en): herinnering, aanmaning,
ingebrekestelling and the hand-over to collections.

:func:`render_letter` is pure (a :class:`LetterView` in, PDF bytes out, deterministic with
``invariant=1``), so it is tested without an app or a database, as the decision letters are
(:mod:`bank.committee.letters`). Like the statements, a letter is written in the member's
language, not the language of whoever's browser started the run, so its words come from the
tables below rather than from a request's catalogue.

The notice of default is written as a Dutch bank writes one: it states the amount due and what
it is made of, puts the borrower in default under art. 6:82 BW with a last term of fourteen days
from the day after receipt (:data:`NOTICE_TERM_DAYS`), and says what follows when that term
passes: default without further notice, penalty interest, the whole loan due, the file handed
to collections with the extrajudicial collection costs of the Besluit vergoeding voor
buitengerechtelijke incassokosten (:func:`collection_costs`, the statutory scale, stated in
the letter as art. 6:96 lid 6 BW asks), and the security called in.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date as babel_date
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bank.arrears.models import LetterKind
from bank.calendar import next_business_day
from bank.money import ZERO
from bank.statements.pdf import format_money

ACCENT = colors.HexColor("#1f5f4a")
#: The last term of a notice of default: fourteen days, counted from the day after the letter's
#: date (the day it is received), moved to the next business day when it ends on a closed day.
NOTICE_TERM_DAYS = 14
#: The term a reminder or second reminder asks payment within.
REMINDER_TERM_DAYS = 7

#: The statutory scale of extrajudicial collection costs (Besluit vergoeding voor
#: buitengerechtelijke incassokosten, art. 2): (up to this much of the claim, rate).
COLLECTION_COST_SCALE: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("2500"), Decimal("0.15")),
    (Decimal("5000"), Decimal("0.10")),
    (Decimal("10000"), Decimal("0.05")),
    (Decimal("200000"), Decimal("0.01")),
    (None, Decimal("0.005")),
)
COLLECTION_COST_MINIMUM = Decimal("40.00")
COLLECTION_COST_MAXIMUM = Decimal("6775.00")


def collection_costs(claim: Decimal) -> Decimal:
    """The extrajudicial collection costs on ``claim`` by the statutory scale (half-up to the cent).

    15 % of the first € 2.500, 10 % of the next € 2.500, 5 % of the next € 5.000, 1 % of the next
    € 190.000 and 0,5 % above, at least € 40 and at most € 6.775; nothing on nothing.
    """
    if claim <= ZERO:
        return ZERO
    total = ZERO
    lower = ZERO
    for upper, rate in COLLECTION_COST_SCALE:
        top = claim if upper is None else min(claim, upper)
        if top > lower:
            total += (top - lower) * rate
        if upper is None or claim <= upper:
            break
        lower = upper
    total = total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return min(max(total, COLLECTION_COST_MINIMUM), COLLECTION_COST_MAXIMUM)


def pay_by(kind: LetterKind, sent_on: dt.date) -> dt.date:
    """The date a letter of ``kind`` dated ``sent_on`` asks payment by (a business day)."""
    if kind is LetterKind.NOTICE_OF_DEFAULT:
        return next_business_day(sent_on + dt.timedelta(days=1 + NOTICE_TERM_DAYS))
    return next_business_day(sent_on + dt.timedelta(days=REMINDER_TERM_DAYS))


WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "title_reminder": "Betalingsherinnering",
        "title_second_reminder": "Aanmaning",
        "title_notice_of_default": "Ingebrekestelling",
        "title_handover": "Overdracht aan incasso",
        "subject": "Betreft: betalingsachterstand op uw lening {loan}",
        "dear": "Geachte {name},",
        "reference": "Kenmerk",
        "date": "Datum",
        "loan": "Lening",
        "oldest_due": "Oudste onbetaalde termijn, vervallen op",
        "days": "Dagen achterstand",
        "principal": "Aflossing",
        "interest": "Rente",
        "fees": "Aanmaningskosten en boeterente",
        "overdue": "Achterstallig bedrag",
        "pay_by": "Uiterlijk te betalen op",
        "account": "Storten op uw aflossingsrekening",
        "reminder_1": "Volgens onze administratie hebben wij de termijn van uw lening {loan}, die op {due}"
        " verviel, nog niet (volledig) ontvangen. Het achterstallige bedrag is op {date} {amount}."
        " Mogelijk is dit aan uw aandacht ontsnapt.",
        "reminder_2": "Wij vragen u dit bedrag uiterlijk op {pay_by} te voldoen door het op uw"
        " aflossingsrekening {account} te storten, zodat wij het kunnen incasseren. Heeft u inmiddels"
        " betaald, dan kunt u deze herinnering als niet verzonden beschouwen.",
        "reminder_3": "Lukt het u niet om op tijd te betalen? Neem dan contact met ons op. Samen zoeken"
        " we naar een oplossing, zoals een betalingsregeling.",
        "second_1": "Op {previous} hebben wij u een betalingsherinnering gestuurd voor de achterstand op"
        " uw lening {loan}. Tot op heden hebben wij het achterstallige bedrag niet (volledig) ontvangen."
        " Op {date} bedraagt uw achterstand {amount}; de oudste onbetaalde termijn verviel op {due}.",
        "second_2": "Wij verzoeken u dringend dit bedrag uiterlijk op {pay_by} te voldoen door het op uw"
        " aflossingsrekening {account} te storten.",
        "second_3": "Betaalt u niet, dan zijn wij genoodzaakt u formeel in gebreke te stellen. Daarna"
        " kunnen extra kosten voor uw rekening komen. Heeft u problemen met betalen, neem dan vandaag"
        " nog contact met ons op: dan kijken wij samen met u naar een betalingsregeling.",
        "notice_1": "Op grond van de overeenkomst van geldlening {loan}, die wij op {disbursed} met u zijn"
        " aangegaan, bent u verplicht de termijnen op de afgesproken data te betalen. Ondanks onze"
        " herinnering en aanmaning heeft u dat niet gedaan. Op {date} bedraagt uw betalingsachterstand"
        " {amount}, zoals hieronder gespecificeerd. De oudste onbetaalde termijn verviel op {due}.",
        "notice_2": "Hierbij stellen wij u, overeenkomstig artikel 6:82 van het Burgerlijk Wetboek,"
        " formeel in gebreke. Wij sommeren u het volledige achterstallige bedrag van {amount} binnen"
        " veertien dagen na de dag van ontvangst van deze brief, dus uiterlijk op {pay_by}, te voldoen"
        " door het op uw aflossingsrekening {account} te storten, onder vermelding van {loan}.",
        "notice_3": "Betaalt u niet binnen deze termijn, dan bent u zonder nadere ingebrekestelling in"
        " verzuim. In dat geval zijn wij gerechtigd:",
        "notice_c1": "over het achterstallige bedrag boeterente in rekening te brengen, zoals in de"
        " overeenkomst is bepaald;",
        "notice_c2": "de lening in haar geheel op te eisen: de volledige openstaande hoofdsom van"
        " {outstanding}, vermeerderd met rente en kosten, is dan direct opeisbaar;",
        "notice_c3": "uw dossier over te dragen aan onze afdeling incasso en de buitengerechtelijke"
        " incassokosten bij u in rekening te brengen. Volgens het Besluit vergoeding voor"
        " buitengerechtelijke incassokosten bedragen deze over het achterstallige bedrag {costs};",
        "notice_c4": "de ons verstrekte zekerheden (zoals hypotheek, pandrecht of borgstelling) uit te"
        " winnen en zo nodig een gerechtelijke procedure te beginnen, waarvan de kosten eveneens voor"
        " uw rekening komen.",
        "notice_4": "Deze brief geldt tevens als aanmaning als bedoeld in artikel 6:96 lid 6 van het"
        " Burgerlijk Wetboek. Kunt u niet (volledig) betalen, neem dan vóór {pay_by} contact met ons op."
        " Wij zijn bereid met u te zoeken naar een betalingsregeling, maar alleen als u tijdig reageert.",
        "handover_1": "Op {previous} hebben wij u in gebreke gesteld en u een laatste termijn gegeven om"
        " de achterstand op uw lening {loan} te betalen. Die termijn is verstreken zonder dat wij het"
        " achterstallige bedrag hebben ontvangen. U bent daarom in verzuim. Op {date} bedraagt uw"
        " achterstand {amount}.",
        "handover_2": "Wij hebben uw dossier daarom overgedragen aan onze afdeling incasso. Een"
        " medewerker neemt binnenkort contact met u op. Wij behouden ons alle rechten voor die de"
        " overeenkomst en de wet ons geven, waaronder het opeisen van de lening, het in rekening brengen"
        " van incassokosten en het uitwinnen van zekerheden.",
        "handover_3": "Betaalt u het achterstallige bedrag alsnog uiterlijk op {pay_by}, of neemt u"
        " vóór die datum contact met ons op voor een betalingsregeling, dan voorkomt u verdere stappen.",
        "closing": "Met vriendelijke groet,",
        "signature": "Wijkbank, afdeling kredietbeheer",
        "footer": "Vragen? Antwoord op het bericht bij deze brief of bel de Wijkbank. Vermeld altijd {loan}.",
    },
    "en": {
        "title_reminder": "Payment reminder",
        "title_second_reminder": "Second reminder",
        "title_notice_of_default": "Formal notice of default",
        "title_handover": "Handed over to collections",
        "subject": "Subject: arrears on your loan {loan}",
        "dear": "Dear {name},",
        "reference": "Reference",
        "date": "Date",
        "loan": "Loan",
        "oldest_due": "Oldest unpaid instalment, due on",
        "days": "Days past due",
        "principal": "Principal",
        "interest": "Interest",
        "fees": "Late fees and penalty interest",
        "overdue": "Amount overdue",
        "pay_by": "To be paid by",
        "account": "Pay into your repayment account",
        "reminder_1": "According to our records we have not yet (fully) received the instalment of your"
        " loan {loan} that fell due on {due}. On {date} the amount overdue is {amount}. This may have"
        " escaped your attention.",
        "reminder_2": "Please pay this amount by {pay_by} at the latest by depositing it into your"
        " repayment account {account}, so that we can collect it. If you have paid in the meantime,"
        " please disregard this reminder.",
        "reminder_3": "Are you unable to pay on time? Please contact us. Together we will look for a"
        " solution, such as a payment arrangement.",
        "second_1": "On {previous} we sent you a payment reminder for the arrears on your loan {loan}. To"
        " date we have not (fully) received the amount overdue. On {date} your arrears amount to"
        " {amount}; the oldest unpaid instalment fell due on {due}.",
        "second_2": "We urgently ask you to pay this amount by {pay_by} at the latest by depositing it"
        " into your repayment account {account}.",
        "second_3": "If you do not pay, we will have to give you formal notice of default, after which"
        " further costs may be charged to you. If you have trouble paying, contact us today so that we"
        " can look at a payment arrangement with you.",
        "notice_1": "Under the loan agreement {loan}, which we entered into with you on {disbursed}, you"
        " are obliged to pay the instalments on the agreed dates. Despite our reminder and second"
        " reminder you have not done so. On {date} your arrears amount to {amount}, as specified below."
        " The oldest unpaid instalment fell due on {due}.",
        "notice_2": "We hereby give you formal notice of default under article 6:82 of the Dutch Civil"
        " Code. We demand that you pay the full amount overdue of {amount} within fourteen days of the"
        " day you receive this letter, that is by {pay_by} at the latest, by depositing it into your"
        " repayment account {account}, quoting {loan}.",
        "notice_3": "If you do not pay within this term, you will be in default without further notice."
        " We will then be entitled to:",
        "notice_c1": "charge penalty interest on the amount overdue, as the agreement provides;",
        "notice_c2": "call in the whole loan: the full outstanding principal of {outstanding}, plus"
        " interest and costs, then falls due at once;",
        "notice_c3": "hand your file over to our collections department and charge you the"
        " extrajudicial collection costs, which under the Dutch Decree on extrajudicial collection"
        " costs amount to {costs} on the amount overdue;",
        "notice_c4": "enforce the security you have given us (such as a mortgage, pledge or guarantee)"
        " and, if need be, start legal proceedings, the costs of which will also be charged to you.",
        "notice_4": "This letter is also the reminder referred to in article 6:96(6) of the Dutch Civil"
        " Code. If you cannot pay (in full), contact us before {pay_by}. We are prepared to look for a"
        " payment arrangement with you, but only if you respond in time.",
        "handover_1": "On {previous} we gave you formal notice of default and a last term to pay the"
        " arrears on your loan {loan}. That term has passed without our receiving the amount overdue."
        " You are therefore in default. On {date} your arrears amount to {amount}.",
        "handover_2": "We have therefore handed your file over to our collections department. A member"
        " of staff will contact you shortly. We reserve all rights the agreement and the law give us,"
        " including calling in the loan, charging collection costs and enforcing the security.",
        "handover_3": "If you still pay the amount overdue by {pay_by}, or contact us before that date"
        " about a payment arrangement, you will avoid further steps.",
        "closing": "Kind regards,",
        "signature": "Wijkbank, credit management",
        "footer": "Questions? Reply to the message that came with this letter or call Wijkbank."
        " Always quote {loan}.",
    },
}


@dataclass(frozen=True)
class LetterView:
    """Everything a reminder letter shows, as plain values."""

    language: str
    kind: LetterKind
    loan_number: str
    borrower_name: str
    address_lines: tuple[str, ...]
    sent_on: dt.date
    disbursed_on: dt.date
    oldest_due_on: dt.date
    days_past_due: int
    principal_overdue: Decimal
    interest_overdue: Decimal
    fees_overdue: Decimal
    pay_by: dt.date
    repayment_account: str
    principal_outstanding: Decimal
    #: The date of the letter before this one on the ladder (None for the first).
    previous_sent_on: dt.date | None = None

    @property
    def amount_overdue(self) -> Decimal:
        return self.principal_overdue + self.interest_overdue + self.fees_overdue


def format_date(value: dt.date, language: str) -> str:
    """``28-11-2026`` in Dutch, ``28 November 2026`` in English."""
    if language == "en":
        return babel_date(value, "d MMMM yyyy", locale="en")
    return value.strftime("%d-%m-%Y")


#: The letter kinds as the reference and the file name say them, in the letter's language.
REFERENCE_WORDS: dict[str, dict[LetterKind, str]] = {
    "nl": {
        LetterKind.REMINDER: "herinnering",
        LetterKind.SECOND_REMINDER: "aanmaning",
        LetterKind.NOTICE_OF_DEFAULT: "ingebrekestelling",
        LetterKind.HANDOVER: "overdracht-incasso",
    },
    "en": {
        LetterKind.REMINDER: "reminder",
        LetterKind.SECOND_REMINDER: "second-reminder",
        LetterKind.NOTICE_OF_DEFAULT: "notice-of-default",
        LetterKind.HANDOVER: "collections",
    },
}


def letter_reference(loan_number: str, kind: LetterKind, sent_on: dt.date, language: str = "nl") -> str:
    """The reference printed on the letter and used as the download's file name."""
    words = REFERENCE_WORDS.get(language, REFERENCE_WORDS["nl"])
    return f"{loan_number}-{words[kind]}-{sent_on:%Y%m%d}"


def render_letter(view: LetterView) -> bytes:
    """The reminder letter as PDF bytes (pure)."""
    lang = view.language if view.language in WORDS else "nl"
    words = WORDS[lang]
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Helvetica", fontSize=10, leading=14)
    heading = ParagraphStyle("h", parent=styles["Heading2"], textColor=ACCENT, fontName="Helvetica-Bold")
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11)
    reference = letter_reference(view.loan_number, view.kind, view.sent_on, lang)
    bullet = ParagraphStyle("bullet", parent=body, leftIndent=6 * mm, bulletIndent=1 * mm)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=reference,
        author="Wijkbank",
        invariant=1,
    )

    def money(amount: Decimal) -> str:
        return format_money(amount, lang)

    def date(value: dt.date | None) -> str:
        return format_date(value, lang) if value is not None else ""

    values = {
        "loan": view.loan_number,
        "name": view.borrower_name,
        "date": date(view.sent_on),
        "due": date(view.oldest_due_on),
        "amount": money(view.amount_overdue),
        "pay_by": date(view.pay_by),
        "account": view.repayment_account,
        "disbursed": date(view.disbursed_on),
        "outstanding": money(view.principal_outstanding),
        "costs": money(collection_costs(view.amount_overdue)),
        "previous": date(view.previous_sent_on or view.sent_on),
    }

    def say(key: str) -> Paragraph:
        return Paragraph(escape(words[key].format(**values)), body)

    story: list[Flowable] = [
        Paragraph("<b>Wijkbank</b>", ParagraphStyle("brand", parent=body, fontSize=14, textColor=ACCENT)),
        Spacer(1, 6 * mm),
    ]
    for line in (view.borrower_name, *view.address_lines):
        story.append(Paragraph(escape(line), body))
    story += [
        Spacer(1, 6 * mm),
        Paragraph(
            f"{words['reference']}: {escape(reference)} &nbsp;&nbsp; {words['date']}: {date(view.sent_on)}",
            small,
        ),
        Spacer(1, 4 * mm),
        Paragraph(words[f"title_{view.kind.value}"], heading),
        Paragraph(escape(words["subject"].format(**values)), body),
        Spacer(1, 2 * mm),
        Paragraph(escape(words["dear"].format(**values)), body),
        Spacer(1, 2 * mm),
    ]
    paragraphs = {
        LetterKind.REMINDER: ["reminder_1", "reminder_2", "reminder_3"],
        LetterKind.SECOND_REMINDER: ["second_1", "second_2", "second_3"],
        LetterKind.NOTICE_OF_DEFAULT: ["notice_1"],
        LetterKind.HANDOVER: ["handover_1", "handover_2", "handover_3"],
    }[view.kind]
    for key in paragraphs:
        story += [say(key), Spacer(1, 2 * mm)]
    rows = [
        [words["loan"], view.loan_number],
        [words["oldest_due"], date(view.oldest_due_on)],
        [words["days"], str(view.days_past_due)],
        [words["principal"], money(view.principal_overdue)],
        [words["interest"], money(view.interest_overdue)],
        [words["fees"], money(view.fees_overdue)],
        [words["overdue"], money(view.amount_overdue)],
        [words["pay_by"], date(view.pay_by)],
        [words["account"], view.repayment_account],
    ]
    story += [_table(rows), Spacer(1, 3 * mm)]
    if view.kind is LetterKind.NOTICE_OF_DEFAULT:
        story += [say("notice_2"), Spacer(1, 2 * mm), say("notice_3")]
        for key in ("notice_c1", "notice_c2", "notice_c3", "notice_c4"):
            story.append(Paragraph(escape(words[key].format(**values)), bullet, bulletText="•"))
        story += [Spacer(1, 2 * mm), say("notice_4")]
    story += [
        Spacer(1, 6 * mm),
        Paragraph(words["closing"], body),
        Paragraph(words["signature"], body),
        Spacer(1, 6 * mm),
        Paragraph(escape(words["footer"].format(**values)), small),
    ]
    document.build(story)
    return buffer.getvalue()


def _table(rows: list[list[str]]) -> Table:
    table = Table(rows, colWidths=[80 * mm, 70 * mm], hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9.5),
        ("FONT", (0, 6), (-1, 7), "Helvetica-Bold", 9.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d3cf")),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    table.setStyle(TableStyle(style))
    return table
