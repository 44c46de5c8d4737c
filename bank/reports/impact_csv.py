"""The municipal impact report as labelled tables, and those tables as one CSV document.

The report goes to the municipality in Dutch or English whatever the staff member's browser
says, so its words come from the table below (as the statements and decision letters do) and
the language is passed in. :func:`sections` is what the staff page, the CSV and the PDF all show,
so the three never disagree. The CSV has one section per table: the table's title on a line of
its own, the column headings, the rows, a total line where there is one, and an empty line;
comma separated and injection-safe like :mod:`bank.reports.csv_export`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bank.reports.csv_export import safe_cell
from bank.reports.impact import ImpactReport, LoanImpact
from bank.statements.builder import purpose_label

#: Column kinds: "text", "money", "int", "ratio" (a plain number, two decimals), "date".
KINDS = ("text", "money", "int", "ratio", "date")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Municipal impact report",
        "period": "Period",
        "generated": "Figures from the ledger and the borrowers' reports",
        "summary": "Summary",
        "measure": "Measure",
        "value": "Value",
        "period_start": "Period start",
        "period_end": "Period end",
        "seed_capital": "Municipal seed capital (3100) at period end",
        "seed_deployed": "Seed capital deployed as first-loss buffers",
        "buffer_used": "First-loss buffer used by losses to period end",
        "member_money": "Member money mobilised (pool participations, 2100) at period end",
        "per_euro": "Member money per euro of deployed seed capital",
        "loans_disbursed": "Loans disbursed in the period",
        "amount_disbursed": "Amount disbursed in the period",
        "loans_outstanding": "Loans outstanding at period end",
        "outstanding": "Principal outstanding at period end",
        "jobs_created": "Jobs created",
        "jobs_kept": "Jobs kept",
        "homes": "Homes secured",
        "land": "Land secured (m²)",
        "interest_paid": "Interest paid out to member-investors",
        "distributions": "Quarterly distributions",
        "member_investors": "Member-investors at period end",
        "members_paid": "Members who received returns",
        "write_offs": "Written off in the period",
        "by_buffer": "absorbed by the first-loss buffer",
        "by_participants": "absorbed by the participants",
        "by_bank": "absorbed by the bank",
        "seed_title": "Seed capital as first-loss buffers",
        "pool": "Pool",
        "committed": "Buffer committed",
        "used": "Used by losses",
        "remaining": "Remaining",
        "money_title": "Member money in the pools",
        "participants": "Member-investors",
        "participations": "Participations",
        "purpose_title": "Loans by purpose",
        "area_title": "Loans by neighbourhood (postcode area)",
        "purpose": "Purpose",
        "area": "Postcode area",
        "jobs_title": "Jobs created and kept, by purpose",
        "loans": "Loans",
        "from_annual": "From yearly reports",
        "from_application": "From applications",
        "jobs_loans_title": "Jobs per loan",
        "loan": "Loan",
        "source": "Source",
        "source_annual": "yearly report {year}",
        "source_application": "application (expected)",
        "source_none": "not reported",
        "land_title": "Homes and land secured by land trusts",
        "returns_title": "Returns to member-investors",
        "losses_title": "Losses and how they were absorbed",
        "written_off_on": "Written off on",
        "write_off": "Write-off",
        "buffer": "First-loss buffer",
        "participants_col": "Participants",
        "bank": "Bank",
        "total": "Total",
        "page": "Page {page}",
    },
    "nl": {
        "title": "Gemeentelijke impactrapportage",
        "period": "Periode",
        "generated": "Cijfers uit de grootboekadministratie en de rapportages van de leners",
        "summary": "Samenvatting",
        "measure": "Onderdeel",
        "value": "Waarde",
        "period_start": "Begin periode",
        "period_end": "Einde periode",
        "seed_capital": "Gemeentelijk startkapitaal (3100) aan het einde van de periode",
        "seed_deployed": "Startkapitaal ingezet als eerste-verliesbuffer",
        "buffer_used": "Eerste-verliesbuffer gebruikt voor verliezen tot het einde van de periode",
        "member_money": "Gemobiliseerd ledengeld (fondsdeelnames, 2100) aan het einde van de periode",
        "per_euro": "Ledengeld per euro ingezet startkapitaal",
        "loans_disbursed": "Leningen uitbetaald in de periode",
        "amount_disbursed": "Bedrag uitbetaald in de periode",
        "loans_outstanding": "Lopende leningen aan het einde van de periode",
        "outstanding": "Uitstaande hoofdsom aan het einde van de periode",
        "jobs_created": "Banen gecreëerd",
        "jobs_kept": "Banen behouden",
        "homes": "Woningen veiliggesteld",
        "land": "Grond veiliggesteld (m²)",
        "interest_paid": "Rente uitgekeerd aan investerende leden",
        "distributions": "Kwartaaluitkeringen",
        "member_investors": "Investerende leden aan het einde van de periode",
        "members_paid": "Leden die rendement ontvingen",
        "write_offs": "Afgeboekt in de periode",
        "by_buffer": "gedragen door de eerste-verliesbuffer",
        "by_participants": "gedragen door de deelnemers",
        "by_bank": "gedragen door de bank",
        "seed_title": "Startkapitaal als eerste-verliesbuffer",
        "pool": "Fonds",
        "committed": "Toegezegde buffer",
        "used": "Gebruikt voor verliezen",
        "remaining": "Resterend",
        "money_title": "Ledengeld in de fondsen",
        "participants": "Investerende leden",
        "participations": "Deelnames",
        "purpose_title": "Leningen naar doel",
        "area_title": "Leningen naar buurt (postcodegebied)",
        "purpose": "Doel",
        "area": "Postcodegebied",
        "jobs_title": "Banen gecreëerd en behouden, naar doel",
        "loans": "Leningen",
        "from_annual": "Uit jaarrapportages",
        "from_application": "Uit aanvragen",
        "jobs_loans_title": "Banen per lening",
        "loan": "Lening",
        "source": "Bron",
        "source_annual": "jaarrapportage {year}",
        "source_application": "aanvraag (verwacht)",
        "source_none": "niet gerapporteerd",
        "land_title": "Woningen en grond veiliggesteld door grondgemeenschappen",
        "returns_title": "Rendement voor investerende leden",
        "losses_title": "Verliezen en wie ze droeg",
        "written_off_on": "Afgeboekt op",
        "write_off": "Afboeking",
        "buffer": "Eerste-verliesbuffer",
        "participants_col": "Deelnemers",
        "bank": "Bank",
        "total": "Totaal",
        "page": "Pagina {page}",
    },
}


def words(language: str) -> dict[str, str]:
    return WORDS["en" if language == "en" else "nl"]


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    #: (heading, kind) per column.
    columns: tuple[tuple[str, str], ...]
    rows: tuple[tuple[Any, ...], ...]
    footer: tuple[Any, ...] | None = None
    #: For a measure/value table: the kind of each row's value (overrides the last column's kind).
    row_kinds: tuple[str, ...] | None = None

    def kind(self, row_index: int | None, column: int) -> str:
        if self.row_kinds is not None and row_index is not None and column == len(self.columns) - 1:
            return self.row_kinds[row_index]
        return self.columns[column][1]


def source_label(impact: LoanImpact, language: str) -> str:
    w = words(language)
    if impact.source == "annual":
        return w["source_annual"].format(year=impact.year)
    if impact.source == "application":
        return w["source_application"]
    return w["source_none"]


def sections(report: ImpactReport, language: str) -> list[Section]:
    """Every table of the report with its labels in ``language`` ("nl" or "en"), in the report's order.

    The order is the municipality's reading order: the summary first, then what its seed capital
    did (buffers, the member money it drew in), what was lent where and what it brought (jobs,
    homes and land), and last what members earned and what was lost.
    """
    w = words(language)
    lang = "en" if language == "en" else "nl"
    return [
        _summary(report, w),
        _seed_capital(report, w),
        _member_money(report, w),
        _loans_by_purpose(report, w, lang),
        _loans_by_neighbourhood(report, w),
        _jobs_by_purpose(report, w, lang),
        _jobs_per_loan(report, w, lang),
        _land_trusts(report, w, lang),
        _returns(report, w),
        _losses(report, w, lang),
    ]


def _summary(report: ImpactReport, w: dict[str, str]) -> Section:
    """The headline figures, one per row: what a council member reads if they read nothing else.

    A measure/value table whose values are of different kinds (dates, money, counts, a ratio), so
    each row carries its own kind for the page and the PDF to format it by.
    """
    rows: list[tuple[str, Any, str]] = [
        (w["period_start"], report.period_start, "date"),
        (w["period_end"], report.period_end, "date"),
        (w["seed_capital"], report.seed_capital, "money"),
        (w["seed_deployed"], report.seed_deployed, "money"),
        (w["buffer_used"], report.buffer_used, "money"),
        (w["member_money"], report.member_money, "money"),
        (w["per_euro"], report.member_money_per_seed_euro, "ratio"),
        (w["loans_disbursed"], report.loans_disbursed, "int"),
        (w["amount_disbursed"], report.amount_disbursed, "money"),
        (w["loans_outstanding"], report.loans_outstanding, "int"),
        (w["outstanding"], report.outstanding, "money"),
        (w["jobs_created"], report.jobs_created, "int"),
        (w["jobs_kept"], report.jobs_kept, "int"),
        (w["homes"], report.homes_secured, "int"),
        (w["land"], report.land_area_m2, "int"),
        (w["interest_paid"], report.interest_paid_out, "money"),
        (w["member_investors"], report.member_investors, "int"),
        (w["write_offs"], report.write_off_total, "money"),
        (w["by_buffer"], report.loss_by_buffer, "money"),
        (w["by_participants"], report.loss_by_participants, "money"),
        (w["by_bank"], report.loss_by_bank, "money"),
    ]
    return Section(
        "summary",
        w["summary"],
        ((w["measure"], "text"), (w["value"], "text")),
        tuple((label, value) for label, value, _kind in rows),
        row_kinds=tuple(kind for _label, _value, kind in rows),
    )


def _seed_capital(report: ImpactReport, w: dict[str, str]) -> Section:
    """The municipality's seed capital per pool as a first-loss buffer: committed, used, left.

    This is the municipality's own money at risk, so it comes right after the summary; the total
    left is derived (deployed less used) so it always agrees with the two totals beside it.
    """
    return Section(
        "seed-capital",
        w["seed_title"],
        ((w["pool"], "text"), (w["committed"], "money"), (w["used"], "money"), (w["remaining"], "money")),
        tuple((f"{b.pool_name} ({b.pool_code})", b.committed, b.used, b.remaining) for b in report.buffers),
        (w["total"], report.seed_deployed, report.buffer_used, report.seed_deployed - report.buffer_used),
    )


def _member_money(report: ImpactReport, w: dict[str, str]) -> Section:
    """The members' money each pool drew in beside the buffer: the leverage the seed capital bought."""
    return Section(
        "member-money",
        w["money_title"],
        ((w["pool"], "text"), (w["participants"], "int"), (w["participations"], "money")),
        tuple((f"{p.pool_name} ({p.pool_code})", p.participants, p.participations) for p in report.pools),
        (w["total"], report.member_investors, report.member_money),
    )


