"""Fuzzy screening of members, UBOs and representatives against sanctions and PEP lists (pure).

A name on a list is written by someone else, often from another script, in another order, with or
without a middle name, and sometimes with a typo; the bank's own record of a member is written by
a teller. So names are compared fuzzily, after both sides are brought to one normal form:

1. **Normal form** (:func:`name_parts`): transliterated to ASCII (``anyascii``: "Мухаммад" becomes
   "Mukhammad", "Öztürk" "Ozturk"), lower case, apostrophes dropped ("O'Brien" = "OBrien"), dots
   of initials and legal forms closed up ("B.V." = "BV"), any other punctuation a space. Words that
   say nothing about who it is are dropped: titles (dr, mr, haji…) for persons, legal forms (bv,
   nv, ua, stichting, coöperatie, vereniging, ltd, llc, gmbh, ooo…) for organisations, the Arabic
   article (al, el) and particles (van, de, bin, ibn, oglu…) for both. Spellings transliterations
   disagree on are made one (kh/h, ph/f, dzh/dj/j, ou/u, y/i, w/v, doubled letters once: "Sergey"
   is "Sergei", "Mukhammad" is "Muhamad", "Janssen" is "Jansen").

2. **Forms**: a name is also compared without one or two of its parts (:func:`forms`), for a
   penalty of :data:`MISSING_PART_PENALTY` each: "Sergei Ivanov" against "Sergei Viktorovich
   Ivanov" scores 96. On the list's side only middle parts are left out (the first and the last are
   the given name and the family name), on the member's side any part.

3. **Candidate search** (:class:`ScreeningIndex`): comparing every member with every name costs
   members × names comparisons. Instead every name is filed under *pairs* of its parts: for each
   two parts, every combination of a few keys of the one with a few keys of the other. A part's
   keys are its first three letters, its last three, its first two and last two together, and a
   consonant skeleton ("Mohammed", "Muhammad" and "Mohamad" share "mhmd"). A single typo in a part
   of five letters or more leaves at least one of its keys as it was, and two parts must agree, so
   a common given name alone never makes a candidate. The keys are hashed into one sorted array,
   searched with numpy; a member's candidates are the names filed under any of its pairs (a name of
   one part is filed under that part alone, and meets only names of one part).

4. **Scoring** (rapidfuzz, candidates only, one call into its C code per member): the
   ``fuzz.ratio`` of the list's form, its parts sorted, against the member's form with its parts in
   every order (up to :data:`MAX_ORDERED_PARTS` parts), so the best alignment of the parts counts
   however they were written and whichever letter a typo changed ("Ekbari Ali" against "Ali
   Akbari": sorted 60, aligned 90). The best of every name of the member against every alias of the
   entry is its name score. Then the birth date and the nationality sharpen it: the same full date
   adds :data:`SAME_DATE_BONUS`, the same year :data:`SAME_YEAR_BONUS`; a known year one off takes
   :data:`NEAR_YEAR_PENALTY` (lists hold approximate years), any other known year
   :data:`OTHER_YEAR_PENALTY`, which no name score survives; the same nationality adds
   :data:`SAME_NATIONALITY_BONUS`, another one takes :data:`OTHER_NATIONALITY_PENALTY` (people
   have two, and members are mostly Dutch). A person is only compared with persons, an
   organisation with organisations.

An entry is a hit when its name score is at least :data:`NAME_FLOOR` and its sharpened score at
least :data:`HIT_THRESHOLD`. The thresholds were tuned with ``python -m bench.screening`` (recall
on planted matches against false hits per 1 000 members, on two seeds).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from anyascii import anyascii
from rapidfuzz import fuzz, process

from bank.compliance.lists import ListEntry

#: A hit needs at least this final score (0–100).
HIT_THRESHOLD = 90
#: …and at least this name score: a birth date and a nationality never make a hit of a weak name.
NAME_FLOOR = 84
#: Subset matching: one name may miss at most this many informative parts of the other…
MAX_MISSING_PARTS = 2
#: …each costing this much…
MISSING_PART_PENALTY = 4
#: …and what is left must have this many letters: "Pak Un" says too little to stand for "Pak Chang Un".
MIN_FORM_LETTERS = 8
#: The subject's names are tried in every order up to this many parts (4! = 24 orders), sorted beyond.
MAX_ORDERED_PARTS = 4
SAME_DATE_BONUS = 8
SAME_YEAR_BONUS = 3
NEAR_YEAR_PENALTY = 10
OTHER_YEAR_PENALTY = 30
SAME_NATIONALITY_BONUS = 3
OTHER_NATIONALITY_PENALTY = 3

# --- normal form ------------------------------------------------------------------------------

#: Legal forms of organisations, after the dots are closed up ("b.v." is "bv", "u.a." is "ua").
LEGAL_FORMS = frozenset(
    {
        # Dutch
        "bv", "nv", "ua", "wa", "ba", "vof", "cv", "stichting", "cooperatie", "cooperatieve",
        "vereniging", "maatschap",
        # English, German, French, …
        "ltd", "limited", "llc", "llp", "lp", "plc", "inc", "incorporated", "corp", "corporation",
        "co", "company", "gmbh", "ag", "kg", "se", "sa", "sas", "sarl", "srl", "spa", "bvba",
        "cvba", "asbl", "oy", "ab", "as", "aps",
        # Russian and neighbours, Turkish, Gulf and Asian
        "ooo", "oao", "zao", "pao", "ao", "tov", "jsc", "ojsc", "cjsc", "pjsc", "sti", "fze", "fzco",
        "fzc", "wll", "pte", "pty", "bhd", "sdn", "tbk",
    }
)  # fmt: skip
#: Titles and honorifics that lists and tellers add or leave out.
TITLES = frozenset(
    {"mr", "mrs", "ms", "mw", "dhr", "dr", "drs", "ir", "prof", "haji", "hajji", "sheikh", "shaikh",
     "mullah", "mulla", "maulavi", "maulvi", "maulana", "sayed", "sayyid"}
)  # fmt: skip
#: The Arabic article, written apart or with a hyphen as often as not: dropped for both kinds.
ARTICLES = frozenset({"al", "el"})
#: Particles that belong to a name but say little about who it is, and that lists and tellers write
#: or leave out ("Mohammed bin Salman", "Jan van Dijk"): dropped like titles.
PARTICLES = frozenset(
    {"van", "de", "der", "den", "het", "ter", "ten", "te", "op", "in", "la", "le", "da", "di", "du",
     "dos", "das", "del", "von", "zu", "bin", "ben", "ibn", "bint", "binti", "abu", "ould", "oglu",
     "ogly", "kyzy", "qizi", "ul", "ud"}
)  # fmt: skip

_PERSON_NOISE = TITLES | ARTICLES | PARTICLES
_ORGANISATION_NOISE = LEGAL_FORMS | ARTICLES | PARTICLES
_APOSTROPHES = re.compile(r"['`´’‘ʼʻʿʾ]")
_INITIAL_DOT = re.compile(r"\b([a-z])\.")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


#: Spellings that transliterations of one name disagree on, made one before names are compared:
#: "Mukhammad" and "Muhammad", "Sergey" and "Sergei", "Youssef" and "Yusef", "Janssen" and "Jansen".
_SPELLINGS = (("kh", "h"), ("ph", "f"), ("dzh", "j"), ("dj", "j"), ("ou", "u"), ("y", "i"), ("w", "v"))
_DOUBLED = re.compile(r"(.)\1+")


def fold(token: str) -> str:
    """One spelling for the variants in :data:`_SPELLINGS`, and no doubled letters."""
    for written, folded in _SPELLINGS:
        token = token.replace(written, folded)
    return _DOUBLED.sub(r"\1", token)


@functools.lru_cache(maxsize=1 << 16)
def name_parts(name: str, is_person: bool = True) -> tuple[str, ...]:
    """The parts of ``name`` in the normal form screening compares (see the module), in written order.

    Words dropped as titles, legal forms, articles or particles are kept when nothing else would
    be left ("Holding B.V." stays "bv holding"), so every name that has letters has parts."""
    text = anyascii(name).lower()
    text = _APOSTROPHES.sub("", text)
    text = _INITIAL_DOT.sub(r"\1", text)
    tokens = _NOT_ALNUM.sub(" ", text).split()
    noise = _PERSON_NOISE if is_person else _ORGANISATION_NOISE
    kept = [token for token in tokens if token not in noise] or tokens
    return tuple(fold(token) for token in kept)


def name_tokens(name: str, is_person: bool = True) -> tuple[str, ...]:
    """The parts of ``name`` in normal form, sorted: the order of the parts never matters."""
    return tuple(sorted(name_parts(name, is_person)))


def normal_name(name: str, is_person: bool = True) -> str:
    """The normal form as one string, the parts sorted and joined by spaces."""
    return " ".join(name_tokens(name, is_person))


def informative(tokens: Sequence[str]) -> tuple[str, ...]:
    """The parts a name is found by and counted in: all but initials (all parts if only initials)."""
    found = tuple(token for token in tokens if len(token) > 1)
    return found or tuple(tokens)


_FOLDS = (
    ("sch", "s"), ("tch", "c"), ("dzh", "j"), ("kh", "h"), ("ph", "f"), ("th", "t"), ("sh", "s"),
    ("ch", "c"), ("zh", "j"), ("dj", "j"), ("gh", "g"), ("ck", "k"), ("ou", "u"), ("oo", "u"),
    ("ee", "i"), ("ij", "i"),
)  # fmt: skip
_LETTERS = str.maketrans({"y": "i", "j": "i", "w": "v", "q": "k", "c": "k", "z": "s", "x": "k"})
_VOWELS = frozenset("aeiou")


@functools.lru_cache(maxsize=1 << 17)
def skeleton(token: str) -> str:
    """A rough phonetic key: spellings folded, then the consonants alone, no doubles.

    Transliterations differ mostly in vowels and digraphs, which this drops: "mohammed",
    "muhammad" and "mohamad" are all "mhmd"; "sergei" and "sergey" "srg"; "omar" and "umar" "mr".
    A part of vowels alone keeps its first letter."""
    for written, said in _FOLDS:
        token = token.replace(written, said)
    token = token.translate(_LETTERS)
    kept: list[str] = []
    for letter in token:
        if letter not in _VOWELS and (not kept or letter != kept[-1]):
            kept.append(letter)
    return "".join(kept) or token[:1]


@functools.lru_cache(maxsize=1 << 17)
def token_keys(token: str) -> tuple[str, ...]:
    """The keys one name part is filed under; any single typo leaves at least one of them."""
    if len(token) <= 3:
        return ("=" + token, "~" + skeleton(token))
    return ("<" + token[:3], ">" + token[-3:], "^" + token[:2] + token[-2:], "~" + skeleton(token))


def name_keys(tokens: Sequence[str], is_person: bool) -> set[int]:
    """The hashed pair keys of one normalised name (kind included, so persons meet only persons)."""
    parts = sorted(informative(tokens))  # a repeated part pairs with itself
    kind = "p" if is_person else "o"
    keys: set[int] = set()
    if len(parts) == 1:
        for key in token_keys(parts[0]):
            keys.add(hash((kind, key)))
        return keys
    for i, first in enumerate(parts):
        first_keys = token_keys(first)
        for second in parts[i + 1 :]:
            for key_a in first_keys:
                for key_b in token_keys(second):
                    keys.add(hash((kind, key_a, key_b) if key_a <= key_b else (kind, key_b, key_a)))
    return keys


def forms(parts: Sequence[str], *, middle_only: bool = True) -> list[tuple[str, int]]:
    """The forms a name is compared in: (sorted normal form, parts left out) of the whole name and
    of the name without one to :data:`MAX_MISSING_PARTS` of its parts, at least two parts and
    :data:`MIN_FORM_LETTERS` letters kept.

    "Sergei Viktorovich Ivanov" is also "ivanov sergei" (one left out), so a member registered
    without the patronymic scores 100 less the penalty, where the whole names only score 68. On a
    list's side only middle parts are left out (``parts`` in written order; the first and the last
    are the given name and the family name, and every alias gives its own forms); on a member's
    side any part, so that the order a member's name was typed in never matters."""
    found = {" ".join(sorted(parts)): 0}
    inner = range(1, len(parts) - 1) if middle_only else range(len(parts))
    droppable = [position for position in inner if len(parts[position]) > 1]
    for missing in range(1, min(MAX_MISSING_PARTS, len(parts) - 2, len(droppable)) + 1):
        for dropped in itertools.combinations(droppable, missing):
            kept = sorted(part for position, part in enumerate(parts) if position not in dropped)
            if sum(map(len, kept)) >= MIN_FORM_LETTERS:
                found.setdefault(" ".join(kept), missing)
    return list(found.items())


