"""Properties of screening that hold for any names (hypothesis).

* a name always matches itself at 100;
* the order a subject's name parts are written in never changes a score;
* the order of the list never changes the hits;
* the candidate search finds what comparing every entry finds, for a name with one mistyped letter
  (in a part of five letters or more: a single typo leaves one of the part's keys as it was).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bank.compliance.lists import ListEntry, ListSource
from bank.compliance.screening import ScreeningIndex, Subject, screen, screen_all_pairs

#: Letters of several scripts, so transliteration is part of every property.
LETTERS = "abcdefghijklmnopqrstuvwxyzäöüçşğıéèñ" + "абвгдежзийклмнопрстуфхцчшщыэюя"
part = st.text(alphabet=LETTERS, min_size=2, max_size=9).map(str.capitalize)
name = st.lists(part, min_size=1, max_size=4).map(" ".join)
dates = st.one_of(st.none(), st.dates(dt.date(1930, 1, 1), dt.date(2008, 12, 31)))
countries = st.one_of(st.none(), st.sampled_from(["NL", "RU", "SY", "TR", "MA"]))

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def entries(draw: st.DrawFn, min_size: int = 1, max_size: int = 8) -> list[ListEntry]:
    count = draw(st.integers(min_size, max_size))
    made = []
    for number in range(count):
        aliases = tuple(dict.fromkeys(draw(st.lists(name, min_size=1, max_size=3))))
        born = draw(
            st.lists(
                st.one_of(dates.filter(bool).map(dt.date.isoformat), st.integers(1930, 2008).map(str)),
                max_size=2,
            )
        )
        made.append(
            ListEntry(
                source=draw(st.sampled_from(ListSource)),
                entry_id=f"E{number}",
                names=aliases,
                birth_dates=tuple(dict.fromkeys(born)),
                nationalities=tuple(
                    dict.fromkeys(draw(st.lists(st.sampled_from(["RU", "SY", "IR"]), max_size=2)))
                ),
                is_person=draw(st.booleans()),
            )
        )
    return made


def summary(hits: list) -> list[tuple[str, int, int]]:
    return [(hit.entry.entry_id, hit.score, hit.reasons.name_score) for hit in hits]


@FAST
@given(written=name, is_person=st.booleans())
def test_a_name_matches_itself_at_100(written, is_person):
    index = ScreeningIndex.build([ListEntry(ListSource.EU, "E1", (written,), is_person=is_person)])
    hits = screen(index, Subject(1, (written,), None, None, is_person))
    assert summary(hits) == [("E1", 100, 100)]


@FAST
@given(listed=entries(), picked=st.integers(0, 7), born=dates, country=countries, seed=st.integers(0, 1000))
def test_the_order_of_a_subjects_name_parts_never_changes_a_score(listed, picked, born, country, seed):
    entry = listed[picked % len(listed)]
    parts = entry.names[0].split()
    shuffled = parts[:]
    random.Random(seed).shuffle(shuffled)
    index = ScreeningIndex.build(listed)
    as_listed = Subject(1, (" ".join(parts),), born, country, entry.is_person)
    as_typed = as_listed._replace(names=(" ".join(shuffled),))
    assert summary(screen(index, as_typed)) == summary(screen(index, as_listed))


@FAST
@given(
    listed=entries(min_size=2), subject_name=name, born=dates, country=countries, seed=st.integers(0, 1000)
)
def test_the_order_of_the_list_never_changes_the_hits(listed, subject_name, born, country, seed):
    subject = Subject(1, (subject_name, listed[0].names[0]), born, country, listed[0].is_person)
    reordered = listed[:]
    random.Random(seed).shuffle(reordered)
    first, second = (
        screen(ScreeningIndex.build(listed), subject),
        screen(ScreeningIndex.build(reordered), subject),
    )
    assert first == second


#: Letters no spelling fold touches (no h, j, y, w, u, c, k, z…), in parts without a doubled letter
#: (which counts once), so a typo changes one letter of a part of five letters or more.
PLAIN = "abdefgilmnoprstv"
plain_part = st.text(alphabet=PLAIN, min_size=5, max_size=10).filter(
    lambda text: all(a != b for a, b in itertools.pairwise(text))
)


@FAST
@given(
    parts=st.lists(plain_part, min_size=2, max_size=3),
    which=st.integers(0, 2),
    at=st.integers(0, 9),
    letter=st.sampled_from(PLAIN),
)
def test_one_mistyped_letter_is_found_by_the_candidate_search(parts, which, at, letter):
    listed = " ".join(parts)
    mistyped = parts[:]
    word = mistyped[which % len(parts)]
    position = at % len(word)
    typed = word[:position] + letter + word[position + 1 :]
    assume(all(a != b for a, b in itertools.pairwise(typed)))  # a doubled letter would count once
    mistyped[which % len(parts)] = typed
    index = ScreeningIndex.build([ListEntry(ListSource.EU, "E1", (listed,))])
    subject = Subject(1, (" ".join(mistyped),), None, None)
    assert summary(screen(index, subject)) == summary(screen_all_pairs(index, subject))
