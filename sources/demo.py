"""Deterministic demo inbox: realistic partner exports for N synthetic participants.

:func:`write_demo_inbox` writes an inbox exactly in the layout, file names, encodings and formats
of ``exports.md`` (the binding input contract), including the usual mistakes of real exports, so
that the whole pipeline can be run and shown without real (and confidential) data.

Everything is derived from ``(teilnehmende, seed, datenstand)`` only: the same arguments give
byte-identical files (also the XLSX: fixed document dates, xlsxwriter's fixed zip timestamps).

Files (D = datenstand; the three partners deliver on different days, as they do in reality):

==============================================  ===========================================
``asyl/teilnehmende_D.csv`` (+ an older          UTF-8 with BOM, ``;``, CRLF; ~5 % of the
snapshot dated one month before D)               dates as ``JJJJ-MM-TT``, the rest ``TT.MM.JJJJ``
``asyl/mentorinnen_D.csv``, ``tandems_D.csv``,   as above
``kontakte_D.csv``, ``unternehmen_D.csv``
``jobcenter/massnahmen_<D-2>.csv``,              Windows-1252, ``;``, CRLF
``jobcenter/integrationen_<D-2>.csv``
``vhs/kursteilnahmen_<D-1>.xlsx``                first sheet, header in row 1; dates mixed as
                                                 Excel date cells and ``TT.MM.JJJJ`` text,
                                                 Anwesenheit as number or ``85 %``/``85%`` text
``vhs/kursteilnahmen_<D-1>.csv``                 instead of the XLSX when there are more than
                                                 ``vhs_xlsx_max_rows`` (default 200,000)
                                                 enrolment rows: UTF-8 without BOM, ``;``, LF.
                                                 An XLSX sheet holds at most 1,048,576 rows and
                                                 writing it cell by cell is slow, so large
                                                 installations get the CSV form of the contract.
``asyl/notizen.docx``                            a placeholder of an unknown kind (not a real
                                                 docx): the pipeline must report and ignore it
==============================================  ===========================================

Event dates lie on or before the Datenstand of their file; only planned dates lie after it
(Beginn of a ``geplant`` measure, planned Ende of a running measure or course, Kursbeginn of an
``angemeldet`` enrolment), as in the partners' real exports.

Scale: generation is vectorised with numpy/polars and done in chunks of 50,000 participants
that are appended to the open files, so memory stays bounded (about 0.65 GB peak RSS at any N)
and 1,000,000 participants take well under a minute on two cores. There is no Python loop per
row, except for the XLSX, which is written cell by cell and is therefore capped (table above).
Random streams are seeded per (seed, chunk, component); TN-/M-/T-Nr are global running numbers,
Kundennummern and Hörernummern distinct random numbers drawn once for all chunks, company names
a bijective scramble of a running number, so every ID stays unique across chunks.

Realism of the figures: intake is steady, the Kompetenzfeststellung follows 3 weeks to 5 months
after Eintritt, courses and measures begun in the programme start after a 1-6 month waiting time,
so some active participants are still in Phase 1 on the Stichtag. Planted mentor-side cases (the
mentoring checks' findings, each at least once in the first chunk): a tandem registered weeks
after its first two contacts, a mentor without allowance whose Austritt was entered while her
tandem runs on, a mentor of a single running tandem whose contacts stopped 70-110 days before D.

Injected mistakes (row level, see "What bad input gets" in exports.md): together about 0.4 % of
a file's rows, each type planned for a file at least once (in the first chunk, if it has >= 8
rows), never more than a fifth of a file's rows: ``invalid_date`` (``31.02.2024``), ``unknown_code``
(Geschlecht ``x``, Kontaktart ``Brief``, ...), ``missing_required``, ``duplicate_key`` (a second,
different row with an existing Mentor-Nr/Tandem-Nr), ``exact_duplicate`` (a contact line saved
twice), ``unknown_reference`` (a contact for a Tandem-Nr that does not exist). The summary that
:func:`write_demo_inbox` returns counts them per kind; it never contains names or IDs.

The pipeline quarantines a bad row and every row that refers to it (the tandems of a participant
or mentor, the contacts of a tandem). So that a handful of mistakes does not take a fifth of the
tandems and contacts with it, the victims are the rows with the fewest dependants: participants
and mentors without a tandem (each chunk has a few mentors who joined in the last six weeks and
wait for their first tandem), the tandem with the fewest contacts for a repeated Tandem-Nr, whose
second row is also the one lacking a required value. Only if there are not enough such rows do
mistakes hit rows with dependants, the cheapest first.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from math import gcd
from pathlib import Path
from typing import Any, Callable

import numpy as np
import polars as pl

__all__ = ["write_demo_inbox", "VHS_XLSX_MAX_ROWS", "CHUNK"]

#: Participants generated per chunk (part of the determinism contract: changing it changes output).
CHUNK = 50_000
#: Above this many enrolment rows the VHS export is written as CSV instead of XLSX.
VHS_XLSX_MAX_ROWS = 200_000

PROGRAMME_START = date(2024, 1, 1)
KICKOFF = date(2024, 2, 22)  # Auftaktveranstaltung of the employer network
MISTAKE_RATE = 0.004  # share of a file's rows with an injected mistake
MISTAKE_MIN_ROWS = 8  # files with fewer rows get no forced mistake
WAITING_MENTORS = 0.05  # share of mentors who joined in the last weeks and have no tandem yet
KF_ANTEIL = 0.9  # share of participants who get a Kompetenzfeststellung (if they stay long enough)
KF_WARTEZEIT = (21, 150)  # days from Eintritt to the Kompetenzfeststellung
QUALI_WARTEZEIT = (30, 180)  # days from Eintritt to a course or measure (waiting lists, profiling)
DEMO_ANTEIL_ZUSCHUSS = 0.25
# planted mentor-side cases (docs/mentoring.md checks), each at least once in the first chunk:
ANTEIL_BEGINN_ZU_SPAET = 0.01  # tandems registered weeks after their first contacts
ANTEIL_AUSTRITT_LAUFEND = 0.01  # mentors with a running tandem whose Austritt was entered
ANTEIL_STILL = 0.03  # mentors of a single running tandem whose contacts stopped months ago  # share of mentors paid the Ehrenamtszuschuss (selected: the budget does not cover all)

_EPOCH = date(1970, 1, 1)
NONE = 10_000_000  # sentinel "no date" (day number far in the future: open end)
_TABLE_START = date(1930, 1, 1)
_TABLE_END = date(2100, 12, 31)
_BOM = b"\xef\xbb\xbf"


def _d(x: date) -> int:
    return (x - _EPOCH).days


P0 = _d(PROGRAMME_START)

# --------------------------------------------------------------------------------------------
# Headers (exports.md, exactly)
# --------------------------------------------------------------------------------------------

H_TEILNEHMENDE = [
    "TN-Nr", "Nachname", "Vorname", "Geburtsdatum", "Geschlecht", "Staatsangehörigkeit",
    "Aufenthaltsstatus", "Arbeitsmarktzugang", "Eintritt", "Kompetenzfeststellung", "Austritt",
    "Austrittsgrund", "Einwilligung", "Widerruf", "JC-Kundennummer", "VHS-Hörernummer",
]
H_MENTORINNEN = ["Mentor-Nr", "Nachname", "Vorname", "Eintritt", "Austritt", "Ehrenamtszuschuss", "Schulung"]
H_TANDEMS = ["Tandem-Nr", "Mentor-Nr", "TN-Nr", "Beginn", "Ende"]
H_KONTAKTE = ["Tandem-Nr", "Datum", "Dauer", "Kontaktart", "Kilometer", "Verkehrsmittel"]
H_UNTERNEHMEN = ["Unternehmen", "Branche", "Netzwerk seit", "Auftaktveranstaltung"]
H_MASSNAHMEN = ["Kundennummer", "Maßnahmeart", "Beginn", "Ende", "Status"]
H_INTEGRATIONEN = ["Kundennummer", "Integrationsart", "Beginn", "Ende", "Arbeitgeber", "Wochenstunden", "Förderung"]
H_KURSTEILNAHMEN = [
    "Hörernummer", "Kursnummer", "Kursart", "Zielniveau", "Kursbeginn", "Kursende", "Anwesenheit",
    "Prüfung", "Ergebnis", "Status",
]

HEADERS: dict[str, list[str]] = {
    "teilnehmende": H_TEILNEHMENDE,
    "mentorinnen": H_MENTORINNEN,
    "tandems": H_TANDEMS,
    "kontakte": H_KONTAKTE,
    "unternehmen": H_UNTERNEHMEN,
    "massnahmen": H_MASSNAHMEN,
    "integrationen": H_INTEGRATIONEN,
    "kursteilnahmen": H_KURSTEILNAHMEN,
}

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

# (country, probability, name group)
_COUNTRIES = [
    ("Syrien", 0.26, 0), ("Irak", 0.07, 0), ("Afghanistan", 0.17, 1), ("Iran", 0.05, 1),
    ("Ukraine", 0.20, 2), ("Eritrea", 0.05, 3), ("Türkei", 0.09, 4), ("Guinea", 0.04, 5),
    ("Nigeria", 0.02, 5), ("Somalia", 0.03, 6), ("Georgien", 0.02, 7),
]
_UKRAINE = 4  # index in _COUNTRIES

# per name group: (male first names, female first names, last names)
_NAMES: list[tuple[list[str], list[str], list[str]]] = [
    (  # Arabic (Syrien, Irak)
        "Mohammad Ahmad Omar Khaled Yousef Ali Hassan Mahmoud Bilal Samer Fadi Tarek Rami Anas "
        "Ibrahim Mustafa Walid Hussein Kareem Ammar".split(),
        "Fatima Aisha Rania Hiba Nour Lina Amal Yasmin Rasha Dima Mariam Layla Huda Salma Zainab "
        "Ghada Reem Sara Hanan Rua".split(),
        "Al-Ahmad Haddad Khalil Mansour Hamdan Saleh Nasser Darwish Al-Hassan Othman Ibrahim "
        "Youssef Shamout Kassem Abdullah Al-Khatib Hamoud Suleiman Jaber Qasim".split(),
    ),
    (  # Dari/Farsi (Afghanistan, Iran)
        "Ahmad Mohammad Abdul Farid Javid Hamid Rahim Nasir Sayed Mustafa Omid Reza Ali Hossein "
        "Mehdi Karim Wahid Sohrab Jawad Ramin".split(),
        "Zahra Maryam Fatemeh Nargis Shabnam Laila Parwana Mina Farzana Soraya Hosna Roya Sima "
        "Nilofar Marzia Shirin Negar Homa Zohal Setara".split(),
        "Ahmadi Rahimi Hashimi Karimi Sultani Hosseini Mohammadi Noori Sadat Haidari Jafari "
        "Rezaei Amiri Popal Stanikzai Wardak Azizi Habibi Nazari Samadi".split(),
    ),
    (  # Ukrainian
        "Oleksandr Andrij Dmytro Serhij Mykola Wolodymyr Jurij Iwan Maksym Bohdan Taras Petro "
        "Oleh Wiktor Roman Artem Denys Pawlo Ihor Vitalij".split(),
        "Olena Iryna Natalija Tetjana Oksana Switlana Julija Kateryna Marija Anastasija Halyna "
        "Ljudmyla Walentyna Daryna Sofija Wiktorija Nadija Larysa Inna Alina".split(),
        "Kowalenko Schewtschenko Bondarenko Tkatschenko Krawtschenko Melnyk Moroz Lysenko Boiko "
        "Kowaltschuk Martschenko Olijnyk Polischtschuk Sawtschenko Rudenko Klymenko Pawlenko "
        "Hryzenko Sydorenko Petrenko".split(),
    ),
    (  # Tigrinya (Eritrea)
        "Yonas Tesfay Dawit Samuel Mehari Kidane Berhane Habte Filmon Yohannes Senai Tekle "
        "Goitom Amanuel Michael Robel Efrem Haile Natnael Biniam".split(),
        "Selam Helen Saba Feven Meron Winta Ruth Hanna Mebrat Lidia Yordanos Senait Eden Tsega "
        "Almaz Rahel Luwam Semhar Sara Hiwet".split(),
        "Tesfamariam Gebremedhin Haile Kidane Tekle Berhe Ghebreyesus Woldu Habtemariam Asfaha "
        "Tewelde Abraha Mebrahtu Yemane Zerai Andemariam Negash Okbay Solomon Weldemichael".split(),
    ),
    (  # Turkish / Kurdish
        "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Yusuf Ömer Osman Serkan Burak "
        "Kemal Cem Deniz Tolga Eren Halil".split(),
        "Ayşe Fatma Emine Hatice Zeynep Elif Meryem Şerife Esra Merve Büşra Derya Gül Songül "
        "Aylin Canan Sibel Özlem Hülya Nur".split(),
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç "
        "Aslan Çetin Kara Koç Kurt Özkan Polat".split(),
    ),
    (  # West African (Guinea, Nigeria)
        "Mamadou Ibrahima Alpha Ousmane Abdoulaye Boubacar Sekou Amadou Moussa Mohamed Chinedu "
        "Emeka Oluwaseun Tunde Ikenna Samuel Daniel Lansana Fodé Thierno".split(),
        "Mariama Aissatou Fatoumata Kadiatou Hawa Aminata Djenabou Binta Ngozi Chiamaka Blessing "
        "Adaeze Funmilayo Grace Esther Oumou Mabinty Fanta Ramatoulaye Nene".split(),
        "Diallo Barry Bah Sow Camara Baldé Sylla Condé Keita Touré Okafor Adeyemi Okonkwo Eze "
        "Nwosu Bangura Kamara Soumah Traoré Cissé".split(),
    ),
    (  # Somali
        "Abdi Mohamed Ahmed Abdirahman Hassan Yusuf Abdullahi Omar Farah Ismail".split(),
        "Hodan Fadumo Amina Sahra Hawa Ifrah Nasra Asha Ubah Khadra".split(),
        "Abdi Ali Hassan Farah Warsame Jama Mohamud Osman Hirsi Aden".split(),
    ),
    (  # Georgian
        "Giorgi Davit Levan Irakli Nika Zurab Lasha Tornike Giga Beka".split(),
        "Nino Tamar Mariam Ana Salome Eka Natia Ketevan Maia Tinatin".split(),
        "Beridze Kapanadze Gelashvili Maisuradze Giorgadze Lomidze Tsiklauri Bolkvadze "
        "Kvaratskhelia Nozadze".split(),
    ),
]

_MENTOR_FIRST_M = (
    "Jürgen Klaus Peter Thomas Michael Andreas Stefan Wolfgang Hans-Peter Jörg Uwe Frank Matthias "
    "Günter Bernd Markus Tobias Lukas Jonas Felix Murat Samir Piotr".split()
)
_MENTOR_FIRST_F = (
    "Bärbel Ursula Monika Sabine Petra Gabriele Andrea Claudia Susanne Birgit Renate Karin Anja "
    "Katrin Julia Lena Anna Sophie Hannelore Gisela Jutta Doris Ayşe Leyla Katarzyna".split()
)
# cp1252-safe German surnames (also used for company names, which reach the Jobcenter files)
_DE_LAST = (
    "Müller Schäfer Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Krause Meier Lehmann Köhler Jäger Böhm Kühn Vogel Günther Lorenz Möller "
    "Weiß Groß".split()
)
_OTHER_LAST = "Özdemir Kaya Nowak Kowalski Haddad Rahimi Papadopoulos Rossi Yildiz Petrovic".split()

# Companies: (trade, prefix style, Branche)
_TRADES = [
    ("Logistik", False, "Logistik und Lager"), ("Haustechnik", False, "Handwerk"),
    ("Gebäudereinigung", False, "Reinigung"), ("Metallbau", False, "Metall und Elektro"),
    ("Elektrotechnik", False, "Metall und Elektro"), ("Transporte", False, "Logistik und Lager"),
    ("Bau", False, "Bau"), ("Gastronomie", False, "Gastgewerbe"),
    ("Personalservice", False, "Zeitarbeit"), ("Garten- und Landschaftsbau", False, "Handwerk"),
    ("Sanitär", False, "Handwerk"), ("Kunststofftechnik", False, "Produktion"),
    ("Maschinenbau", False, "Produktion"), ("Lebensmittel", False, "Einzelhandel"),
    ("IT-Service", False, "IT und Büro"), ("Bäckerei", True, "Lebensmittelhandwerk"),
    ("Autohaus", True, "Kfz"), ("Pflegedienst", True, "Pflege"), ("Restaurant", True, "Gastgewerbe"),
    ("Hotel", True, "Gastgewerbe"), ("Metzgerei", True, "Lebensmittelhandwerk"),
    ("Friseursalon", True, "Dienstleistung"), ("Druckerei", True, "Produktion"),
    ("Kfz-Werkstatt", True, "Kfz"), ("Malerbetrieb", True, "Handwerk"),
    ("Seniorenzentrum", True, "Pflege"), ("Getränkehandel", True, "Einzelhandel"),
    ("Zahnarztpraxis", True, "Gesundheit"), ("Tischlerei", True, "Handwerk"),
    ("Supermarkt", True, "Einzelhandel"),
]
_FORMS = ["GmbH", "GmbH & Co. KG", "KG", "e.K.", "AG", "OHG", "UG (haftungsbeschränkt)", ""]
# company names reach the Jobcenter's Windows-1252 files: fail at import if one cannot
"".join(_DE_LAST + _OTHER_LAST + _FORMS + [t[0] for t in _TRADES]).encode("cp1252")

_STATUS = ["Gestattung", "Duldung", "AE §25", "AE §24", "AE sonstige", "NE", "Eingebürgert"]
_STATUS_P_OTHER = [0.22, 0.10, 0.38, 0.05, 0.12, 0.10, 0.03]
_STATUS_P_UKR = [0.03, 0.0, 0.0, 0.90, 0.05, 0.02, 0.0]
_ZUGANG = ["ja", "nein", "beantragt"]
_GRUND = ["Arbeitsaufnahme", "Ausbildung", "Umzug", "Abbruch", "Sonstiges"]
_GRUND_P = [0.45, 0.12, 0.18, 0.15, 0.10]
_SEX = ["m", "w", "d"]

_KONTAKTART = ["persönlich", "telefonisch", "digital"]
_VM = ["Pkw", "ÖPNV", "Fahrrad", "zu Fuß"]
_VM_KM10 = [(20, 250), (20, 200), (5, 80), (2, 30)]  # tenths of km per Verkehrsmittel

_MASSNAHME = ["MAT", "MAG", "FbW", "AGH", "BSK"]
_MASSNAHME_P = [0.20, 0.30, 0.12, 0.13, 0.25]
_MASSNAHME_DUR = [(14, 56), (30, 180), (180, 720), (180, 365), (90, 240)]
_MSTATUS = ["geplant", "laufend", "beendet", "abgebrochen"]

_INTART = ["SVB Vollzeit", "SVB Teilzeit", "Ausbildung", "Selbständigkeit", "geringfügig"]
_INTART_P = [0.37, 0.25, 0.15, 0.03, 0.20]
_STUNDEN = [
    ["40", "39", "38,5", "37,5", "35"],
    ["20", "25", "30", "19,5", "32", "24"],
    ["39", "40", "37,5"],
    ["40", "30", "45"],
    ["8", "10", "12,5", "6", "9,5"],
]
_FOERDERUNG = ["keine", "EGZ", "§16i"]

_KURSART = ["Integrationskurs", "Alphabetisierungskurs", "Berufssprachkurs", "Jugendintegrationskurs", "Sonstiger Kurs"]
_KURSCODE = ["IK", "AK", "BSK", "JIK", "SK"]
_KURSART_P0 = [0.60, 0.15, 0.08, 0.07, 0.10]
_KURSART_P1 = [0.15, 0.05, 0.50, 0.0, 0.30]
_KURS_DUR = [(150, 280), (250, 400), (120, 300), (250, 350), (30, 120)]
_ZIEL = ["A1", "A2", "B1", "B2", "C1"]
_ZIEL_P = [  # per Kursart; the remainder is "no Zielniveau"
    [0.0, 0.05, 0.90, 0.0, 0.0],
    [0.10, 0.50, 0.40, 0.0, 0.0],
    [0.0, 0.05, 0.25, 0.55, 0.15],
    [0.0, 0.0, 1.0, 0.0, 0.0],
    [0.20, 0.30, 0.20, 0.0, 0.0],
]
_VSTATUS = ["angemeldet", "laufend", "abgeschlossen", "abgebrochen", "storniert"]
_PRUEFUNG = ["DTZ", "telc B1", "telc B2", "DTB B2", "keine"]
_ERGEBNIS = ["unter A2", "A2", "B1", "B2", "C1", "nicht bestanden"]
# per exam: probabilities over _ERGEBNIS
_ERGEBNIS_P = [
    [0.10, 0.32, 0.58, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.70, 0.0, 0.0, 0.30],
    [0.0, 0.0, 0.0, 0.65, 0.0, 0.35],
    [0.0, 0.0, 0.25, 0.55, 0.0, 0.20],
]

# bad values for injected mistakes
_BAD_DATES = [
    "31.02.2024", "30.02.2025", "31.04.2024", "31.06.2025", "31.09.2024", "31.11.2024",
    "29.02.2025", "00.03.2024", "15.13.2024",
]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _minus_month(x: date) -> date:
    y, m = (x.year, x.month - 1) if x.month > 1 else (x.year - 1, 12)
    for day in (x.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    raise AssertionError


def _between(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int) -> np.ndarray:
    """Uniform integers in [lo, hi] (inclusive, elementwise; hi < lo gives lo)."""
    lo = np.asarray(lo, dtype=np.int64)
    width = np.maximum(np.asarray(hi, dtype=np.int64) - lo + 1, 1)
    return lo + (rng.random(n) * width).astype(np.int64)


def _choice(rng: np.random.Generator, p: list[float], n: int) -> np.ndarray:
    p_arr = np.asarray(p, dtype=float)
    return np.searchsorted(np.cumsum(p_arr / p_arr.sum()), rng.random(n), side="right").clip(0, len(p) - 1)


def _pick(values: list[str], idx: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(values, dtype=pl.String).gather(np.asarray(idx, dtype=np.int64))
    if valid is not None:
        s = _mask(s, valid)
    return s


def _mask(s: pl.Series, valid: np.ndarray) -> pl.Series:
    """``s`` with null where ``valid`` is False."""
    if valid.all():
        return s
    return pl.select(pl.when(pl.Series(valid, dtype=pl.Boolean)).then(s)).to_series().alias(s.name)


def _num(x: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(x, dtype=np.int64)).cast(pl.String)


def _prefixed(prefix: str, x: np.ndarray) -> pl.Series:
    return pl.select(pl.concat_str(pl.lit(prefix), _num(x))).to_series()


def _decimal_tenths(x10: np.ndarray) -> pl.Series:
    """Tenths as German decimal text: 125 -> '12,5', 120 -> '12'."""
    whole, frac = _num(x10 // 10), _num(x10 % 10)
    return pl.select(
        pl.when(pl.Series(x10 % 10 == 0)).then(whole).otherwise(pl.concat_str(whole, pl.lit(","), frac))
    ).to_series()


def _affine(x: np.ndarray, m: int, a: int, b: int) -> np.ndarray:
    """A bijection of [0, m): scrambles running numbers into unique-looking IDs."""
    return (np.asarray(x, dtype=np.int64) % m * a + b) % m


def _unique_random(rng: np.random.Generator, m: int, k: int) -> np.ndarray:
    """``k`` distinct random integers from [0, m), in random order, without an O(m) table."""
    out = np.empty(0, dtype=np.int64)
    while len(out) < k:
        cand = np.concatenate([out, rng.integers(0, m, size=int((k - len(out)) * 1.3) + 16)])
        _, first = np.unique(cand, return_index=True)
        out = cand[np.sort(first)][:k]
    return out


def _coprime(rng: np.random.Generator, m: int) -> int:
    while True:
        a = int(rng.integers(m // 3, 2 * m // 3)) | 1
        if gcd(a, m) == 1:
            return a


class _Dates:
    """Vectorised date formatting by table lookup (day number -> text)."""

    def __init__(self) -> None:
        days = pl.date_range(_TABLE_START, _TABLE_END, interval="1d", eager=True)
        self.base = _d(_TABLE_START)
        self.de = days.dt.strftime("%d.%m.%Y")
        self.iso = days.dt.strftime("%Y-%m-%d")
        self.year = days.dt.year().to_numpy().astype(np.int64)
        self.month = days.dt.month().to_numpy().astype(np.int64)
        self.size = len(days)

    def _idx(self, days: np.ndarray, valid: np.ndarray) -> np.ndarray:
        idx = np.where(valid, np.asarray(days, dtype=np.int64) - self.base, 0)
        if len(idx) and (idx.min() < 0 or idx.max() >= self.size):
            raise ValueError("date outside the supported range 1930..2100")
        return idx

    def fmt(self, days: np.ndarray, iso: np.ndarray | None = None) -> pl.Series:
        days = np.asarray(days, dtype=np.int64)
        valid = days != NONE
        idx = self._idx(days, valid)
        s = self.de.gather(idx)
        if iso is not None and iso.any():
            s = pl.select(pl.when(pl.Series(iso)).then(self.iso.gather(idx)).otherwise(s)).to_series()
        return _mask(s, valid)

    def year_of(self, days: np.ndarray) -> np.ndarray:
        return self.year[np.asarray(days, dtype=np.int64) - self.base]

    def month_of(self, days: np.ndarray) -> np.ndarray:
        return self.month[np.asarray(days, dtype=np.int64) - self.base]


class _Names:
    """Flat name pools with per-group offsets, for vectorised picking."""

    def __init__(self) -> None:
        def flat(lists: list[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
            sizes = np.array([len(x) for x in lists], dtype=np.int64)
            return [v for x in lists for v in x], np.cumsum(sizes) - sizes, sizes

        self.first_m, self.off_m, self.sz_m = flat([g[0] for g in _NAMES])
        self.first_f, self.off_f, self.sz_f = flat([g[1] for g in _NAMES])
        self.last, self.off_l, self.sz_l = flat([g[2] for g in _NAMES])

    def pick(self, rng: np.random.Generator, group: np.ndarray, female: np.ndarray) -> tuple[pl.Series, pl.Series]:
        n = len(group)
        r1, r2 = rng.integers(0, 1 << 30, n), rng.integers(0, 1 << 30, n)
        fm = _pick(self.first_m, self.off_m[group] + r1 % self.sz_m[group])
        ff = _pick(self.first_f, self.off_f[group] + r1 % self.sz_f[group])
        first = pl.select(pl.when(pl.Series(female)).then(ff).otherwise(fm)).to_series()
        last = _pick(self.last, self.off_l[group] + r2 % self.sz_l[group])
        return last, first


class _Companies:
    """Unique company names: index i -> name, bijectively (tier 1: one surname, tier 2: two)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.sn = _DE_LAST + _OTHER_LAST
        self.m1 = len(self.sn) * len(_TRADES) * len(_FORMS)
        self.m2 = self.m1 * len(self.sn)
        self.a1, self.b1 = _coprime(rng, self.m1), int(rng.integers(0, self.m1))
        self.a2, self.b2 = _coprime(rng, self.m2), int(rng.integers(0, self.m2))

    def names(self, i: np.ndarray) -> tuple[pl.Series, np.ndarray]:
        """Names and trade index of companies ``i``."""
        i = np.asarray(i, dtype=np.int64)
        mt = self.m1 + self.m2
        rep, j = i // mt, i % mt
        tier2 = j >= self.m1
        q = np.where(tier2, _affine(j - self.m1, self.m2, self.a2, self.b2), _affine(j, self.m1, self.a1, self.b1))
        ns, nt, nf = len(self.sn), len(_TRADES), len(_FORMS)
        s1, q = q % ns, q // ns
        trade, q = q % nt, q // nt
        form, q = q % nf, q // nf
        s2 = q % ns
        sn1, sn2 = _pick(self.sn, s1), _pick(self.sn, s2)
        tr = _pick([t[0] for t in _TRADES], trade)
        fm = _pick([f" {f}" if f else "" for f in _FORMS], form)
        prefix = pl.Series(np.array([t[1] for t in _TRADES])[trade])
        owner = pl.select(
            pl.when(pl.Series(tier2)).then(pl.concat_str(sn1, pl.lit(" & "), sn2)).otherwise(sn1)
        ).to_series()
        name = pl.select(
            pl.when(prefix)
            .then(pl.concat_str(tr, pl.lit(" "), owner, fm))
            .otherwise(pl.concat_str(owner, pl.lit(" "), tr, fm))
        ).to_series()
        if (rep > 0).any():
            name = pl.select(
                pl.when(pl.Series(rep > 0)).then(pl.concat_str(name, pl.lit(" Filiale "), _num(rep + 1))).otherwise(name)
            ).to_series()
        return name, trade


