"""Screening benchmark: the candidate search against comparing every member with every list entry.

    python -m bench.screening [--members 100000] [--entries 50000] [--planted 200] [--sample 2000]

Builds, from a seeded random generator, a made-up sanctions/PEP list of ``--entries`` entries and
``--members`` members of a Dutch neighbourhood bank, in the patterns of each naming tradition (the
name material is invented for the benchmark; family names are composed from roots and endings, so
namesakes are about as rare as they are in life):

* the list: 20 % organisations (their legal forms, some in Cyrillic), 80 % persons: Slavic (47 %;
  patronymics, surname-first and Cyrillic aliases), Arabic (35 %; father's and grandfather's names,
  "bin", other transliterations), Persian (9 %) and Korean (9 %); a full birth date for 60 %, a year
  for 20 %, none for 20 %; a nationality for 70 %;
* the members: 8 % organisations (stichting, coöperatie U.A., vereniging, B.V.), the others Dutch
  (60 %), Turkish (12 %), Moroccan (12 %), Surinamese (8 %), Polish (4 %), newcomers from Syria,
  Iraq, Russia, Ukraine and Iran (2 %) and others (2 %); every person has a birth date.

``--planted`` members are list entries written otherwise: a typo, another transliteration
(Cyrillic script among them), the name parts swapped, a middle name left out, or two of these at
once; with the entry's birth date (or a day in its year) and its nationality or Dutch.

It measures side by side, in one run (process CPU time, every way alike):

* ``screen``: :func:`bank.compliance.screening.screen_all` over all members (the candidate search
  and the scoring of the candidates), and over the first ``--small-members`` (default a fifth) for
  ``time_ratio_100k_vs_20k`` (<= 5.5); both sizes ``--repeat`` times in turns, each large run
  against the small run just before it (the same load on a shared machine), the median of those
  ratios; the index is built once, outside both timings, and the name caches are emptied before
  each run;
* ``all_pairs``: :func:`bank.compliance.screening.screen_all_pairs` (the same scoring of every
  member against every name on the list, in rapidfuzz's C code) on the first ``--sample`` members,
  its time per member scaled to all members: ``speedup_vs_all_pairs`` (>= 50). On that sample the
  report also counts the hits all pairs found and the candidate search did not.

``recall_planted`` (>= 0.98) is the share of planted members whose entry is among their hits;
``false_hits_per_1000`` (<= 5) counts every other hit, per 1 000 members. Prints one JSON object on
stdout (DESIGN.md, "Benchmarks"); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bank.compliance import screening
from bank.compliance.lists import ListEntry, ListKind, ListSource
from bank.compliance.screening import ScreeningIndex, Subject

#: CPU time of this process: on a shared machine, time spent waiting for another process would
#: otherwise land on whichever way happened to be running.
clock = time.process_time


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def words(text: str) -> list[str]:
    return text.split()


# --- name material (made up for the benchmark, in the patterns of each naming tradition) ------------

DUTCH_FIRST = words(
    "Jan Pieter Kees Henk Gerrit Willem Johannes Cornelis Hendrik Bart Sander Ruud Joost Maarten Thijs "
    "Daan Sem Lucas Bram Niels Jeroen Wouter Marco Erik Ronald Dirk Arjen Sjoerd Teun Ids Anne Maria "
    "Johanna Cornelia Elisabeth Anna Wilhelmina Sanne Lotte Femke Eva Iris Marloes Inge Ellen Ingrid "
    "Annemiek Saskia Mirjam Esther Judith Fleur Noor Tess Julia Sophie Lieke Roos Wendy Petra Hanneke"
)
DUTCH_SURNAME = words(
    "Jansen Bakker Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dekker Brouwer Dijkstra Smits Kok "
    "Jacobs Vermeulen Janssen Willems Schouten Kuipers Prins Huisman Postma Koster Kramer Timmermans "
    "Wolters Hermans Verhoeven Kuiper Veenstra Scholten Maas Koning Verbeek Hoekstra Sanders Blom Evers"
)
DUTCH_PREFIX = ["", "", "", "van ", "van de ", "van der ", "van den ", "de ", "ter ", "ten "]
DUTCH_ROOT_A = words(
    "Hoog Zand Steen Groen Wit Zwart Oost West Noord Zuid Berg Dijk Brink Kamp Veld Holt Broek Beek "
    "Bosch Meer Laar Horst Hof Wijk Kerk Molen Brug Dal Haven Sloot Groot Klein Lange Nieuw Oud"
)
DUTCH_ROOT_B = words(
    "veen voort bergen huis man stra ink ing kamp land weg hout dijk veld horst laar meijer beek brink "
    "hoff sma ma enga boom hage"
)
TURKISH_FIRST = words(
    "Mehmet Ahmet Mustafa Ali Hüseyin Hasan İbrahim Murat Emre Burak Yusuf Ömer Osman Kemal Can Cem "
    "Serkan Gökhan Erkan Volkan Tolga Onur Kaan Hakan Selim Ayşe Fatma Emine Hatice Zeynep Elif Merve "
    "Selin Deniz Özlem Leyla Songül Derya Esra Büşra Gül Sibel Tuba Yasemin Hülya Nur Sevgi"
)
TURKISH_ROOT = words(
    "Ak Kara Öz Er Gül Yıl Demir Çelik Tok Ay Gün Bay Kurt Taş Altın Uçar Sarı Tur Koç Kılıç Aslan "
    "Doğan Polat Tekin Şahin Yıldız Aydın Kaya Çetin Güneş Erdem Bulut Keskin"
)
TURKISH_SUFFIX = [
    "",
    "",
    "oğlu",
    "türk",
    "er",
    "kan",
    "can",
    "dağ",
    "soy",
    "men",
    "tepe",
    "kaya",
    "han",
    "baş",
]
MOROCCAN_FIRST = words(
    "Mohamed Mohammed Ahmed Youssef Said Mustapha Abdelkader Hassan Rachid Khalid Nordin Karim Soufiane "
    "Ilias Bilal Hamza Zakaria Anouar Redouan Ismail Mimoun Abdellah Driss Hicham Jamal Nabil Tarik "
    "Fatima Khadija Naima Samira Malika Latifa Amina Hanane Loubna Siham Nadia Fouzia Zineb Meryem "
    "Houda Ikram Salma Yasmina Hafsa"
)
MOROCCAN_ROOT = words(
    "Amran Idriss Alaou Tahir Hajj Ouazzan Bouzid Mansour Haddad Fass Chaou Zaar Bakkal Azzouz Khattab "
    "Achar Boukhar Harrak Moussa Ouahab Zian Bouaz Lahlou Mokhtar Ayad Maaz Sabr Hamdaou Kasm Jabr "
    "Bouchta Meziane Azdad Zerouali Ghazal Marzouk Abbou Akhrif Touzan Ouchan"
)
MOROCCAN_PATTERN = ["El {}i", "{}i", "Ben {}", "Ait {}", "{}", "El {}", "Bou{}"]
SURINAMESE_FIRST = words(
    "Anil Ravi Rakesh Dinesh Sanjay Rajesh Vikash Navin Sunita Priya Sharmila Anita Kavita Shanti "
    "Ruben Marcel Clarence Glenn Romano Dennis Patrick Ricardo Jennifer Sharon Natasja Gracia Mavis "
    "Soekarmin Wagiman Sarinah Tuminah Soetini Kartini Ngatini"
)
SURINAMESE_ROOT_A = words("Ram Shiw Sew Dew Bal Har Gan Maha Jag Lach Bis Soek Ma Kali Dhan Sita")
SURINAMESE_ROOT_B = words("din charan sar bier nath man saran lal dat singh kisoen persad baran ai oe")
SURINAMESE_CREOLE = words(
    "Kross Pinas Doelwijt Brunings Vrede Esajas Sabajo Wijngaarde Emanuelson Samson Fernandes Zaandam "
    "Tjin Kasanmoesdiran Kartosen Pawirodinomo Soemodihardjo Sastrowidjojo Wongsoredjo Karijodrono"
)
OTHER_FIRST = words(
    "Kwame Kofi Kwabena Yaw Akosua Ama Abena Efua Adjoa Joao Manuel Domingos Ana Lucia Carla Wei Li Mei "
    "Jun Hui Xin Johan Frans Agus Budi Siti Dewi Wayan Made Putu Tjeerd Ronaldo Elvis Chantal Dominique"
)
OTHER_SURNAME = words(
    "Mensah Owusu Asante Boateng Appiah Osei Agyeman Amponsah Darko Ofori Lopes Fernandes Tavares Semedo "
    "Monteiro Fortes Gomes Latuheru Pattinama Tuhumury Sahetapy Manuhutu Tanamal Chen Zhang Wang Liu Lin "
    "Huang Wu Tjoa Liem Oei Tan Sutanto Wijaya Hartono Susanto Santoso"
)
POLISH_FIRST = words(
    "Piotr Krzysztof Andrzej Tomasz Paweł Michał Marcin Jakub Łukasz Agnieszka Katarzyna Małgorzata "
    "Anna Joanna Magdalena Ewa Monika Beata"
)
POLISH_ROOT = words(
    "Nowak Kowal Wiśniew Wójcik Kamiń Lewandow Zieliń Szymań Woźniak Dąbrow Kozłow Jankow Mazur"
)
POLISH_SUFFIX = ["ski", "ska", "czyk", "ek", ""]

SLAVIC_MALE = words(
    "Sergei Aleksandr Dmitri Vladimir Igor Andrei Nikolai Mikhail Yuri Oleg Viktor Pavel Alexei Ivan "
    "Yevgeny Konstantin Roman Anatoly Boris Gennady Valery Vitaly Denis Maxim Artem Ruslan Stanislav "
    "Vadim Arkady Grigory Leonid Fyodor Timur Kirill Vyacheslav Gleb Semyon Yaroslav Bogdan Taras"
)
SLAVIC_FEMALE = words(
    "Olga Natalia Yelena Irina Tatiana Svetlana Anna Maria Yulia Ekaterina Oksana Lyudmila Galina "
    "Marina Larisa Valentina Nadezhda Vera Polina Kseniya"
)
SLAVIC_ROOT = words(
    "Ivan Petr Smirn Kuznets Pop Sokol Lebed Kozl Novik Moroz Volk Solov Vasil Zaits Pavl Semen Golub "
    "Vinograd Bogdan Vorob Fedor Mikhail Bel Taras Komar Orl Kisel Makar Andre Koval Ily Gus Tit Kuzm "
    "Baran Kulik Aleks Stepan Yakovl Sorok Serge Roman Zakhar Boris Korol Gerasim Ponomar Grigor Lazar "
    "Medved Ersh Nikit Sobol Ryab Polyak Tsvetk Danil Zhuk Frol Zhuravl Nikola Kryl Maksim Sidor Osip "
    "Fedot Egor Matve Bobr Dmitri Kalin Anisim Petukh Anton Timofe Nikifor Vesel Filipp Mark Sukhan "
    "Miron Konoval Shestak Kazak Efim Denis Grom Davyd Melnik Shcherbak Blin Kolesnik Karp Vlas Masl "
    "Tikhon Gavril Rodion Kot Gorbun Byk Zu Tretyak Savel Pan Rybak Suvor Abram Voron Mukh Arkhip "
    "Trofim Martyn Chern Ovchinnik Selezn Kopyl Galk Nazar Loban Luk Potap Nekras Khokhl Zhdan Naum "
    "Vorontsov Ermak Drozd Ignat Sav Login Safon Kapust Kirill Moise Elise Koshel Kost Orekh Isa "
    "Evdokim Kalashnik Kaban Nosk Yud Kulag Lap Prokhor Nester Kharit Agafon Muravy Lapt Filat Kadyr "
    "Ali Mamed Nazarbay Karim Rakhmon Yusup Tokay Ibragim Magomed Gadzhi Umar Akhmat Dud Rud Shevch "
    "Bondar Tkach Kravch Oliynyk Lysenk Marchenk Kovalenk Hrytsenk Savchenk Rudenk Moskal Zinch"
)
SLAVIC_ENDINGS = [
    ("ov", "ova"),
    ("ev", "eva"),
    ("in", "ina"),
    ("enko", "enko"),
    ("sky", "skaya"),
    ("ovich", "ovich"),
]
ARABIC_FIRST = words(
    "Mohammed Muhammad Ahmad Ali Hassan Hussein Abdullah Abdulrahman Omar Khalid Ibrahim Yusuf Saeed "
    "Salem Faisal Tariq Hamza Bilal Jamal Nasser Walid Anwar Samir Adel Karim Mahmoud Mustafa Osama "
    "Ayman Fadi Rami Ziad Majid Hamad Sultan Mansour Rashid Sami Nabil Hisham Qasim Yasser Talal Jaber "
    "Fatima Aisha Maryam Layla Huda Noor Zainab Amal Rana Salma"
)
ARABIC_FAMILY = words(
    "Rashid Hashimi Tikriti Masri Baghdadi Zarqawi Qahtani Shehri Ghamdi Harbi Otaibi Dosari Mutairi "
    "Shammari Anazi Zahrani Maliki Khatib Saadi Jaber Hakim Najjar Sayed Kurdi Tamimi Obeidi Dulaimi "
    "Jubouri Janabi Ani Hadithi Rawi Samarrai Mashhadani Zubaidi Hilli Basri Mosuli Halabi Shami "
    "Hamdani Khazraji Azzawi Karbouli Issawi Fahdawi Nuaimi Marri Kuwari Thani Suwaidi Mazrouei "
    "Ketbi Falasi Muhairi Shamsi Naqbi Hammadi Awadi Kaabi Zaabi Ahbabi Mansouri Qubaisi Shehhi "
    "Houthi Ahmar Sharif Attas Bakri Jifri Kaf Saqqaf Habshi Aidarus Mehdar Baraki Sabri Tarabulsi "
    "Zawi Warfalli Magarha Gaddafi Senussi Obeidat Majali Rifai Tall Khasawneh Bakhit Fayez Qudah"
)
#: Roots of family names in the Arab world, made into names with a nisba ending ("Al-Hashimi").
ARABIC_ROOT = words(
    "Ansar Asker Baddar Bahr Balaw Bann Barghouth Bishr Dabbagh Darwish Dahhan Fakhr Farhat Ghann "
    "Ghoul Haddad Hajjar Halab Hamaw Harir Hijaz Hinnaw Homs Husr Jabal Jazair Jundal Kabb Kahhal "
    "Kallas Kassab Katt Khayyat Khour Labb Lahham Maghrib Mahfouz Maqdis Mardin Mawsil Mufti Murr "
    "Nabuls Nahhas Nasr Qabbani Qadr Qassab Qazzaz Rifa Sabbagh Saff Sakk Sarraj Shaar Shawwaf Sidq "
    "Suq Tabb Tahhan Tall Tarr Wazz Yaziji Zaim Zain Zayyat Zoub Hash Rash Tikr Masr Baghd Qaht Shehr "
    "Ghamd Harb Otaib Dosar Mutair Shammar Zahr Malik Khat Saad "
    "Jab Hak Najj Kurd Tamim Obeid Dulaim Jubour Janab Had Raw Zubaid Hill Bas Mos Hal Sham Hamd Khazr "
    "Azz Karb Iss Fahd Nuaim Marr Kuw Suwaid Mazr Ket Fal Muhair Naqb Hamm Aw Kaab Zaab Ahb Mans Qub "
    "Hout Ahm Shar Att Bakr Jifr Saqq Habsh Mehd Bar Sab Tarab Anb Jaz Qurash Hadr Yam Tay Shaib"
)
ARABIC_NISBA = ["i", "awi", "ani", "ari", "uri", "ili", "ayri", "ouni", "abi"]
PERSIAN_FIRST = words(
    "Ali Reza Hossein Mohammad Mehdi Hassan Amir Mahmoud Javad Saeed Majid Hamid Ebrahim Abbas Qasem "
    "Fatemeh Zahra Maryam Masoumeh Parisa Shirin Leila"
)
PERSIAN_ROOT = words(
    "Hossein Mohammad Reza Ahmad Morad Karim Jafar Rahim Sadegh Mousav Hashem Ghorban Saleh Soleiman "
    "Nader Kazem Abbas Heydar Akbar Rostam Mirza Tehran Shiraz Esfahan Lari Vahid Jalil Nouri Bagher "
    "Taher Shams Amin Farahan Kashan Yazd Kerman Tabriz Golpayegan Ghaffar Naser Mahmoud Sharif Zand "
    "Bahrami Daneshvar Ebadi Firouz Ghasem Hedayat Jahangir Kamran Khosrow Mehran Najaf Parviz Ramin "
    "Sohrab Tavakol Yaghoub Zarrin Arian Behzad Darab Esmail Farhad Golshan Hooshang Iraj Kourosh"
)
PERSIAN_SUFFIX = ["i", "zadeh", "pour", "ian", "nejad", "far", "nia", "vand", "abadi", "lou"]
PERSIAN_FAMILY = words(
    "Hosseini Mohammadi Rezaei Ahmadi Moradi Karimi Jafari Rahimi Sadeghi Mousavi Hashemi Ghorbani "
    "Salehi Soleimani Naderi Kazemi Abbasi Heydari Akbari Rostami Mirzaei Tehrani Shirazi Esfahani "
    "Larijani Khamenei Rafsanjani Velayati Zarif Vahidi Safavi Jalili Qalibaf Rouhani Araghchi"
)
KOREAN_FAMILY = words("Kim Ri Pak Choe Jong Kang Cho Yun Jang Han O So Hwang An Song Jon Ju Hong")
KOREAN_GIVEN = words(
    "Jong Song Chol Yong Il Nam Su Myong Hyok Chang Kwang Gil Ho Sok Un Hui Gyong Jin Sang Dok Chun Hak"
)
ORG_SYLLABLES = words(
    "ros neft gaz prom tekh stroi almaz trans energo mash avia vneshe torg invest sev kamaz uralsk "
    "volga baltic pacific crimea petro chem metal sib dal vostok zapad agro nord star nova delta "
    "alpha omega orient falcon eagle lion crescent noor hilal sahara gulf atlas tigris nile"
)
ORG_NOUNS = words(
    "Trading Industries Logistics Bank Invest Shipping Energy Engineering Group Technologies Systems "
    "Resources Mining Oil Petroleum Construction Import Export Services Aviation Defence Capital "
    "Finance Holding Marine Chemicals Electronics Metals Machinery"
)
ORG_LEGAL = words("LLC Ltd JSC OJSC PJSC OOO AO CJSC GmbH SA FZE FZCO Co. Corp. Inc. PLC LLP")
MEMBER_ORG_WORDS = words(
    "Buurtkracht Voedselbank Energie Zorg Wonen Tuin Moestuin Fietsen Repair Café Kinderopvang Bakkerij "
    "Brouwerij Theater Muziek Sport Dorpshuis Wijkcentrum Groen Zon Wind Water Kunst Boeken Koffie "
    "Ambacht Bouw Klus Verhuur Schoonmaak Catering Markt Deel Samen Goed Fair Lokaal Kring Hof"
)
MEMBER_ORG_PLACES = words(
    "Oost West Noord Zuid Centrum Transvaal Schilderswijk Lombok Kanaleneiland Tarwewijk Feijenoord "
    "Crooswijk Indische Buurt Dapperbuurt Spangen Vogelwijk Bospolder Malburgen Presikhaaf Kruidenbuurt"
)

CYRILLIC = [
    ("shch", "щ"), ("kh", "х"), ("zh", "ж"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"),
    ("ya", "я"), ("ye", "е"), ("yo", "ё"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"),
    ("e", "е"), ("z", "з"), ("i", "и"), ("y", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
    ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"),
]  # fmt: skip
#: Spellings transliterations disagree on: (written one way, written the other).
RESPELLINGS = [
    ("ei", "ey"), ("ey", "ei"), ("iy", "y"), ("yu", "iu"), ("ya", "ia"), ("kh", "h"), ("ou", "u"),
    ("mm", "m"), ("ss", "s"), ("ph", "f"), ("ee", "i"), ("oo", "u"), ("sh", "ch"), ("j", "dj"),
    ("ai", "ay"), ("ie", "iye"), ("y", "j"), ("ev", "yev"), ("dz", "dzh"), ("uh", "ukh"),
    ("ammad", "amad"), ("ohamm", "uhamm"), ("ssein", "sain"), ("a", "e"), ("u", "o"), ("i", "e"),
]  # fmt: skip
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def to_cyrillic(name: str) -> str:
    """A Latin transliteration written back in Cyrillic, roughly as a Russian clerk would."""
    out = []
    for word in name.split():
        lower, i, letters = word.lower(), 0, []
        while i < len(lower):
            for latin, cyrillic in CYRILLIC:
                if lower.startswith(latin, i):
                    letters.append(cyrillic)
                    i += len(latin)
                    break
            else:
                letters.append(lower[i])
                i += 1
        out.append("".join(letters).capitalize())
    return " ".join(out)


class Generator:
    """The benchmark's made-up world, from one seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def choice(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def date(self, first_year: int, last_year: int) -> dt.date:
        start = dt.date(first_year, 1, 1).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, dt.date(last_year, 12, 31).toordinal()))

    # --- the list ---

    def slavic(self) -> tuple[str, str, str]:
        male = self.rng.random() < 0.8
        first = self.choice(SLAVIC_MALE if male else SLAVIC_FEMALE)
        father = self.choice(SLAVIC_MALE)
        father = father[:-1] if father.endswith(("i", "y", "a")) else father
        patronymic = father + ("ovich" if male else "ovna")
        ending = self.rng.choice(SLAVIC_ENDINGS)
        surname = self.choice(SLAVIC_ROOT) + ending[0 if male else 1]
        country = self.rng.choice(["RU", "RU", "RU", "BY", "UA", "KZ"])
        aliases = [f"{first} {patronymic} {surname}"]
        if self.rng.random() < 0.5:
            aliases.append(f"{surname.upper()} {first} {patronymic}")
        if self.rng.random() < 0.3:
            aliases.append(to_cyrillic(aliases[0]))
        if self.rng.random() < 0.2:
            aliases.append(respell(self.rng, aliases[0]))
        return first, " | ".join(aliases), country

    def arabic(self) -> tuple[str, str, str]:
        first = self.choice(ARABIC_FIRST)
        father = self.choice(ARABIC_FIRST)
        if self.rng.random() < 0.3:
            family = "Al-" + self.choice(ARABIC_FAMILY)
        else:
            family = "Al-" + self.choice(ARABIC_ROOT) + self.choice(ARABIC_NISBA)
        shape = self.rng.random()
        if shape < 0.4:
            name = f"{first} {father} {self.choice(ARABIC_FIRST)} {family}"
        elif shape < 0.7:
            name = f"{first} bin {father} {family}"
        else:
            name = f"{first} {father} {family}"
        aliases = [name]
        if self.rng.random() < 0.3:
            aliases.append(respell(self.rng, name))
        if self.rng.random() < 0.2:
            aliases.append(f"{first} {family}")
        country = self.rng.choice(["SY", "IQ", "SA", "YE", "LY", "EG", "LB", "JO", "AE", "SD"])
        return first, " | ".join(aliases), country

    def persian(self) -> tuple[str, str, str]:
        first = self.choice(PERSIAN_FIRST)
        family = self.choice(PERSIAN_FAMILY) if self.rng.random() < 0.2 else self.persian_family()
        name = f"{first} {family}"
        if self.rng.random() < 0.3:
            name = f"{first} {self.choice(PERSIAN_FIRST)} {family}"
        aliases = [name] + ([respell(self.rng, name)] if self.rng.random() < 0.3 else [])
        return first, " | ".join(aliases), "IR"

    def persian_family(self) -> str:
        return self.choice(PERSIAN_ROOT) + self.choice(PERSIAN_SUFFIX)

    def korean(self) -> tuple[str, str, str]:
        given = self.choice(KOREAN_GIVEN) + " " + self.choice(KOREAN_GIVEN)
        name = f"{self.choice(KOREAN_FAMILY)} {given}"
        aliases = [name]
        if self.rng.random() < 0.4:  # the given name hyphenated, as some lists write it
            aliases.append(name.replace(given, given.replace(" ", "-")))
        return given, " | ".join(aliases), "KP"

    def list_organisation(self) -> str:
        base = "".join(self.choice(ORG_SYLLABLES) for _ in range(self.rng.randint(2, 3))).capitalize()
        name = f"{base} {self.choice(ORG_NOUNS)}"
        if self.rng.random() < 0.4:
            name += f" {self.choice(ORG_NOUNS)}"
        return f"{name} {self.choice(ORG_LEGAL)}"

    def entries(self, count: int) -> list[ListEntry]:
        made = []
        for number in range(count):
            if self.rng.random() < 0.2:
                name = self.list_organisation()
                aliases = [name] + ([to_cyrillic(name)] if self.rng.random() < 0.2 else [])
                country = self.rng.choice(["RU", "IR", "SY", "KP", "BY", "AE", "CN", "TR"])
                countries = (country,) if self.rng.random() < 0.7 else ()
                made.append(_entry(number, tuple(aliases), (), countries, False, self.rng))
                continue
            tradition = self.rng.random()
            if tradition < 0.47:
                _, names, country = self.slavic()
            elif tradition < 0.82:
                _, names, country = self.arabic()
            elif tradition < 0.91:
                _, names, country = self.persian()
            else:
                _, names, country = self.korean()
            dates: tuple[str, ...] = ()
            known = self.rng.random()
            if known < 0.6:
                dates = (self.date(1940, 1995).isoformat(),)
            elif known < 0.8:
                dates = (str(self.rng.randint(1940, 1995)),)
            if dates and self.rng.random() < 0.08:  # lists often give two possible years
                dates += (str(int(dates[0][:4]) + 1),)
            countries = (country,) if self.rng.random() < 0.7 else ()
            made.append(_entry(number, tuple(names.split(" | ")), dates, countries, True, self.rng))
        return made

    # --- the members ---

    def member_person(self) -> tuple[str, str]:
        tradition = self.rng.random()
        if tradition < 0.60:
            first = self.choice(DUTCH_FIRST)
            if self.rng.random() < 0.3:
                surname = self.choice(DUTCH_SURNAME)
            else:
                surname = self.choice(DUTCH_PREFIX) + self.choice(DUTCH_ROOT_A) + self.choice(DUTCH_ROOT_B)
            if self.rng.random() < 0.15:  # a double first name
                first += " " + self.choice(DUTCH_FIRST)
            return f"{first} {surname}", "NL"
        if tradition < 0.72:
            first = self.choice(TURKISH_FIRST)
            surname = self.choice(TURKISH_ROOT) + self.choice(TURKISH_SUFFIX)
            return f"{first} {surname}", self.rng.choice(["NL", "NL", "TR"])
        if tradition < 0.84:
            first = self.choice(MOROCCAN_FIRST)
            surname = self.choice(MOROCCAN_PATTERN).format(self.choice(MOROCCAN_ROOT))
            return f"{first} {surname}", self.rng.choice(["NL", "NL", "MA"])
        if tradition < 0.92:
            first = self.choice(SURINAMESE_FIRST)
            if self.rng.random() < 0.6:
                surname = self.choice(SURINAMESE_ROOT_A) + self.choice(SURINAMESE_ROOT_B)
            else:
                surname = self.choice(SURINAMESE_CREOLE)
            return f"{first} {surname}", self.rng.choice(["NL", "NL", "SR"])
        if tradition < 0.96:
            first = self.choice(POLISH_FIRST)
            surname = self.choice(POLISH_ROOT) + self.choice(POLISH_SUFFIX)
            return f"{first} {surname}", self.rng.choice(["NL", "PL", "PL"])
        if tradition < 0.975:  # Syrian, Iraqi, Russian, Ukrainian newcomers
            if self.rng.random() < 0.5:
                first, names, country = self.arabic()
            else:
                first, names, country = self.slavic()
            parts = names.split(" | ")[0].split()
            return f"{parts[0]} {parts[-1]}", self.rng.choice(["NL", country])
        if tradition < 0.98:  # Iranian newcomers
            first = self.choice(PERSIAN_FIRST)
            return f"{first} {self.persian_family()}", self.rng.choice(["NL", "IR"])
        # Ghanaian, Cape Verdean, Moluccan, Chinese, Indonesian and other Dutch neighbours
        return f"{self.choice(OTHER_FIRST)} {self.choice(OTHER_SURNAME)}", self.rng.choice(
            ["NL", "NL", "GH", "CV"]
        )

    def member_organisation(self) -> str:
        words_ = " ".join(self.choice(MEMBER_ORG_WORDS) for _ in range(self.rng.randint(1, 2)))
        place = self.choice(MEMBER_ORG_PLACES)
        form = self.rng.random()
        if form < 0.3:
            return f"Stichting {words_} {place}"
        if form < 0.55:
            return f"Coöperatie {words_} {place} U.A."
        if form < 0.75:
            return f"Vereniging {words_} {place}"
        return f"{words_} {place} B.V."

    def members(self, count: int) -> list[Subject]:
        made = []
        for number in range(count):
            if self.rng.random() < 0.08:
                made.append(Subject(number, (self.member_organisation(),), None, "NL", False))
                continue
            name, country = self.member_person()
            made.append(Subject(number, (name,), self.date(1940, 2006), country, True))
        return made

    # --- the planted matches ---

    def plant(self, members: list[Subject], entries: list[ListEntry], count: int) -> dict[int, str]:
        """Overwrite ``count`` members with list entries written otherwise; member id → entry id."""
        planted: dict[int, str] = {}
        slots = self.rng.sample(range(len(members)), min(count, len(members)))
        persons = [entry for entry in entries if entry.is_person]
        organisations = [entry for entry in entries if not entry.is_person]
        for slot in slots:
            is_person = not organisations or self.rng.random() < 0.85
            entry = self.rng.choice(persons if is_person else organisations)
            written = self.rewrite(entry.names[0], is_person)
            born = None
            if is_person:
                full = [text for text in entry.birth_dates if len(text) == 10]
                years = [int(text[:4]) for text in entry.birth_dates]
                if full:
                    born = dt.date.fromisoformat(full[0])
                elif years:
                    born = self.date(years[0], years[0])
                else:
                    born = self.date(1940, 1995)
            country = self.rng.choice([*entry.nationalities, "NL"]) if entry.nationalities else "NL"
            members[slot] = Subject(members[slot].subject_id, (written,), born, country, is_person)
            planted[slot] = entry.entry_id
        return planted

    def rewrite(self, name: str, is_person: bool) -> str:
        """The name as a teller might have typed it: one or two of the ways lists and people differ."""
        ways: list[Callable[[random.Random, str], str]] = [typo, respell, swap]
        if is_person:
            ways += [drop_middle, lambda rng, text: to_cyrillic(text)]
        first = self.rng.choice(ways)
        written = first(self.rng, name)
        if self.rng.random() < 0.3:
            second = self.rng.choice([way for way in (typo, swap, respell) if way is not first])
            written = second(self.rng, written)
        return written