@functools.lru_cache(maxsize=1 << 14)
def orders(text: str) -> tuple[str, ...]:
    """Every order of the parts of a sorted form (when it has at most :data:`MAX_ORDERED_PARTS`).

    The list's side is kept sorted; the subject's side is tried in every order, so the best
    alignment of the parts is scored, whichever letter a typo changed: sorted, "Ekbari Ali" and
    "Ali Akbari" come out in opposite orders and score 60, aligned they score 90."""
    parts = text.split()
    if len(parts) > MAX_ORDERED_PARTS:
        return (text,)
    return tuple(dict.fromkeys(" ".join(order) for order in itertools.permutations(parts)))


# --- what is screened, and what a hit says ------------------------------------------------------


class Subject(NamedTuple):
    """A member, UBO or representative to screen: every name it is known by, and what sharpens."""

    subject_id: object
    names: tuple[str, ...]
    birth_date: dt.date | None = None
    #: ISO 3166 alpha-2.
    nationality: str | None = None
    is_person: bool = True


class DateAgreement(enum.StrEnum):
    SAME_DATE = "same_date"
    SAME_YEAR = "same_year"
    NEAR_YEAR = "near_year"  # one year off
    OTHER_YEAR = "other_year"
    UNKNOWN = "unknown"  # one side has no birth date


