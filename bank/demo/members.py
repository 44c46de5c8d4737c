"""Demo step: about 200 members of a neighbourhood bank in Amsterdam-Oost and Zuidoost.

Deterministic (one seeded :class:`random.Random`), written through the members service by the
demo tellers, each registration dated on a day in the bank's first year so member numbers,
audit trails and identity checks tell the story of a growing bank.

What later steps find in the context:

* ``context.members``: every :class:`Member` in member-number order (persons and organisations).
* ``context.persons``: the person-members; ``context.organisations``: organisation-members
  by a short key ("bakery", "cleaning", "solar", "clt", "housing", "care", …).
* ``context.representatives``: org key -> the persons who represent it (first is the chair).
* ``context.registered_on``: member id -> the day they registered (a first share is paid
  on or after that day).
* ``context.pending_applicants``: members registered in the last weeks who have not paid
  their first share yet; a shares step leaves them as applicants.
* ``context.members_left``: applicants who withdrew before paying a share (status "left").
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from schwifty import IBAN
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.auth.models import User
from bank.compliance import screening_service
from bank.demo.context import DemoContext
from bank.members import service
from bank.members import validation as check
from bank.members.models import LegalForm, Member, MemberStatus

SEED = 20_26_11
PERSON_COUNT = 185
PENDING_APPLICANTS = 8
WITHDRAWN_APPLICANTS = 3

# Streets per postcode area (four digits), roughly where they are in Oost and Zuidoost.
STREETS: dict[str, list[str]] = {
    "1091": ["Wibautstraat", "Ruyschstraat", "Sarphatistraat", "Camperstraat", "Tilanusstraat"],
    "1092": ["Eerste Oosterparkstraat", "Linnaeusstraat", "Mauritskade", "Wijttenbachstraat"],
    "1093": ["Dapperstraat", "Wagenaarstraat", "Commelinstraat", "Pontanusstraat", "Von Zesenstraat"],
    "1094": ["Javastraat", "Borneostraat", "Celebesstraat", "Insulindeweg", "Sumatrastraat"],
    "1095": ["Zeeburgerdijk", "Cruquiusweg", "Veelaan", "Kramatweg"],
    "1096": ["Middenweg", "Hugo de Grootkade", "Ringdijk", "Hogeweg"],
    "1097": ["Kamerlingh Onneslaan", "Hugo de Vrieslaan", "Pythagorasstraat", "Fizeaustraat"],
    "1098": ["Brinkmanstraat", "Galileiplantsoen", "Science Park", "Kruislaan"],
    "1102": ["Bijlmerdreef", "Kraaiennest", "Karspeldreef", "Ganzenhoef"],
    "1103": ["Gooioord", "Hoogoord", "Kempering", "Hakfort"],
    "1104": ["Bijlmerplein", "Karspeldreef", "Kortvoort", "Kikkenstein"],
    "1105": ["Hoogoorddreef", "Holterbergweg", "Bullewijk"],
    "1106": ["Holendrecht", "Hofgeest", "Hondsrugweg"],
    "1107": ["Meibergdreef", "Hoogoord", "Abcoudepad"],
    "1108": ["Reigersbos", "Gaasperdam", "Gein", "Rossumplein"],
}

# Per background: first names (women), first names (men), surnames ("van der Berg" keeps its prefix).
NAMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "dutch": (
        ["Anna", "Sanne", "Marieke", "Femke", "Lotte", "Ingrid", "Joke", "Eva", "Noor", "Tineke", "Ilse"],
        ["Jan", "Pieter", "Bas", "Thijs", "Wim", "Gerard", "Koen", "Sander", "Joost", "Henk", "Ruud"],
        ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
         "de Groot", "Bos", "van der Berg", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
         "Brouwer", "de Wit", "van der Meer"],
    ),
    "surinamese": (
        ["Sharmila", "Anjali", "Priya", "Gracia", "Marisa", "Rosita", "Kavita", "Natasja", "Ingrid"],
        ["Ravi", "Sunil", "Ricardo", "Romeo", "Anand", "Dennis", "Clyde", "Sergio", "Hans"],
        ["Ramdin", "Sewtahal", "Jagesar", "Biharie", "Kartosen", "Pinas", "Doelwijt", "Lie A Ling",
         "Ramsaran", "Wongsodikromo", "Fung A Loi", "Zeefuik", "Nijman", "Sedney"],
    ),
    "turkish": (
        ["Ayşe", "Fatma", "Elif", "Zeynep", "Emine", "Hatice", "Merve", "Esra", "Özlem"],
        ["Mehmet", "Mustafa", "Ahmet", "Emre", "Hasan", "Murat", "Hüseyin", "Kemal", "Burak"],
        ["Yılmaz", "Kaya", "Demir", "Çelik", "Şahin", "Öztürk", "Aydın", "Arslan", "Doğan", "Koç"],
    ),
    "moroccan": (
        ["Fatima", "Khadija", "Nadia", "Samira", "Naima", "Loubna", "Soumaya", "Hanan", "Yasmina"],
        ["Mohamed", "Ahmed", "Youssef", "Rachid", "Karim", "Said", "Hamid", "Bilal", "Anouar"],
        ["Bouzid", "El Idrissi", "Benali", "Azzouzi", "Ait Taleb", "Chaouch", "El Khattabi", "Ouali",
         "Boukhari", "Amrani", "Tahiri", "El Haddaoui"],
    ),
    "ghanaian": (
        ["Akosua", "Abena", "Ama", "Efua", "Adwoa", "Yaa", "Esi", "Gifty"],
        ["Kwame", "Kofi", "Kwabena", "Yaw", "Kwaku", "Kojo", "Emmanuel", "Samuel"],
        ["Mensah", "Owusu", "Boateng", "Asante", "Appiah", "Osei", "Agyeman", "Darko", "Adjei", "Ofori"],
    ),
    "antillean": (
        ["Shurandy", "Jeanette", "Giselle", "Marisol"],
        ["Jurgen", "Ruthsel", "Edsel", "Roderick"],
        ["Martina", "Maduro", "Cijntje", "Isenia", "Rosaria"],
    ),
    "other": (
        ["Agnieszka", "Saba", "Lina", "Maria", "Dewi", "Aisha", "Chiara"],
        ["Tomasz", "Yonas", "Omar", "Luca", "Arif", "Daniel", "Tesfay"],
        ["Kowalski", "Tesfamariam", "Haddad", "Rossi", "Wijaya", "Nowak", "Gebremedhin", "Santos"],
    ),
}  # fmt: skip
#: Dutch surname prefixes (tussenvoegsels), longest first.
PREFIXES = ("van der", "van den", "van", "de")
#: How the neighbourhood is made up (weights for the backgrounds above).
BACKGROUND_WEIGHTS = {
    "dutch": 34,
    "surinamese": 18,
    "turkish": 12,
    "moroccan": 14,
    "ghanaian": 10,
    "antillean": 5,
    "other": 7,
}
#: Amsterdam-Oost is 1091-1098; Zuidoost (Bijlmer, Gaasperdam) 1102-1108.
POSTCODE_AREAS = list(STREETS)
BANK_CODES = ["ABNA", "INGB", "RABO", "SNSB", "ASNB", "TRIO", "BUNQ", "KNAB"]
EMAIL_DOMAINS = ["example.nl", "example.com", "example.org", "mail.example"]
PERSON_DOCUMENTS = ["id_card", "id_card", "passport", "passport", "driving_licence", "residence_permit"]


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    legal_name: str
    legal_form: LegalForm
    activity: str
    postcode_area: str
    listing_consent: bool
    roles: tuple[str, ...]
    email_name: str


ORGANISATIONS = [
    DemoOrganisation(
        key="bakery",
        legal_name="Bakkerij De Korenschoof coöperatie U.A.",
        legal_form=LegalForm.COOPERATIVE,
        activity="bakery owned by its bakers",
        postcode_area="1093",
        listing_consent=True,
        roles=("voorzitter", "penningmeester", "secretaris"),
        email_name="korenschoof",
    ),
    DemoOrganisation(
        key="cleaning",
        legal_name="Schoonmaakcoöperatie Schoon Oost U.A.",
        legal_form=LegalForm.COOPERATIVE,
        activity="cleaning co-op serving the local hospital",
        postcode_area="1091",
        listing_consent=True,
        roles=("voorzitter", "penningmeester"),
        email_name="schoonoost",
    ),
    DemoOrganisation(
        key="solar",
        legal_name="Zonnecoöperatie Dak Oost U.A.",
        legal_form=LegalForm.COOPERATIVE,
        activity="solar panels on neighbourhood roofs",
        postcode_area="1097",
        listing_consent=True,
        roles=("voorzitter", "penningmeester"),
        email_name="dakoost",
    ),
    DemoOrganisation(
        key="clt",
        legal_name="Stichting Grondgemeenschap Oost",
        legal_form=LegalForm.FOUNDATION,
        activity="community land trust: permanently affordable homes and workshops",
        postcode_area="1094",
        listing_consent=True,
        roles=("voorzitter", "penningmeester", "bestuurder"),
        email_name="grondgemeenschap",
    ),
    DemoOrganisation(
        key="housing",
        legal_name="Wooncoöperatie Samen Oost U.A.",
        legal_form=LegalForm.COOPERATIVE,
        activity="housing co-op of its tenants",
        postcode_area="1095",
        listing_consent=True,
        roles=("voorzitter", "penningmeester"),
        email_name="samenoost",
    ),
    DemoOrganisation(
        key="care",
        legal_name="Zorgcoöperatie Zuidoost U.A.",
        legal_form=LegalForm.COOPERATIVE,
        activity="home care co-op run by its carers",
        postcode_area="1102",
        listing_consent=True,
        roles=("voorzitter", "bestuurder"),
        email_name="zorgzuidoost",
    ),
    DemoOrganisation(
        key="catering",
        legal_name="Cateringcoöperatie Smaken van Zuidoost U.A.",
        legal_form=LegalForm.COOPERATIVE,
        activity="catering co-op of Surinamese and Ghanaian cooks",
        postcode_area="1103",
        listing_consent=True,
        roles=("voorzitter",),
        email_name="smaken",
    ),
    DemoOrganisation(
        key="bikes",
        legal_name="Fietsenmakerscoöperatie De Spaak U.A.",
        legal_form=LegalForm.COOPERATIVE,
        activity="bicycle repair workers' co-op",
        postcode_area="1094",
        listing_consent=False,
        roles=("bestuurder", "penningmeester"),
        email_name="despaak",
    ),
    DemoOrganisation(
        key="childcare",
        legal_name="Kinderopvangcoöperatie Kleine Handen U.A.",
        legal_form=LegalForm.COOPERATIVE,
        activity="childcare co-op of parents and carers",
        postcode_area="1104",
        listing_consent=False,
        roles=("voorzitter", "secretaris"),
        email_name="kleinehanden",
    ),
    DemoOrganisation(
        key="kitchen",
        legal_name="Stichting Buurtkeuken Oost",
        legal_form=LegalForm.FOUNDATION,
        activity="community kitchen",
        postcode_area="1092",
        listing_consent=True,
        roles=("voorzitter", "penningmeester"),
        email_name="buurtkeuken",
    ),
    DemoOrganisation(
        key="garden",
        legal_name="Vereniging Moestuin Flevopark",
        legal_form=LegalForm.ASSOCIATION,
        activity="community vegetable garden",
        postcode_area="1095",
        listing_consent=True,
        roles=("voorzitter", "penningmeester", "secretaris"),
        email_name="moestuin",
    ),
    DemoOrganisation(
        key="residents",
        legal_name="Bewonersvereniging Dapperbuurt",
        legal_form=LegalForm.ASSOCIATION,
        activity="residents' association",
        postcode_area="1093",
        listing_consent=True,
        roles=("voorzitter",),
        email_name="dapperbuurt",
    ),
    DemoOrganisation(
        key="tenants",
        legal_name="Huurdersvereniging Ganzenhoef",
        legal_form=LegalForm.ASSOCIATION,
        activity="tenants' association",
        postcode_area="1102",
        listing_consent=False,
        roles=("voorzitter", "secretaris"),
        email_name="ganzenhoef",
    ),
    DemoOrganisation(
        key="sports",
        legal_name="Sportvereniging Bijlmer Basketball",
        legal_form=LegalForm.ASSOCIATION,
        activity="youth basketball club",
        postcode_area="1103",
        listing_consent=True,
        roles=("voorzitter", "penningmeester"),
        email_name="bijlmerbasketball",
    ),
    DemoOrganisation(
        key="repair",
        legal_name="Repair Café Watergraafsmeer",
        legal_form=LegalForm.OTHER,
        activity="repair café run by volunteers",
        postcode_area="1097",
        listing_consent=False,
        roles=("coördinator",),
        email_name="repaircafe",
    ),
]


# ---------------------------------------------------------------------------------------------
# Valid identifiers


def make_bsn(rng: random.Random, taken: set[str]) -> str:
    """A BSN passing the 11-proef: eight random digits and the check digit that makes it hold."""
    while True:
        digits = [rng.randint(1, 6)] + [rng.randint(0, 9) for _ in range(7)]
        weighted = sum(digit * weight for digit, weight in zip(digits, range(9, 1, -1), strict=True))
        last = weighted % 11  # sum(...) - last ≡ 0 (mod 11)
        if last > 9:
            continue
        bsn = "".join(map(str, digits)) + str(last)
        if bsn not in taken:
            taken.add(bsn)
            return check.bsn(bsn)


def make_iban(rng: random.Random) -> str:
    """A Dutch IBAN from a bank code and a ten-digit account number passing the Dutch 11-proef."""
    while True:
        account = [rng.randint(0, 9) for _ in range(10)]
        account[0] = rng.randint(1, 9)
        if sum(digit * weight for digit, weight in zip(account, range(10, 0, -1), strict=True)) % 11:
            continue
        iban = IBAN.generate("NL", bank_code=rng.choice(BANK_CODES), account_code="".join(map(str, account)))
        return check.iban(iban.compact)


def make_postcode(rng: random.Random, area: str) -> str:
    letters = "ABCDEFGHJKLMNPRTVWXZ"
    while True:
        pair = rng.choice(letters) + rng.choice(letters)
        if pair not in {"SA", "SD", "SS"}:
            return check.postcode(f"{area} {pair}")


def make_phone(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    return f"020 {rng.randint(200, 799)} {rng.randint(1000, 9999)}"


def split_surname(surname: str) -> tuple[str, str]:
    """ "van der Berg" -> ("van der", "Berg"); names without a Dutch prefix stay whole."""
    for prefix in PREFIXES:
        if surname.startswith(prefix + " "):
            return prefix, surname[len(prefix) + 1 :]
    return "", surname


def _ascii(text: str) -> str:
    table = str.maketrans("ıİşŞçÇğĞöÖüÜéèëï", "iIsScCgGoOuUeeei")
    return "".join(ch for ch in text.translate(table).lower() if ch.isalnum() or ch == " ").replace(" ", "")


# ---------------------------------------------------------------------------------------------
# The step


def _staff_actor(context: DemoContext, email: str) -> Actor:
    user: User = context.users[email]
    return Actor(user_id=user.id, label=user.email, role=user.role)


def _registration_days(rng: random.Random, opened_on: dt.date, today: dt.date, count: int) -> list[dt.date]:
    """Registrations over the first year: a busy opening month, then a steady trickle."""
    span = (today - opened_on).days
    days = []
    for index in range(count):
        # The first quarter joined in the opening month.
        offset = rng.randint(0, min(30, span)) if index < count // 4 else rng.randint(0, span)
        days.append(opened_on + dt.timedelta(days=offset))
    return sorted(days)


def load_members(session: Session, context: DemoContext) -> None:
    """Register the demo neighbourhood's persons and organisations (see the module notes)."""
    rng = random.Random(SEED)
    today = clock.today()
    opened_on: dt.date = context.opened_on
    tellers = [
        _staff_actor(context, "balie@wijkbank.example"),
        _staff_actor(context, "balie2@wijkbank.example"),
    ]
    credit_officer = _staff_actor(context, "krediet@wijkbank.example")

    total = PERSON_COUNT + len(ORGANISATIONS)
    days = _registration_days(rng, opened_on, today, total)
    # Organisations come in during the year, each after some of its future representatives.
    organisation_slots = sorted(
        rng.sample(range(PERSON_COUNT // 5, total - PENDING_APPLICANTS), len(ORGANISATIONS))
    )
    taken_bsns: set[str] = set()
    used_emails: set[str] = set()
    persons: list[Member] = []
    organisations: dict[str, Member] = {}
    representatives: dict[str, list[Member]] = {}
    registered_on: dict[int, dt.date] = {}
    members: list[Member] = []
    next_organisation = 0

    for slot, day in enumerate(days):
        teller = tellers[slot % 2]
        with clock.frozen(day):
            if next_organisation < len(ORGANISATIONS) and slot == organisation_slots[next_organisation]:
                spec = ORGANISATIONS[next_organisation]
                next_organisation += 1
                member = _register_organisation(session, rng, spec, credit_officer, day)
                organisations[spec.key] = member
                chosen = _pick_representatives(rng, persons, representatives, len(spec.roles), spec)
                representatives[spec.key] = chosen
                for person, role in zip(chosen, spec.roles, strict=False):
                    service.add_representative(
                        session, member, person, actor=credit_officer, role=role, since=day
                    )
            else:
                member = _register_person(session, rng, teller, day, taken_bsns, used_emails)
                persons.append(member)
        members.append(member)
        registered_on[member.id] = day

    withdrawn: list[Member] = []
    candidates = [p for p in persons[: -PENDING_APPLICANTS - 10] if not _represents(p, representatives)]
    for person in rng.sample(candidates, WITHDRAWN_APPLICANTS):
        left_on = min(registered_on[person.id] + dt.timedelta(days=rng.randint(14, 60)), today)
        with clock.frozen(left_on):
            service.set_status(
                session,
                person,
                MemberStatus.LEFT,
                actor=tellers[0],
                on=left_on,
                reason="withdrew the application before paying a member share",
            )
        withdrawn.append(person)

    context.members = members
    context.persons = persons
    context.organisations = organisations
    context.representatives = representatives
    context.registered_on = registered_on
    context.pending_applicants = [m for m in members[-PENDING_APPLICANTS:] if m not in withdrawn]
    context.members_left = withdrawn


def _represents(person: Member, representatives: dict[str, list[Member]]) -> bool:
    return any(person in people for people in representatives.values())


def _pick_representatives(
    rng: random.Random,
    persons: list[Member],
    representatives: dict[str, list[Member]],
    count: int,
    spec: DemoOrganisation,
) -> list[Member]:
    """Neighbours from the organisation's own area first; a few people sit on two boards."""
    busy = {p.id for people in representatives.values() for p in people}
    local = [p for p in persons if p.postcode_area == spec.postcode_area and p.id not in busy]
    others = [p for p in persons if p.id not in busy and p not in local]
    pool = local + others
    chosen = rng.sample(pool[: max(count * 3, 6)], count) if len(pool) >= count else pool[:count]
    if representatives and rng.random() < 0.25 and count > 1:
        chosen[-1] = rng.choice([people[0] for people in representatives.values()])
    return list(dict.fromkeys(chosen))


def _register_person(
    session: Session,
    rng: random.Random,
    teller: Actor,
    day: dt.date,
    taken_bsns: set[str],
    used_emails: set[str],
) -> Member:
    background = rng.choices(list(BACKGROUND_WEIGHTS), weights=list(BACKGROUND_WEIGHTS.values()))[0]
    women, men, surnames = NAMES[background]
    first_name = rng.choice(women if rng.random() < 0.52 else men)
    prefix, last_name = split_surname(rng.choice(surnames))
    area = rng.choice(POSTCODE_AREAS)
    born_on = dt.date(rng.randint(1942, 2004), rng.randint(1, 12), rng.randint(1, 28))
    email = None
    if rng.random() < 0.85:
        base = f"{_ascii(first_name)}.{_ascii(prefix + last_name)}"
        email = f"{base}@{rng.choice(EMAIL_DOMAINS)}"
        serial = 2
        while email in used_emails:
            email = f"{base}{serial}@{rng.choice(EMAIL_DOMAINS)}"
            serial += 1
        used_emails.add(email)
    house = str(rng.randint(1, 240))
    if rng.random() < 0.3:
        house += rng.choice(["-1", "-2", "-3", " hs", "A", "B", "-H"])
    member = service.register_person(
        session,
        actor=teller,
        first_name=first_name,
        name_prefix=prefix or None,
        last_name=last_name,
        date_of_birth=born_on,
        street=rng.choice(STREETS[area]),
        house_number=house,
        postcode=make_postcode(rng, area),
        city="Amsterdam",
        email=email,
        phone=make_phone(rng) if rng.random() < 0.9 else None,
        external_iban=make_iban(rng),
        bsn=make_bsn(rng, taken_bsns) if rng.random() < 0.6 else None,
        language="en" if background in {"ghanaian", "other"} and rng.random() < 0.5 else "nl",
    )
    document = rng.choice(PERSON_DOCUMENTS)
    service.record_identity_check(
        session,
        member,
        actor=teller,
        document_kind=document,
        document_number_last4="".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(4)),
        checked_on=day,
    )
    screening_service.screen_member(session, member, teller)
    return member


def _register_organisation(
    session: Session, rng: random.Random, spec: DemoOrganisation, officer: Actor, day: dt.date
) -> Member:
    kvk = f"{rng.randint(60_000_000, 99_999_999)}"
    member = service.register_organisation(
        session,
        actor=officer,
        legal_name=spec.legal_name,
        legal_form=spec.legal_form,
        kvk_number=kvk,
        activity=spec.activity,
        listing_consent=spec.listing_consent,
        street=rng.choice(STREETS[spec.postcode_area]),
        house_number=str(rng.randint(1, 180)),
        postcode=make_postcode(rng, spec.postcode_area),
        city="Amsterdam",
        email=f"info@{spec.email_name}.example",
        phone=make_phone(rng),
        external_iban=make_iban(rng),
        language="nl",
    )
    service.record_identity_check(
        session,
        member,
        actor=officer,
        document_kind="kvk_extract",
        document_number_last4=kvk[-4:],
        checked_on=day,
        note="uittreksel Handelsregister",
    )
    screening_service.screen_member(session, member, officer)
    return member