def _loan_columns(w: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The lending figures the two loan tables share, so purpose and neighbourhood read alike."""
    return (
        (w["loans_disbursed"], "int"),
        (w["amount_disbursed"], "money"),
        (w["loans_outstanding"], "int"),
        (w["outstanding"], "money"),
    )


def _loan_footer(report: ImpactReport, w: dict[str, str]) -> tuple[Any, ...]:
    """The report's lending totals: both breakdowns add up to the same line."""
    return (
        w["total"],
        report.loans_disbursed,
        report.amount_disbursed,
        report.loans_outstanding,
        report.outstanding,
    )


def _loans_by_purpose(report: ImpactReport, w: dict[str, str], lang: str) -> Section:
    """What the money was lent for (co-op start-ups, land trusts, …), in the purposes' own words."""
    return Section(
        "loans-by-purpose",
        w["purpose_title"],
        ((w["purpose"], "text"), *_loan_columns(w)),
        tuple(
            (
                purpose_label(g.key, lang),
                g.loans_disbursed,
                g.amount_disbursed,
                g.loans_outstanding,
                g.outstanding,
            )
            for g in report.by_purpose
        ),
        _loan_footer(report, w),
    )


def _loans_by_neighbourhood(report: ImpactReport, w: dict[str, str]) -> Section:
    """Where the money was lent, by postcode area: the municipality funds neighbourhoods."""
    return Section(
        "loans-by-neighbourhood",
        w["area_title"],
        ((w["area"], "text"), *_loan_columns(w)),
        tuple(
            (g.key, g.loans_disbursed, g.amount_disbursed, g.loans_outstanding, g.outstanding)
            for g in report.by_area
        ),
        _loan_footer(report, w),
    )


def _jobs_by_purpose(report: ImpactReport, w: dict[str, str], lang: str) -> Section:
    """Jobs created and kept per purpose, with how many figures come from yearly reports and how
    many are still the application's expectation: the reader weighs a promise and a fact differently."""
    groups = report.jobs_by_purpose
    return Section(
        "jobs-by-purpose",
        w["jobs_title"],
        (
            (w["purpose"], "text"),
            (w["loans"], "int"),
            (w["jobs_created"], "int"),
            (w["jobs_kept"], "int"),
            (w["from_annual"], "int"),
            (w["from_application"], "int"),
        ),
        tuple(
            (
                purpose_label(g.purpose, lang),
                g.loans,
                g.jobs_created,
                g.jobs_kept,
                g.from_annual,
                g.from_application,
            )
            for g in groups
        ),
        (
            w["total"],
            sum(g.loans for g in groups),
            report.jobs_created,
            report.jobs_kept,
            sum(g.from_annual for g in groups),
            sum(g.from_application for g in groups),
        ),
    )


def _jobs_per_loan(report: ImpactReport, w: dict[str, str], lang: str) -> Section:
    """Each loan's jobs and the source of its figures, so every total above can be traced to a loan."""
    return Section(
        "jobs-per-loan",
        w["jobs_loans_title"],
        (
            (w["loan"], "text"),
            (w["purpose"], "text"),
            (w["area"], "text"),
            (w["jobs_created"], "int"),
            (w["jobs_kept"], "int"),
            (w["source"], "text"),
        ),
        tuple(
            (
                i.loan_number,
                purpose_label(i.purpose, lang),
                i.area,
                i.jobs_created,
                i.jobs_kept,
                source_label(i, lang),
            )
            for i in report.loan_impacts
        ),
        (w["total"], "", "", report.jobs_created, report.jobs_kept, ""),
    )


def _land_trusts(report: ImpactReport, w: dict[str, str], lang: str) -> Section:
    """Homes and land the land trusts' loans secured: their impact is not counted in jobs."""
    return Section(
        "land-trusts",
        w["land_title"],
        (
            (w["loan"], "text"),
            (w["area"], "text"),
            (w["homes"], "int"),
            (w["land"], "int"),
            (w["source"], "text"),
        ),
        tuple(
            (i.loan_number, i.area, i.homes_secured, i.land_area_m2, source_label(i, lang))
            for i in report.land_loans
        ),
        (w["total"], "", report.homes_secured, report.land_area_m2, ""),
    )


def _returns(report: ImpactReport, w: dict[str, str]) -> Section:
    """What the member-investors earned: a measure/value table, one kind per row like the summary."""
    return Section(
        "returns",
        w["returns_title"],
        ((w["measure"], "text"), (w["value"], "text")),
        (
            (w["interest_paid"], report.interest_paid_out),
            (w["distributions"], report.distributions),
            (w["member_investors"], report.member_investors),
            (w["members_paid"], report.members_paid),
        ),
        row_kinds=("money", "int", "int", "int"),
    )


def _losses(report: ImpactReport, w: dict[str, str], lang: str) -> Section:
    """Each write-off and who bore it, in the order losses are absorbed (buffer, participants, bank).

    The total line has no date (None, an empty cell), because a sum of write-offs has none.
    """
    return Section(
        "losses",
        w["losses_title"],
        (
            (w["loan"], "text"),
            (w["purpose"], "text"),
            (w["area"], "text"),
            (w["written_off_on"], "date"),
            (w["write_off"], "money"),
            (w["pool"], "text"),
            (w["buffer"], "money"),
            (w["participants_col"], "money"),
            (w["bank"], "money"),
        ),
        tuple(
            (
                r.loan_number,
                purpose_label(r.purpose, lang),
                r.area,
                r.written_off_on,
                r.write_off_amount,
                r.pool_code,
                r.absorbed_by_buffer,
                r.absorbed_by_participants,
                r.absorbed_by_bank,
            )
            for r in report.losses
        ),
        (
            w["total"],
            "",
            "",
            None,
            report.write_off_total,
            "",
            report.loss_by_buffer,
            report.loss_by_participants,
            report.loss_by_bank,
        ),
    )


def _csv_row(cells: Sequence[Any]) -> list[str]:
    return [safe_cell(cell) for cell in cells]


def impact_csv(report: ImpactReport, language: str) -> str:
    """All tables in one CSV document, one section per table (comma separated, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    w = words(language)
    writer.writerow(_csv_row([w["title"], report.period_start, report.period_end]))
    writer.writerow([])
    for section in sections(report, language):
        writer.writerow(_csv_row([section.title]))
        writer.writerow(_csv_row([heading for heading, _kind in section.columns]))
        for row in section.rows:
            writer.writerow(_csv_row(row))
        if section.footer is not None:
            writer.writerow(_csv_row(section.footer))
        writer.writerow([])
    return buffer.getvalue()
