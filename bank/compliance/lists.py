"""Sanctions and PEP list files read into plain entries (L3 floor ``compliance``, no database, no network).

The bank is handed the lists as files; it never fetches them. Three published forms are read:

* the EU consolidated financial sanctions list (Financial Sanctions Files 1.1) as CSV: separated by
  semicolons, one row per name alias, birth date, citizenship, address or identification of an
  entity, all rows of an entity sharing its ``Entity_LogicalId``;
* the same list as XML: ``<export>`` with one ``<sanctionEntity logicalId=..>`` per entity and
  ``<nameAlias>``, ``<birthdate>`` and ``<citizenship>`` children (the published file has a default
  namespace, so elements are matched on their local name);
* the FollowTheMoney entities OpenSanctions publishes, one JSON object per line. Only the schemas
  that are people or organisations are kept (``Person``, ``Organization``, ``LegalEntity``,
  ``Company``), and only entities whose topics say sanctioned (``sanction…``) or politically
  exposed (``role.pep``, and ``role.rca``: the Wwft treats relatives and close associates of a PEP
  as a PEP themselves). Addresses, ownerships, vessels and the like are skipped.

Each loader returns a list of :class:`ListEntry` or raises :class:`bank.errors.ValidationError` on
the field ``file`` with a rule naming the line. The whole file is read before anything is returned,
so a list is never half loaded; a file that yields no entry at all is refused too, because an empty
list that loads cleanly would clear every member.

Birth dates are kept as ``YYYY-MM-DD`` when the day is known and ``YYYY`` when only the year is
(the lists also give a month alone, or ``00`` for an unknown day; screening compares years and
whole dates only, so those become the year). Nationalities are ISO 3166 alpha-2 codes in upper
case; anything else (``00`` for unknown, regions) is left out.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import enum
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from lxml import etree

from bank.errors import N_, ValidationError


class ListSource(enum.StrEnum):
    """Which published file an entry came from."""

    EU = "eu"  # EU consolidated financial sanctions list, CSV or XML
    FTM = "ftm"  # FollowTheMoney JSON lines (OpenSanctions)


class ListKind(enum.StrEnum):
    """Why an entry is on a list: a hit on each is followed up differently."""

    SANCTION = "sanction"
    PEP = "pep"


@dataclass(frozen=True)
class ListEntry:
    """One sanctioned or politically exposed person or organisation, with every name it is known by."""

    source: ListSource
    #: The list's own id (EU ``logicalId``, FollowTheMoney ``id``), stable between publications.
    entry_id: str
    #: The whole name of each alias, in the list's own script and order, without repeats.
    names: tuple[str, ...]
    #: ``YYYY-MM-DD`` or ``YYYY``; empty when the list gives none.
    birth_dates: tuple[str, ...] = ()
    #: ISO 3166 alpha-2, upper case; for an organisation its country of registration.
    nationalities: tuple[str, ...] = ()
    is_person: bool = True
    #: Sorted; a FollowTheMoney entity may be both sanctioned and a PEP.
    kinds: tuple[ListKind, ...] = field(default=(ListKind.SANCTION,))


# --- shared helpers -------------------------------------------------------------------------

_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_YEAR = re.compile(r"^(\d{4})(?:\b|-)")
_ISO2 = re.compile(r"^[A-Z]{2}$")

NO_ENTRIES = N_("holds no person or organisation to screen against; nothing was loaded")


def birth_date(text: str | None) -> str | None:
    """A list's birth date as ``YYYY-MM-DD`` or ``YYYY``; None when it is empty or not a date.

    A badly written date of one entry does not refuse the file: the entry is still screened by
    name, only without the date that would sharpen the score."""
    if not text or not text.strip():
        return None
    text = text.strip()
    full = _FULL_DATE.match(text)
    if full:
        try:
            return dt.date(int(full[1]), int(full[2]), int(full[3])).isoformat()
        except ValueError:
            pass  # "1962-00-00": the year is all the list knows
    year = _YEAR.match(text)
    if year and 1800 <= int(year[1]) <= 2100:
        return year[1]
    return None


def nationality(text: str | None) -> str | None:
    """An ISO alpha-2 code in upper case, or None for empty, ``00`` and anything longer."""
    if not text:
        return None
    code = text.strip().upper()
    return code if _ISO2.match(code) else None


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """Non-empty values, stripped, in first-seen order without repeats."""
    seen: dict[str, None] = {}
    for value in values:
        if value and value.strip():
            seen.setdefault(" ".join(value.split()), None)
    return tuple(seen)


def _as_stream(source: bytes | BinaryIO) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes | bytearray) else source


def _refuse(rule: str, **params: object) -> ValidationError:
    return ValidationError("file", rule, **params)


@dataclass
class _Gathered:
    """An entity's parts while its rows or elements are read."""

    is_person: bool
    names: list[str] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)

    def entry(self, source: ListSource, entry_id: str, kinds: tuple[ListKind, ...]) -> ListEntry | None:
        names = _unique(self.names)
        if not names:  # nothing to screen a member against
            return None
        return ListEntry(
            source=source,
            entry_id=entry_id,
            names=names,
            birth_dates=_unique(self.birth_dates),
            nationalities=_unique(self.nationalities),
            is_person=self.is_person,
            kinds=kinds,
        )


