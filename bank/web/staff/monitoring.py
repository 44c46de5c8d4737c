"""Transaction monitoring in the back office (compliance officers and admins only).

The alert queue (``/staff/compliance/alerts``) lists what the close day's rules raised; an alert's
page shows the transactions behind it, where the officer dismisses it with a reason or opens a
case from it and the member's other open alerts. A case's page has the notes, the decision (four
eyes: not by the officer who opened it) and, for a case reported as unusual, the FIU-NL report
to download. The rules page sets the thresholds. Nothing here is shown to anyone else.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length

from bank import clock
from bank.auth.models import User
from bank.extensions import db
from bank.monitoring import goaml, queries, service
from bank.monitoring.models import Alert, AlertStatus, CaseStatus, MonitoringCase, MonitoringRule, RuleCode
from bank.web.access import staff_required
from bank.web.filters import amount_input, date_filter, money_filter, number_input
from bank.web.forms import Attempt, form_status, new_form_key, read_amount, read_number, read_percent
from bank.web.labels import ALERT_STATUS_LABELS, MONITORING_CASE_STATUS_LABELS, RULE_LABELS, entry_kind
from bank.web.staff import bp

ROLES = service.ROLES


class DismissForm(FlaskForm):
    reason = TextAreaField(_l("Why this is not unusual"), validators=[Length(max=service.REASON_MAX)])


class OpenCaseForm(FlaskForm):
    form_key = HiddenField()
    reason = TextAreaField(_l("What needs looking into"), validators=[Length(max=service.REASON_MAX)])


class NoteForm(FlaskForm):
    form_key = HiddenField()
    text = TextAreaField(_l("Note"), validators=[Length(max=service.NOTE_MAX)])


class DecideForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (for a report: why the transactions are unusual)"),
        validators=[Length(max=service.REASON_MAX)],
    )


class RuleForm(FlaskForm):
    active = BooleanField(_l("Active"))
    amount = StringField(_l("Amount (€)"), validators=[Length(max=40)])
    share = StringField(_l("Percentage"), validators=[Length(max=20)])
    min_count = StringField(_l("At least this many"), validators=[Length(max=4)])
    window_days = StringField(_l("Within days"), validators=[Length(max=4)])
    factor = StringField(_l("Times the expected turnover"), validators=[Length(max=20)])


def _labels() -> dict[str, Any]:
    return {
        "rule_labels": RULE_LABELS,
        "alert_status_labels": ALERT_STATUS_LABELS,
        "case_status_labels": MONITORING_CASE_STATUS_LABELS,
        "AlertStatus": AlertStatus,
        "CaseStatus": CaseStatus,
        "entry_kind": entry_kind,
        "facts_text": facts_text,
    }


def facts_text(alert: Alert) -> str:
    """What the rule measured, in one sentence in the reader's language."""
    facts = alert.facts or {}

    def money(key: str) -> str:
        return money_filter(Decimal(str(facts.get(key, "0"))))

    start, end = date_filter(alert.window_start), date_filter(alert.window_end)
    if alert.rule is RuleCode.CASH_DEPOSIT:
        return _(
            "Cash deposited: %(amount)s (threshold %(threshold)s).",
            amount=money_filter(alert.amount),
            threshold=money("threshold"),
        )
    if alert.rule is RuleCode.STRUCTURING:
        return _(
            "%(count)s amounts from %(low)s to just below %(threshold)s between %(start)s and %(end)s.",
            count=facts.get("count", 0),
            low=money("low"),
            threshold=money("threshold"),
            start=start,
            end=end,
        )
    if alert.rule is RuleCode.IN_AND_OUT:
        return _(
            "%(received)s received on %(start)s; %(left)s left again by %(end)s.",
            received=money("received"),
            left=money("left"),
            start=start,
            end=end,
        )
    if alert.rule is RuleCode.HIGH_RISK_COUNTRY:
        return _(
            "Country of the IBAN: %(countries)s (EU list of high-risk third countries).",
            countries=", ".join(facts.get("countries", [])),
        )
    return _(
        "Turnover %(amount)s from %(start)s to %(end)s; expected per month: %(expected)s.",
        amount=money_filter(alert.amount),
        start=start,
        end=end,
        expected=money("expected"),
    )


def _alert_or_404(alert_id: int) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        abort(404)
    return alert


def _case_or_404(case_id: int) -> MonitoringCase:
    case = db.session.get(MonitoringCase, case_id)
    if case is None:
        abort(404)
    return case


# --- alerts ---------------------------------------------------------------------------------------

#: The queue's tabs: ?status=… (the open alerts by default).
STATUS_FILTERS = {
    "open": AlertStatus.OPEN,
    "dismissed": AlertStatus.DISMISSED,
    "in_case": AlertStatus.IN_CASE,
}


