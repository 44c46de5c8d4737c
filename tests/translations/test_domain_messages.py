"""Every refusal the domain raises is a catalogue id with a Dutch translation, and a Dutch page
shows it in Dutch: amounts and dates as Dutch readers write them, the field named by its label.

Before, a Dutch teller read "amount: insufficient funds: 12500.00 is more than the balance of
0.00", "purpose_text: is required" and "must not be before the last payment on 2026-11-13".
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from bank import errors
from bank.errors import N_, InsufficientFunds, Message, ValidationError

from .conftest import NL_PO, ROOT

#: The errors of bank.errors: a raise of one of these is a refusal a person may read.
ERROR_CLASSES = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.BankError)
}
#: The status tables' checks (``bank.transitions``), which raise InvalidTransition with the
#: message given as their third argument: ``TABLE.require(current, target, N_("…"))``.
TABLE_CHECKS = {"require", "require_action"}
#: Dicts of field → rule that are raised as one ValidationError.
RULE_DICTS = {"errors", "failures", "gaps", "fields", "problems", "differing", "missing"}
#: Modules left out of the walk, with the reason (none now: bank/money.py keeps its rules in
#: N_ constants, which the check of every N_ id covers).
NOT_YET: set[str] = set()


def _nl() -> dict[str, str]:
    with NL_PO.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale="nl") if m.id and isinstance(m.id, str)}


def _catalogue_id(node: ast.expr) -> str | None:
    """The msgid of ``N_("...")`` / ``Message(N_("..."), ...)`` (implicitly joined literals too)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "N_" and len(node.args) == 1 and isinstance(node.args[0], ast.Constant):
            return str(node.args[0].value)
        if node.func.id == "Message" and node.args:
            return _catalogue_id(node.args[0])
    if isinstance(node, ast.IfExp):  # N_("a") if x else N_("b"): both must be ids
        body, orelse = _catalogue_id(node.body), _catalogue_id(node.orelse)
        return body if body is not None and orelse is not None else None
    return None


def _messages(node: ast.expr) -> Iterator[ast.expr]:
    """The message expressions inside a raised error's arguments that are texts, not variables."""
    if isinstance(node, ast.Dict):
        for value in node.values:
            if value is not None:
                yield from _messages(value)
    elif isinstance(node, ast.DictComp):
        yield from _messages(node.value)
    elif isinstance(node, ast.IfExp):
        yield from _messages(node.body)
        yield from _messages(node.orelse)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Message":
        if not isinstance(node.args[0], ast.Name):  # Message(variable): marked with N_ where it was set
            yield node
    elif not isinstance(node, ast.Name | ast.Attribute | ast.Subscript | ast.Call) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"
    ):
        yield node


