#!/usr/bin/env python3
"""Generate the demo seeds ``raw_customers.csv`` and ``raw_visits.csv``.

ALL DATA PRODUCED HERE IS SYNTHETIC. Every name, address, phone number, SSN,
card number and clinical note is made up by a seeded pseudo-random generator
from the small word lists below; none of it describes a real person.
To keep it that way even by accident:

* e-mail addresses use only reserved domains (RFC 2606: ``example.com`` /
  ``.org`` / ``.net`` and the ``.example`` top-level domain);
* US phone numbers use the 555-0100..555-0199 range reserved for fiction;
* SSNs use area numbers 900-999 with group numbers 01-49, which are issued
  neither as SSNs nor as ITINs;
* card numbers are Luhn-valid but random (they look real to validators,
  which is what a masking demo needs, but belong to no account).

The script uses only the standard library and one ``random.Random`` per table
with a fixed seed, so running it again rewrites byte-identical files::

    python scripts/generate_demo_data.py            # writes ./seeds/*.csv
    python scripts/generate_demo_data.py --out DIR  # writes DIR/*.csv

Column types are declared in ``seeds/seeds.yml``; the CSVs use ISO dates
(``YYYY-MM-DD``), timestamps ``YYYY-MM-DD HH:MM:SS``, ``true``/``false`` and an
empty field for NULL.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import unicodedata
from pathlib import Path

N_CUSTOMERS = 3000
N_VISITS = 6000
CUSTOMER_SEED = 20260101
VISIT_SEED = 20260102
AS_OF = dt.date(2026, 1, 1)  # age is computed as of this date

CUSTOMER_COLUMNS = [
    "customer_id", "full_name", "email", "phone", "ssn", "date_of_birth", "age",
    "street_address", "city", "postal_code", "country", "annual_income",
    "account_balance", "credit_card", "signup_at", "is_active",
]
VISIT_COLUMNS = [
    "visit_id", "customer_id", "visited_at", "discharge_date", "clinic",
    "diagnosis_code", "cost", "physician_notes",
]

# Share of NULLs per nullable customer column (full_name and ids never NULL).
CUSTOMER_NULL_RATES = {
    "email": 0.02, "phone": 0.02, "ssn": 0.015, "date_of_birth": 0.01,
    "street_address": 0.01, "annual_income": 0.02, "credit_card": 0.02,
    "is_active": 0.01,
}

# --------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------

# country code -> share of customers
COUNTRY_WEIGHTS = {"US": 0.88, "DE": 0.035, "FR": 0.025, "JP": 0.02, "DK": 0.015, "PL": 0.025}

US_FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
    "Barbara Richard Susan Joseph Jessica Thomas Sarah Christopher Karen Daniel Lisa "
    "Matthew Nancy Anthony Betty Mark Sandra Steven Ashley Andrew Emily Kevin Michelle "
    "Brian Amanda Jason Melissa Ryan Stephanie Jacob Rebecca Nicholas Laura Tyler Olivia "
    "Ethan Emma Noah Ava Liam Sophia Mia Aiden Harper Lucas Isabella Mason Grace Carlos "
    "Maria Luis Ana Wei Mei Priya Arjun Aisha Omar DeShawn Keisha Malik Imani Hannah Kayla"
).split()
US_FIRST_ACCENTED = "José Zoë Chloé Renée André Héctor Sofía Jesús Inés Noël Raúl Joaquín".split()
US_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Patel Kim Chen Wang O'Brien O'Connor McAllister Smith-Jones"
).split()
US_LAST_ACCENTED = "Muñoz Peña Núñez Gómez Fernández Díaz".split()

FIRST_NAMES = {
    "DE": ("Hans Anna Klaus Petra Stefan Sabine Lukas Leonie Felix Katrin "
           "Jürgen Jörg Björn Günther Bärbel Uwe Jens").split(),
    "FR": ("Jean Marie Pierre Camille Louis Julie Nicolas Manon François "
           "Hélène Léa Céline Jérôme Benoît Gaëlle Zoé").split(),
    "DK": "Søren Jørgen Mette Anders Frederik Ida Mads Line Rasmus Åse Bjørn Kirsten".split(),
    "PL": "Łukasz Małgorzata Agnieszka Krzysztof Paweł Anna Tomasz Katarzyna Michał Zofia Jan Wojciech Grażyna".split(),
}
LAST_NAMES = {
    "DE": ("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann "
           "Schröder Köhler Krüger Böhm Weiß Groß Vogel Braun").split(),
    "FR": ("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau "
           "Lefèvre Girard Roux Fournier Mercier Gérard Noël Hébert").split(),
    "DK": ("Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen "
           "Rasmussen Jørgensen Mølgaard Kjær").split(),
    "PL": "Nowak Wójcik Kowalczyk Woźniak Mazur Krawczyk Zając Król Wieczorek Pietrzak Michalak Sikora".split(),
}
# Japanese names as (kanji, romaji); written family name first in kanji.
JP_FAMILY = [
    ("山田", "Yamada"), ("佐藤", "Sato"), ("鈴木", "Suzuki"), ("高橋", "Takahashi"),
    ("田中", "Tanaka"), ("伊藤", "Ito"), ("渡辺", "Watanabe"), ("中村", "Nakamura"),
    ("小林", "Kobayashi"), ("加藤", "Kato"),
]
JP_GIVEN = [
    ("太郎", "Taro"), ("花子", "Hanako"), ("健", "Ken"), ("結衣", "Yui"), ("翔太", "Shota"),
    ("美咲", "Misaki"), ("大輔", "Daisuke"), ("陽菜", "Hina"), ("拓也", "Takuya"), ("さくら", "Sakura"),
]

# country -> [(city, postal-code prefix, phone area code / US area code)]
CITIES = {
    "US": [
        ("New York", "100", "212"), ("Brooklyn", "112", "718"), ("Boston", "021", "617"),
        ("Providence", "029", "401"), ("Hartford", "061", "860"), ("Newark", "071", "973"),
        ("Portland", "041", "207"), ("Burlington", "054", "802"), ("Springfield", "011", "413"),
        ("Philadelphia", "191", "215"), ("Chicago", "606", "312"), ("Houston", "770", "713"),
        ("Phoenix", "850", "602"), ("San Antonio", "782", "210"), ("San Diego", "921", "619"),
        ("Dallas", "752", "214"), ("San Jose", "951", "408"), ("Austin", "787", "512"),
        ("Seattle", "981", "206"), ("Denver", "802", "303"), ("Atlanta", "303", "404"),
        ("Miami", "331", "305"), ("Minneapolis", "554", "612"), ("Detroit", "482", "313"),
    ],
    "DE": [
        ("Berlin", "10", "30"), ("Hamburg", "20", "40"), ("München", "80", "89"),
        ("Köln", "50", "221"), ("Frankfurt am Main", "60", "69"), ("Dresden", "01", "351"),
        ("Leipzig", "04", "341"), ("Düsseldorf", "40", "211"), ("Stuttgart", "70", "711"),
    ],
    "FR": [
        ("Paris", "750", "1"), ("Lyon", "690", "4"), ("Marseille", "130", "4"),
        ("Toulouse", "310", "5"), ("Nice", "060", "4"), ("Bordeaux", "330", "5"),
        ("Lille", "590", "3"), ("Nantes", "440", "2"),
    ],
    "JP": [
        ("Tokyo", "100", "3"), ("Osaka", "530", "6"), ("Kyoto", "600", "75"),
        ("Yokohama", "220", "45"), ("Sapporo", "060", "11"),
    ],
    "DK": [
        ("København", "01", "3"), ("Aarhus", "08", "8"), ("Odense", "05", "6"), ("Aalborg", "09", "9"),
    ],
    "PL": [
        ("Warszawa", "00", "22"), ("Kraków", "30", "12"), ("Łódź", "90", "42"),
        ("Wrocław", "50", "71"), ("Gdańsk", "80", "58"), ("Poznań", "60", "61"),
    ],
}
PHONE_PREFIX = {"DE": "+49", "FR": "+33", "JP": "+81", "DK": "+45", "PL": "+48"}

US_STREETS = (
    "Oak Maple Cedar Pine Elm Washington Lake Hill Main Park 2nd 3rd Sunset Highland "
    "Ridge Lincoln Jefferson Madison Church Mill"
).split()
US_SUFFIXES = "St Ave Blvd Rd Ln Dr Ct Way Pl".split()
US_UNITS = ["Apt {n}", "Apt {n}B", "Unit {n}", "Suite {n}00", "# {n}"]
DE_STREETS = ["Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße", "Goethestraße",
              "Lindenallee", "Am Markt", "Kirchweg", "Müllerstraße"]
FR_STREETS = ["rue de la Paix", "avenue Victor Hugo", "boulevard Saint-Germain", "rue des Écoles",
              "place de la République", "rue Pasteur", "chemin des Vignes"]
JP_DISTRICTS = ["Jingumae", "Shinjuku", "Umeda", "Gion", "Minatomirai", "Odori", "Namba", "Ginza"]
DK_STREETS = ["Nørregade", "Vesterbrogade", "Østergade", "Amagerbrogade", "Jagtvej", "Åboulevard"]
DK_SIDES = ["tv", "th", "mf"]
PL_STREETS = ["Marszałkowska", "Długa", "Piękna", "Kościuszki", "Mickiewicza", "Słowackiego",
              "Floriańska", "Grunwaldzka"]

EMAIL_DOMAINS = [
    "example.com", "example.org", "example.net", "mail.example.com", "inbox.example.org",
    "post.example.net", "acme.example", "globex.example", "initech.example", "webmail.example",
]

CLINICS = [
    "Riverside Family Clinic", "Lakeview Medical Center", "Northgate Urgent Care",
    "St. Brigid's Hospital", "Harbor Point Health", "Summit Cardiology Associates",
    "Maple Street Clinic", "Westside Community Health", "Pinecrest Orthopedics",
    "Bayview Women's Health", "Greenfield Medical Group, P.C.", "Downtown Walk-In Clinic",
]

# ICD-10 code -> (description, base cost in USD, is typically inpatient)
DIAGNOSES = {
    "E11.9": ("type 2 diabetes without complications", 180.0, False),
    "I10": ("essential hypertension", 150.0, False),
    "J45.909": ("asthma, uncomplicated", 210.0, False),
    "J06.9": ("acute upper respiratory infection", 120.0, False),
    "M54.5": ("low back pain", 160.0, False),
    "F41.1": ("generalized anxiety disorder", 200.0, False),
    "F32.9": ("major depressive disorder, single episode", 220.0, False),
    "E78.5": ("hyperlipidemia", 140.0, False),
    "K21.9": ("gastro-esophageal reflux disease", 170.0, False),
    "N39.0": ("urinary tract infection", 130.0, False),
    "R51.9": ("headache", 110.0, False),
    "S93.401A": ("sprain of right ankle ligament", 340.0, False),
    "Z00.00": ("general adult medical exam", 95.0, False),
    "Z23": ("immunization", 60.0, False),
    "U07.1": ("COVID-19", 260.0, False),
    "E66.9": ("obesity", 150.0, False),
    "G43.909": ("migraine", 190.0, False),
    "L03.90": ("cellulitis", 280.0, False),
    "H10.9": ("conjunctivitis", 90.0, False),
    "M17.11": ("primary osteoarthritis, right knee", 420.0, False),
    "J18.9": ("pneumonia", 2400.0, True),
    "I48.91": ("atrial fibrillation", 3100.0, True),
    "K35.80": ("acute appendicitis", 9800.0, True),
    "I21.9": ("acute myocardial infarction", 18500.0, True),
}
MEDICATIONS = ["metformin", "lisinopril", "albuterol", "ibuprofen", "sertraline", "atorvastatin",
               "omeprazole", "amoxicillin", "sumatriptan", "cephalexin"]
PATIENT_QUOTES = ["it only hurts when I climb stairs", "I feel much better this week",
                  "the new pills make me dizzy", "I haven't slept well, honestly"]

# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

_ASCII_FOLD = {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L", "œ": "oe"}


def ascii_slug(text: str) -> str:
    """Lowercase ASCII letters/digits only: 'Łukasz' -> 'lukasz', "O'Brien" -> 'obrien'."""
    folded = "".join(_ASCII_FOLD.get(ch, ch) for ch in text)
    folded = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in folded.lower() if ch.isascii() and ch.isalnum())


def luhn_check_digit(digits: str) -> str:
    """Check digit that makes ``digits + check`` pass the Luhn test."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # doubled positions, counted from the (future) check digit
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when a digit string passes the Luhn test."""
    return luhn_check_digit(number[:-1]) == number[-1]


def age_on(born: dt.date, on: dt.date) -> int:
    """Whole years between ``born`` and ``on``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """Uniform date in [start, end]."""
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def random_timestamp(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """Uniform timestamp in [start, end] with whole seconds."""
    return start + dt.timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))