def _entry(
    number: int,
    names: tuple[str, ...],
    dates: tuple[str, ...],
    countries: tuple[str, ...],
    is_person: bool,
    rng: random.Random,
) -> ListEntry:
    source = ListSource.EU if rng.random() < 0.5 else ListSource.FTM
    kinds = (ListKind.SANCTION,) if source == ListSource.EU or rng.random() < 0.5 else (ListKind.PEP,)
    return ListEntry(source, f"E{number}", names, dates, countries, is_person, kinds)


def typo(rng: random.Random, name: str) -> str:
    """One slip of the keyboard in one name part of four letters or more."""
    parts = name.split()
    long_parts = [i for i, part in enumerate(parts) if len(part) >= 4] or list(range(len(parts)))
    i = rng.choice(long_parts)
    part = parts[i]
    at = rng.randrange(1, len(part)) if len(part) > 1 else 0
    slip = rng.random()
    if slip < 0.3:
        part = part[:at] + rng.choice(LETTERS) + part[at + 1 :]
    elif slip < 0.55:
        part = part[:at] + part[at + 1 :]
    elif slip < 0.8:
        part = part[:at] + rng.choice(LETTERS) + part[at:]
    elif at < len(part) - 1:
        part = part[:at] + part[at + 1] + part[at] + part[at + 2 :]
    parts[i] = part
    return " ".join(parts)