def _texts_of(tree: ast.AST) -> Iterator[tuple[int, ast.expr]]:
    """(line, message expression) for every raise of a bank error and every rule put in a dict."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in ERROR_CLASSES:
                continue
            args = list(node.exc.args)
            # ValidationError(field, message) or ValidationError({field: message}); others (message).
            args = args[1:2] if name == "ValidationError" and len(args) > 1 else args[:1]
            args += [kw.value for kw in node.exc.keywords if kw.arg == "fields"]
            for arg in args:
                for message in _messages(arg):
                    yield node.lineno, message
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in TABLE_CHECKS
            and len(node.args) >= 3
        ):
            for message in _messages(node.args[2]):
                yield node.lineno, message
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Subscript)
            and isinstance(node.targets[0].value, ast.Name)
            and node.targets[0].value.id in RULE_DICTS
            and isinstance(node.value, ast.Constant | ast.JoinedStr | ast.BinOp | ast.Call)
        ):
            if isinstance(node.value, ast.Call) and not (
                isinstance(node.value.func, ast.Name) and node.value.func.id in ("N_", "Message")
            ):
                continue  # a flask_babel _() in a view, or a value computed elsewhere
            for message in _messages(node.value):
                yield node.lineno, message


def _problems() -> tuple[list[str], int]:
    catalogue = _nl()
    problems, checked = [], 0
    for path in sorted((ROOT / "bank").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in NOT_YET:
            continue
        for line, message in _texts_of(ast.parse(path.read_text(encoding="utf-8"))):
            checked += 1
            msgid = _catalogue_id(message)
            where = f"{relative}:{line}"
            if msgid is None:
                problems.append(f"{where}: not a catalogue id: {ast.unparse(message)[:90]}")
            elif not catalogue.get(msgid):
                problems.append(f"{where}: no Dutch msgstr for {msgid!r}")
    return problems, checked


def test_every_raised_refusal_is_a_catalogue_id_with_a_dutch_translation() -> None:
    problems, checked = _problems()
    assert problems == []
    assert checked > 350  # the walk really finds the raises of the whole domain


def test_every_id_marked_with_n_in_the_bank_has_a_dutch_translation() -> None:
    """Ids kept in variables (a table of rules, a refusal returned for a template) too."""
    catalogue = _nl()
    marked = []
    for path in sorted((ROOT / "bank").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() in NOT_YET:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            msgid = _catalogue_id(node) if isinstance(node, ast.Call) else None
            if msgid is not None and getattr(node.func, "id", "") == "N_":
                marked.append(msgid)
    assert len(marked) > 400
    assert [msgid for msgid in marked if not catalogue.get(msgid)] == []


def test_the_walk_catches_what_it_is_for() -> None:
    """An f-string, a bare literal and a msgid without a Dutch translation are each reported."""
    source = (
        "def f(x):\n"
        "    raise ValidationError('amount', f'must be at most {x}')\n"
        "    raise NotFound('member does not exist')\n"
        "    raise Conflict(N_('a sentence nobody translated'))\n"
        "    errors['name'] = 'is required'\n"
        "    raise InsufficientFunds(N_('is required'), fields={'amount': f'short by {x}'})\n"
        "    LOAN_STATUS.require(a, b, f'loan {x} is closed')\n"
    )
    found = [(line, _catalogue_id(message)) for line, message in _texts_of(ast.parse(source))]
    assert found == [
        (2, None),
        (3, None),
        (4, "a sentence nobody translated"),
        (5, None),
        (6, "is required"),
        (6, None),
        (7, None),
    ]
    assert "a sentence nobody translated" not in _nl()


def test_a_message_is_english_with_canonical_values_for_the_api() -> None:
    """The JSON API keeps the machine field codes and the English text with canonical values."""
    error = InsufficientFunds(
        N_("insufficient funds: %(amount)s is more than the balance of %(available)s on account %(number)s"),
        fields={
            "amount": Message(N_("exceeds the available balance of %(available)s"), available=Decimal("0"))
        },
        amount=Decimal("12500"),
        available=Decimal("0"),
        number="1000 0001 61",
    )
    assert error.to_json() == {
        "error": "insufficient_funds",
        "message": "insufficient funds: 12500.00 is more than the balance of 0.00 on account 1000 0001 61",
        "fields": {"amount": "exceeds the available balance of 0.00"},
    }


def test_the_web_renders_values_per_locale_and_names_fields_by_label(app) -> None:
    from bank.web.messages import error_text, render

    rule = Message(
        N_("must not be before the last payment on %(last_paid)s"), last_paid=dt.date(2026, 11, 13)
    )
    error = ValidationError({"purpose_text": N_("is required"), "amount": rule})
    with app.test_request_context("/"), force_locale("nl"):
        assert render(rule) == "mag niet vóór de laatste betaling op 13-11-2026 liggen"
        assert error_text(error) == (
            "Doel: is verplicht; Bedrag: mag niet vóór de laatste betaling op 13-11-2026 liggen"
        )
        # The summary message of a ValidationError names fields too, wherever a template prints it.
        assert render(error.message).startswith("Doel: is verplicht")
        money = Message(N_("exceeds the available balance of %(available)s"), available=Decimal("12500"))
        assert render(money) == "is meer dan het beschikbare saldo van €\u00a012.500,00"
    with app.test_request_context("/"), force_locale("en"):
        assert render(money) == "exceeds the available balance of €12,500.00"
        assert error_text(error).startswith("Purpose: is required; Amount: must not be before")


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def teller_and_account(session, make_user, login_as):
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from savings import factories

    from bank.savings import service as savings

    teller = factories.staff(make_user, "teller")
    product = factories.product(session)
    anna = factories.member(session, last_name="Anna")
    account = factories.account(session, anna, product)
    savings.deposit(session, account, "1234.56", key="seed", actor=teller)
    session.commit()
    login_as("teller")
    return account


def _form_key(html: str) -> str:
    match = re.search(r'name="form_key" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _visible_errors(html: str) -> list[str]:
    found = re.findall(r'<div class="error" role="alert">(.*?)</div>', html, flags=re.S)
    found += re.findall(r'class="flash flash-error" role="alert">(.*?)</div>', html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", text).strip() for text in found]


def test_an_overdraft_is_refused_in_dutch_with_a_dutch_amount(page, teller_and_account) -> None:
    account = teller_and_account
    status, form = page(f"/staff/accounts/{account.id}/withdraw")
    assert status == 200
    status, html = page(
        f"/staff/accounts/{account.id}/withdraw", {"form_key": _form_key(form), "amount": "2.000,00"}
    )
    assert status in (200, 422)
    errors_shown = _visible_errors(html)
    # Next to the amount field (whose label says what it is), in Dutch, the balance as Dutch write it.
    assert errors_shown == ["is meer dan het beschikbare saldo van €\u00a01.234,56"]
    assert "insufficient" not in html and "1234.56" not in html


def test_a_rule_for_a_field_the_form_lacks_is_named_by_its_label_in_dutch(app) -> None:
    """show_errors puts a rule for a field the form does not have above it, with the label."""
    from flask_wtf import FlaskForm
    from wtforms import StringField

    from bank.web.forms import show_errors

    class Form(FlaskForm):
        class Meta:
            csrf = False

        amount = StringField("Bedrag")

    with app.test_request_context("/"), force_locale("nl"):
        form = Form()
        show_errors(form, ValidationError({"amount": N_("is required"), "purpose_text": N_("is required")}))
        assert form.amount.errors == ["is verplicht"]
        assert form.form_errors == ["Doel: is verplicht"]


def test_codes_in_domain_messages_read_as_words_and_product_names_in_the_readers_language(app) -> None:
    """Before, a Dutch page said "moet een van deze zijn: cooperative, association, …", "de rol
    teller mag dit niet; daarvoor is nodig: credit_officer or admin" and named a loan product
    by its English name."""
    from bank.errors import Names
    from bank.loans.schedule import Frequency
    from bank.members import service as members
    from bank.members.models import DocumentKind
    from bank.web.messages import error_text, render

    with pytest.raises(ValidationError) as legal_form:
        members._legal_form("zzz-onzin")
    documents = Message(N_("must be one of %(choices)s"), choices=tuple(DocumentKind))
    roles = Message(
        N_("role %(role)s may not do this; it needs %(roles)s"),
        role="teller",
        roles="credit_officer or admin",
    )
    purposes = Message(
        N_("%(purposes)s already belongs to the open pool %(code)s"),
        purposes=("coop_startup", "housing_coop"),
        code="STARTFONDS",
    )
    frequency = Message(
        N_("must be a multiple of %(months)s months for %(frequency)s loans"),
        months=3,
        frequency=Frequency.QUARTERLY,
    )
    product = Message(
        N_("must be at most %(max_grace_periods)s periods for %(product)s"),
        max_grace_periods=6,
        product=Names(nl="Startlening coöperatie", en="Co-op start-up loan"),
    )
    with app.test_request_context("/"), force_locale("nl"):
        assert error_text(legal_form.value) == (
            "Rechtsvorm: moet een van deze zijn: coöperatie, vereniging, stichting, overig"
        )
        assert render(documents).endswith("rijbewijs, verblijfsvergunning, KvK-uittreksel")
        assert (
            render(roles)
            == "de rol baliemedewerker mag dit niet; daarvoor is nodig: kredietadviseur of beheerder"
        )
        assert (
            render(purposes)
            == "Start van een coöperatie, wooncoöperatie hoort al bij de open pool STARTFONDS"
        )
        assert (
            render(frequency)
            == "moet een veelvoud van 3 maanden zijn voor leningen die per kwartaal worden afgelost"
        )
        assert render(product) == "mag ten hoogste 6 termijnen zijn voor Startlening coöperatie"
    # The API and the CLI keep the English text with the codes, as before.
    assert (
        str(legal_form.value.fields["legal_form"])
        == "must be one of cooperative, association, foundation, other"
    )
    assert str(roles) == "role teller may not do this; it needs credit_officer or admin"
    assert str(purposes) == "coop_startup, housing_coop already belongs to the open pool STARTFONDS"
    assert str(product) == "must be at most 6 periods for Co-op start-up loan"
