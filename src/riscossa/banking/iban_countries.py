"""The IBAN countries: length, BBAN structure, SEPA membership, where bank and branch sit.

Data only. Structures are in SWIFT notation (``5!n`` five digits, ``4!a`` four upper-case
letters, ``12!c`` twelve letters or digits); positions are 0-based, end-exclusive offsets
inside the BBAN. Source: SWIFT IBAN Registry release 96 (Feb 2024), plus Pakistan (missing
from that release's text export), Honduras and Yemen (added by later releases). Bank and
branch positions follow schwifty's registry, which corrects a few offsets the registry text
gets wrong (San Marino, Slovakia, Jordan). tests/banking/test_iban_countries.py checks the
table against schwifty and against the registry text so that it cannot drift silently.

SEPA: the EPC list of SEPA scheme countries as 36 countries (EU 27, Iceland, Liechtenstein,
Norway, Switzerland, the United Kingdom, Monaco, San Marino, Vatican City, Andorra) plus
Gibraltar, the one territory with an IBAN country code of its own. The other territories
(French overseas departments and collectivities, Åland, Jersey, Guernsey, Isle of Man,
Azores, Madeira, Canary Islands, Ceuta, Melilla) use their parent's IBANs: see TERRITORIES.
The EPC extended the SEPA geographical scope to Albania and Montenegro (2024) and Moldova and
North Macedonia (2025); they stay non-SEPA here until their banks reach the SDD schemes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IbanCountry:
    """One IBAN country; positions are (start, end) inside the BBAN."""

    code: str
    name: str
    iban_length: int
    bban: str
    sepa: bool
    bank: tuple[int, int]
    branch: tuple[int, int] | None
    account: tuple[int, int]


_TABLE = (
    IbanCountry("AD", "Andorra", 24, "4!n4!n12!c", True, (0, 4), (4, 8), (8, 20)),
    IbanCountry("AE", "United Arab Emirates", 23, "3!n16!n", False, (0, 3), None, (3, 19)),
    IbanCountry("AL", "Albania", 28, "8!n16!c", False, (0, 3), (3, 7), (8, 24)),
    IbanCountry("AT", "Austria", 20, "5!n11!n", True, (0, 5), None, (5, 16)),
    IbanCountry("AZ", "Azerbaijan", 28, "4!a20!c", False, (0, 4), None, (4, 24)),
    IbanCountry("BA", "Bosnia and Herzegovina", 20, "3!n3!n8!n2!n", False, (0, 3), (3, 6), (6, 14)),
    IbanCountry("BE", "Belgium", 16, "3!n7!n2!n", True, (0, 3), None, (3, 10)),
    IbanCountry("BG", "Bulgaria", 22, "4!a4!n2!n8!c", True, (0, 4), (4, 8), (10, 18)),
    IbanCountry("BH", "Bahrain", 22, "4!a14!c", False, (0, 4), None, (4, 18)),
    IbanCountry("BI", "Burundi", 27, "5!n5!n11!n2!n", False, (0, 5), (5, 10), (10, 21)),
    IbanCountry("BR", "Brazil", 29, "8!n5!n10!n1!a1!c", False, (0, 8), (8, 13), (13, 23)),
    IbanCountry("BY", "Belarus", 28, "4!c4!n16!c", False, (0, 4), None, (4, 24)),
    IbanCountry("CH", "Switzerland", 21, "5!n12!c", True, (0, 5), None, (5, 17)),
    IbanCountry("CR", "Costa Rica", 22, "4!n14!n", False, (0, 4), None, (4, 18)),
    IbanCountry("CY", "Cyprus", 28, "3!n5!n16!c", True, (0, 3), (3, 8), (8, 24)),
    IbanCountry("CZ", "Czechia", 24, "4!n6!n10!n", True, (0, 4), (4, 10), (10, 20)),
    IbanCountry("DE", "Germany", 22, "8!n10!n", True, (0, 8), None, (8, 18)),
    IbanCountry("DJ", "Djibouti", 27, "5!n5!n11!n2!n", False, (0, 5), (5, 10), (10, 21)),
    IbanCountry("DK", "Denmark", 18, "4!n9!n1!n", True, (0, 4), None, (4, 14)),
    IbanCountry("DO", "Dominican Republic", 28, "4!c20!n", False, (0, 4), None, (4, 24)),
    IbanCountry("EE", "Estonia", 20, "2!n2!n11!n1!n", True, (0, 2), (2, 4), (4, 15)),
    IbanCountry("EG", "Egypt", 29, "4!n4!n17!n", False, (0, 4), (4, 8), (8, 25)),
    IbanCountry("ES", "Spain", 24, "4!n4!n1!n1!n10!n", True, (0, 4), (4, 8), (10, 20)),
    IbanCountry("FI", "Finland", 18, "3!n11!n", True, (0, 3), None, (3, 13)),
    IbanCountry("FK", "Falkland Islands", 18, "2!a12!n", False, (0, 2), None, (2, 14)),
    IbanCountry("FO", "Faroe Islands", 18, "4!n9!n1!n", False, (0, 4), None, (4, 13)),
    IbanCountry("FR", "France", 27, "5!n5!n11!c2!n", True, (0, 5), (5, 10), (10, 21)),
    IbanCountry("GB", "United Kingdom", 22, "4!a6!n8!n", True, (0, 4), (4, 10), (10, 18)),
    IbanCountry("GE", "Georgia", 22, "2!a16!n", False, (0, 2), None, (2, 18)),
    IbanCountry("GI", "Gibraltar", 23, "4!a15!c", True, (0, 4), None, (4, 19)),
    IbanCountry("GL", "Greenland", 18, "4!n9!n1!n", False, (0, 4), None, (4, 13)),
    IbanCountry("GR", "Greece", 27, "3!n4!n16!c", True, (0, 3), (3, 7), (7, 23)),
    IbanCountry("GT", "Guatemala", 28, "4!c20!c", False, (0, 4), None, (8, 24)),
    IbanCountry("HN", "Honduras", 28, "4!a20!n", False, (0, 4), None, (4, 24)),
    IbanCountry("HR", "Croatia", 21, "7!n10!n", True, (0, 7), None, (7, 17)),
    IbanCountry("HU", "Hungary", 28, "3!n4!n1!n15!n1!n", True, (0, 3), (3, 7), (7, 23)),
    IbanCountry("IE", "Ireland", 22, "4!a6!n8!n", True, (0, 4), (4, 10), (10, 18)),
    IbanCountry("IL", "Israel", 23, "3!n3!n13!n", False, (0, 3), (3, 6), (6, 19)),
    IbanCountry("IQ", "Iraq", 23, "4!a3!n12!n", False, (0, 4), (4, 7), (7, 19)),
    IbanCountry("IS", "Iceland", 26, "4!n2!n6!n10!n", True, (0, 2), (2, 4), (6, 12)),
    IbanCountry("IT", "Italy", 27, "1!a5!n5!n12!c", True, (1, 6), (6, 11), (11, 23)),
    IbanCountry("JO", "Jordan", 30, "4!a4!n18!c", False, (0, 4), (4, 8), (8, 26)),
    IbanCountry("KW", "Kuwait", 30, "4!a22!c", False, (0, 4), None, (4, 26)),
    IbanCountry("KZ", "Kazakhstan", 20, "3!n13!c", False, (0, 3), None, (3, 16)),
    IbanCountry("LB", "Lebanon", 28, "4!n20!c", False, (0, 4), None, (4, 24)),
    IbanCountry("LC", "Saint Lucia", 32, "4!a24!c", False, (0, 4), None, (4, 28)),
    IbanCountry("LI", "Liechtenstein", 21, "5!n12!c", True, (0, 5), None, (5, 17)),
    IbanCountry("LT", "Lithuania", 20, "5!n11!n", True, (0, 5), None, (5, 16)),
    IbanCountry("LU", "Luxembourg", 20, "3!n13!c", True, (0, 3), None, (3, 16)),
    IbanCountry("LV", "Latvia", 21, "4!a13!c", True, (0, 4), None, (4, 17)),
    IbanCountry("LY", "Libya", 25, "3!n3!n15!n", False, (0, 3), (3, 6), (6, 21)),
    IbanCountry("MC", "Monaco", 27, "5!n5!n11!c2!n", True, (0, 5), (5, 10), (10, 21)),
    IbanCountry("MD", "Moldova", 24, "2!c18!c", False, (0, 2), None, (2, 20)),
    IbanCountry("ME", "Montenegro", 22, "3!n13!n2!n", False, (0, 3), None, (3, 16)),
    IbanCountry("MK", "North Macedonia", 19, "3!n10!c2!n", False, (0, 3), None, (3, 13)),
    IbanCountry("MN", "Mongolia", 20, "4!n12!n", False, (0, 4), None, (4, 16)),
    IbanCountry("MR", "Mauritania", 27, "5!n5!n11!n2!n", False, (0, 5), (5, 10), (10, 21)),
    IbanCountry("MT", "Malta", 31, "4!a5!n18!c", True, (0, 4), (4, 9), (9, 27)),
    IbanCountry("MU", "Mauritius", 30, "4!a2!n2!n12!n3!n3!a", False, (0, 6), (6, 8), (8, 20)),
    IbanCountry("NI", "Nicaragua", 28, "4!a20!n", False, (0, 4), None, (4, 24)),
    IbanCountry("NL", "Netherlands", 18, "4!a10!n", True, (0, 4), None, (4, 14)),
    IbanCountry("NO", "Norway", 15, "4!n6!n1!n", True, (0, 4), None, (4, 10)),
    IbanCountry("OM", "Oman", 23, "3!n16!c", False, (0, 3), None, (3, 19)),
    IbanCountry("PK", "Pakistan", 24, "4!a16!c", False, (0, 4), None, (4, 20)),
    IbanCountry("PL", "Poland", 28, "8!n16!n", True, (0, 8), None, (8, 24)),
    IbanCountry("PS", "Palestine", 29, "4!a21!c", False, (0, 4), None, (4, 25)),
    IbanCountry("PT", "Portugal", 25, "4!n4!n11!n2!n", True, (0, 4), (4, 8), (8, 19)),
    IbanCountry("QA", "Qatar", 29, "4!a21!c", False, (0, 4), None, (4, 25)),
    IbanCountry("RO", "Romania", 24, "4!a16!c", True, (0, 4), None, (4, 20)),
    IbanCountry("RS", "Serbia", 22, "3!n13!n2!n", False, (0, 3), None, (3, 16)),
    IbanCountry("RU", "Russia", 33, "9!n5!n15!c", False, (0, 9), (9, 14), (14, 29)),
    IbanCountry("SA", "Saudi Arabia", 24, "2!n18!c", False, (0, 2), None, (2, 20)),
    IbanCountry("SC", "Seychelles", 31, "4!a2!n2!n16!n3!a", False, (0, 6), (6, 8), (8, 24)),
    IbanCountry("SD", "Sudan", 18, "2!n12!n", False, (0, 2), None, (2, 14)),
    IbanCountry("SE", "Sweden", 24, "3!n16!n1!n", True, (0, 3), None, (3, 19)),
    IbanCountry("SI", "Slovenia", 19, "5!n8!n2!n", True, (0, 2), (2, 5), (5, 13)),
    IbanCountry("SK", "Slovakia", 24, "4!n6!n10!n", True, (0, 4), (4, 10), (10, 20)),
    IbanCountry("SM", "San Marino", 27, "1!a5!n5!n12!c", True, (1, 6), (6, 11), (11, 23)),
    IbanCountry("SO", "Somalia", 23, "4!n3!n12!n", False, (0, 4), (4, 7), (7, 19)),
    IbanCountry("ST", "Sao Tome and Principe", 25, "4!n4!n11!n2!n", False, (0, 4), (4, 8), (8, 21)),
    IbanCountry("SV", "El Salvador", 28, "4!a20!n", False, (0, 4), None, (4, 24)),
    IbanCountry("TL", "Timor-Leste", 23, "3!n14!n2!n", False, (0, 3), None, (3, 17)),
    IbanCountry("TN", "Tunisia", 24, "2!n3!n13!n2!n", False, (0, 2), (2, 5), (5, 18)),
    IbanCountry("TR", "Türkiye", 26, "5!n1!n16!c", False, (0, 5), None, (6, 22)),
    IbanCountry("UA", "Ukraine", 29, "6!n19!c", False, (0, 6), None, (6, 25)),
    IbanCountry("VA", "Vatican City State", 22, "3!n15!n", True, (0, 3), None, (3, 18)),
    IbanCountry("VG", "British Virgin Islands", 24, "4!a16!n", False, (0, 4), None, (4, 20)),
    IbanCountry("XK", "Kosovo", 20, "4!n10!n2!n", False, (0, 2), (2, 4), (4, 16)),
    IbanCountry("YE", "Yemen", 30, "4!a4!n18!c", False, (0, 4), (4, 8), (8, 26)),
)

COUNTRIES: dict[str, IbanCountry] = {country.code: country for country in _TABLE}

SEPA_COUNTRIES: frozenset[str] = frozenset(code for code, c in COUNTRIES.items() if c.sepa)

# ISO 3166 codes of territories whose accounts carry the parent country's IBAN prefix.
TERRITORIES: dict[str, str] = {
    "AX": "FI",
    "BL": "FR",
    "GF": "FR",
    "GG": "GB",
    "GP": "FR",
    "IM": "GB",
    "JE": "GB",
    "MF": "FR",
    "MQ": "FR",
    "NC": "FR",
    "PF": "FR",
    "PM": "FR",
    "RE": "FR",
    "TF": "FR",
    "WF": "FR",
    "YT": "FR",
}

MAX_IBAN_LENGTH = 34