def respell(rng: random.Random, name: str) -> str:
    """The name in another transliteration: one spelling the two disagree on, written otherwise once."""
    lower = name.lower()
    options = [(a, b) for a, b in RESPELLINGS if a in lower]
    if not options:
        return name
    written, other = rng.choice(options)
    places = [at for at in range(len(lower)) if lower.startswith(written, at)]
    at = rng.choice(places)
    lower = lower[:at] + other + lower[at + len(written) :]
    return " ".join(part.capitalize() for part in lower.split())


def swap(rng: random.Random, name: str) -> str:
    """The name parts in another order (surname first, as lists often write it)."""
    parts = name.split()
    if len(parts) < 2:
        return name
    return " ".join([parts[-1], *parts[:-1]]) if rng.random() < 0.7 else " ".join(reversed(parts))


def drop_middle(rng: random.Random, name: str) -> str:
    """The name without a middle part (a patronymic, a father's name; not a syllable of a Korean
    given name, which no one leaves out)."""
    parts = name.split()
    middle = [at for at in range(1, len(parts) - 1) if len(parts[at]) >= 5]
    if not middle:
        return typo(rng, name)
    del parts[rng.choice(middle)]
    return " ".join(parts)


# --- measuring ---------------------------------------------------------------------------------


def _clear_caches() -> None:
    for cached in (screening.name_parts, screening.skeleton, screening.token_keys, screening.orders):
        cached.cache_clear()