def fmt_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def fmt_ts(value: dt.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def fmt_money(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def fmt_bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


# --------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------


def pick_country(rng: random.Random) -> str:
    return rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]


def make_name(rng: random.Random, country: str) -> tuple[str, str, str]:
    """Return (full_name, first name for e-mail, last name for e-mail)."""
    if country == "JP":
        (fam, fam_r), (giv, giv_r) = rng.choice(JP_FAMILY), rng.choice(JP_GIVEN)
        if rng.random() < 0.75:
            return f"{fam} {giv}", giv_r, fam_r
        return f"{giv_r} {fam_r}", giv_r, fam_r
    if country == "US":
        first = rng.choice(US_FIRST_ACCENTED if rng.random() < 0.02 else US_FIRST)
        last = rng.choice(US_LAST_ACCENTED if rng.random() < 0.015 else US_LAST)
        if rng.random() < 0.12:  # middle initial
            return f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}", first, last
        return f"{first} {last}", first, last
    first, last = rng.choice(FIRST_NAMES[country]), rng.choice(LAST_NAMES[country])
    return f"{first} {last}", first, last


def make_email(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    """ASCII lowercase address derived from the name, unique within the table."""
    f, s = ascii_slug(first), ascii_slug(last)
    local = rng.choice([f"{f}.{s}", f"{f[0]}{s}", f"{f}_{s}", f"{f}{s[0]}", f"{s}.{f}",
                        f"{f}.{s}{rng.randint(1, 99)}", f"{f}{rng.randint(1960, 2006)}"])
    domain = rng.choice(EMAIL_DOMAINS)
    email, n = f"{local}@{domain}", 2
    while email in taken:
        email, n = f"{local}{n}@{domain}", n + 1
    taken.add(email)
    return email


def make_phone(rng: random.Random, country: str, area: str) -> str:
    """Phone number in one of several common notations."""
    if country == "US":
        line = f"01{rng.randint(0, 99):02d}"  # 555-0100..0199 is reserved for fiction
        return rng.choice([
            f"+1-{area}-555-{line}", f"({area}) 555-{line}", f"{area}.555.{line}",
            f"{area}-555-{line}", f"+1 {area} 555 {line}", f"1{area}555{line}",
        ])
    if country == "DK":  # eight digits, no area codes
        d = area + "".join(str(rng.randint(0, 9)) for _ in range(7))
        grouped = " ".join(d[i:i + 2] for i in range(0, 8, 2))
        return rng.choice([f"+45 {grouped}", grouped, f"+45{d}"])
    digits = "".join(str(rng.randint(0, 9)) for _ in range(9 - len(area)))
    if country == "FR":
        local = f"{area} " + " ".join(digits[i:i + 2] for i in range(0, 8, 2))
    elif country == "JP":
        local = f"{area}-{digits[:-4]}-{digits[-4:]}"
    else:
        local = f"{area} {digits}"
    # international notation, or national notation with the trunk prefix 0
    return f"0{local}" if rng.random() < 0.3 else f"{PHONE_PREFIX[country]} {local}"


def make_ssn(rng: random.Random) -> str:
    """NNN-NN-NNNN in a never-issued range (area 900-999, group 01-49)."""
    return f"{rng.randint(900, 999)}-{rng.randint(1, 49):02d}-{rng.randint(1, 9999):04d}"


def make_address(rng: random.Random, country: str) -> str:
    """Street address in the local style; some contain commas."""
    num = rng.randint(1, 9999) if country == "US" else rng.randint(1, 120)
    if country == "US":
        addr = f"{num} {rng.choice(US_STREETS)} {rng.choice(US_SUFFIXES)}"
        if rng.random() < 0.2:
            addr += ", " + rng.choice(US_UNITS).format(n=rng.randint(1, 40))
        return addr
    if country == "DE":
        return f"{rng.choice(DE_STREETS)} {num}"
    if country == "FR":
        return f"{num} {rng.choice(FR_STREETS)}"
    if country == "JP":
        return f"{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)} {rng.choice(JP_DISTRICTS)}"
    if country == "DK":
        return f"{rng.choice(DK_STREETS)} {num}, {rng.randint(1, 5)}. {rng.choice(DK_SIDES)}"
    return f"ul. {rng.choice(PL_STREETS)} {num}/{rng.randint(1, 60)}"


def make_postal_code(rng: random.Random, prefix: str) -> str:
    """Five digits as text, starting with the city's prefix (so some lead with 0)."""
    return prefix + "".join(str(rng.randint(0, 9)) for _ in range(5 - len(prefix)))


def make_income(rng: random.Random) -> float:
    """Log-normal around 62k, clipped to 15k..400k, with cents."""
    value = math.exp(rng.gauss(math.log(62_000), 0.6))
    return round(min(max(value, 15_000.0), 400_000.0), 2)


def make_balance(rng: random.Random) -> float:
    """Mostly positive balances; about one in eight overdrawn."""
    if rng.random() < 0.12:
        return -round(rng.uniform(0.01, 2_500.0), 2)
    return round(math.exp(rng.gauss(math.log(4_000), 1.2)), 2)


def make_credit_card(rng: random.Random) -> str:
    """Luhn-valid 16-digit Visa/Mastercard/Discover-like number as 4-4-4-4."""
    prefix = rng.choice(["4", "4", "4", f"5{rng.randint(1, 5)}", "6011"])
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(15 - len(prefix)))
    number = body + luhn_check_digit(body)
    return "-".join(number[i:i + 4] for i in range(0, 16, 4))


