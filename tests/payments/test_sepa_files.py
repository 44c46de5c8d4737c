"""SEPA files for the clearing bank: pain.008 collections and pain.001 payouts (pure, no database).

Every file is read back with lxml and held to an XSD loaded here from sepaxml's schemas folder,
independently of the module's own check; sums are recomputed from the amounts given.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from sepaxml import SepaDD, SepaTransfer

from bank.errors import ValidationError
from bank.payments import sepa_files, sepa_schemas
from bank.payments.sepa_files import (
    Amendment,
    Collection,
    Creditor,
    CreditTransfer,
    Payer,
    Scheme,
    SepaFile,
    SequenceType,
    build_pain001,
    build_pain008,
)
from bank.payments.sepa_schemas import SepaFileInvalid
from bench import payments as bench_payments

CREDITOR = Creditor("Wijkbank Coöperatie U.A.", "NL91 ABNA 0417 1643 00", "ABNANL2A", "NL08ZZZ502057730000")
PAYER = Payer("Wijkbank Coöperatie U.A.", "NL91ABNA0417164300", "abnanl2a")
CREATED_AT = dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.UTC)
DEC_15, DEC_16 = dt.date(2026, 12, 15), dt.date(2026, 12, 16)
RABO, ING = "NL44RABO0123456789", "NL20INGB0001234567"
FIRST, RECURRING, FINAL, ONE_OFF = (
    SequenceType.FIRST,
    SequenceType.RECURRING,
    SequenceType.FINAL,
    SequenceType.ONE_OFF,
)


def collection(number: int, amount: str = "125.50", **changes: object) -> Collection:
    made = Collection(
        end_to_end_id=f"WB-C-{number}",
        amount=Decimal(amount),
        mandate_reference=f"WB-M-{number}",
        mandate_signed_on=dt.date(2025, 3, 1),
        sequence=RECURRING,
        collection_date=DEC_15,
        debtor_name=f"Lid {number}",
        debtor_iban=RABO,
        remittance=f"Termijn {number} lening L-{number}",
        debtor_bic="RABONL2U",
    )
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


def transfer(number: int, amount: str = "1000.00", **changes: object) -> CreditTransfer:
    made = CreditTransfer(
        end_to_end_id=f"WB-P-{number}",
        amount=Decimal(amount),
        creditor_name=f"Notariskantoor {number}",
        creditor_iban=ING,
        remittance=f"Uitbetaling lening L-{number}",
        execution_date=DEC_15,
        creditor_bic="INGBNL2A",
    )
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


def pain008(items: list[Collection], **options: object) -> SepaFile:
    arguments: dict[str, object] = {"batch_id": "WB-DD-1", "created_at": CREATED_AT, **options}
    return build_pain008(CREDITOR, items, **arguments)  # type: ignore[arg-type]


def pain001(items: list[CreditTransfer], **options: object) -> SepaFile:
    arguments: dict[str, object] = {"batch_id": "WB-CT-1", "created_at": CREATED_AT, **options}
    return build_pain001(PAYER, items, **arguments)  # type: ignore[arg-type]


def xsd(version: str) -> etree.XMLSchema:
    source = resources.files("sepaxml").joinpath("schemas", f"{version}.xsd")
    return etree.XMLSchema(etree.fromstring(source.read_bytes()))


def parsed(built: SepaFile) -> tuple[etree._Element, dict[str, str]]:
    return etree.fromstring(built.xml_bytes), {"p": sepa_schemas.namespace(built.version)}


def blocks_of(built: SepaFile) -> list[etree._Element]:
    root, ns = parsed(built)
    return root.findall("*/p:PmtInf", ns)


# --- each version is valid ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["pain.008.001.02", "pain.008.001.08"])
def test_each_pain008_version_validates_against_its_xsd(version: str) -> None:
    items = [
        collection(1),
        collection(2, sequence=FIRST, debtor_bic=None),
        collection(3, collection_date=DEC_16, amendment=Amendment(original_mandate_reference="OUD-3")),
    ]
    built = pain008(items, version=version)
    root, ns = parsed(built)
    assert xsd(version).validate(root), xsd(version).error_log
    assert root.tag == "{urn:iso:std:iso:20022:tech:xsd:" + version + "}Document"
    assert (built.kind, built.version, built.message_id) == ("pain.008", version, "WB-DD-1")
    bic_tag = "BIC" if version.endswith("02") else "BICFI"
    assert root.findtext(f"*/p:PmtInf/p:CdtrAgt/p:FinInstnId/p:{bic_tag}", namespaces=ns) == "ABNANL2A"
    assert (
        root.findtext("*/p:PmtInf/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=ns)
        == "NL08ZZZ502057730000"
    )
    # a debtor bank without BIC is NOTPROVIDED
    second = root.xpath("//p:DrctDbtTxInf[p:PmtId/p:EndToEndId='WB-C-2']", namespaces=ns)[0]
    assert second.findtext("p:DbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=ns) == "NOTPROVIDED"


@pytest.mark.parametrize("version", ["pain.001.001.03", "pain.001.001.09"])
def test_each_pain001_version_validates_against_its_xsd(version: str) -> None:
    items = [transfer(1), transfer(2, creditor_bic=None), transfer(3, execution_date=DEC_16)]
    built = pain001(items, version=version)
    root, ns = parsed(built)
    assert xsd(version).validate(root), xsd(version).error_log
    assert (built.kind, built.number_of_transactions, built.control_sum) == (
        "pain.001",
        3,
        Decimal("3000.00"),
    )
    dates = [
        block.findtext("p:ReqdExctnDt" + ("" if version.endswith("03") else "/p:Dt"), namespaces=ns)
        for block in root.findall("*/p:PmtInf", ns)
    ]
    assert dates == ["2026-12-15", "2026-12-16"]
    # without a BIC the creditor agent is left out, as the EPC allows for IBAN-only
    second = root.xpath("//p:CdtTrfTxInf[p:PmtId/p:EndToEndId='WB-P-2']", namespaces=ns)[0]
    assert second.find("p:CdtrAgt", ns) is None
    assert root.findtext("*/p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == "NL91ABNA0417164300"
    assert root.findtext("*/p:PmtInf/p:DbtrAgt/p:FinInstnId/*", namespaces=ns) == "ABNANL2A"


# --- the same bytes as sepaxml writes -------------------------------------------------------


def _with_fixed_ids(raw: bytes, version: str, batch_id: str, block_ids: list[str]) -> bytes:
    """sepaxml's output with its random ids and clock replaced by ours, written by lxml."""
    root = etree.fromstring(raw)
    ns = {"p": sepa_schemas.namespace(version)}
    root.find("*/p:GrpHdr/p:MsgId", ns).text = batch_id
    root.find("*/p:GrpHdr/p:CreDtTm", ns).text = "2026-12-03T17:00:00"
    for element, block_id in zip(root.findall("*/p:PmtInf/p:PmtInfId", ns), block_ids, strict=True):
        element.text = block_id
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("version", ["pain.008.001.02", "pain.008.001.08"])
@pytest.mark.parametrize("scheme", [Scheme.CORE, Scheme.B2B])
def test_a_pain008_has_sepaxmls_elements_byte_for_byte(version: str, scheme: Scheme) -> None:
    items = [
        collection(1, sequence=FIRST),
        collection(2, debtor_bic=None, collection_date=DEC_16),
        collection(3, amount="0.01"),
    ]
    built = pain008(items, version=version, scheme=scheme)
    creditor = {
        "name": "Wijkbank Cooperatie U.A.",
        "IBAN": "NL91ABNA0417164300",
        "BIC": "ABNANL2A",
        "batch": True,
        "creditor_id": "NL08ZZZ502057730000",
        "currency": "EUR",
        "instrument": scheme.value,
    }
    sepa = SepaDD(creditor, schema=version, clean=False)
    for item in sorted(items, key=lambda item: (item.collection_date, item.sequence != FIRST)):
        payment: dict[str, object] = {
            "name": item.debtor_name,
            "IBAN": item.debtor_iban,
            "amount": int(item.amount * 100),
            "type": item.sequence.value,
            "collection_date": item.collection_date,
            "mandate_id": item.mandate_reference,
            "mandate_date": item.mandate_signed_on,
            "description": item.remittance,
            "endtoend_id": item.end_to_end_id,
        }
        if item.debtor_bic:
            payment["BIC"] = item.debtor_bic
        sepa.add_payment(payment)
    block_ids = [block.payment_information_id for block in built.blocks]
    assert block_ids == ["WB-DD-1-FRST-20261215", "WB-DD-1-RCUR-20261215", "WB-DD-1-RCUR-20261216"]
    assert built.xml_bytes == _with_fixed_ids(sepa.export(validate=False), version, "WB-DD-1", block_ids)


