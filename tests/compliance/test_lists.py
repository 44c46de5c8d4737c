"""Reading the list files: the EU list as CSV and XML, OpenSanctions' FollowTheMoney lines; bad files refused.

The fixtures under ``fixtures/`` are small made-up lists in the published layouts (the EU file's
column names and XML elements, FollowTheMoney's entity shape). A malformed file is refused with a
ValidationError on the field ``file`` naming the line, and nothing is returned half loaded.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bank.compliance.lists import (
    ListEntry,
    ListKind,
    ListSource,
    birth_date,
    load_eu_csv,
    load_eu_xml,
    load_ftm,
    load_list,
)
from bank.errors import ValidationError

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def by_id(entries: list[ListEntry]) -> dict[str, ListEntry]:
    return {entry.entry_id: entry for entry in entries}


def refused(error: pytest.ExceptionInfo[ValidationError]) -> tuple[str, dict[str, object]]:
    """The rule (its English catalogue id) and the values of the one field a refusal names."""
    assert set(error.value.fields) == {"file"}
    rule = error.value.fields["file"]
    return rule.template, dict(rule.params)


# --- EU CSV ---------------------------------------------------------------------------------


def test_the_eu_csv_gathers_each_entitys_rows_into_one_entry():
    entries = by_id(load_eu_csv(read("eu_sanctions.csv")))
    assert set(entries) == {"1001", "1002", "1003", "1004", "1005"}
    assert entries["1001"] == ListEntry(
        source=ListSource.EU,
        entry_id="1001",
        names=("Sergei Viktorovich IVANOV", "Сергей Викторович Иванов"),
        birth_dates=("1961-03-02",),
        nationalities=("RU",),
        is_person=True,
        kinds=(ListKind.SANCTION,),
    )
    # Only the year of birth is known; "00" is the list's word for an unknown citizenship.
    assert entries["1002"].birth_dates == ("1970",) and entries["1002"].nationalities == ()
    assert entries["1003"].is_person is False
    assert entries["1003"].names == ("Baltic Neftegaz Trading OOO", "ООО Балтик Нефтегаз Трейдинг")
    # An alias given in parts only is joined; "1958-00-00" is a year.
    assert entries["1005"].names == ("Ahmad Khalil Al-Masri",)
    assert entries["1005"].birth_dates == ("1958",)


def test_the_eu_csv_is_read_from_a_stream_and_rows_of_an_entity_may_stand_apart():
    lines = read("eu_sanctions.csv").decode("utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    shuffled = "\n".join([header, *reversed(rows)]).encode()
    read_back, published = (
        by_id(load_eu_csv(io.BytesIO(shuffled))),
        by_id(load_eu_csv(read("eu_sanctions.csv"))),
    )
    assert read_back.keys() == published.keys()
    for entry_id, entry in published.items():  # the aliases come in the order of their rows
        assert read_back[entry_id].names == tuple(reversed(entry.names))
        assert read_back[entry_id].birth_dates == entry.birth_dates


def test_a_csv_without_the_eu_columns_is_refused_on_line_1():
    data = b"Entity_LogicalId;Name;Entity_SubjectType_ClassificationCode\n1;Sergei Ivanov;person\n"
    with pytest.raises(ValidationError) as error:
        load_eu_csv(data)
    rule, params = refused(error)
    assert params == {"line": 1, "columns": ("NameAlias_WholeName",)}
    assert "misses the columns" in rule
    assert str(error.value) == (
        "file: line 1: is not the EU sanctions list in CSV, it misses the columns NameAlias_WholeName"
    )


def test_a_csv_row_with_another_number_of_fields_is_refused_naming_its_line():
    lines = read("eu_sanctions.csv").decode("utf-8-sig").splitlines()
    lines[4] = lines[4] + ";extra"
    with pytest.raises(ValidationError) as error:
        load_eu_csv("\n".join(lines).encode())
    _, params = refused(error)
    assert params["line"] == 5 and params["count"] == params["expected"] + 1


@pytest.mark.parametrize(
    ("row", "line", "words"),
    [
        ("01/12/2026;;;;;;;P;person" + ";" * 19, 3, "without Entity_LogicalId"),
        ("01/12/2026;77;;;;;;X;alien" + ";" * 19, 3, "neither person nor enterprise"),
    ],
)
def test_a_csv_row_without_an_id_or_a_known_subject_type_is_refused(row, line, words):
    lines = read("eu_sanctions.csv").decode("utf-8-sig").splitlines()
    lines.insert(2, row)
    with pytest.raises(ValidationError) as error:
        load_eu_csv("\n".join(lines).encode())
    rule, params = refused(error)
    assert params["line"] == line and words in rule


def test_a_csv_line_that_is_not_utf8_is_refused_naming_it():
    data = read("eu_sanctions.csv").replace(b"Tula", b"T\xfcla")
    with pytest.raises(ValidationError) as error:
        load_eu_csv(data)
    assert refused(error) == ("line %(line)s: is not UTF-8 text", {"line": 4})


@pytest.mark.parametrize(
    "data", [b"", b"Entity_LogicalId;Entity_SubjectType_ClassificationCode;NameAlias_WholeName\n"]
)
def test_an_empty_csv_loads_nothing(data):
    with pytest.raises(ValidationError) as error:
        load_eu_csv(data)
    assert error.value.fields["file"]


# --- EU XML ---------------------------------------------------------------------------------


def test_the_eu_xml_reads_names_birth_dates_and_citizenships_in_the_published_namespace():
    entries = by_id(load_eu_xml(read("eu_sanctions.xml")))
    assert entries["2001"] == ListEntry(
        source=ListSource.EU,
        entry_id="2001",
        names=("Omar Yusuf AL-HASHIMI", "Umar Yousef Al Hashimi"),
        birth_dates=("1975-05-05",),
        nationalities=("IQ",),
        is_person=True,
        kinds=(ListKind.SANCTION,),
    )
    assert entries["2002"].is_person is False and entries["2002"].nationalities == ("AE",)
    assert entries["2003"].names == ("Dmitri Volkov",) and entries["2003"].birth_dates == ("1972",)


def test_load_list_tells_the_eu_csv_from_the_xml():
    assert {entry.entry_id for entry in load_list(read("eu_sanctions.xml"), "eu")} == {"2001", "2002", "2003"}
    assert len(load_list(io.BytesIO(read("eu_sanctions.csv")), "eu")) == 5
    with pytest.raises(ValidationError) as error:
        load_list(b"", "ofac")
    assert set(error.value.fields) == {"kind"}


def test_xml_that_is_not_well_formed_is_refused_naming_the_line():
    data = read("eu_sanctions.xml").replace(
        b"</sanctionEntity>\n  <sanctionEntity", b"\n  <sanctionEntity", 1
    )
    with pytest.raises(ValidationError) as error:
        load_eu_xml(data)
    rule, params = refused(error)
    assert rule == "line %(line)s: is not well-formed XML (%(reason)s)"
    assert isinstance(params["line"], int) and params["line"] > 1


def test_xml_with_a_document_type_is_refused_and_no_entity_is_expanded():
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE export [<!ENTITY big "xxxxxxxxxxxxxxxx">]>\n'
        b'<export><sanctionEntity logicalId="1"><subjectType code="person"/>'
        b'<nameAlias wholeName="&big;"/></sanctionEntity></export>'
    )
    with pytest.raises(ValidationError) as error:
        load_eu_xml(data)
    assert "document type" in refused(error)[0]


def test_xml_of_another_kind_and_an_entity_without_id_are_refused():
    with pytest.raises(ValidationError) as error:
        load_eu_xml(b"<?xml version='1.0'?>\n<Document><Stmt/></Document>")
    assert refused(error) == (
        "line %(line)s: is not the EU sanctions list in XML, its root is %(element)s",
        {"line": 2, "element": "Document"},
    )
    with pytest.raises(ValidationError) as error:
        load_eu_xml(b"<export>\n<sanctionEntity>\n<subjectType code='person'/></sanctionEntity></export>")
    assert refused(error) == ("line %(line)s: a sanctionEntity without logicalId", {"line": 2})


# --- FollowTheMoney -------------------------------------------------------------------------


def test_ftm_keeps_sanctioned_and_politically_exposed_persons_and_organisations_only():
    entries = by_id(load_ftm(read("opensanctions.ftm.jsonl")))
    # Not kept: an address, a sanction record, and a person whose only topic is crime.
    assert set(entries) == {"NK-ftm-orlov", "Q-pep-deboer", "NK-ftm-both", "NK-ftm-crescent", "NK-ftm-legal"}
    assert entries["NK-ftm-orlov"] == ListEntry(
        source=ListSource.FTM,
        entry_id="NK-ftm-orlov",
        names=("Viktor Semyonovich Orlov", "Виктор Семёнович Орлов"),  # the weak alias is left out
        birth_dates=("1959-11-23",),
        nationalities=("RU",),
        is_person=True,
        kinds=(ListKind.SANCTION,),
    )
    assert entries["Q-pep-deboer"].kinds == (ListKind.PEP,)
    assert entries["NK-ftm-both"].kinds == (ListKind.PEP, ListKind.SANCTION)
    assert entries["NK-ftm-both"].birth_dates == ("1966",)  # a month without a day is a year
    assert entries["NK-ftm-both"].nationalities == ("UZ", "RU")
    assert entries["NK-ftm-crescent"].is_person is False and entries["NK-ftm-crescent"].nationalities == (
        "AE",
    )
    assert entries["NK-ftm-legal"].kinds == (ListKind.SANCTION,)


@pytest.mark.parametrize(
    ("bad", "rule"),
    [
        ("[1, 2]", "line %(line)s: is not a JSON object"),
        (
            '{"id": "x", "schema": "Person", "properties": {"name": "not a list"}}',
            "line %(line)s: properties is not an object of lists",
        ),
        ('{"schema": "Person", "properties": {}}', "line %(line)s: an entity without id or schema"),
        ('{"id": "x", "schema": "Person",', "line %(line)s: is not JSON (%(reason)s)"),
    ],
)
def test_a_json_line_that_is_not_an_entity_is_refused_naming_its_line(bad, rule):
    lines = read("opensanctions.ftm.jsonl").decode().splitlines()
    lines.insert(2, bad)
    with pytest.raises(ValidationError) as error:
        load_ftm("\n".join(lines).encode())
    found_rule, params = refused(error)
    assert found_rule == rule and params["line"] == 3


def test_blank_lines_count_and_a_file_of_nothing_to_screen_is_refused():
    person = {"id": "p", "schema": "Person", "properties": {"name": ["A B"], "topics": ["sanction"]}}
    assert len(load_ftm(("\n\n" + json.dumps(person) + "\n").encode())) == 1
    with pytest.raises(ValidationError) as error:
        load_ftm(b'\n{"id": "a", "schema": "Address", "properties": {}}\n\n[]\n')
    assert refused(error)[1] == {"line": 4}
    with pytest.raises(ValidationError) as error:
        load_ftm(b'{"id": "a", "schema": "Address", "properties": {}}\n')
    assert "nothing was loaded" in refused(error)[0]


@pytest.mark.parametrize(
    ("text", "normal"),
    [("1961-03-02", "1961-03-02"), ("1958-00-00", "1958"), ("1966-04", "1966"), ("1972", "1972"),
     ("circa 1970", None), ("", None), (None, None), ("1961-02-30", "1961")],
)  # fmt: skip
def test_birth_dates_are_whole_dates_or_years(text, normal):
    assert birth_date(text) == normal