def timed_screen(index: ScreeningIndex, members: list[Subject]) -> tuple[float, list[screening.Hit]]:
    _clear_caches()
    started = clock()
    hits = screening.screen_all(index, members)
    return clock() - started, hits


def measure(
    members_count: int,
    entries_count: int,
    planted_count: int,
    sample: int,
    small: int,
    seed: int,
    repeat: int,
) -> dict[str, Any]:
    world = Generator(seed)
    log(f"generating {entries_count} entries and {members_count} members")
    entries = world.entries(entries_count)
    members = world.members(members_count)
    planted = world.plant(members, entries, planted_count)

    started = clock()
    index = ScreeningIndex.build(entries)
    build_s = clock() - started
    log(
        f"index built in {build_s:.1f} s: {len(index.name_written)} names, "
        f"{len(index.form_text)} forms, {index.keys.size} distinct keys"
    )

    # Both sizes in turns, so that a busy spell of the machine falls on runs of both sizes.
    small_times: list[float] = []
    large_times: list[float] = []
    for _ in range(repeat):
        small_s, _hits = timed_screen(index, members[:small])
        small_times.append(small_s)
        log(f"screened {small} members in {small_s:.1f} s")
        screen_s, hits = timed_screen(index, members)
        large_times.append(screen_s)
        log(f"screened {members_count} members in {screen_s:.1f} s: {len(hits)} hits")
    # Each large run against the small run just before it (the same load on the machine), the
    # median of those ratios; the time per member is the median large run's.
    time_ratio = statistics.median(
        large / small for large, small in zip(large_times, small_times, strict=True)
    )
    small_s, screen_s = statistics.median(small_times), statistics.median(large_times)

    sample_members = members[:sample]
    _clear_caches()
    started = clock()
    reference = [hit for member in sample_members for hit in screening.screen_all_pairs(index, member)]
    all_pairs_sample_s = clock() - started
    log(f"all pairs for {len(sample_members)} members in {all_pairs_sample_s:.1f} s")

    def pairs(found: list[screening.Hit]) -> set[tuple[object, str]]:
        return {(hit.subject_id, hit.entry.entry_id) for hit in found}

    sample_ids = {member.subject_id for member in sample_members}
    searched = pairs([hit for hit in hits if hit.subject_id in sample_ids])
    missed_on_sample = len(pairs(reference) - searched)

    found = pairs(hits)
    recalled = sum(1 for member_id, entry_id in planted.items() if (member_id, entry_id) in found)
    false_hits = len(found - set(planted.items()))
    per_member_search = screen_s / members_count
    per_member_all_pairs = all_pairs_sample_s / len(sample_members)
    return {
        "results": {
            "index_build_s": round(build_s, 3),
            "screen_s": round(screen_s, 3),
            "screen_small_s": round(small_s, 3),
            "screen_s_each_run": [round(seconds, 3) for seconds in large_times],
            "screen_small_s_each_run": [round(seconds, 3) for seconds in small_times],
            "screen_ms_per_member": round(per_member_search * 1000, 4),
            "all_pairs_sample_s": round(all_pairs_sample_s, 3),
            "all_pairs_ms_per_member": round(per_member_all_pairs * 1000, 3),
            "all_pairs_scaled_s": round(per_member_all_pairs * members_count, 1),
            "names": len(index.name_written),
            "forms": len(index.form_text),
            "distinct_keys": int(index.keys.size),
            "hits": len(found),
            "planted": len(planted),
            "planted_found": recalled,
            "false_hits": false_hits,
            "hits_missed_by_search_on_sample": missed_on_sample,
            "hits_all_pairs_on_sample": len(pairs(reference)),
        },
        "ratios": {
            "speedup_vs_all_pairs": per_member_all_pairs / per_member_search,
            "recall_planted": recalled / len(planted) if planted else 1.0,
            "false_hits_per_1000": false_hits / members_count * 1000,
            "time_ratio_100k_vs_20k": time_ratio,
        },
    }