@pytest.mark.parametrize("version", ["pain.001.001.03", "pain.001.001.09"])
def test_a_pain001_has_sepaxmls_elements_byte_for_byte(version: str) -> None:
    items = [transfer(1), transfer(2, creditor_bic=None, execution_date=DEC_16), transfer(3)]
    built = pain001(items, version=version)
    payer = {"name": "Wijkbank Cooperatie U.A.", "IBAN": PAYER.iban, "BIC": "ABNANL2A", "batch": True}
    sepa = SepaTransfer({**payer, "currency": "EUR"}, schema=version, clean=False)
    for item in sorted(items, key=lambda item: item.execution_date):
        payment: dict[str, object] = {
            "name": item.creditor_name,
            "IBAN": item.creditor_iban,
            "amount": int(item.amount * 100),
            "execution_date": item.execution_date,
            "description": item.remittance,
            "endtoend_id": item.end_to_end_id,
        }
        if item.creditor_bic:
            payment["BIC"] = item.creditor_bic
        sepa.add_payment(payment)
    block_ids = [block.payment_information_id for block in built.blocks]
    assert block_ids == ["WB-CT-1-20261215", "WB-CT-1-20261216"]
    assert built.xml_bytes == _with_fixed_ids(sepa.export(validate=False), version, "WB-CT-1", block_ids)