#: The EU list's subject types (``Entity_SubjectType_ClassificationCode`` / ``subjectType code``),
#: and the one-letter codes of ``Entity_SubjectType``: is it a person.
_EU_SUBJECT_TYPES = {"person": True, "enterprise": False, "p": True, "e": False}


def _eu_is_person(value: str | None, line: int) -> bool:
    kind = _EU_SUBJECT_TYPES.get((value or "").strip().lower())
    if kind is None:
        raise _refuse(
            N_("line %(line)s: the subject type %(value)s is neither person nor enterprise"),
            line=line,
            value=value or "''",
        )
    return kind


def _whole_name(whole: str | None, *parts: str | None) -> str | None:
    """The alias's whole name, or its first, middle and last names joined when that is all it has."""
    if whole and whole.strip():
        return whole
    joined = " ".join(part.strip() for part in parts if part and part.strip())
    return joined or None


def _nonempty(entries: list[ListEntry]) -> list[ListEntry]:
    if not entries:
        raise _refuse(NO_ENTRIES)
    return entries


# --- EU CSV ---------------------------------------------------------------------------------

#: The columns without which the file is not the EU list (the published file has 118 or so; the
#: others are read when present).
EU_CSV_REQUIRED = ("Entity_LogicalId", "Entity_SubjectType_ClassificationCode", "NameAlias_WholeName")


def _decoded_lines(stream: BinaryIO) -> Iterator[str]:
    """The file's lines as text, each decoded alone so that bad bytes are reported on their own line."""
    for number, raw in enumerate(stream, start=1):
        try:
            yield (raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw).decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse(N_("line %(line)s: is not UTF-8 text"), line=number) from None