def make_signup(rng: random.Random, born: dt.date | None) -> dt.datetime:
    """Sign-up between 2015 and 2025, and not before the customer turned 16."""
    start = dt.datetime(2015, 1, 1)
    if born is not None:
        sixteen = dt.datetime(born.year + 16, born.month, 28 if (born.month, born.day) == (2, 29) else born.day)
        start = max(start, sixteen)
    return random_timestamp(rng, start, dt.datetime(2025, 12, 31, 23, 59, 59))


def make_customer(rng: random.Random, customer_id: int, taken_emails: set[str]) -> dict:
    """One customer row (values as Python objects, None for NULL)."""
    country = pick_country(rng)
    city, postal_prefix, area = rng.choice(CITIES[country])
    full_name, first, last = make_name(rng, country)
    born = random_date(rng, dt.date(1940, 1, 1), dt.date(2006, 12, 31))
    row = {
        "customer_id": customer_id,
        "full_name": full_name,
        "email": make_email(rng, first, last, taken_emails),
        "phone": make_phone(rng, country, area),
        "ssn": make_ssn(rng),
        "date_of_birth": born,
        "street_address": make_address(rng, country),
        "city": city,
        "postal_code": make_postal_code(rng, postal_prefix),
        "country": country,
        "annual_income": make_income(rng),
        "account_balance": make_balance(rng),
        "credit_card": make_credit_card(rng),
        "signup_at": make_signup(rng, born),
        "is_active": rng.random() < 0.82,
    }
    for column, rate in CUSTOMER_NULL_RATES.items():
        if rng.random() < rate:
            row[column] = None
    row["age"] = None if row["date_of_birth"] is None else age_on(row["date_of_birth"], AS_OF)
    return row