# --- control sums and blocks ----------------------------------------------------------------

#: Amounts in cents, up to the largest a SEPA transaction may carry.
CENTS = st.integers(min_value=1, max_value=99_999_999_999)
SEQUENCES = st.sampled_from(list(SequenceType))
DATES = st.sampled_from([DEC_15, DEC_16, dt.date(2027, 1, 4)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(CENTS, SEQUENCES, DATES), min_size=1, max_size=60))
def test_control_sums_are_exact_to_the_cent_per_block_and_for_the_file(
    drawn: list[tuple[int, SequenceType, dt.date]],
) -> None:
    items = [
        collection(number, str(Decimal(cents).scaleb(-2)), sequence=sequence, collection_date=date)
        for number, (cents, sequence, date) in enumerate(drawn)
    ]
    built = pain008(items)
    root, ns = parsed(built)
    total = sum(Decimal(cents) for cents, _, _ in drawn) / 100
    assert root.findtext("*/p:GrpHdr/p:NbOfTxs", namespaces=ns) == str(len(drawn))
    assert Decimal(root.findtext("*/p:GrpHdr/p:CtrlSum", namespaces=ns)) == total
    assert (built.number_of_transactions, built.control_sum) == (len(drawn), total)
    expected: dict[tuple[str, str], list[int]] = defaultdict(list)
    for cents, sequence, date in drawn:
        expected[(sequence.value, date.isoformat())].append(cents)
    seen = {}
    for block in root.findall("*/p:PmtInf", ns):
        key = (
            block.findtext("p:PmtTpInf/p:SeqTp", namespaces=ns),
            block.findtext("p:ReqdColltnDt", namespaces=ns),
        )
        assert key not in seen, "one block per sequence type and date"
        texts = [element.text for element in block.findall("p:DrctDbtTxInf/p:InstdAmt", ns)]
        assert all(len(text.split(".")[1]) == 2 for text in texts)
        control_sum = block.findtext("p:CtrlSum", namespaces=ns)
        assert len(control_sum.split(".")[1]) == 2
        assert (
            Decimal(control_sum) == sum(Decimal(text) for text in texts) == sum(expected[key]) / Decimal(100)
        )
        assert block.findtext("p:NbOfTxs", namespaces=ns) == str(len(texts)) == str(len(expected[key]))
        seen[key] = block
    assert set(seen) == set(expected)
    assert xsd("pain.008.001.02").validate(root)