@bp.route("/compliance/alerts")
@staff_required(*ROLES)
def monitoring_alerts() -> ResponseReturnValue:
    shown = request.args.get("status", "open")
    if shown not in STATUS_FILTERS:
        shown = "open"
    return render_template(
        "staff/monitoring/alerts.html",
        alerts=queries.alerts(db.session, STATUS_FILTERS[shown]),
        shown=shown,
        filters=STATUS_FILTERS,
        **_labels(),
    )


@bp.route("/compliance/alerts/<int:alert_id>")
@staff_required(*ROLES)
def monitoring_alert(alert_id: int) -> ResponseReturnValue:
    return _render_alert(_alert_or_404(alert_id))


def _render_alert(
    alert: Alert,
    *,
    status: int = 200,
    dismiss_form: DismissForm | None = None,
    case_form: OpenCaseForm | None = None,
) -> ResponseReturnValue:
    case_form = case_form or OpenCaseForm(formdata=None)
    if not case_form.form_key.data:
        case_form.form_key.data = new_form_key()
    others = [a for a in queries.open_alerts_of_member(db.session, alert.member_id) if a.id != alert.id]
    return (
        render_template(
            "staff/monitoring/alert.html",
            alert=alert,
            others=others,
            dismiss_form=dismiss_form or DismissForm(formdata=None),
            case_form=case_form,
            **_labels(),
        ),
        status,
    )


@bp.route("/compliance/alerts/<int:alert_id>/dismiss", methods=["POST"])
@staff_required(*ROLES)
def dismiss_monitoring_alert(alert_id: int) -> ResponseReturnValue:
    alert = _alert_or_404(alert_id)
    form = DismissForm()
    if form.validate():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            service.dismiss_alert(session, alert, reason=form.reason.data or "", actor=g.actor)
        if attempt.succeeded:
            flash(_("Alert dismissed."), "success")
            return redirect(url_for("staff.monitoring_alerts"))
    return _render_alert(_alert_or_404(alert_id), status=form_status(form), dismiss_form=form)


@bp.route("/compliance/alerts/<int:alert_id>/case", methods=["POST"])
@staff_required(*ROLES)
def open_monitoring_case(alert_id: int) -> ResponseReturnValue:
    alert = _alert_or_404(alert_id)
    form = OpenCaseForm()
    if form.validate():
        extra = {int(value) for value in request.form.getlist("alerts") if value.isdigit()}
        chosen = [alert, *(db.session.get(Alert, other) for other in sorted(extra - {alert.id}))]
        attempt = Attempt(form, expire=True)
        with attempt as session:
            case = service.open_case(
                session,
                [a for a in chosen if a is not None],
                reason=form.reason.data or "",
                key=form.form_key.data or "",
                actor=g.actor,
            )
        if attempt.succeeded:
            flash(_("Case opened."), "success")
            return redirect(url_for("staff.monitoring_case", case_id=case.id))
    return _render_alert(_alert_or_404(alert_id), status=form_status(form), case_form=form)


# --- cases ----------------------------------------------------------------------------------------


@bp.route("/compliance/cases")
@staff_required(*ROLES)
def monitoring_cases() -> ResponseReturnValue:
    return render_template("staff/monitoring/cases.html", cases=queries.cases(db.session), **_labels())


@bp.route("/compliance/cases/<int:case_id>")
@staff_required(*ROLES)
def monitoring_case(case_id: int) -> ResponseReturnValue:
    return _render_case(_case_or_404(case_id))


def _render_case(
    case: MonitoringCase,
    *,
    status: int = 200,
    note_form: NoteForm | None = None,
    decide_form: DecideForm | None = None,
) -> ResponseReturnValue:
    note_form = note_form or NoteForm(formdata=None)
    if not note_form.form_key.data:
        note_form.form_key.data = new_form_key()
    refusal = service.decider_refusal(case, g.actor)
    return (
        render_template(
            "staff/monitoring/case.html",
            case=case,
            note_form=note_form,
            decide_form=decide_form or DecideForm(formdata=None),
            may_decide=refusal is None,
            refusal=refusal,
            **_labels(),
        ),
        status,
    )


@bp.route("/compliance/cases/<int:case_id>/notes", methods=["POST"])
@staff_required(*ROLES)
def add_monitoring_note(case_id: int) -> ResponseReturnValue:
    case = _case_or_404(case_id)
    form = NoteForm()
    if form.validate():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            service.add_note(
                session, case, text=form.text.data or "", key=form.form_key.data or "", actor=g.actor
            )
        if attempt.succeeded:
            flash(_("Note added."), "success")
            return redirect(url_for("staff.monitoring_case", case_id=case_id))
    return _render_case(_case_or_404(case_id), status=form_status(form), note_form=form)