def load_eu_csv(source: bytes | BinaryIO) -> list[ListEntry]:
    """The EU consolidated list from its CSV (``;``-separated, UTF-8, a header row), one entry per entity.

    Rows are gathered by ``Entity_LogicalId`` wherever they stand, so a file sorted otherwise reads
    the same. A row with another number of fields than the header, an entity without an id or with
    an unknown subject type refuses the file, naming its line."""
    reader = csv.reader(_decoded_lines(_as_stream(source)), delimiter=";", strict=True)
    gathered: dict[str, _Gathered] = {}
    try:
        header = next(reader, None)
        if header is None:
            raise _refuse(N_("is empty"))
        header = [name.strip() for name in header]
        missing = [name for name in EU_CSV_REQUIRED if name not in header]
        if missing:
            raise _refuse(
                N_("line %(line)s: is not the EU sanctions list in CSV, it misses the columns %(columns)s"),
                line=1,
                columns=tuple(missing),
            )
        column = {name: index for index, name in enumerate(header)}

        for row in reader:
            if not row or row == [""]:
                continue  # a blank line
            line = reader.line_num
            if len(row) != len(header):
                raise _refuse(
                    N_("line %(line)s: %(count)s fields where the header has %(expected)s"),
                    line=line,
                    count=len(row),
                    expected=len(header),
                )

            def value(name: str, row: list[str] = row) -> str | None:
                index = column.get(name)
                return row[index] if index is not None else None

            entity_id = (value("Entity_LogicalId") or "").strip()
            if not entity_id:
                raise _refuse(N_("line %(line)s: a row without Entity_LogicalId"), line=line)
            entity = gathered.get(entity_id)
            if entity is None:
                is_person = _eu_is_person(value("Entity_SubjectType_ClassificationCode"), line)
                entity = gathered[entity_id] = _Gathered(is_person=is_person)
            name = _whole_name(
                value("NameAlias_WholeName"),
                value("NameAlias_FirstName"),
                value("NameAlias_MiddleName"),
                value("NameAlias_LastName"),
            )
            if name:
                entity.names.append(name)
            born = birth_date(value("BirthDate_BirthDate")) or birth_date(value("BirthDate_Year"))
            if born:
                entity.birth_dates.append(born)
            country = nationality(value("Citizenship_CountryIso2Code"))
            if country:
                entity.nationalities.append(country)
    except csv.Error as error:
        raise _refuse(
            N_("line %(line)s: is not readable CSV (%(reason)s)"), line=reader.line_num, reason=str(error)
        ) from None
    entries = (
        entity.entry(ListSource.EU, entity_id, (ListKind.SANCTION,)) for entity_id, entity in gathered.items()
    )
    return _nonempty([entry for entry in entries if entry is not None])