def test_blocks_come_by_date_then_first_recurring_final_one_off_and_keep_the_callers_order() -> None:
    items = [
        collection(1, sequence=ONE_OFF, collection_date=DEC_15),
        collection(2, sequence=RECURRING, collection_date=DEC_16),
        collection(3, sequence=FINAL, collection_date=DEC_15),
        collection(4, sequence=FIRST, collection_date=DEC_15),
        collection(5, sequence=RECURRING, collection_date=DEC_16),
        collection(6, sequence=FIRST, collection_date=DEC_15),
    ]
    built = pain008(items, batch_id="WB-DD-20261215")
    assert [(block.sequence, block.date, block.number_of_transactions) for block in built.blocks] == [
        (FIRST, DEC_15, 2),
        (FINAL, DEC_15, 1),
        (ONE_OFF, DEC_15, 1),
        (RECURRING, DEC_16, 2),
    ]
    ns = {"p": sepa_schemas.namespace(built.version)}
    ids = [
        [element.text for element in block.findall("p:DrctDbtTxInf/p:PmtId/p:EndToEndId", ns)]
        for block in blocks_of(built)
    ]
    assert ids == [["WB-C-4", "WB-C-6"], ["WB-C-3"], ["WB-C-1"], ["WB-C-2", "WB-C-5"]]
    assert [block.findtext("p:PmtInfId", namespaces=ns) for block in blocks_of(built)] == [
        "WB-DD-20261215-FRST-20261215",
        "WB-DD-20261215-FNAL-20261215",
        "WB-DD-20261215-OOFF-20261215",
        "WB-DD-20261215-RCUR-20261216",
    ]


def test_the_largest_and_smallest_amounts_are_written_with_two_decimals() -> None:
    built = pain008([collection(1, "999999999.99"), collection(2, "0.01"), collection(3, "7.5")])
    root, ns = parsed(built)
    assert [element.text for element in root.iter("{" + ns["p"] + "}InstdAmt")] == [
        "999999999.99",
        "0.01",
        "7.50",
    ]
    assert root.findtext("*/p:GrpHdr/p:CtrlSum", namespaces=ns) == "1000000007.50"
    assert built.control_sum == Decimal("1000000007.50")


# --- deterministic --------------------------------------------------------------------------


def test_a_rebuild_gives_the_same_bytes_and_checksum() -> None:
    items = [collection(1, sequence=FIRST), collection(2, collection_date=DEC_16)]
    first, second = pain008(items), pain008(list(items))
    assert first.xml_bytes == second.xml_bytes
    assert first.sha256 == second.sha256 == hashlib.sha256(first.xml_bytes).hexdigest()
    root, ns = parsed(first)
    assert root.findtext("*/p:GrpHdr/p:MsgId", namespaces=ns) == "WB-DD-1"
    assert root.findtext("*/p:GrpHdr/p:CreDtTm", namespaces=ns) == "2026-12-03T17:00:00"  # Amsterdam time
    later = pain008(items, created_at=CREATED_AT + dt.timedelta(seconds=1))
    assert later.sha256 != first.sha256
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.sha256 = "0" * 64  # type: ignore[misc]


def test_a_naive_creation_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        pain008([collection(1)], created_at=dt.datetime(2026, 12, 3, 16, 0))


# --- what the XSD refuses is refused ----------------------------------------------------------