class NationalityAgreement(enum.StrEnum):
    SAME = "same"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reasons:
    """Why an entry is a hit, for the compliance officer who clears or confirms it."""

    name_score: int
    #: The subject's name and the entry's alias that scored best, as written.
    subject_name: str
    entry_name: str
    birth_date: DateAgreement
    nationality: NationalityAgreement


@dataclass(frozen=True)
class Hit:
    subject_id: object
    entry: ListEntry
    #: 0–100: the name score sharpened by birth date and nationality.
    score: int
    reasons: Reasons


def _date_agreement(born: dt.date | None, entry_dates: tuple[str, ...]) -> DateAgreement:
    if born is None or not entry_dates:
        return DateAgreement.UNKNOWN
    if born.isoformat() in entry_dates:
        return DateAgreement.SAME_DATE
    years = {int(text[:4]) for text in entry_dates}
    if born.year in years:
        return DateAgreement.SAME_YEAR
    if born.year - 1 in years or born.year + 1 in years:
        return DateAgreement.NEAR_YEAR
    return DateAgreement.OTHER_YEAR


_DATE_ADJUSTMENT = {
    DateAgreement.SAME_DATE: SAME_DATE_BONUS,
    DateAgreement.SAME_YEAR: SAME_YEAR_BONUS,
    DateAgreement.NEAR_YEAR: -NEAR_YEAR_PENALTY,
    DateAgreement.OTHER_YEAR: -OTHER_YEAR_PENALTY,
    DateAgreement.UNKNOWN: 0,
}