class _CsvOut:
    """A CSV export appended chunk by chunk (header once, own encoding and line ends)."""

    def __init__(self, path: Path, columns: list[str], encoding: str, bom: bool, crlf: bool = True) -> None:
        self.path, self.columns, self.encoding = path, columns, encoding
        self.crlf = crlf
        self.fh = open(path, "wb")
        if bom:
            self.fh.write(_BOM)
        self.rows = 0
        self._header()

    def _header(self) -> None:
        buf = io.BytesIO()
        pl.DataFrame({c: pl.Series([], dtype=pl.String) for c in self.columns}).write_csv(
            buf, separator=";", line_terminator="\r\n" if self.crlf else "\n", include_header=True
        )
        self.fh.write(self._encode(buf.getvalue()))

    def _encode(self, data: bytes) -> bytes:
        return data if self.encoding == "utf-8" else data.decode("utf-8").encode(self.encoding)

    def write(self, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        assert df.columns == self.columns, (df.columns, self.columns)
        buf = io.BytesIO()
        df.write_csv(
            buf, separator=";", line_terminator="\r\n" if self.crlf else "\n", include_header=False,
            quote_style="necessary", null_value="",
        )
        self.fh.write(self._encode(buf.getvalue()))
        self.rows += df.height

    def close(self) -> None:
        self.fh.close()


# --------------------------------------------------------------------------------------------
# Mistakes
# --------------------------------------------------------------------------------------------


class _Spec:
    """One kind of injected mistake: ``mode`` is set (a bad value), null, dupkey or dupline.

    ``on_added``: a set/null mistake that goes into the rows an earlier dupkey/dupline spec of the
    same call appended, as far as there are such rows (a record entered a second time, incompletely),
    so that it does not make one more row invalid; the rest goes into rows of the frame."""

    def __init__(
        self, kind: str, mode: str, columns: list[str], values: list[str] | Callable[..., list[str]] | None = None,
        on_added: bool = False,
    ):
        self.kind, self.mode, self.columns, self.values = kind, mode, columns, values
        self.on_added = on_added


def _inject(
    df: pl.DataFrame, rng: np.random.Generator, specs: list[_Spec], counts: dict[str, int],
    first: bool, eligible: np.ndarray | None = None, cost: np.ndarray | None = None,
) -> pl.DataFrame:
    """Inject the mistakes ``specs`` into the string frame ``df`` (counted into ``counts``).

    Mistakes go only into rows where ``eligible`` is True. ``cost`` (per row: how many rows of
    other files refer to it, and are therefore quarantined with it) makes the cheapest rows the
    victims, at random among equal cost; for a dupkey mistake that is the row whose key is
    repeated. Without ``cost`` the victims are drawn uniformly."""
    rows = df.height
    for spec in specs:
        counts.setdefault(spec.kind, 0)
    if rows == 0:
        return df
    ks = [int(rng.binomial(rows, MISTAKE_RATE / len(specs))) for _ in specs]
    if first and rows >= MISTAKE_MIN_ROWS:
        ks = [max(k, 1) for k in ks]
    cap = rows // 5
    while sum(ks) > cap:
        ks[int(np.argmax(ks))] -= 1
    # how many of each spec's mistakes go into appended rows, how many need a row of the frame
    on_added, added = [], 0
    for spec, k in zip(specs, ks):
        use = min(k, added) if spec.on_added and spec.mode in ("set", "null") else 0
        on_added.append(use)
        added -= use
        if spec.mode in ("dupkey", "dupline"):
            added += k
    pool = np.arange(rows) if eligible is None else np.flatnonzero(eligible)
    total = min(sum(ks) - sum(on_added), len(pool))
    if total + sum(on_added) == 0:
        return df
    if cost is None:
        sel = rng.choice(pool, size=total, replace=False)
    else:
        perm = rng.permutation(pool)
        sel = perm[np.argsort(np.asarray(cost)[perm], kind="stable")[:total]]
    cols = {c: df[c].clone() for c in df.columns}
    extra: list[tuple[int, dict[str, Any]]] = []  # (position key, row)
    n_used = 0  # appended rows that already carry an on_added mistake
    start = 0
    for spec, k, use in zip(specs, ks, on_added):
        part = np.sort(sel[start : start + k - use])
        start += k - use
        if use:
            counts[spec.kind] += use
            for _, row in extra[n_used : n_used + use]:
                col = spec.columns[int(rng.integers(0, len(spec.columns)))]
                row[col] = None if spec.mode == "null" else _bad_values(spec, rng, 1)[0]
            n_used += use
        if len(part) == 0:
            continue
        counts[spec.kind] += len(part)
        if spec.mode in ("set", "null"):
            which = rng.integers(0, len(spec.columns), len(part))
            for ci, col in enumerate(spec.columns):
                idx = part[which == ci]
                if len(idx) == 0:
                    continue
                if spec.mode == "null":
                    cols[col] = cols[col].scatter(idx, None)
                else:
                    cols[col] = cols[col].scatter(idx, pl.Series(_bad_values(spec, rng, len(idx)), dtype=pl.String))
        elif spec.mode == "dupkey":  # a second, different row carrying an existing key
            key = spec.columns[0]
            other = rng.integers(0, rows - 1, len(part))
            other = other + (other >= part)
            for r, s in zip(part.tolist(), other.tolist()):
                row = {c: cols[c][s] for c in df.columns}
                row[key] = cols[key][r]
                extra.append((2 * s + 1, row))
        elif spec.mode == "dupline":  # the same line saved twice
            for r in part.tolist():
                extra.append((2 * r + 1, {c: cols[c][r] for c in df.columns}))
        else:  # pragma: no cover
            raise ValueError(spec.mode)
    out = pl.DataFrame(cols)
    if extra:
        extra.sort(key=lambda t: t[0])
        add = pl.DataFrame([r for _, r in extra], schema=out.schema, orient="row")
        pos = np.concatenate([np.arange(rows) * 2, np.array([p for p, _ in extra])])
        out = (
            pl.concat([out, add])
            .with_columns(pl.Series("_pos", pos))
            .sort("_pos", maintain_order=True)
            .drop("_pos")
        )
    return out


def _bad_values(spec: _Spec, rng: np.random.Generator, k: int) -> list[str]:
    if callable(spec.values):
        return spec.values(rng, k)
    return [spec.values[j] for j in rng.integers(0, len(spec.values), k)]


def _bad_dates(rng: np.random.Generator, k: int) -> list[str]:
    return [_BAD_DATES[j] for j in rng.integers(0, len(_BAD_DATES), k)]


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


def write_demo_inbox(
    out: Path,
    teilnehmende: int = 60,
    seed: int = 2024,
    datenstand: date | None = None,
    *,
    vhs_xlsx_max_rows: int = VHS_XLSX_MAX_ROWS,
) -> dict:
    """Write a realistic, deterministic demo inbox for ``teilnehmende`` participants into ``out``.

    ``datenstand`` (default: yesterday) is the Datenstand D of the Asyl exports; the Jobcenter's
    exports are dated D-2, the VHS's D-1, and an older participant registry snapshot is dated one
    month before D. Same arguments -> byte-identical files.

    The VHS export is an XLSX (first sheet, header row 1, dates mixed as Excel date cells and
    ``TT.MM.JJJJ`` text, Anwesenheit as number or ``85 %`` text) unless it would have more than
    ``vhs_xlsx_max_rows`` (default 200,000) enrolment rows: then ``vhs/kursteilnahmen_<D-1>.csv``
    (UTF-8, ``;``) is written instead, because an XLSX sheet holds at most 1,048,576 rows and
    writing it cell by cell is slow.

    Returns a summary without names or IDs::

        {"teilnehmende": N, "seed": S, "datenstand": {...per source, ISO...},
         "files": {relative path: data rows}, "rows": {kind: data rows},
         "mistakes": {kind: {mistake type: count}}, "consent": {...}, "unlinked": {kind: rows},
         "vhs_format": "xlsx" | "csv"}
    """
    n_total = int(teilnehmende)
    if n_total < 1:
        raise ValueError("teilnehmende must be >= 1")
    D_date = datenstand if datenstand is not None else date.today() - timedelta(days=1)
    if D_date < PROGRAMME_START + timedelta(days=2):
        raise ValueError(f"datenstand must be on or after {PROGRAMME_START + timedelta(days=2)}")
    d_jc_date, d_vhs_date, d_old_date = D_date - timedelta(days=2), D_date - timedelta(days=1), _minus_month(D_date)
    D, D_JC, D_VHS, D_OLD = _d(D_date), _d(d_jc_date), _d(d_vhs_date), _d(d_old_date)

    out = Path(out)
    for sub in ("asyl", "jobcenter", "vhs"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    dates = _Dates()
    names = _Names()
    g_rng = np.random.default_rng([seed, 0xC0FFEE])
    companies = _Companies(g_rng)

    # Kundennummern and Hörernummern: unique random numbers, participants use the first N,
    # people unknown to the programme (Jobcenter customers, VHS students) the next N
    m_kd, m_h = 2 * 26 * 1_000_000, 9_000_000
    if 2 * n_total > m_h:
        raise ValueError("too many participants for the demo ID spaces")
    kd_vals = _unique_random(g_rng, m_kd, 2 * n_total)
    h_vals = _unique_random(g_rng, m_h, 2 * n_total) + 1_000_000

    def kundennummer(x: np.ndarray) -> pl.Series:
        q = kd_vals[np.asarray(x, dtype=np.int64)]
        pre = _pick(["962", "963"], q // 26_000_000)
        letter = _pick([chr(65 + i) for i in range(26)], (q // 1_000_000) % 26)
        return pl.select(pl.concat_str(pre, letter, _num(q % 1_000_000).str.zfill(6))).to_series()

    def hoerernummer(x: np.ndarray) -> pl.Series:
        return _prefixed("H-", h_vals[np.asarray(x, dtype=np.int64)])

    # consent cases, chosen globally: 0 normal, 1 no Einwilligung, 2 Widerruf
    case = np.zeros(n_total, dtype=np.int8)
    n_wid = 0 if n_total < 20 else max(1, round(n_total * 0.001))
    n_no = 0 if n_total < 5 else max(1, round(n_total * 0.03))
    picked = g_rng.choice(n_total, size=n_wid + n_no, replace=False)
    case[picked[:n_wid]] = 2
    case[picked[n_wid:]] = 1

    ds = {"asyl": D_date, "asyl_alt": d_old_date, "jobcenter": d_jc_date, "vhs": d_vhs_date}
    paths = {
        "teilnehmende": f"asyl/teilnehmende_{D_date.isoformat()}.csv",
        "teilnehmende_alt": f"asyl/teilnehmende_{d_old_date.isoformat()}.csv",
        "mentorinnen": f"asyl/mentorinnen_{D_date.isoformat()}.csv",
        "tandems": f"asyl/tandems_{D_date.isoformat()}.csv",
        "kontakte": f"asyl/kontakte_{D_date.isoformat()}.csv",
        "unternehmen": f"asyl/unternehmen_{D_date.isoformat()}.csv",
        "massnahmen": f"jobcenter/massnahmen_{d_jc_date.isoformat()}.csv",
        "integrationen": f"jobcenter/integrationen_{d_jc_date.isoformat()}.csv",
    }
    vhs_xlsx = f"vhs/kursteilnahmen_{d_vhs_date.isoformat()}.xlsx"
    vhs_csv = f"vhs/kursteilnahmen_{d_vhs_date.isoformat()}.csv"
    for stale in (vhs_xlsx, vhs_csv):  # never leave both forms for one Datenstand
        (out / stale).unlink(missing_ok=True)

    def asyl(kind: str, header: list[str]) -> _CsvOut:
        return _CsvOut(out / paths[kind], header, "utf-8", bom=True)

    def jc(kind: str, header: list[str]) -> _CsvOut:
        return _CsvOut(out / paths[kind], header, "cp1252", bom=False)

    files = {
        "teilnehmende": asyl("teilnehmende", H_TEILNEHMENDE),
        "teilnehmende_alt": asyl("teilnehmende_alt", H_TEILNEHMENDE),
        "mentorinnen": asyl("mentorinnen", H_MENTORINNEN),
        "tandems": asyl("tandems", H_TANDEMS),
        "kontakte": asyl("kontakte", H_KONTAKTE),
        "unternehmen": asyl("unternehmen", H_UNTERNEHMEN),
        "massnahmen": jc("massnahmen", H_MASSNAHMEN),
        "integrationen": jc("integrationen", H_INTEGRATIONEN),
    }
    mistakes: dict[str, dict[str, int]] = {k: {} for k in HEADERS}
    unlinked = {"massnahmen": 0, "integrationen": 0, "kursteilnahmen": 0}
    vhs_frames: list[pl.DataFrame] = []
    vhs_rows = 0
    vhs_out: _CsvOut | None = None

    mentor_off = tandem_off = company_off = 0
    try:
        for ci, o in enumerate(range(0, n_total, CHUNK)):
            n = min(CHUNK, n_total - o)
            first = ci == 0

            def rng(component: int) -> np.random.Generator:
                return np.random.default_rng([seed, ci, component])

            # ---------------------------------------------------------------- participants
            p = _gen_participants(rng(1), o, n, D, case[o : o + n])
            p["kdnr"] = kundennummer(p["g"])
            p["hoer"] = hoerernummer(p["g"])
            p["last"], p["first"] = names.pick(rng(2), p["group"], p["female"])

            # ---------------------------------------------------------------- mentors, tandems, contacts
            mt = _gen_mentors(rng(6), n, D)
            tdm = _gen_tandems(rng(7), p, mt, D)
            _mentor_exits(rng(8), mt, tdm, D)
            # volunteers who joined in the last weeks and wait for their first tandem
            mentor_specs = [
                _Spec("duplicate_key", "dupkey", ["Mentor-Nr"]),
                _Spec("invalid_date", "set", ["Eintritt", "Schulung"], _bad_dates),
                _Spec("missing_required", "null", ["Ehrenamtszuschuss", "Nachname"]),
            ]
            # (at least one per kind of mistake forced into the first chunk)
            n_wait = max(round(len(mt["eintritt"]) * WAITING_MENTORS), len(mentor_specs) if first else 0)
            _add_waiting_mentors(rng(24), mt, n_wait, D)
            kontakte_bis = _plant_mentor_cases(rng(25), p, mt, tdm, D, first)
            tn_nr = _prefixed("TN-", 100_001 + p["g"])
            t_nr = 1_001 + tandem_off + np.arange(len(tdm["tn"]))
            k_frame, k_per_tandem = _gen_contacts(rng(14), tdm, mt, t_nr, D, dates, kontakte_bis)
            beginn_eingetragen = _plant_late_beginn(rng(26), p, tdm, k_per_tandem, kontakte_bis, D, first)

            # A row with a mistake is quarantined, and so is every row that refers to it (the
            # tandems of a participant or mentor, the contacts of a tandem). The victims are
            # therefore the rows with the fewest dependants: people and mentors without a tandem,
            # tandems without (or with few) contacts. Among people without a tandem, those without
            # Jobcenter or VHS records come first (their rows would no longer link to anybody).
            t_rows = 1 + k_per_tandem  # a tandem and its contacts
            tn_cost = 3 * np.bincount(tdm["tn"], weights=t_rows, minlength=n) + p["has_jc"] + p["has_vhs"]
            m_cost = np.bincount(tdm["mentor"], weights=t_rows, minlength=len(mt["eintritt"]))

            reg = _registry_frame(p, D, dates, rng(3))
            in_reg = p["eintritt"] <= D  # the rows of ``reg``
            reg = _inject(reg, rng(4), [
                _Spec("invalid_date", "set", ["Geburtsdatum", "Eintritt", "Kompetenzfeststellung"], _bad_dates),
                _Spec("unknown_code", "set", ["Geschlecht"], ["x", "u"]),
                _Spec("unknown_code", "set", ["Aufenthaltsstatus"], ["AE §23", "Fiktionsbescheinigung"]),
                _Spec("missing_required", "null", ["Staatsangehörigkeit", "Arbeitsmarktzugang", "Geschlecht"]),
            ], mistakes["teilnehmende"], first, eligible=(p["case"] == 0)[in_reg], cost=tn_cost[in_reg])
            files["teilnehmende"].write(reg)
            if D_OLD >= P0:
                files["teilnehmende_alt"].write(_registry_frame(p, D_OLD, dates, rng(5)))

            mt_frame = _mentor_frame(mt, mentor_off, dates, rng(9))
            mt_frame = _inject(mt_frame, rng(10), mentor_specs, mistakes["mentorinnen"], first, cost=m_cost)
            files["mentorinnen"].write(mt_frame)

            t_frame = pl.DataFrame({
                "Tandem-Nr": _prefixed("T-", t_nr),
                "Mentor-Nr": _prefixed("M-", 1_001 + mentor_off + tdm["mentor"]),
                "TN-Nr": tn_nr.gather(tdm["tn"]),
                "Beginn": dates.fmt(beginn_eingetragen, rng(11).random(len(t_nr)) < 0.05),
                "Ende": dates.fmt(tdm["ende"], rng(12).random(len(t_nr)) < 0.05),
            })
            # the repeated Tandem-Nr of a dupkey mistake is one with few contacts, and the second
            # row is the one that lacks a value (a tandem entered again, incompletely)
            t_frame = _inject(t_frame, rng(13), [
                _Spec("duplicate_key", "dupkey", ["Tandem-Nr"]),
                _Spec("missing_required", "null", ["Mentor-Nr", "Beginn"], on_added=True),
            ], mistakes["tandems"], first, cost=k_per_tandem)
            files["tandems"].write(t_frame)

            bad_ref_base = 1_001 + n_total + 1
            k_frame = _inject(k_frame, rng(15), [
                _Spec("unknown_reference", "set", ["Tandem-Nr"],
                      lambda r, k: [f"T-{v}" for v in (bad_ref_base + r.integers(0, 90_000, k)).tolist()]),
                _Spec("exact_duplicate", "dupline", []),
                _Spec("unknown_code", "set", ["Kontaktart"], ["Brief", "E-Mail", "Treffen"]),
                _Spec("unknown_code", "set", ["Verkehrsmittel"], ["Auto", "Bus", "Motorrad"]),
                _Spec("invalid_date", "set", ["Datum"], _bad_dates),
                _Spec("missing_required", "null", ["Dauer", "Kontaktart"]),
            ], mistakes["kontakte"], first)
            files["kontakte"].write(k_frame)

            # ---------------------------------------------------------------- employers
            n_comp = max(round(n / 4), 5 if first else 0)
            comp_idx = company_off + np.arange(n_comp)
            u_frame = _gen_companies(rng(16), companies, comp_idx, D, dates)
            u_frame = _inject(u_frame, rng(17), [
                _Spec("missing_required", "null", ["Netzwerk seit"]),
            ], mistakes["unternehmen"], first)
            files["unternehmen"].write(u_frame)

            # ---------------------------------------------------------------- Jobcenter
            m_frame, n_unl = _gen_measures(rng(18), p, o, n, D_JC, dates, kundennummer, n_total)
            unlinked["massnahmen"] += n_unl
            m_frame = _inject(m_frame, rng(19), [
                _Spec("unknown_code", "set", ["Maßnahmeart"], ["AVGS", "EGZ", "§16e"]),
                _Spec("invalid_date", "set", ["Beginn", "Ende"], _bad_dates),
                _Spec("missing_required", "null", ["Status", "Beginn"]),
            ], mistakes["massnahmen"], first)
            files["massnahmen"].write(m_frame)

            i_frame, n_unl = _gen_integrations(
                rng(20), p, o, n, D_JC, dates, kundennummer, n_total, companies, comp_idx
            )
            unlinked["integrationen"] += n_unl
            i_frame = _inject(i_frame, rng(21), [
                _Spec("unknown_code", "set", ["Integrationsart"], ["Minijob", "Praktikum"]),
                _Spec("invalid_date", "set", ["Beginn"], _bad_dates),
            ], mistakes["integrationen"], first)
            files["integrationen"].write(i_frame)

            # ---------------------------------------------------------------- VHS
            v_frame, n_unl = _gen_enrolments(rng(22), p, o, n, D_VHS, dates, hoerernummer, n_total)
            unlinked["kursteilnahmen"] += n_unl
            v_frame = _inject(v_frame, rng(23), [
                _Spec("invalid_date", "set", ["Kursbeginn", "Kursende"], _bad_dates),
                _Spec("unknown_code", "set", ["Status"], ["beendet", "pausiert"]),
                _Spec("unknown_code", "set", ["Kursart"], ["Deutschkurs", "Orientierungskurs"]),
                _Spec("missing_required", "null", ["Kursnummer", "Kursbeginn"]),
            ], mistakes["kursteilnahmen"], first)
            vhs_rows += v_frame.height
            if vhs_out is None and vhs_rows > vhs_xlsx_max_rows:
                vhs_out = _CsvOut(out / vhs_csv, H_KURSTEILNAHMEN, "utf-8", bom=False, crlf=False)
                for f in vhs_frames:
                    vhs_out.write(_vhs_csv_frame(f))
                vhs_frames = []
            if vhs_out is not None:
                vhs_out.write(_vhs_csv_frame(v_frame))
            else:
                vhs_frames.append(v_frame)

            mentor_off += len(mt["eintritt"])
            tandem_off += len(t_nr)
            company_off += n_comp
    finally:
        for f in files.values():
            f.close()
        if vhs_out is not None:
            vhs_out.close()

    if vhs_out is None:
        _write_xlsx(out / vhs_xlsx, pl.concat(vhs_frames) if vhs_frames else None, D_VHS, dates)
        vhs_path, vhs_format = vhs_xlsx, "xlsx"
    else:
        vhs_path, vhs_format = vhs_csv, "csv"

    if files["teilnehmende_alt"].rows == 0:  # no participant had entered a month before D
        (out / paths["teilnehmende_alt"]).unlink()
        del files["teilnehmende_alt"]

    (out / "asyl" / "notizen.docx").write_bytes(
        b"Demo-Notiz: kein Export, nur eine Datei unbekannter Art im Posteingang.\r\n"
    )

    rows = {k: f.rows for k, f in files.items()}
    rows["kursteilnahmen"] = vhs_rows
    file_rows = {paths[k]: f.rows for k, f in files.items()}
    file_rows[vhs_path] = vhs_rows
    return {
        "teilnehmende": n_total,
        "seed": seed,
        "datenstand": {k: v.isoformat() for k, v in ds.items()},
        "files": file_rows,
        "other_files": ["asyl/notizen.docx"],
        "rows": rows,
        "mistakes": mistakes,
        "consent": {"ohne_einwilligung": int((case == 1).sum()), "widerruf": int((case == 2).sum())},
        "unlinked": unlinked,
        "vhs_format": vhs_format,
    }


# --------------------------------------------------------------------------------------------
# Components (all vectorised over one chunk)
# --------------------------------------------------------------------------------------------


def _gen_participants(rng: np.random.Generator, o: int, n: int, D: int, case: np.ndarray) -> dict[str, Any]:
    span = D - P0
    g = o + np.arange(n, dtype=np.int64)
    country = _choice(rng, [c[1] for c in _COUNTRIES], n)
    group = np.array([c[2] for c in _COUNTRIES])[country]
    sex = _choice(rng, [0.60, 0.38, 0.02], n)
    female = (sex == 1) | ((sex == 2) & (rng.random(n) < 0.5))
    # intake is roughly steady (a few people a month), so there are always recent entrants
    eintritt = P0 + np.minimum((rng.random(n) * (span + 1)).astype(np.int64), span)
    age_days = ((18 + rng.beta(1.6, 2.6, n) * 42) * 365.25).astype(np.int64)
    birth = eintritt - age_days
    status = np.where(country == _UKRAINE, _choice(rng, _STATUS_P_UKR, n), _choice(rng, _STATUS_P_OTHER, n))
    restricted = status <= 1  # Gestattung, Duldung
    zugang = np.where(restricted, _choice(rng, [0.5, 0.2, 0.3], n), 0)

    # the skills assessment has a waiting time of 3 weeks to 5 months; some never get one
    kf = np.where(rng.random(n) < KF_ANTEIL, eintritt + _between(rng, KF_WARTEZEIT[0], KF_WARTEZEIT[1], n), NONE)
    kf = np.where(kf > D, NONE, kf)
    has_exit = (rng.random(n) < 0.42 * (D - eintritt) / max(span, 1)) & (D - eintritt > 30)
    austritt = np.where(has_exit, _between(rng, eintritt + 30, D, n), NONE)
    grund = np.where(has_exit, _choice(rng, _GRUND_P, n), -1)
    kf = np.where(kf > austritt, NONE, kf)

    delay = np.minimum(rng.geometric(0.3, n) - 1, 14)
    ein = np.minimum(eintritt + delay, D)
    ein = np.where(case == 1, NONE, ein)
    wid = np.where(case == 2, _between(rng, ein, D, n), NONE)
    return {
        "g": g, "case": case, "country": country, "group": group, "sex": sex, "female": female,
        "eintritt": eintritt, "birth": birth, "status": status, "zugang": zugang, "kf": kf,
        "austritt": austritt, "grund": grund, "ein": ein, "wid": wid,
        "has_jc": rng.random(n) < 0.85, "has_vhs": rng.random(n) < 0.70,
    }


def _registry_frame(p: dict[str, Any], cut: int, dates: _Dates, rng: np.random.Generator) -> pl.DataFrame:
    """The participant registry as the Sachgebiet Asyl exported it on day ``cut``."""
    sel = np.flatnonzero(p["eintritt"] <= cut)
    n = len(sel)

    def col(name: str) -> np.ndarray:
        return p[name][sel]

    def known(x: np.ndarray) -> np.ndarray:
        return np.where(x <= cut, x, NONE)

    def d(x: np.ndarray) -> pl.Series:
        return dates.fmt(x, rng.random(n) < 0.05)

    austritt = known(col("austritt"))
    grund = col("grund")
    return pl.DataFrame({
        "TN-Nr": _prefixed("TN-", 100_001 + col("g")),
        "Nachname": p["last"].gather(sel),
        "Vorname": p["first"].gather(sel),
        "Geburtsdatum": d(col("birth")),
        "Geschlecht": _pick(_SEX, col("sex")),
        "Staatsangehörigkeit": _pick([c[0] for c in _COUNTRIES], col("country")),
        "Aufenthaltsstatus": _pick(_STATUS, col("status")),
        "Arbeitsmarktzugang": _pick(_ZUGANG, col("zugang")),
        "Eintritt": d(col("eintritt")),
        "Kompetenzfeststellung": d(known(col("kf"))),
        "Austritt": d(austritt),
        "Austrittsgrund": _pick(_GRUND, np.maximum(grund, 0), austritt != NONE),
        "Einwilligung": d(known(col("ein"))),
        "Widerruf": d(known(col("wid"))),
        "JC-Kundennummer": _mask(p["kdnr"].gather(sel), col("has_jc")),
        "VHS-Hörernummer": _mask(p["hoer"].gather(sel), col("has_vhs")),
    })


def _gen_mentors(rng: np.random.Generator, n: int, D: int) -> dict[str, Any]:
    return _new_mentors(rng, max(1, round(n * 0.5)), _d(date(2023, 10, 1)), D)


def _add_waiting_mentors(rng: np.random.Generator, mt: dict[str, Any], k: int, D: int) -> None:
    """Append ``k`` mentors who joined in the last six weeks and have no tandem yet."""
    if k <= 0:
        return
    new = _new_mentors(rng, k, D - 41, D)
    for key, v in new.items():
        mt[key] = pl.concat([mt[key], v]) if isinstance(v, pl.Series) else np.concatenate([mt[key], v])


def _new_mentors(rng: np.random.Generator, nm: int, m0: int, D: int) -> dict[str, Any]:
    """``nm`` mentors who joined between day ``m0`` and ``D``."""
    eintritt = m0 + np.minimum((rng.beta(0.8, 1.6, nm) * (D - m0 + 1)).astype(np.int64), D - m0)
    female = rng.random(nm) < 0.65
    # trainings take place every eight weeks; a mentor attended one after joining, or none
    sessions = np.arange(_d(date(2024, 1, 20)), D + 1, 56, dtype=np.int64)
    first = np.searchsorted(sessions, eintritt)
    avail = len(sessions) - first
    attended = (rng.random(nm) < 0.6 / 0.9) & (avail > 0)
    pick = np.minimum(first + (rng.random(nm) * np.maximum(avail, 1)).astype(np.int64), max(len(sessions) - 1, 0))
    schulung = np.where(attended, sessions[pick] if len(sessions) else NONE, NONE)
    last_de = rng.random(nm) < 0.88
    r = rng.integers(0, 1 << 30, (3, nm))
    other_last = _OTHER_LAST
    return {
        "eintritt": eintritt,
        "austritt": np.full(nm, NONE, dtype=np.int64),
        # Seed document: the 10,000 EUR donation does not cover every mentor, so a minority was
        # selected; a quarter keeps the demo's spending near the budget without overdrawing it.
        "zuschuss": rng.random(nm) < DEMO_ANTEIL_ZUSCHUSS,
        "schulung": schulung,
        "pref_vm": _choice(rng, [0.45, 0.25, 0.2, 0.1], nm),
        "first": pl.select(
            pl.when(pl.Series(female))
            .then(_pick(_MENTOR_FIRST_F, r[0] % len(_MENTOR_FIRST_F)))
            .otherwise(_pick(_MENTOR_FIRST_M, r[0] % len(_MENTOR_FIRST_M)))
        ).to_series(),
        "last": pl.select(
            pl.when(pl.Series(last_de))
            .then(_pick(_DE_LAST, r[1] % len(_DE_LAST)))
            .otherwise(_pick(other_last, r[2] % len(other_last)))
        ).to_series(),
    }


def _gen_tandems(rng: np.random.Generator, p: dict[str, Any], mt: dict[str, Any], D: int) -> dict[str, np.ndarray]:
    n, nm = len(p["g"]), len(mt["eintritt"])
    cand = np.flatnonzero((rng.random(n) < 0.88) & (p["eintritt"] <= D - 3))
    cap = 1 + _choice(rng, [0.5, 0.33, 0.17], nm)
    slots = np.repeat(np.arange(nm), cap)
    # match in order of entry (with some noise): early participants get early mentors
    c_order = cand[np.argsort(p["eintritt"][cand] + rng.normal(0, 30, len(cand)), kind="stable")]
    s_order = slots[np.argsort(mt["eintritt"][slots] + rng.normal(0, 30, len(slots)), kind="stable")]
    k = min(len(c_order), len(s_order))
    tn, mentor = c_order[:k], s_order[:k]
    beginn = np.maximum(p["eintritt"][tn], mt["eintritt"][mentor]) + _between(rng, 3, 35, k)
    aus = p["austritt"][tn]
    ok = (beginn <= D) & (beginn <= aus)
    tn, mentor, beginn, aus = tn[ok], mentor[ok], beginn[ok], aus[ok]
    k = len(tn)
    ende = np.where(aus != NONE, aus, NONE)
    planned_end = beginn + _between(rng, 90, 400, k)
    ende = np.where((ende == NONE) & (rng.random(k) < 0.18) & (planned_end <= D), planned_end, ende)
    order = np.lexsort((tn, beginn))
    return {"tn": tn[order], "mentor": mentor[order], "beginn": beginn[order], "ende": ende[order]}


def _mentor_exits(rng: np.random.Generator, mt: dict[str, Any], tdm: dict[str, np.ndarray], D: int) -> None:
    nm = len(mt["eintritt"])
    last = mt["eintritt"].copy()
    np.maximum.at(last, tdm["mentor"], tdm["ende"])  # NONE (running tandem) blocks an exit
    eligible = last != NONE
    share = eligible.mean() if nm else 0.0
    p_leave = min(1.0, 0.15 / max(share, 0.15))
    leave = eligible & (rng.random(nm) < p_leave)
    aus = np.maximum(last, mt["eintritt"] + 60) + _between(rng, 0, 45, nm)
    mt["austritt"] = np.where(leave & (aus <= D), aus, NONE)
    mt["schulung"] = np.where(mt["schulung"] > mt["austritt"], NONE, mt["schulung"])


def _n_planted(n_cand: int, share: float, first: bool) -> int:
    return min(n_cand, max(1 if first else 0, round(share * n_cand)))


def _plant_mentor_cases(
    rng: np.random.Generator, p: dict[str, Any], mt: dict[str, Any], tdm: dict[str, np.ndarray], D: int, first: bool
) -> np.ndarray:
    """Plant two mentor-side cases of real registers; returns the last day with contacts per tandem.

    * a mentor of a single running tandem whose contacts stopped 70-110 days before D: the
      tandem went quiet and nobody closed it (``mentorin_ohne_kontakt``);
    * a mentor without allowance whose Austritt (14-45 days before D) was entered while her
      running tandem was not ended; contacts go on (``tandem_nach_austritt_mentorin``).

    Only tandems of participants with consent are used, so the pipeline sees every planted case.
    """
    nm, k = len(mt["eintritt"]), len(tdm["tn"])
    kontakte_bis = np.full(k, NONE, dtype=np.int64)
    if k == 0:
        return kontakte_bis
    running = (tdm["ende"] == NONE) & (p["case"][tdm["tn"]] == 0)
    n_tandems = np.bincount(tdm["mentor"], minlength=nm)
    taken = np.zeros(nm, dtype=bool)

    cand = np.flatnonzero(running & (tdm["beginn"] <= D - 150) & (n_tandems[tdm["mentor"]] == 1))
    still = rng.permutation(cand)[: _n_planted(len(cand), ANTEIL_STILL, first)]
    kontakte_bis[still] = D - _between(rng, 70, 110, len(still))
    taken[tdm["mentor"][still]] = True

    ok = running & (tdm["beginn"] <= D - 90)
    ok &= (mt["austritt"][tdm["mentor"]] == NONE) & ~mt["zuschuss"][tdm["mentor"]] & ~taken[tdm["mentor"]]
    cand = np.unique(tdm["mentor"][ok])
    leave = rng.permutation(cand)[: _n_planted(len(cand), ANTEIL_AUSTRITT_LAUFEND, first)]
    mt["austritt"][leave] = D - _between(rng, 14, 45, len(leave))
    mt["schulung"] = np.where(mt["schulung"] > mt["austritt"], NONE, mt["schulung"])
    return kontakte_bis


def _plant_late_beginn(
    rng: np.random.Generator, p: dict[str, Any], tdm: dict[str, np.ndarray], per_tandem: np.ndarray,
    kontakte_bis: np.ndarray, D: int, first: bool,
) -> np.ndarray:
    """The Beginn as registered: for a few tandems 36-50 days after the real start, so that their
    first two contacts lie before it (``kontakt_ausserhalb_tandem``)."""
    beginn = tdm["beginn"].copy()
    late = _between(rng, 36, 50, len(beginn))
    ok = (per_tandem >= 4) & (p["case"][tdm["tn"]] == 0) & (kontakte_bis == NONE)
    ok &= beginn + late < np.minimum(tdm["ende"], D)
    cand = np.flatnonzero(ok)
    pick = rng.permutation(cand)[: _n_planted(len(cand), ANTEIL_BEGINN_ZU_SPAET, first)]
    beginn[pick] += late[pick]
    return beginn


def _mentor_frame(mt: dict[str, Any], off: int, dates: _Dates, rng: np.random.Generator) -> pl.DataFrame:
    nm = len(mt["eintritt"])

    def d(x: np.ndarray) -> pl.Series:
        return dates.fmt(x, rng.random(nm) < 0.05)

    return pl.DataFrame({
        "Mentor-Nr": _prefixed("M-", 1_001 + off + np.arange(nm)),
        "Nachname": mt["last"],
        "Vorname": mt["first"],
        "Eintritt": d(mt["eintritt"]),
        "Austritt": d(mt["austritt"]),
        "Ehrenamtszuschuss": _pick(["nein", "ja"], mt["zuschuss"].astype(np.int64)),
        "Schulung": d(mt["schulung"]),
    })


def _gen_contacts(
    rng: np.random.Generator, tdm: dict[str, np.ndarray], mt: dict[str, Any], t_nr: np.ndarray, D: int, dates: _Dates,
    kontakte_bis: np.ndarray | None = None,
) -> tuple[pl.DataFrame, np.ndarray]:
    """The contacts of the tandems ``tdm``, and how many each tandem has (none after ``kontakte_bis``)."""
    beg = tdm["beginn"]
    end = np.minimum(tdm["ende"], D)
    if kontakte_bis is not None:
        end = np.minimum(end, kontakte_bis)
    kmax = (end - beg) // 14 + 1
    total = int(kmax.sum())
    tid = np.repeat(np.arange(len(beg)), kmax)
    starts = np.cumsum(kmax) - kmax
    gaps = rng.integers(14, 29, total)
    if len(beg):
        gaps[starts] = rng.integers(0, 8, len(beg))
    cs = np.cumsum(gaps)
    within = cs - np.repeat(cs[starts] - gaps[starts], kmax) if total else cs
    datum = beg[tid] + within
    keep = datum <= end[tid]
    tid, datum = tid[keep], datum[keep]
    order = np.lexsort((tid, datum))
    tid, datum = tid[order], datum[order]
    k = len(tid)

    art = _choice(rng, [0.55, 0.25, 0.20], k)
    dauer = np.where(rng.random(k) < 0.7, 15 * _between(rng, 2, 12, k), _between(rng, 30, 180, k))
    pers = art == 0
    pref = mt["pref_vm"][tdm["mentor"][tid]]
    vm = np.where(rng.random(k) < 0.8, pref, _choice(rng, [0.45, 0.25, 0.2, 0.1], k))
    lo = np.array([r[0] for r in _VM_KM10])[vm]
    hi = np.array([r[1] for r in _VM_KM10])[vm]
    km10 = _between(rng, lo, hi, k)
    vm_text = pl.select(
        pl.when(pl.Series(pers)).then(_pick(_VM, vm))
        .when(pl.Series(rng.random(k) < 0.6)).then(pl.lit("keins"))
    ).to_series()
    per_tandem = np.bincount(tid, minlength=len(beg))
    return pl.DataFrame({
        "Tandem-Nr": _prefixed("T-", t_nr).gather(tid),
        "Datum": dates.fmt(datum, rng.random(k) < 0.05),
        "Dauer": _num(dauer),
        "Kontaktart": _pick(_KONTAKTART, art),
        "Kilometer": _mask(_decimal_tenths(km10), pers),
        "Verkehrsmittel": vm_text,
    }), per_tandem


def _gen_companies(
    rng: np.random.Generator, companies: _Companies, idx: np.ndarray, D: int, dates: _Dates
) -> pl.DataFrame:
    k = len(idx)
    name, trade = companies.names(idx)
    c0 = _d(date(2023, 9, 1))
    seit = c0 + np.minimum((rng.beta(0.7, 1.5, k) * (D - c0 + 1)).astype(np.int64), D - c0)
    early = seit <= _d(KICKOFF)
    r = rng.random(k)
    auftakt = np.where(early, np.where(r < 0.75, 1, np.where(r < 0.95, 0, -1)), np.where(r < 0.85, 0, -1))
    return pl.DataFrame({
        "Unternehmen": name,
        "Branche": _pick([t[2] for t in _TRADES], trade, rng.random(k) < 0.9),
        "Netzwerk seit": dates.fmt(seit, rng.random(k) < 0.05),
        "Auftaktveranstaltung": _pick(["nein", "ja"], np.maximum(auftakt, 0), auftakt >= 0),
    })


def _measure_rows(rng: np.random.Generator, e: np.ndarray, D: int) -> dict[str, np.ndarray]:
    m = len(e)
    art = _choice(rng, _MASSNAHME_P, m)
    before = rng.random(m) < 0.12
    # measures taken up in the programme start after a waiting time (profiling, allocation), then
    # spread over the rest of the participation and the next three months
    wait = e + _between(rng, QUALI_WARTEZEIT[0], QUALI_WARTEZEIT[1], m)
    beginn = np.where(
        before, e - _between(rng, 1, 180, m), wait + (rng.random(m) * (np.maximum(D - wait, 0) + 91)).astype(np.int64)
    )
    lo = np.array([x[0] for x in _MASSNAHME_DUR])[art]
    hi = np.array([x[1] for x in _MASSNAHME_DUR])[art]
    dur = _between(rng, lo, hi, m)
    ende = beginn + dur - 1
    status = np.where(beginn > D, 0, np.where(ende >= D, 1, 2))
    r = rng.random(m)
    broke_running = (status == 1) & (r < 0.08)
    broke_past = (status == 2) & (r < 0.15)
    ende = np.where(broke_running, _between(rng, beginn, D, m), ende)
    ende = np.where(broke_past, beginn + (rng.random(m) * dur).astype(np.int64), ende)
    status = np.where(broke_running | broke_past, 3, status)
    r2 = rng.random(m)
    ende = np.where(((status == 0) & (r2 < 0.2)) | ((status == 1) & (r2 < 0.05)), NONE, ende)
    return {"art": art, "beginn": beginn, "ende": ende, "status": status}


def _gen_measures(
    rng: np.random.Generator, p: dict[str, Any], o: int, n: int, D: int, dates: _Dates,
    kundennummer: Callable[[np.ndarray], pl.Series], n_total: int,
) -> tuple[pl.DataFrame, int]:
    owners = np.flatnonzero(p["has_jc"])
    cnt = _choice(rng, [0.30, 0.35, 0.22, 0.13], len(owners))
    who = np.repeat(owners, cnt)
    rows = _measure_rows(rng, p["eintritt"][who], D)
    codes = p["kdnr"].gather(who)
    # customers of the Jobcenter who are not in the programme
    n_np = int(rng.binomial(len(who), 0.03)) + (1 if o == 0 and len(who) >= 10 else 0)
    if n_np:
        e_np = _between(rng, P0 - 90, D, n_np)
        extra = _measure_rows(rng, e_np, D)
        rows = {k: np.concatenate([rows[k], extra[k]]) for k in rows}
        codes = pl.concat([codes, kundennummer(n_total + o + rng.choice(n, size=n_np, replace=n_np > n))])
    keep = rows["beginn"] <= D + 90
    df = pl.DataFrame({
        "Kundennummer": codes,
        "Maßnahmeart": _pick(_MASSNAHME, rows["art"]),
        "Beginn": dates.fmt(rows["beginn"]),
        "Ende": dates.fmt(rows["ende"]),
        "Status": _pick(_MSTATUS, rows["status"]),
        "_b": rows["beginn"],
        "_np": np.arange(len(keep)) >= len(who),
    }).filter(pl.Series(keep))
    n_unl = int(df["_np"].sum())
    return df.sort(["Kundennummer", "_b"], maintain_order=True).drop("_b", "_np"), n_unl


def _gen_integrations(
    rng: np.random.Generator, p: dict[str, Any], o: int, n: int, D: int, dates: _Dates,
    kundennummer: Callable[[np.ndarray], pl.Series], n_total: int, companies: _Companies, comp_idx: np.ndarray,
) -> tuple[pl.DataFrame, int]:
    e, aus, grund = p["eintritt"], p["austritt"], p["grund"]
    jc = p["has_jc"]
    # 1) exits into work or training: the take-up starts shortly before the Austritt
    job_exit = jc & (aus != NONE) & ((grund == 0) | (grund == 1))
    a = np.flatnonzero(job_exit)
    b_a = np.maximum(e[a], aus[a] - _between(rng, 0, 14, len(a)))
    art_a = np.where(grund[a] == 1, 2, _choice(rng, [0.55, 0.35, 0.0, 0.05, 0.05], len(a)))
    # 2) other participants: some take up work months after Eintritt (a few already before)
    others = np.flatnonzero(jc & ~job_exit)
    take = rng.random(len(others)) < 0.40
    o_idx = others[take]
    k = len(o_idx)
    b_o = np.where(
        rng.random(k) < 0.04,
        e[o_idx] - _between(rng, 30, 365, k),
        e[o_idx] + 45 + rng.exponential(250, k).astype(np.int64),
    )
    art_o = _choice(rng, _INTART_P, k)
    ok = b_o <= np.minimum(aus[o_idx], D)
    o_idx, b_o, art_o = o_idx[ok], b_o[ok], art_o[ok]
    who = np.concatenate([a, o_idx])
    beg = np.concatenate([b_a, b_o])
    art = np.concatenate([art_a, art_o])
    ok = beg <= D
    who, beg, art = who[ok], beg[ok], art[ok]
    m = len(who)
    # some jobs end; some of those people find the next one (change of employer)
    end_c = beg + _between(rng, 30, 400, m)
    ends = (rng.random(m) < 0.22) & (end_c <= D)
    ende = np.where(ends, end_c, NONE)
    again = ends & (rng.random(m) < 0.5)
    b2 = end_c + _between(rng, 7, 120, m)
    again &= b2 <= D
    who2, beg2 = who[again], b2[again]
    art2 = _choice(rng, [0.45, 0.30, 0.05, 0.02, 0.18], len(who2))
    codes = p["kdnr"].gather(np.concatenate([who, who2]))
    beg = np.concatenate([beg, beg2])
    art = np.concatenate([art, art2])
    ende = np.concatenate([ende, np.full(len(who2), NONE, dtype=np.int64)])
    n_p = len(beg)
    n_np = int(rng.binomial(n_p, 0.02)) + (1 if o == 0 and n_p >= 10 else 0)
    if n_np:
        codes = pl.concat([codes, kundennummer(n_total + o + rng.choice(n, size=n_np, replace=n_np > n))])
        beg = np.concatenate([beg, _between(rng, P0 - 60, D, n_np)])
        art = np.concatenate([art, _choice(rng, _INTART_P, n_np)])
        ende = np.concatenate([ende, np.full(n_np, NONE, dtype=np.int64)])
    t = len(beg)
    # Wochenstunden from typical values per Integrationsart
    sizes = np.array([len(s) for s in _STUNDEN])
    offs = np.cumsum(sizes) - sizes
    stunden = _pick([v for s in _STUNDEN for v in s], offs[art] + rng.integers(0, 1 << 30, t) % sizes[art], rng.random(t) < 0.92)
    svb = art <= 1
    r = rng.random(t)
    foerd = np.where(svb, np.where(r < 0.45, 0, np.where(r < 0.75, -1, np.where(r < 0.93, 1, 2))),
                     np.where(r < 0.6, 0, -1))
    # employer: mostly network companies or other local firms; none for self-employment
    r2 = rng.random(t)
    any_firm = rng.integers(0, companies.m1, t)
    net = comp_idx[rng.integers(0, len(comp_idx), t)] if len(comp_idx) else any_firm
    firm_idx = np.where(r2 < 0.35, net, any_firm)
    firm, _ = companies.names(firm_idx)
    has_firm = (art != 3) & (rng.random(t) < 0.92)
    df = pl.DataFrame({
        "Kundennummer": codes,
        "Integrationsart": _pick(_INTART, art),
        "Beginn": dates.fmt(beg),
        "Ende": dates.fmt(ende),
        "Arbeitgeber": _mask(firm, has_firm),
        "Wochenstunden": stunden,
        "Förderung": _pick(_FOERDERUNG, np.maximum(foerd, 0), foerd >= 0),
        "_b": beg,
    })
    return df.sort(["Kundennummer", "_b"], maintain_order=True).drop("_b"), n_np


def _gen_enrolments(
    rng: np.random.Generator, p: dict[str, Any], o: int, n: int, D: int, dates: _Dates,
    hoerernummer: Callable[[np.ndarray], pl.Series], n_total: int,
) -> tuple[pl.DataFrame, int]:
    owners = np.flatnonzero(p["has_vhs"])
    cnt = 1 + _choice(rng, [0.55, 0.30, 0.15], len(owners))
    n_np = int(rng.binomial(len(owners), 0.03)) + (1 if o == 0 and len(owners) >= 10 else 0)
    e = np.concatenate([p["eintritt"][owners], _between(rng, P0 - 200, D, n_np)])
    birth = np.concatenate([p["birth"][owners], _between(rng, _d(date(1970, 1, 1)), _d(date(2004, 1, 1)), n_np)])
    cnt = np.concatenate([cnt, np.ones(n_np, dtype=np.int64)])
    codes = pl.concat([
        p["hoer"].gather(owners),
        hoerernummer(n_total + o + rng.choice(n, size=n_np, replace=n_np > n)) if n_np else pl.Series([], dtype=pl.String),
    ])
    is_np = np.arange(len(e)) >= len(owners)

    parts: list[dict[str, np.ndarray]] = []
    prev_end = np.zeros(len(e), dtype=np.int64)
    for rank in range(3):
        sel = np.flatnonzero(cnt > rank)
        k = len(sel)
        if rank == 0:
            kart = _choice(rng, _KURSART_P0, k)
            # a course begun before Eintritt, or the first one after the waiting list
            off = np.where(rng.random(k) < 0.15, -_between(rng, 30, 365, k), _between(rng, *QUALI_WARTEZEIT, k))
            beg = e[sel] + off
        else:
            kart = _choice(rng, _KURSART_P1, k)
            beg = prev_end[sel] + _between(rng, 14, 150, k)
        beg = beg - (beg + 3) % 7  # courses start on Mondays
        kart = np.where((kart == 3) & (beg - birth[sel] >= 27 * 365), 0, kart)
        lo = np.array([x[0] for x in _KURS_DUR])[kart]
        hi = np.array([x[1] for x in _KURS_DUR])[kart]
        end = beg + _between(rng, lo, hi, k)
        prev_end[sel] = end
        parts.append({"who": sel, "kart": kart, "beg": beg, "end": end})
    r = {key: np.concatenate([x[key] for x in parts]) for key in parts[0]}
    keep = r["beg"] <= D + 90
    r = {key: v[keep] for key, v in r.items()}
    t = len(r["beg"])
    kart, beg, end = r["kart"], r["beg"], r["end"]

    fut, run = beg > D, (beg <= D) & (end >= D)
    u = rng.random(t)
    status = np.select(
        [fut & (u < 0.9), fut, run & (u < 0.9), run & (u < 0.97), run, u < 0.78, u < 0.94],
        [0, 4, 1, 3, 4, 2, 3],
        default=4,
    )
    kende = np.where(((status == 0) & (rng.random(t) < 0.1)) | ((status == 4) & (rng.random(t) < 0.3)), NONE, end)
    anw = np.select(
        [(status == 1) | (status == 2), status == 3],
        [100 - (rng.beta(1.2, 4.0, t) * 50).astype(np.int64), _between(rng, 10, 60, t)],
        default=-1,
    )
    anw = np.where(rng.random(t) < 0.05, -1, anw)
    anw_fmt = _choice(rng, [0.6, 0.25, 0.15], t)
    ziel_p = np.array(_ZIEL_P)[kart]
    ziel_u = rng.random(t)
    ziel = (ziel_u[:, None] > np.cumsum(ziel_p, axis=1)).sum(axis=1)  # 5 = none
    # exams after completed courses
    u2 = rng.random(t)
    pr = np.select(
        [kart == 0, kart == 3, kart == 1, kart == 2],
        [np.where(u2 < 0.92, 0, 4), np.where(u2 < 0.92, 0, 4), np.where(u2 < 0.7, 0, 4),
         np.select([(ziel == 2) & (u2 < 0.85), (ziel >= 3) & (u2 < 0.45), (ziel >= 3) & (u2 < 0.85)],
                   [1, 2, 3], default=4)],
        default=np.where(u2 < 0.6, 4, -1),
    )
    pr = np.where(status == 2, pr, np.where(rng.random(t) < 0.5, 4, -1))
    erg_p = np.array(_ERGEBNIS_P)[np.clip(pr, 0, 3)]
    erg = (rng.random(t)[:, None] > np.cumsum(erg_p, axis=1)).sum(axis=1).clip(0, 5)
    took = (pr >= 0) & (pr <= 3)

    year = dates.year_of(beg) % 100
    sem = np.where(dates.month_of(beg) <= 6, "F", "H")
    kursnr = pl.select(pl.concat_str(
        _num(year).str.zfill(2), pl.Series(sem), pl.lit("-"), _pick(_KURSCODE, kart), pl.lit("-"),
        _num(_between(rng, 1, 12, t)).str.zfill(2),
    )).to_series()
    anw_text = pl.select(
        pl.concat_str(_num(np.maximum(anw, 0)), _pick(["", " %", "%"], anw_fmt))
    ).to_series()
    kb, ke = dates.fmt(beg), dates.fmt(kende)
    df = pl.DataFrame({
        "Hörernummer": codes.gather(r["who"]),
        "Kursnummer": kursnr,
        "Kursart": _pick(_KURSART, kart),
        "Zielniveau": _pick(_ZIEL + ["A1"], ziel, ziel < 5),
        "Kursbeginn": kb,
        "Kursende": ke,
        "Anwesenheit": _mask(anw_text, anw >= 0),
        "Prüfung": _pick(_PRUEFUNG, np.maximum(pr, 0), pr >= 0),
        "Ergebnis": _pick(_ERGEBNIS, erg, took),
        "Status": _pick(_VSTATUS, status),
        # for the XLSX form: typed values and which cells are real date/number cells
        "_kb": beg, "_ke": kende, "_kb_s": kb, "_ke_s": ke,
        "_kb_cell": rng.random(t) < 0.7, "_ke_cell": rng.random(t) < 0.7,
        "_anw": anw, "_anw_num": anw_fmt == 0,
        "_b": beg,
    })
    n_unl = int(is_np[r["who"]].sum())
    return df.sort(["Hörernummer", "_b"], maintain_order=True).drop("_b"), n_unl


def _vhs_csv_frame(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(H_KURSTEILNAHMEN)


def _row_batches(df: pl.DataFrame, names: list[str], size: int = 20_000):
    """Rows of ``df`` as tuples, converted to Python objects one slice at a time."""
    for start in range(0, df.height, size):
        part = df.slice(start, size)
        yield from zip(*(part[c].to_list() for c in names))


def _write_xlsx(path: Path, df: pl.DataFrame | None, D: int, dates: _Dates) -> None:
    import xlsxwriter

    created = datetime.combine(_EPOCH + timedelta(days=D), time(6, 0))
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"title": "Kursteilnahmen", "author": "VHS Hilden-Haan", "created": created})
    ws = wb.add_worksheet("Kursteilnahmen")
    date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    bold = wb.add_format({"bold": True})
    for c, h in enumerate(H_KURSTEILNAHMEN):
        ws.write_string(0, c, h, bold)
    ws.set_column(0, 9, 16)
    if df is not None and df.height:
        # a date cell only where the text is still the real date (injected mistakes stay text)
        df = df.with_columns(
            (pl.col("_kb_cell") & pl.col("Kursbeginn").eq_missing(pl.col("_kb_s"))).alias("_kb_cell"),
            (pl.col("_ke_cell") & pl.col("Kursende").eq_missing(pl.col("_ke_s")) & (pl.col("_ke") != NONE)).alias("_ke_cell"),
            (pl.col("_kb") + 25_569).alias("_kb"),  # Excel serial day numbers
            (pl.col("_ke") + 25_569).alias("_ke"),
            (pl.col("_anw_num") & pl.col("Anwesenheit").is_not_null()).alias("_anw_num"),
        )
        text_cols = ["Hörernummer", "Kursnummer", "Kursart", "Zielniveau"]
        tail_cols = ["Prüfung", "Ergebnis", "Status"]
        names = text_cols + ["Kursbeginn", "Kursende", "Anwesenheit"] + tail_cols
        names += ["_kb_cell", "_kb", "_ke_cell", "_ke", "_anw_num", "_anw"]
        ws_str, ws_num = ws.write_string, ws.write_number
        for i, row in enumerate(_row_batches(df, names), start=1):
            (hoer, knr, kart, ziel, kb, ke, anw, pr, erg, st, kb_cell, kb_n, ke_cell, ke_n, anw_num, anw_n) = row
            for c, v in ((0, hoer), (1, knr), (2, kart), (3, ziel)):
                if v is not None:
                    ws_str(i, c, v)
            if kb_cell:
                ws_num(i, 4, kb_n, date_fmt)
            elif kb is not None:
                ws_str(i, 4, kb)
            if ke_cell:
                ws_num(i, 5, ke_n, date_fmt)
            elif ke is not None:
                ws_str(i, 5, ke)
            if anw_num:
                ws_num(i, 6, anw_n)
            elif anw is not None:
                ws_str(i, 6, anw)
            for c, v in ((7, pr), (8, erg), (9, st)):
                if v is not None:
                    ws_str(i, c, v)
    wb.close()