def test_a_file_that_fails_its_xsd_is_refused_with_the_schemas_words() -> None:
    """Past the input checks (the internal writer trusts its rows) a 141-character name breaks the
    schema's Max140Text (the EPC's 70 is the input checks' rule, which this row skips)."""
    row = sepa_files._DebitRow(
        end_to_end_id="WB-C-1",
        cents=100,
        mandate_reference="WB-M-1",
        mandate_signed_on=dt.date(2025, 1, 1),
        sequence=RECURRING,
        collection_date=DEC_15,
        debtor_name="A" * 141,
        debtor_iban=RABO,
        debtor_bic=None,
        remittance="Termijn",
        amendment=None,
    )
    creditor = Creditor("Wijkbank", "NL91ABNA0417164300", "ABNANL2A", "NL08ZZZ502057730000")
    with pytest.raises(SepaFileInvalid) as refused:
        sepa_files._render_pain008(
            creditor,
            [row],
            batch_id="WB-DD-1",
            created_at=CREATED_AT,
            scheme=Scheme.CORE,
            version="pain.008.001.02",
        )
    assert refused.value.code == "sepa_file_invalid"
    assert refused.value.message.params["version"] == "pain.008.001.02"
    assert "Nm" in str(refused.value) and "maxLength" in str(refused.value)
    # the same row with a name that fits is a valid file
    fitting = row._replace(debtor_name="A" * 140)
    sepa_files._render_pain008(
        creditor,
        [fitting],
        batch_id="WB-DD-1",
        created_at=CREATED_AT,
        scheme=Scheme.CORE,
        version="pain.008.001.02",
    )


def test_the_validator_refuses_a_tampered_tree_and_bytes_that_are_not_xml() -> None:
    built = pain008([collection(1)])
    root, ns = parsed(built)
    sepa_schemas.check(root, built.version)  # as built: valid
    amount = root.find("*/p:PmtInf/p:DrctDbtTxInf/p:InstdAmt", ns)
    amount.text = "12,50"
    with pytest.raises(SepaFileInvalid, match="InstdAmt"):
        sepa_schemas.check(root, built.version)
    with pytest.raises(SepaFileInvalid, match=r"pain\.008\.001\.08"):  # the right file, the wrong version
        sepa_schemas.check_bytes(built.xml_bytes, "pain.008.001.08")
    with pytest.raises(SepaFileInvalid, match="not well-formed"):
        sepa_schemas.check_bytes(built.xml_bytes[:-20], built.version)
    sepa_schemas.check_bytes(built.xml_bytes, built.version)


# --- amendments and B2B -------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["pain.008.001.02", "pain.008.001.08"])
def test_amendment_details_are_in_the_xml_when_given(version: str) -> None:
    items = [
        collection(1),
        collection(2, amendment=Amendment(original_mandate_reference="OUD-2", original_debtor_iban=ING)),
        collection(3, sequence=FIRST, amendment=Amendment(debtor_bank_changed=True)),
    ]
    root, ns = parsed(pain008(items, version=version))

    def mandate(end_to_end_id: str) -> etree._Element:
        path = f"//p:DrctDbtTxInf[p:PmtId/p:EndToEndId='{end_to_end_id}']/p:DrctDbtTx/p:MndtRltdInf"
        return root.xpath(path, namespaces=ns)[0]

    assert mandate("WB-C-1").find("p:AmdmntInd", ns) is None
    assert mandate("WB-C-1").find("p:AmdmntInfDtls", ns) is None
    second = mandate("WB-C-2")
    assert [etree.QName(child).localname for child in second] == [
        "MndtId",
        "DtOfSgntr",
        "AmdmntInd",
        "AmdmntInfDtls",
    ]
    assert second.findtext("p:AmdmntInd", namespaces=ns) == "true"
    assert second.findtext("p:AmdmntInfDtls/p:OrgnlMndtId", namespaces=ns) == "OUD-2"
    assert second.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=ns) == ING
    third = mandate("WB-C-3")
    assert third.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=ns) == "SMNDA"
    assert third.find("p:AmdmntInfDtls/p:OrgnlMndtId", ns) is None
    assert xsd(version).validate(root)


def test_an_empty_amendment_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        pain008([collection(1, amendment=Amendment())])
    assert set(refused.value.fields) == {"collections[0].amendment"}


@pytest.mark.parametrize("version", ["pain.008.001.02", "pain.008.001.08"])
def test_a_b2b_file_says_so_in_every_blocks_local_instrument(version: str) -> None:
    items = [collection(1, sequence=FIRST), collection(2), collection(3, collection_date=DEC_16)]
    for scheme, code in ((Scheme.B2B, "B2B"), (Scheme.CORE, "CORE")):
        built = pain008(items, version=version, scheme=scheme)
        ns = {"p": sepa_schemas.namespace(version)}
        codes = [block.findtext("p:PmtTpInf/p:LclInstrm/p:Cd", namespaces=ns) for block in blocks_of(built)]
        assert codes == [code, code, code]


