"""Demo customers: Faker names and streets drawn once into pools, then combined by the seeded RNG.

Calling Faker per customer would dominate the run time at 100k customers; pools of a few
hundred names give millions of combinations and stay deterministic (Faker is seeded with
``seed_instance``, never the global state).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass

from faker import Faker

from riscossa.services.demo.codes import (
    MUNICIPALITIES,
    codice_fiscale,
    italian_abi_codes,
    italian_iban,
    partita_iva,
)

PROMPT, LATE, CHRONIC, IRREGULAR = "prompt", "late", "chronic", "irregular"
RESIDENTIAL, BUSINESS, PUBLIC = "residential", "business", "public_administration"

_MAIL_DOMAINS = (
    "gmail.com",
    "libero.it",
    "virgilio.it",
    "hotmail.it",
    "tiscali.it",
    "alice.it",
    "yahoo.it",
    "outlook.it",
    "fastwebnet.it",
    "tim.it",
)
_PEC_DOMAINS = ("pec.it", "legalmail.it", "pec.aruba.it", "postecert.it", "arubapec.it")
_PA_KINDS = (
    "Comune di",
    "Istituto Comprensivo di",
    "Azienda Sanitaria Locale di",
    "Biblioteca Civica di",
    "Casa di Riposo Comunale di",
    "Liceo Scientifico di",
    "Consorzio di Bonifica di",
    "Provincia di",
)


@dataclass(slots=True)
class DemoCustomer:
    index: int
    code: str
    name: str
    kind: str  # person | business
    segment: str
    tax_code: str
    vat_number: str
    email: str
    phone: str
    pec: str
    address: str
    postcode: str
    city: str
    province: str
    iban: str  # always valid: what the bank reports on payments and debits
    bonus_sociale: bool
    vulnerable: bool
    non_disconnectable: bool
    behaviour: str
    payer_name: str  # the spelling banks carry in payment flows
    written_iban: str = ""  # what the customers file says (maybe blank or deliberately broken)
    written_tax_code: str = ""
    written_vat_number: str = ""


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", folded.lower())


class NamePools:
    """Names, surnames, streets and companies drawn once from Faker it_IT."""

    def __init__(self, seed: int, size: int) -> None:
        fake = Faker("it_IT")
        fake.seed_instance(seed)
        self.male = [fake.first_name_male() for _ in range(size)]
        self.female = [fake.first_name_female() for _ in range(size)]
        self.surnames = [fake.last_name() for _ in range(size * 2)]
        self.streets = [fake.street_name() for _ in range(size * 2)]
        self.companies = [fake.company() for _ in range(size * 2)]


def _phone(rng: random.Random) -> str:
    """Mostly mobile numbers; one in ten with ``+39``, which spreadsheets read as a formula."""
    number = f"3{int(rng.random() * 90) + 10:02d} {int(rng.random() * 10_000_000):07d}"
    if rng.random() < 0.1:
        return "+39 " + number
    return number


def make_customers(
    n: int, rng: random.Random, pools: NamePools, today: dt.date
) -> list[DemoCustomer]:
    abis = italian_abi_codes()
    rnd = rng.random
    out: list[DemoCustomer] = []
    used_piva: set[str] = set()
    for i in range(n):
        city, province, postcode, _ = MUNICIPALITIES[int(rnd() * len(MUNICIPALITIES))]
        street = pools.streets[int(rnd() * len(pools.streets))]
        address = f"{street} {int(rnd() * 200) + 1}"
        draw = rnd()
        vat = ""
        pec = ""
        if draw < 0.85:
            kind = "person"
            female = rnd() < 0.5
            first = (pools.female if female else pools.male)[int(rnd() * len(pools.male))]
            last = pools.surnames[int(rnd() * len(pools.surnames))]
            age_days = int((18 + rnd() * 70) * 365.25)
            birth = today - dt.timedelta(days=age_days)
            birth_place = MUNICIPALITIES[int(rnd() * len(MUNICIPALITIES))][3]
            tax = codice_fiscale(last, first, birth, female, birth_place)
            name = f"{first} {last}"
            segment = RESIDENTIAL
            if rnd() < 0.03:  # sole trader: a person with a partita IVA on a business supply
                segment = BUSINESS
                vat = _new_piva(rng, used_piva)
                pec = f"{_slug(last)}.{_slug(first)}@{_PEC_DOMAINS[int(rnd() * 5)]}"
            payer = name if rnd() < 0.8 else (name.upper() if rnd() < 0.5 else f"{last} {first}")
            email = (
                f"{_slug(first)}.{_slug(last)}{int(rnd() * 100)}@{_MAIL_DOMAINS[int(rnd() * 10)]}"
                if rnd() < 0.7
                else ""
            )
            if not pec and rnd() < 0.05:
                pec = f"{_slug(first)}.{_slug(last)}@{_PEC_DOMAINS[int(rnd() * 5)]}"
        else:
            kind = "business"
            vat = _new_piva(rng, used_piva)
            tax = vat
            if draw < 0.97:
                segment = BUSINESS
                name = pools.companies[int(rnd() * len(pools.companies))]
            else:
                segment = PUBLIC
                name = f"{_PA_KINDS[int(rnd() * len(_PA_KINDS))]} {city}"
            slug = _slug(name)[:30]
            email = f"info@{slug}.it" if rnd() < 0.9 else ""
            pec = f"{slug}@{_PEC_DOMAINS[int(rnd() * 5)]}"
            payer = name.upper() if rnd() < 0.4 else name
        account = f"{int(rnd() * 10**12):012d}"
        iban = italian_iban(abis[int(rnd() * len(abis))], f"{int(rnd() * 100_000):05d}", account)
        resident = segment == RESIDENTIAL
        behaviour_draw = rnd()
        behaviour = (
            PROMPT
            if behaviour_draw < 0.60
            else LATE
            if behaviour_draw < 0.80
            else CHRONIC
            if behaviour_draw < 0.87
            else IRREGULAR
        )
        out.append(
            DemoCustomer(
                index=i,
                code=f"C{i + 1:07d}",
                name=name,
                kind=kind,
                segment=segment,
                tax_code=tax,
                vat_number=vat,
                email=email,
                phone=_phone(rng),
                pec=pec,
                address=address,
                postcode=postcode,
                city=city,
                province=province,
                iban=iban,
                bonus_sociale=resident and rnd() < 0.035,
                vulnerable=kind == "person" and rnd() < 0.059,
                non_disconnectable=rnd() < (0.10 if segment == PUBLIC else 0.007),
                behaviour=behaviour,
                payer_name=payer,
                written_tax_code=tax,
                written_vat_number=vat,
            )
        )
    return out


def _new_piva(rng: random.Random, used: set[str]) -> str:
    while True:
        piva = partita_iva(int(rng.random() * 9_999_999) + 1, int(rng.random() * 100) + 1)
        if piva not in used:
            used.add(piva)
            return piva