def generate_customers() -> list[dict]:
    rng = random.Random(CUSTOMER_SEED)
    taken: set[str] = set()
    return [make_customer(rng, i, taken) for i in range(1, N_CUSTOMERS + 1)]


def customer_csv_row(row: dict) -> list[str | None]:
    return [
        str(row["customer_id"]), row["full_name"], row["email"], row["phone"], row["ssn"],
        fmt_date(row["date_of_birth"]), None if row["age"] is None else str(row["age"]),
        row["street_address"], row["city"], row["postal_code"], row["country"],
        fmt_money(row["annual_income"]), fmt_money(row["account_balance"]), row["credit_card"],
        fmt_ts(row["signup_at"]), fmt_bool(row["is_active"]),
    ]


# --------------------------------------------------------------------------
# Visits
# --------------------------------------------------------------------------


def visit_weights(rng: random.Random, customers: list[dict]) -> list[float]:
    """Per-customer visit propensity: skewed, higher for older customers; ~10% never visit."""
    weights = []
    for c in customers:
        if rng.random() < 0.10:
            weights.append(0.0)
            continue
        age_factor = 1.0 if c["age"] is None else 0.5 + c["age"] / 60
        weights.append(age_factor * rng.expovariate(1.0))
    return weights


def length_of_stay(rng: random.Random, inpatient: bool) -> int:
    """Days between visit and discharge (0..10)."""
    if inpatient:
        return min(10, 1 + int(rng.expovariate(1 / 3)))
    return 0 if rng.random() < 0.9 else rng.randint(1, 2)