# --- the inputs -------------------------------------------------------------------------------


def test_every_broken_rule_is_named_by_its_field_at_once() -> None:
    broken = Collection(
        end_to_end_id="WB C 1",
        amount=Decimal("0.00"),
        mandate_reference="/M-1",
        mandate_signed_on=dt.date(2026, 12, 16),
        sequence=RECURRING,
        collection_date=DEC_15,
        debtor_name="Ива́н",
        debtor_iban="NL91ABNA0417164301",
        remittance="Termijn € 12",
        debtor_bic="ABNA",
    )
    with pytest.raises(ValidationError) as refused:
        build_pain008(
            Creditor("Wijkbank", "NL91ABNA0417164300", "ABNANL2A", "NL09ZZZ502057730000"),
            [broken],
            batch_id="WB-DD-2026-12-15-extra",
            created_at=CREATED_AT,
            version="pain.008.001.05",
        )
    fields = {name: str(rule) for name, rule in refused.value.fields.items()}
    assert fields == {
        "version": "must be one of pain.008.001.02, pain.008.001.08",
        "batch_id": "must be at most 21 characters",
        "creditor.creditor_id": "is not a valid creditor identifier (the check digits do not match)",
        "collections[0].end_to_end_id": sepa_files.NOT_AN_IDENTIFIER,
        "collections[0].mandate_signed_on": "must not be after the collection date 2026-12-15",
        "collections[0].amount": "must be greater than 0",
        "collections[0].mandate_reference": "must not begin or end with / and must not contain //",
        "collections[0].debtor_name": "contains 'И', which a SEPA file cannot carry",
        "collections[0].debtor_iban": "is not a valid IBAN (the check digits do not match)",
        "collections[0].debtor_bic": "is not a valid BIC (8 or 11 letters and digits, like ABNANL2A)",
        "collections[0].remittance": "contains '€', which a SEPA file cannot carry",
    }
    assert refused.value.code == "validation_failed"


def test_names_and_texts_are_transliterated_into_the_sepa_character_set() -> None:
    items = [
        collection(
            1,
            debtor_name="  Zoë   Ørsted-Ǆ & Søn’s  ",
            remittance="Aflossing “coöperatie” – straße Łódź",
        )
    ]
    built = pain008(items)
    root, ns = parsed(built)
    assert root.findtext("*/p:GrpHdr/p:InitgPty/p:Nm", namespaces=ns) == "Wijkbank Cooperatie U.A."
    assert root.findtext(".//p:Dbtr/p:Nm", namespaces=ns) == "Zoe Orsted-DZ + Son's"
    assert root.findtext(".//p:Ustrd", namespaces=ns) == "Aflossing 'cooperatie' - strasse Lodz"
    assert sepa_files.sepa_text("é" * 70, "name", max_length=70) == "e" * 70
    with pytest.raises(ValidationError, match="at most 70"):
        sepa_files.sepa_text("é" * 71, "name", max_length=70)
    with pytest.raises(ValidationError, match="'@'"):
        sepa_files.sepa_text("jan@example.nl", "remittance", max_length=140)
    with pytest.raises(ValidationError, match="is required"):
        sepa_files.sepa_text(" \t ", "debtor_name", max_length=70)


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        ("0.00", "must be greater than 0"),
        ("-1.00", "must be greater than 0"),
        ("1000000000.00", "must not exceed 999999999.99"),
        ("12.345", "may have at most 2 decimals, e.g. 1234.56"),
    ],
)
def test_amounts_outside_what_sepa_carries_are_refused(amount: str, rule: str) -> None:
    with pytest.raises(ValidationError) as refused:
        pain001([transfer(1, amount)])
    assert {name: str(text) for name, text in refused.value.fields.items()} == {"transfers[0].amount": rule}


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "is required"),
        ("A" * 36, "must be at most 35 characters"),
        ("WB 1", "may contain only letters A-Z, digits and + ? / - : ( ) . , ' (no spaces)"),
        ("WB_1", "may contain only letters A-Z, digits and + ? / - : ( ) . , ' (no spaces)"),
        ("WB-1/", "must not begin or end with / and must not contain //"),
        ("WB//1", "must not begin or end with / and must not contain //"),
    ],
)
def test_mandate_references_follow_the_epc_identifier_rules(value: str, rule: str) -> None:
    with pytest.raises(ValidationError) as refused:
        sepa_files.mandate_reference(value)
    assert str(refused.value.fields["mandate_reference"]) == rule