# --- EU XML ---------------------------------------------------------------------------------


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def load_eu_xml(source: bytes | BinaryIO) -> list[ListEntry]:
    """The EU consolidated list from its XML (``<export>`` of ``<sanctionEntity>``), one entry per entity.

    Read as a stream with everything that could reach beyond the file switched off (no DTD, no
    entities, no network); a document type declaration refuses the file outright. Each entity is
    dropped from the tree once read, so the published file (tens of MB) never sits in memory whole."""
    events = etree.iterparse(
        _as_stream(source),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    entries: list[ListEntry] = []
    root_seen = False
    try:
        for event, element in events:
            if not root_seen:
                root_seen = True
                docinfo = element.getroottree().docinfo
                if docinfo.doctype or docinfo.internalDTD is not None:
                    raise _refuse(N_("declares a document type, which a list file may not; it is refused"))
                if _local(element) != "export":
                    raise _refuse(
                        N_("line %(line)s: is not the EU sanctions list in XML, its root is %(element)s"),
                        line=element.sourceline,
                        element=_local(element) or "?",
                    )
            if event == "end" and _local(element) == "sanctionEntity":
                entry = _eu_xml_entity(element)
                if entry is not None:
                    entries.append(entry)
                element.clear(keep_tail=False)
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        raise _refuse(
            N_("line %(line)s: is not well-formed XML (%(reason)s)"),
            line=error.lineno or 1,
            reason=error.msg or str(error),
        ) from None
    if not root_seen:
        raise _refuse(N_("is empty"))
    return _nonempty(entries)


def _eu_xml_entity(element: etree._Element) -> ListEntry | None:
    line = element.sourceline
    entity_id = (element.get("logicalId") or "").strip()
    if not entity_id:
        raise _refuse(N_("line %(line)s: a sanctionEntity without logicalId"), line=line)
    subject = next((child for child in element if _local(child) == "subjectType"), None)
    if subject is None:
        raise _refuse(N_("line %(line)s: a sanctionEntity without subjectType"), line=line)
    entity = _Gathered(
        is_person=_eu_is_person(subject.get("code") or subject.get("classificationCode"), line)
    )
    for child in element:
        kind = _local(child)
        if kind == "nameAlias":
            name = _whole_name(
                child.get("wholeName"), child.get("firstName"), child.get("middleName"), child.get("lastName")
            )
            if name:
                entity.names.append(name)
        elif kind == "birthdate":
            born = birth_date(child.get("birthdate")) or birth_date(child.get("year"))
            if born:
                entity.birth_dates.append(born)
        elif kind == "citizenship":
            country = nationality(child.get("countryIso2Code"))
            if country:
                entity.nationalities.append(country)
    return entity.entry(ListSource.EU, entity_id, (ListKind.SANCTION,))


# --- FollowTheMoney JSON lines --------------------------------------------------------------

#: FollowTheMoney schemas that are a person (True) or an organisation (False); others are skipped.
FTM_SCHEMAS = {"Person": True, "Organization": False, "LegalEntity": False, "Company": False}
#: The name properties screened; ``weakAlias`` is left out (OpenSanctions marks it too weak to match).
_FTM_NAMES = ("name", "alias", "previousName")
_FTM_COUNTRIES = {True: ("nationality", "citizenship"), False: ("jurisdiction", "country")}


def _ftm_kinds(topics: Iterable[str]) -> tuple[ListKind, ...]:
    kinds = set()
    for topic in topics:
        if topic == "sanction" or topic.startswith("sanction."):
            kinds.add(ListKind.SANCTION)
        elif topic in ("role.pep", "role.rca"):
            kinds.add(ListKind.PEP)
    return tuple(sorted(kinds))


def _ftm_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            yield number, raw


def load_ftm(source: bytes | BinaryIO) -> list[ListEntry]:
    """FollowTheMoney entities, one JSON object per line, read line by line (the files are large).

    A line that is not JSON, not an object, without a text ``id`` and ``schema``, or whose
    ``properties`` is not an object of lists refuses the file, naming the line. Values in a
    property that are not text (nested entities in some exports) are passed over."""
    entries: list[ListEntry] = []
    for line, raw in _ftm_lines(_as_stream(source)):
        try:
            data = json.loads(raw)
        except UnicodeDecodeError:
            raise _refuse(N_("line %(line)s: is not UTF-8 text"), line=line) from None
        except json.JSONDecodeError as error:
            raise _refuse(
                N_("line %(line)s: is not JSON (%(reason)s)"), line=line, reason=error.msg
            ) from None
        if not isinstance(data, dict):
            raise _refuse(N_("line %(line)s: is not a JSON object"), line=line)
        entity_id, schema, properties = data.get("id"), data.get("schema"), data.get("properties", {})
        if not isinstance(entity_id, str) or not entity_id.strip() or not isinstance(schema, str):
            raise _refuse(N_("line %(line)s: an entity without id or schema"), line=line)
        if not isinstance(properties, dict) or not all(isinstance(v, list) for v in properties.values()):
            raise _refuse(N_("line %(line)s: properties is not an object of lists"), line=line)
        is_person = FTM_SCHEMAS.get(schema)
        if is_person is None:
            continue

        def texts(*names: str, properties: dict[str, list[object]] = properties) -> list[str]:
            return [value for name in names for value in properties.get(name, []) if isinstance(value, str)]

        kinds = _ftm_kinds(texts("topics"))
        if not kinds:
            continue  # on the file, but neither sanctioned nor a PEP (an associate, a crime topic)
        entity = _Gathered(is_person=is_person)
        entity.names.extend(texts(*_FTM_NAMES))
        entity.birth_dates.extend(filter(None, map(birth_date, texts("birthDate"))))
        entity.nationalities.extend(filter(None, map(nationality, texts(*_FTM_COUNTRIES[is_person]))))
        entry = entity.entry(ListSource.FTM, entity_id.strip(), kinds)
        if entry is not None:
            entries.append(entry)
    return _nonempty(entries)


# --- by kind ----------------------------------------------------------------------------------


def load_list(source: bytes | BinaryIO, kind: str) -> list[ListEntry]:
    """The entries of a list file of ``kind`` ``eu`` (CSV or XML, told apart by the first character)
    or ``ftm``, as the command ``bank compliance load-list FILE --kind eu|ftm`` gives it."""
    if kind == ListSource.FTM:
        return load_ftm(source)
    if kind != ListSource.EU:
        raise ValidationError("kind", N_("must be one of %(allowed)s"), allowed=("eu", "ftm"))
    data = source if isinstance(source, bytes | bytearray) else source.read()
    head = bytes(data[:512]).lstrip(b"\xef\xbb\xbf \t\r\n")
    return load_eu_xml(bytes(data)) if head.startswith(b"<") else load_eu_csv(bytes(data))