def _nationality_agreement(nationality: str | None, entry_countries: tuple[str, ...]) -> NationalityAgreement:
    if not nationality or not entry_countries:
        return NationalityAgreement.UNKNOWN
    if nationality.upper() in entry_countries:
        return NationalityAgreement.SAME
    return NationalityAgreement.OTHER


_NATIONALITY_ADJUSTMENT = {
    NationalityAgreement.SAME: SAME_NATIONALITY_BONUS,
    NationalityAgreement.OTHER: -OTHER_NATIONALITY_PENALTY,
    NationalityAgreement.UNKNOWN: 0,
}


def sharpen(
    name_score: int, subject: Subject, entry: ListEntry
) -> tuple[int, DateAgreement, NationalityAgreement]:
    """The final score (0–100) of a name score for this subject and entry, with what agreed.

    Only persons have birth dates; an organisation's nationality is its country of registration."""
    dates = (
        _date_agreement(subject.birth_date, entry.birth_dates) if subject.is_person else DateAgreement.UNKNOWN
    )
    countries = _nationality_agreement(subject.nationality, entry.nationalities)
    score = name_score + _DATE_ADJUSTMENT[dates] + _NATIONALITY_ADJUSTMENT[countries]
    return max(0, min(100, score)), dates, countries


# --- name scores ------------------------------------------------------------------------------