def test_identifiers_that_follow_the_rules_pass_unchanged() -> None:
    assert sepa_files.mandate_reference(" WB-M-2026/0001 ") == "WB-M-2026/0001"
    assert sepa_files.sepa_identifier("A" * 35, "end_to_end_id") == "A" * 35
    assert sepa_files.creditor_identifier("nl08 zzz 5020 5773 0000") == "NL08ZZZ502057730000"
    assert sepa_files.bic("rabo nl 2u") == "RABONL2U"
    assert sepa_files.amount_cents(Decimal("999999999.99")) == 99_999_999_999


def test_an_end_to_end_id_twice_in_a_file_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        pain001([transfer(1), transfer(2), transfer(1, "5.00")])
    assert {name: str(rule) for name, rule in refused.value.fields.items()} == {
        "transfers[2].end_to_end_id": "is used for another payment in this file"
    }


def test_a_file_without_payments_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        pain008([])
    assert str(refused.value.fields["collections"]) == "a SEPA file needs at least one payment"
    with pytest.raises(ValidationError) as refused:
        pain001([], version="pain.001.001.03")
    assert str(refused.value.fields["transfers"]) == "a SEPA file needs at least one payment"


def test_an_iban_outside_the_sepa_zone_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        pain001([transfer(1, creditor_iban="BR1500000000000010932840814P2")])
    assert set(refused.value.fields) == {"transfers[0].creditor_iban"}


def test_the_benchmarks_bare_lxml_writes_the_same_bytes_as_the_builder() -> None:
    """bench.payments times ``build_pain008`` against bare lxml; only fair if both write the same."""
    items = bench_payments.pain008_collections(120)
    built = build_pain008(
        bench_payments.CREDITOR, items, batch_id=bench_payments.BATCH_ID, created_at=bench_payments.CREATED_AT
    )
    assert any(item.amendment for item in items) and any(item.debtor_bic is None for item in items)
    assert len({item.debtor_iban for item in items}) == 120
    assert bench_payments.bare_lxml_pain008(items) == built.xml_bytes
    assert built.number_of_transactions == 120 and len(built.blocks) == 4


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=90))
def test_sepa_text_returns_only_sepa_characters_or_names_the_one_it_cannot_carry(text: str) -> None:
    try:
        result = sepa_files.sepa_text(text, "debtor_name", max_length=70)
    except ValidationError as refused:
        rule = refused.fields["debtor_name"]
        assert rule.template in {sepa_files.NOT_SEPA_CHARACTER, sepa_files.IS_REQUIRED, sepa_files.TOO_LONG}
        if rule.template == sepa_files.NOT_SEPA_CHARACTER:
            assert not sepa_files._SEPA_TEXT.fullmatch(rule.params["character"])
        return
    assert sepa_files._SEPA_TEXT.fullmatch(result) and 1 <= len(result) <= 70
    assert result == result.strip() and "  " not in result


def test_a_stored_file_with_an_external_entity_is_refused_without_reading_it() -> None:
    built = pain008([collection(1)])
    doctype = b'<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    tampered = built.xml_bytes.replace(b"?>", b"?>" + doctype, 1).replace(b"Lid 1", b"&secret;")
    with pytest.raises(SepaFileInvalid, match="document type declaration") as refused:
        sepa_schemas.check_bytes(tampered, built.version)
    assert "root:" not in str(refused.value)
    # handed the parsed tree directly, the unresolved entity is refused too (libxml2 gives up on it)
    tree = etree.fromstring(tampered, etree.XMLParser(resolve_entities=False, no_network=True))
    with pytest.raises(SepaFileInvalid, match="cannot be checked against its XML schema"):
        sepa_schemas.check(tree, built.version)