@bp.route("/compliance/cases/<int:case_id>/decide", methods=["POST"])
@staff_required(*ROLES)
def decide_monitoring_case(case_id: int) -> ResponseReturnValue:
    case = _case_or_404(case_id)
    form = DecideForm()
    unusual = request.form.get("decision") == "report"
    if form.validate():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            service.decide_case(session, case, unusual=unusual, reason=form.reason.data or "", actor=g.actor)
        if attempt.succeeded:
            if unusual:
                flash(_("Reported as unusual: download the report for FIU-Nederland below."), "success")
            else:
                flash(_("Case closed as not unusual."), "success")
            return redirect(url_for("staff.monitoring_case", case_id=case_id))
    return _render_case(_case_or_404(case_id), status=form_status(form), decide_form=form)


@bp.route("/compliance/cases/<int:case_id>/export", methods=["POST"])
@staff_required(*ROLES)
def export_monitoring_case(case_id: int) -> ResponseReturnValue:
    """The goAML XML to upload to the FIU-NL portal; each download is audited, the first marks the case."""
    case = _case_or_404(case_id)
    attempt = Attempt()
    with attempt as session:
        service.mark_exported(session, case, actor=g.actor)
        user = session.get(User, g.actor.user_id) if g.actor.user_id is not None else None
        entity = goaml.ReportingEntity(
            rentity_id=current_app.config["FIU_RENTITY_ID"],
            name=current_app.config["BANK_NAME"],
            officer_name=user.name if user is not None else g.actor.label,
            officer_email=user.email if user is not None else "",
        )
        report = queries.report_of(session, case, submitted_at=clock.now_utc())
        body = goaml.report_xml(report, entity)
    if not attempt.succeeded:
        return redirect(url_for("staff.monitoring_case", case_id=case_id))
    return Response(
        body,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="fiu-melding-WB-MON-{case_id}.xml"'},
    )


# --- rules ----------------------------------------------------------------------------------------


def _rule_form(rule: MonitoringRule) -> RuleForm:
    form = RuleForm(formdata=None, prefix=rule.code.value)
    form.active.data = rule.active
    form.amount.data = _amount_text(rule.amount)
    form.share.data = _percent_text(rule.share)
    form.min_count.data = "" if rule.min_count is None else str(rule.min_count)
    form.window_days.data = "" if rule.window_days is None else str(rule.window_days)
    form.factor.data = "" if rule.factor is None else _number_text(rule.factor)
    return form


def _amount_text(value: Any) -> str:
    return amount_input(value)


def _number_text(value: Any) -> str:
    return number_input(value)


def _percent_text(value: Any) -> str:
    return "" if value is None else _number_text(value * 100)


@bp.route("/compliance/rules")
@staff_required(*ROLES)
def monitoring_rules() -> ResponseReturnValue:
    return _render_rules({})


def _render_rules(bound: dict[RuleCode, RuleForm], status: int = 200) -> ResponseReturnValue:
    rules = service.rules(db.session)
    forms = {rule.code: bound.get(rule.code) or _rule_form(rule) for rule in rules}
    return (
        render_template(
            "staff/monitoring/rules.html",
            rules=rules,
            forms=forms,
            fields=service.RULE_FIELDS,
            **_labels(),
        ),
        status,
    )


def _whole(text: str | None) -> int | None:
    cleaned = (text or "").strip()
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= 4 else None


@bp.route("/compliance/rules/<code>", methods=["POST"])
@staff_required(*ROLES)
def update_monitoring_rule(code: str) -> ResponseReturnValue:
    try:
        rule_code = RuleCode(code)
    except ValueError:
        abort(404)
    rule = db.session.get(MonitoringRule, rule_code)
    if rule is None:
        abort(404)
    form = RuleForm(prefix=rule_code.value)
    used = service.RULE_FIELDS[rule_code]
    if form.validate():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            share = factor = None
            if "share" in used:
                share = read_percent(form.share.data, field="share", maximum_percent=None, places=6)
            if "factor" in used:
                factor = read_number(form.factor.data, field="factor", places=4)
            amount = read_amount(form.amount.data, field="amount", allow_zero=True)
            rule = session.get(MonitoringRule, rule_code)
            assert rule is not None
            service.update_rule(
                session,
                rule,
                active=bool(form.active.data),
                amount=amount,
                share=share,
                min_count=_whole(form.min_count.data),
                window_days=_whole(form.window_days.data),
                factor=factor,
                actor=g.actor,
            )
        if attempt.succeeded:
            flash(_("Thresholds saved."), "success")
            return redirect(url_for("staff.monitoring_rules"))
    return _render_rules({rule_code: form}, status=form_status(form) if form.errors else 422)
