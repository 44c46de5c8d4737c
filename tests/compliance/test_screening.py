"""Screening members against the fixture lists: known true matches, known false ones, exact outcomes.

The three fixture lists (EU CSV, EU XML, FollowTheMoney) are loaded together, as a bank would after
loading each file. Every expected outcome is written out: which entry, the final score, the name
score, and what the birth date and the nationality said. A change of the scoring that moves one of
them is a change of behaviour a compliance officer would notice, so it shows up here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bank.compliance import screening
from bank.compliance.lists import ListEntry, ListSource, load_eu_csv, load_eu_xml, load_ftm
from bank.compliance.screening import (
    DateAgreement,
    NationalityAgreement,
    ScreeningIndex,
    Subject,
    name_parts,
    name_score,
    normal_name,
    screen,
    screen_all,
    screen_all_pairs,
)

FIXTURES = Path(__file__).parent / "fixtures"
SAME_DATE, SAME_YEAR, UNKNOWN_DATE = DateAgreement.SAME_DATE, DateAgreement.SAME_YEAR, DateAgreement.UNKNOWN
SAME, OTHER, UNKNOWN = NationalityAgreement.SAME, NationalityAgreement.OTHER, NationalityAgreement.UNKNOWN


@pytest.fixture(scope="module")
def index() -> ScreeningIndex:
    entries = [
        *load_eu_csv((FIXTURES / "eu_sanctions.csv").read_bytes()),
        *load_eu_xml((FIXTURES / "eu_sanctions.xml").read_bytes()),
        *load_ftm((FIXTURES / "opensanctions.ftm.jsonl").read_bytes()),
    ]
    return ScreeningIndex.build(entries)


def outcome(index: ScreeningIndex, subject: Subject) -> list[tuple[object, ...]]:
    return [
        (
            hit.entry.entry_id,
            hit.score,
            hit.reasons.name_score,
            hit.reasons.birth_date,
            hit.reasons.nationality,
        )
        for hit in screen(index, subject)
    ]


TRUE_MATCHES = [
    # Name parts swapped and the patronymic left out; the list's birth date; Dutch, the list says Russian.
    (Subject("swapped", ("Ivanov Sergei",), dt.date(1961, 3, 2), "NL"), ("1001", 100, 96, SAME_DATE, OTHER)),
    # Another transliteration of the same Cyrillic name, nothing else known.
    (Subject("sergey", ("Sergey Ivanov",)), ("1001", 96, 96, UNKNOWN_DATE, UNKNOWN)),
    # Typed in Cyrillic: "Мухаммад" is "Mukhammad"; the list knows the year of birth only.
    (
        Subject("cyrillic", ("Мухаммад Алиев",), dt.date(1970, 6, 1), "NL"),
        ("1002", 99, 96, SAME_YEAR, UNKNOWN),
    ),
    # A typo in the family name; birth date and nationality agree.
    (
        Subject("typo", ("Omar Yusuf Al-Hashemi",), dt.date(1975, 5, 5), "IQ"),
        ("2001", 100, 94, SAME_DATE, SAME),
    ),
    # The list's other transliteration, without the article's hyphen and the middle name.
    (Subject("umar", ("Umar Al Hashimi",)), ("2001", 96, 96, UNKNOWN_DATE, UNKNOWN)),
    # An organisation under another legal form, with a typo: legal forms are not compared.
    (
        Subject("org", ("Baltic Neftegas Trading B.V.",), None, "NL", False),
        ("1003", 96, 96, UNKNOWN_DATE, UNKNOWN),
    ),
    # FollowTheMoney: a sanctioned person without the patronymic, date and nationality agree.
    (
        Subject("orlov", ("Viktor Orlov",), dt.date(1959, 11, 23), "RU"),
        ("NK-ftm-orlov", 100, 96, SAME_DATE, SAME),
    ),
    # A Dutch PEP without her second given name (and "de" is a particle, not a name part).
    (
        Subject("pep", ("Hendrika de Boer-Visser",), dt.date(1968, 2, 2), "NL"),
        ("Q-pep-deboer", 100, 96, SAME_YEAR, SAME),
    ),
    (
        Subject("crescent", ("Crescent Gulf Trading",), None, None, False),
        ("NK-ftm-crescent", 100, 100, UNKNOWN_DATE, UNKNOWN),
    ),
    # The list gives "circa 1972": a year; "Dmitriy" and "Dmitri" are one spelling.
    (
        Subject("volkov", ("Dmitriy Volkov",), dt.date(1972, 1, 1), "NL"),
        ("2003", 100, 100, SAME_YEAR, UNKNOWN),
    ),
    # Both a PEP and sanctioned; one of the two nationalities the list gives.
    (
        Subject("karimov", ("Rustam Karimov",), dt.date(1966, 4, 4), "UZ"),
        ("NK-ftm-both", 100, 96, SAME_YEAR, SAME),
    ),
]


@pytest.mark.parametrize(("subject", "expected"), TRUE_MATCHES, ids=[s.subject_id for s, _ in TRUE_MATCHES])
def test_a_known_true_match_is_a_hit(index, subject, expected):
    assert outcome(index, subject) == [expected]


FALSE_MATCHES = [
    # Same family name and patronymic, another given name, born 24 years later.
    Subject("other-ivanov", ("Pavel Viktorovich Ivanov",), dt.date(1985, 1, 1), "NL"),
    # The list's name without the patronymic, but another year of birth: the date decides.
    Subject("namesake", ("Anna Kozlova",), dt.date(1990, 2, 2), "NL"),
    # The same, for a year the list knows only approximately ("circa 1972").
    Subject("young-volkov", ("Dmitri Volkov",), dt.date(1980, 1, 1), "NL"),
    # Common Dutch names and organisations, nothing like any entry.
    Subject("jan", ("Jan de Vries",), dt.date(1970, 1, 1), "NL"),
    Subject("pieter", ("Pieter Jansen",)),  # on the FollowTheMoney file, but neither sanctioned nor a PEP
    Subject("foundation", ("Stichting Buurtkracht Transvaal",), None, "NL", False),
    # A person is never compared with an organisation of the same name.
    Subject("ship", ("Orient Star Shipping",), dt.date(1980, 1, 1)),
]


@pytest.mark.parametrize("subject", FALSE_MATCHES, ids=[s.subject_id for s in FALSE_MATCHES])
def test_a_known_false_match_is_no_hit(index, subject):
    assert screen(index, subject) == []
    assert screen_all_pairs(index, subject) == []  # nor would comparing every entry have found one


def test_the_namesakes_name_alone_would_have_been_a_hit(index):
    """What the birth date is for: Anna Kozlova scores 96 on the name; another year and nationality
    leave 63."""
    assert name_score("Anna Kozlova", "Anna Petrovna KOZLOVA") == 96
    assert screening.sharpen(96, FALSE_MATCHES[1], index.entries[3]) == (63, DateAgreement.OTHER_YEAR, OTHER)


def test_the_nationality_tips_a_borderline_name(index):
    """'Ahmed Al Masri' against 'Ahmad Khalil Al-Masri' (1958, Syrian): 87 on the name; with the same year
    that is 90, a hit; a Dutch nationality takes 3 and leaves 87, under the threshold of 90."""
    unknown = Subject("masri", ("Ahmed Al Masri",), dt.date(1958, 1, 1))
    assert outcome(index, unknown) == [("1005", 90, 87, SAME_YEAR, UNKNOWN)]
    assert outcome(index, unknown._replace(nationality="NL")) == []
    assert outcome(index, unknown._replace(nationality="SY")) == [("1005", 93, 87, SAME_YEAR, SAME)]


def test_a_hit_names_the_names_that_matched(index):
    (hit,) = screen(index, Subject(7, ("Jan Jansen", "Сергей Иванов"), None, None))
    assert hit.subject_id == 7 and hit.entry.source == ListSource.EU
    assert hit.reasons.subject_name == "Сергей Иванов"
    assert hit.reasons.entry_name == "Sergei Viktorovich IVANOV"


def test_screen_all_screens_every_member_in_order(index):
    subjects = [subject for subject, _ in TRUE_MATCHES] + FALSE_MATCHES
    hits = screen_all(index, subjects)
    assert [hit.subject_id for hit in hits] == [subject.subject_id for subject, _ in TRUE_MATCHES]


def test_hits_come_best_first():
    entries = [
        ListEntry(ListSource.EU, "b", ("Yusuf Demir",), ("1970",)),
        ListEntry(ListSource.EU, "a", ("Yusuf Demir",), ("1970-05-05",)),
        ListEntry(ListSource.FTM, "c", ("Yusuf Demirci",)),
    ]
    hits = screen(ScreeningIndex.build(entries), Subject(1, ("Yusuf Demir",), dt.date(1970, 5, 5)))
    assert [(hit.entry.entry_id, hit.score) for hit in hits] == [("a", 100), ("b", 100), ("c", 92)]


@pytest.mark.parametrize(
    ("written", "is_person", "normal"),
    [
        ("Sergei Viktorovich IVANOV", True, "ivanov sergei viktorovich"),
        ("Ivanov, Sergei", True, "ivanov sergei"),
        ("Сергей Иванов", True, "ivanov sergei"),  # anyascii writes "Sergey"; y and i are one
        ("Mukhammad", True, "muhamad"),  # kh is h, doubled letters count once
        ("Dr. Ahmad Al-Masri", True, "ahmad masri"),  # a title and the article dropped
        ("Mohammed bin Salman", True, "mohamed salman"),
        ("Jan van der Berg", True, "berg jan"),
        ("O'Brien", True, "obrien"),
        ("Coöperatie De Groene Wijk U.A.", False, "groene vijk"),
        ("Baltic Neftegaz Trading OOO", False, "baltic neftegaz trading"),
        ("Holding B.V.", False, "holding"),
        ("B.V.", False, "bv"),  # nothing but a legal form: kept, so the name still has a part
    ],
)
def test_names_in_normal_form(written, is_person, normal):
    assert normal_name(written, is_person) == normal


def test_a_name_of_punctuation_only_has_no_parts_and_matches_nothing(index):
    assert name_parts("--", True) == ()
    assert screen(index, Subject(1, ("--", ""), None, None)) == []