def make_cost(rng: random.Random, base: float, days: int) -> float:
    """Base cost for the diagnosis, +/- noise, plus a daily bed rate."""
    return round(base * rng.uniform(0.7, 1.6) + days * rng.uniform(900, 2200), 2)


def make_note(rng: random.Random, customer: dict, description: str, days: int) -> str | None:
    """Short free-text note; roughly half mention the patient's name, e-mail or phone."""
    name, email, phone = customer["full_name"], customer["email"], customer["phone"]
    first = name.split()[0]
    templates = [
        f"Patient {name} presented with {description}. Vitals stable; follow-up in {rng.randint(1, 8)} weeks.",
        f"{first} reports improvement since last visit; continue current plan.",
        f"Seen for {description}, prescribed {rng.choice(MEDICATIONS)}.",
        "Routine check. No acute distress.",
        f'Patient states "{rng.choice(PATIENT_QUOTES)}". Reassessed {description}.',
        f"Discussed {description} with {name} and family.",
        f"Observed {days} day(s); discharged in good condition." if days else "Treated and released same day.",
    ]
    if email:
        templates += [f"Seen for {description}, prescribed {rng.choice(MEDICATIONS)}. Lab results emailed to {email}.",
                      f"Referred to specialist; patient prefers contact via {email}."]
    if phone:
        templates.append(f"Call back at {phone} if symptoms of {description} worsen.")
    return None if rng.random() < 0.03 else rng.choice(templates)