def _best_scores(
    queries: list[str], query_missing: np.ndarray, choices: list[str], choice_missing: np.ndarray, cutoff: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per choice, the best score of any query (ratio less the penalty for the parts either left out;
    never both, two names that each miss a part are two different middle names) and which query.

    One call into rapidfuzz's C code for the whole matrix; scores below ``cutoff`` are 0."""
    matrix = process.cdist(queries, choices, scorer=fuzz.ratio, dtype=np.int32, score_cutoff=cutoff)
    missing = query_missing[:, None] + choice_missing[None, :]
    adjusted = np.where(
        (matrix > 0) & ((query_missing[:, None] == 0) | (choice_missing[None, :] == 0)),
        matrix - MISSING_PART_PENALTY * missing,
        0,
    )
    rows = adjusted.argmax(axis=0)
    return adjusted[rows, np.arange(len(choices))], rows


def name_score(first: str, second: str, is_person: bool = True) -> int:
    """The name score of two names as written (0–100), as screening computes it."""
    a, b = name_parts(first, is_person), name_parts(second, is_person)
    if not a or not b:
        return 0
    a_forms = [(order, missing) for text, missing in forms(a, middle_only=False) for order in orders(text)]
    b_forms = forms(b)
    best, _ = _best_scores(
        [text for text, _ in a_forms],
        np.array([missing for _, missing in a_forms], dtype=np.int32),
        [text for text, _ in b_forms],
        np.array([missing for _, missing in b_forms], dtype=np.int32),
        0,
    )
    return max(0, int(best.max()))


def _distinct_names(
    names: Iterable[str], is_person: bool, *, middle_only: bool = True
) -> dict[tuple[str, ...], tuple[str, dict[str, int]]]:
    """The names that differ in normal form (sorted parts), each with the first alias that gave it
    and the forms of every alias that gave it (a surname-first alias leaves out other middle parts)."""
    found: dict[tuple[str, ...], tuple[str, dict[str, int]]] = {}
    for name in names:
        parts = name_parts(name, is_person)
        if not parts:
            continue
        tokens = tuple(sorted(parts))
        _, name_forms = found.setdefault(tokens, (name, {}))
        for text, missing in forms(parts, middle_only=middle_only):
            if missing < name_forms.get(text, missing + 1):
                name_forms[text] = missing
    return found


# --- the index --------------------------------------------------------------------------------


class ScreeningIndex:
    """The entries of a list, their names in every form, and the sorted pair keys to find them by.

    Built once per loaded list (:meth:`build`); screening only reads it."""

    def __init__(self, entries: Iterable[ListEntry]) -> None:
        self.entries = tuple(entries)
        #: Per name (one per alias whose normal form differs): its entry and the alias as written.
        name_entry: list[int] = []
        self.name_written: list[str] = []
        #: Per form (every name in :func:`forms`): the normal form, its name, the parts left out;
        #: the forms of name ``n`` are ``form_start[n]`` up to ``form_start[n + 1]``.
        self.form_text: list[str] = []
        form_name: list[int] = []
        form_missing: list[int] = []
        form_start: list[int] = []
        keys: list[int] = []
        key_names: list[int] = []
        for number, entry in enumerate(self.entries):
            for tokens, (alias, name_forms) in _distinct_names(entry.names, entry.is_person).items():
                name_id = len(name_entry)
                name_entry.append(number)
                self.name_written.append(alias)
                form_start.append(len(self.form_text))
                for text, missing in name_forms.items():
                    self.form_text.append(text)
                    form_name.append(name_id)
                    form_missing.append(missing)
                found = name_keys(tokens, entry.is_person)
                keys.extend(found)
                key_names.extend([name_id] * len(found))
        form_start.append(len(self.form_text))
        self.name_entry = np.array(name_entry, dtype=np.int32)
        self.form_name = np.array(form_name, dtype=np.int32)
        self.form_missing = np.array(form_missing, dtype=np.int32)
        self.form_start = np.array(form_start, dtype=np.int64)
        key_array = np.array(keys, dtype=np.int64)
        order = np.argsort(key_array, kind="stable")
        #: The distinct pair keys, sorted; the names filed under ``keys[k]`` are
        #: ``key_names[key_start[k]:key_start[k + 1]]`` (one search per key finds them all).
        self.keys, first = np.unique(key_array[order], return_index=True)
        self.key_start = np.append(first, key_array.size).astype(np.int64)
        self.key_names = np.array(key_names, dtype=np.int32)[order]
        self._of_kind: dict[bool, tuple[np.ndarray, list[str]]] = {}

    @classmethod
    def build(cls, entries: Iterable[ListEntry]) -> ScreeningIndex:
        """The index of ``entries`` (every alias filed once per distinct normal form)."""
        return cls(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, keys: Iterable[int]) -> np.ndarray:
        """The ids of the names filed under any of ``keys``, sorted, without repeats."""
        wanted = np.fromiter(keys, dtype=np.int64)
        if wanted.size == 0 or self.keys.size == 0:
            return np.empty(0, dtype=np.int32)
        places = np.searchsorted(self.keys, wanted)
        inside = places < self.keys.size
        places, wanted = places[inside], wanted[inside]
        found = places[self.keys[places] == wanted]
        return np.unique(self.key_names[_ranges(self.key_start[found], self.key_start[found + 1])])

    def forms_of(self, name_ids: np.ndarray) -> np.ndarray:
        """The form ids of the names ``name_ids``."""
        return _ranges(self.form_start[name_ids], self.form_start[name_ids + 1])

    def forms_of_kind(self, is_person: bool) -> tuple[np.ndarray, list[str]]:
        """Every form of every person's (or every organisation's) name, for the all-pairs reference."""
        if is_person not in self._of_kind:
            persons = np.array([entry.is_person for entry in self.entries], dtype=bool)
            form_ids = np.nonzero(persons[self.name_entry[self.form_name]] == is_person)[0]
            self._of_kind[is_person] = (form_ids, [self.form_text[form_id] for form_id in form_ids])
        return self._of_kind[is_person]


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Every integer from each start up to its end, all runs concatenated, without a Python loop."""
    lengths = np.maximum(ends - starts, 0)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    run_starts = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return run_starts + np.arange(total)


# --- screening --------------------------------------------------------------------------------


class _Query(NamedTuple):
    """A subject's names in every form, ready to score: texts, parts left out, which name (as written)."""

    texts: list[str]
    missing: np.ndarray
    written: list[str]
    keys: set[int]


def _query(subject: Subject) -> _Query:
    texts: list[str] = []
    missing: list[int] = []
    written: list[str] = []
    keys: set[int] = set()
    for tokens, (name, name_forms) in _distinct_names(
        subject.names, subject.is_person, middle_only=False
    ).items():
        keys |= name_keys(tokens, subject.is_person)
        for text, left_out in name_forms.items():
            for order in orders(text):
                texts.append(order)
                missing.append(left_out)
                written.append(name)
    return _Query(texts, np.array(missing, dtype=np.int32), written, keys)


def _hits(
    index: ScreeningIndex,
    subject: Subject,
    query: _Query,
    form_ids: np.ndarray,
    texts: list[str] | None = None,
) -> list[Hit]:
    """Score the subject against the forms ``form_ids`` (their texts when the caller has them) and
    keep, per entry, its best form if the entry is a hit."""
    if form_ids.size == 0 or not query.texts:
        return []
    if texts is None:
        texts = [index.form_text[form_id] for form_id in form_ids]
    best, rows = _best_scores(query.texts, query.missing, texts, index.form_missing[form_ids], NAME_FLOOR)
    per_entry: dict[int, tuple[int, int]] = {}  # entry → (name score, position of its best form)
    for position in np.nonzero(best >= NAME_FLOOR)[0].tolist():
        entry_number = int(index.name_entry[index.form_name[form_ids[position]]])
        score = int(best[position])
        if entry_number not in per_entry or score > per_entry[entry_number][0]:
            per_entry[entry_number] = (score, position)
    hits = []
    for entry_number, (score, position) in per_entry.items():
        entry = index.entries[entry_number]
        final, dates, countries = sharpen(score, subject, entry)
        if final < HIT_THRESHOLD:
            continue
        written = index.name_written[int(index.form_name[form_ids[position]])]
        reasons = Reasons(score, query.written[int(rows[position])], written, dates, countries)
        hits.append(Hit(subject.subject_id, entry, final, reasons))
    hits.sort(key=lambda hit: (-hit.score, hit.entry.source, hit.entry.entry_id))
    return hits


def screen(index: ScreeningIndex, subject: Subject) -> list[Hit]:
    """The list entries ``subject`` may be, best first (empty when none scores a hit)."""
    query = _query(subject)
    return _hits(index, subject, query, index.forms_of(index.candidates(query.keys)))


def screen_all(index: ScreeningIndex, subjects: Iterable[Subject]) -> list[Hit]:
    """Every hit of every subject (all members when a list is loaded), in the subjects' order."""
    return [hit for subject in subjects for hit in screen(index, subject)]


def screen_all_pairs(index: ScreeningIndex, subject: Subject) -> list[Hit]:
    """:func:`screen` without the candidate search: the subject against every name on the list.

    The reference the candidate search is measured and checked against (``bench.screening``): the
    same scoring, so a hit found here and not there is a name the search did not find."""
    form_ids, texts = index.forms_of_kind(subject.is_person)
    return _hits(index, subject, _query(subject), form_ids, texts)