TARGETS = {
    "speedup_vs_all_pairs": (">=", 50.0),
    "recall_planted": (">=", 0.98),
    "false_hits_per_1000": ("<=", 5.0),
    "time_ratio_100k_vs_20k": ("<=", 5.5),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.screening",
        description="Sanctions/PEP screening: the candidate search against all pairs, recall and false hits.",
    )
    parser.add_argument("--members", type=int, default=100_000, help="members screened (default 100000)")
    parser.add_argument("--entries", type=int, default=50_000, help="entries on the list (default 50000)")
    parser.add_argument(
        "--planted", type=int, default=200, help="members that are a list entry (default 200)"
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=2_000,
        help="members the all-pairs way screens, scaled up (default 2000)",
    )
    parser.add_argument(
        "--small-members", type=int, default=None, help="the small run for the time ratio (default a fifth)"
    )
    parser.add_argument("--seed", type=int, default=17, help="seed of the made-up world (default 17)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="screen both sizes this many times, in turns (default 5)"
    )
    args = parser.parse_args(argv)
    small = args.small_members or max(1, args.members // 5)
    if min(args.members, args.entries, args.sample, args.repeat) < 1 or args.planted < 0:
        parser.error("--members, --entries, --sample and --repeat must be at least 1")
    if not 0 < small <= args.members:
        parser.error("--small-members must be between 1 and --members")
    sample = min(args.sample, args.members)
    measured = measure(args.members, args.entries, args.planted, sample, small, args.seed, args.repeat)
    checks = []
    for name, (direction, bound) in TARGETS.items():
        value = measured["ratios"][name]
        ok = value >= bound if direction == ">=" else value <= bound
        checks.append({"name": name, "value": round(value, 3), "target": f"{direction} {bound:g}", "ok": ok})
    report = {
        "bench": "screening",
        "params": {
            "members": args.members,
            "small_members": small,
            "entries": args.entries,
            "planted": args.planted,
            "all_pairs_sample": sample,
            "seed": args.seed,
            "repeat": args.repeat,
            "hit_threshold": screening.HIT_THRESHOLD,
            "name_floor": screening.NAME_FLOOR,
            "timer": "process CPU time (time.process_time), every way alike",
            "screen_timing": (
                "--repeat runs of each size in turns: the median run, and the median of the ratios of each "
                "large run to the small run before it; all pairs once on the sample"
            ),
            "index": "built once, timed apart (index_build_s), in neither way's time",
            "all_pairs_scaled": "seconds per member on the sample × members",
        },
        "results": measured["results"],
        "checks": checks,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