def make_visit(rng: random.Random, visit_id: int, customer: dict, visited_at: dt.datetime) -> dict:
    code = rng.choice(list(DIAGNOSES))
    description, base, inpatient = DIAGNOSES[code]
    days = length_of_stay(rng, inpatient)
    return {
        "visit_id": visit_id,
        "customer_id": customer["customer_id"],
        "visited_at": visited_at,
        "discharge_date": visited_at.date() + dt.timedelta(days=days),
        "clinic": rng.choice(CLINICS),
        "diagnosis_code": code,
        "cost": None if rng.random() < 0.01 else make_cost(rng, base, days),
        "physician_notes": make_note(rng, customer, description, days),
    }


def visit_time(rng: random.Random) -> dt.datetime:
    """Visit between 2020 and 2025, during clinic hours (07:00-19:59)."""
    day = random_date(rng, dt.date(2020, 1, 1), dt.date(2025, 12, 31))
    return dt.datetime(day.year, day.month, day.day, rng.randint(7, 19), rng.randint(0, 59), rng.randint(0, 59))


def generate_visits(customers: list[dict]) -> list[dict]:
    """Visits numbered in chronological order."""
    rng = random.Random(VISIT_SEED)
    chosen = rng.choices(customers, weights=visit_weights(rng, customers), k=N_VISITS)
    times = sorted(visit_time(rng) for _ in range(N_VISITS))
    return [make_visit(rng, i, c, t) for i, (c, t) in enumerate(zip(chosen, times), start=1)]


def visit_csv_row(row: dict) -> list[str | None]:
    return [
        str(row["visit_id"]), str(row["customer_id"]), fmt_ts(row["visited_at"]),
        fmt_date(row["discharge_date"]), row["clinic"], row["diagnosis_code"],
        fmt_money(row["cost"]), row["physician_notes"],
    ]


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[str | None]]) -> None:
    """UTF-8, LF line endings, minimal quoting; None becomes an empty field (NULL)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def check(customers: list[dict], visits: list[dict]) -> None:
    """Sanity checks the demo relies on."""
    for column in ("email", "annual_income", "date_of_birth"):
        assert any(c[column] is None for c in customers), f"no NULL {column}"
    assert all(c["full_name"] for c in customers)
    assert all(c["credit_card"] is None or luhn_valid(c["credit_card"].replace("-", "")) for c in customers)
    ids = {c["customer_id"] for c in customers}
    assert all(v["customer_id"] in ids for v in visits)
    assert all(0 <= (v["discharge_date"] - v["visited_at"].date()).days <= 10 for v in visits)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "seeds",
                        help="directory for the CSV files (default: the repository's seeds/)")
    args = parser.parse_args(argv)

    customers = generate_customers()
    visits = generate_visits(customers)
    check(customers, visits)

    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "raw_customers.csv", CUSTOMER_COLUMNS, [customer_csv_row(c) for c in customers])
    write_csv(args.out / "raw_visits.csv", VISIT_COLUMNS, [visit_csv_row(v) for v in visits])
    print(f"wrote {len(customers)} customers and {len(visits)} visits to {args.out}")


if __name__ == "__main__":
    main()
