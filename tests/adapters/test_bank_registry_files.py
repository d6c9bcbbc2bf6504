"""Reading GIAVA register exports: liberal in layout, strict on content, all or nothing.

``write_registry_dir`` writes a small registry in the official layout, also used by the
service and command-line tests: banks merged into others (a chain 01111 -> 02222 -> 03333),
a bank renamed (two validity periods), an absorbed bank whose successor has no branch data,
a cycle of events, branches closed for "incorporazione" and for plain closure.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest

from riscossa.adapters.bank_registry_files import read_registry_dir, schwifty_banks
from riscossa.domain.errors import ImportFileError
from tests.conftest import EXTERNAL_FIXTURES

BANKS_CSV = """\
ID_INT;COD_MECC;DEN_INT;DATA_I_VAL;DATA_F_VAL;COD_TIPO_INT
1001;1111;BANCA ALFA;2000-01-01;2015-06-30;01
1002;02222;BANCA BETA;1990-01-01;2019-12-31;01
1003;3333;BANCA GAMMA;1995-01-01;31/12/2017;01
1003;03333;GAMMA BANCA S.P.A.;2018-01-01;9999-12-31;01
1004;04444;BANCA DELTA;1980-01-01;;01
1005;05555;BANCA FUTURA;2030-01-01;;01
1006;06666;BANCA EPSILON;1970-01-01;2009-12-31;01
1007;07777;BANCA ETA;1970-01-01;2011-12-31;01
1008;08888;BANCA TETA;1970-01-01;2012-12-31;01
2001;;FINANZIARIA SENZA ABI;2001-01-01;;12
"""

EVENTS_CSV = """\
ID_EVENTO;COD_EVENTO;DES_EVENTO;ID_INT_ATT;ID_INT_PAS;DATA_EFFICACIA
1;003;INCORPORAZIONE;1002;1001;20150701
2;2;FUSIONE;001003;1002;20200101
3;003;INCORPORAZIONE;1004;1006;20100101
4;003;INCORPORAZIONE;1008;1007;20120101
5;003;INCORPORAZIONE;1007;1008;20130101
6;001;ISCRIZIONE;;1005;20300101
7;003;INCORPORAZIONE;2001;9999;20110101
"""

BRANCHES_CSV = """\
COD_MECC;CAB_SEDE;DES_COM_ITA;DATA_I_OPER;DATA_F_OPER;CAUS_CHIUS;DES_CAUS_CHIUS;INDIRIZZO
1111;11111;MILANO;01/01/2000;30/06/2015;03;CHIUSURA PER INCORPORAZIONE;VIA ROMA 1
03333;11111;MILANO;01/07/2015;;;;VIA ROMA 1
2222;22222;ROMA;01/01/1990;31/12/2019;01;CHIUSURA;VIA NAZIONALE 5
3333;22222;ROMA;01/01/2020;;;;VIA NAZIONALE 5
2222;33333;TORINO;01/01/1990;31/12/2019;01;CHIUSURA;CORSO FRANCIA 9
3333;44444;NAPOLI;01/01/2000;31/03/2022;01;CHIUSURA;VIA TOLEDO 3
3333;55555;BARI;01/01/2000;;;;VIA SPARANO 2
3333;;LONDRA;01/01/2005;;;;CHEAPSIDE 1
"""

FILES = {
    "VFLUSSO_INTERMEDIARIO.csv": BANKS_CSV,
    "VFLUSSO_EVENTO.csv": EVENTS_CSV,
    "SUCCURSALI_BANCHE.csv": BRANCHES_CSV,
}


def write_registry_dir(
    directory: Path,
    files: dict[str, str] | None = None,
    *,
    separator: str = ";",
    encoding: str = "utf-8",
) -> Path:
    """The scenario's three register files in ``directory`` (created), as given or changed."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in (files or FILES).items():
        (directory / name).write_bytes(text.replace(";", separator).encode(encoding))
    return directory


def test_reads_the_three_registers(tmp_path: Path) -> None:
    read = read_registry_dir(write_registry_dir(tmp_path / "giava"))
    assert read.missing == ()
    assert [f.kind for f in read.files] == ["banks", "events", "branches"]
    assert read.files[0].rows == 10
    banks = read.banks.sort("abi", "valid_from")
    assert banks.get_column("abi").to_list() == [
        "01111",
        "02222",
        "03333",
        "03333",
        "04444",
        "05555",
        "06666",
        "07777",
        "08888",
    ]
    gamma = banks.filter(pl.col("abi") == "03333").to_dicts()
    assert [(g["name"], g["valid_from"], g["valid_to"]) for g in gamma] == [
        ("BANCA GAMMA", dt.date(1995, 1, 1), dt.date(2017, 12, 31)),
        ("GAMMA BANCA S.P.A.", dt.date(2018, 1, 1), None),  # 9999-12-31: open-ended
    ]
    assert set(banks.get_column("source")) == {"bancaditalia"}
    events = read.events.sort("effective_date").rows()
    assert events == [
        ("absorption", "06666", "04444", dt.date(2010, 1, 1)),
        ("absorption", "07777", "08888", dt.date(2012, 1, 1)),
        ("absorption", "08888", "07777", dt.date(2013, 1, 1)),
        ("absorption", "01111", "02222", dt.date(2015, 7, 1)),
        ("merger", "02222", "03333", dt.date(2020, 1, 1)),
    ]
    assert read.skipped == {
        "intermediaries without ABI (COD_MECC)": 1,
        "events other than merger (002) or absorption (003)": 1,
        "events between intermediaries without ABI": 1,
        "branches without ABI or CAB (abroad)": 1,
    }
    milan = read.branches.filter(pl.col("abi") == "01111").to_dicts()
    assert milan == [
        {
            "abi": "01111",
            "cab": "11111",
            "town": "MILANO",
            "opened": dt.date(2000, 1, 1),
            "closed": dt.date(2015, 6, 30),
            "closing_reason_code": "03",
            "closing_reason": "CHIUSURA PER INCORPORAZIONE",
        }
    ]
    assert read.branches.height == 7


def test_bic_comes_from_the_file_else_from_schwifty(tmp_path: Path) -> None:
    banks = (
        "COD_MECC,DEN_INT,DATA_I_VAL,DATA_F_VAL,COD_BIC\n"
        "3069,INTESA,2007-01-01,,\n"
        "5428,X,,,BPMOIT22XXX\n"
    )
    read = read_registry_dir(write_registry_dir(tmp_path, {"VFLUSSO_INTERMEDIARIO.csv": banks}))
    bics = dict(read.banks.select("abi", "bic").rows())
    assert bics == {"03069": "BCITITMM", "05428": "BPMOIT22XXX"}


@pytest.mark.parametrize(
    ("separator", "encoding"),
    [(",", "utf-8-sig"), ("|", "cp1252"), ("\t", "utf-8"), (";", "cp1252")],
)
def test_separators_and_encodings_read_the_same(
    tmp_path: Path, separator: str, encoding: str
) -> None:
    reference = read_registry_dir(write_registry_dir(tmp_path / "ref"))
    files = {name: text.replace("MILANO", "MILANO CITTÀ") for name, text in FILES.items()}
    read = read_registry_dir(
        write_registry_dir(tmp_path / "other", files, separator=separator, encoding=encoding)
    )
    assert "MILANO CITTÀ" in read.branches.get_column("town").to_list()
    towns = read.branches.with_columns(pl.col("town").str.replace(" CITTÀ", ""))
    assert towns.equals(reference.branches)
    assert read.banks.equals(reference.banks)
    assert read.events.equals(reference.events)


def test_names_and_headers_in_any_case_and_txt_or_zip(tmp_path: Path) -> None:
    reference = read_registry_dir(write_registry_dir(tmp_path / "ref"))
    loose = tmp_path / "loose"
    loose.mkdir()
    lower = {name: text.split("\n", 1) for name, text in FILES.items()}
    (loose / "vflusso_intermediario_2026-09.txt").write_text(
        lower["VFLUSSO_INTERMEDIARIO.csv"][0].lower() + "\n" + lower["VFLUSSO_INTERMEDIARIO.csv"][1]
    )
    with zipfile.ZipFile(loose / "giava.zip", "w") as archive:
        archive.writestr("export/Vflusso_Evento.CSV", FILES["VFLUSSO_EVENTO.csv"])
        archive.writestr("export/SUCCURSALI_BANCHE.csv", FILES["SUCCURSALI_BANCHE.csv"])
        archive.writestr("export/README.pdf", b"%PDF")
    read = read_registry_dir(loose)
    assert [f.name for f in read.files] == [
        "vflusso_intermediario_2026-09.txt",
        "giava.zip:export/Vflusso_Evento.CSV",
        "giava.zip:export/SUCCURSALI_BANCHE.csv",
    ]
    assert read.content_hash == reference.content_hash
    assert read.banks.equals(reference.banks)


def test_content_hash_ignores_layout_but_not_content(tmp_path: Path) -> None:
    one = read_registry_dir(write_registry_dir(tmp_path / "a"))
    two = read_registry_dir(write_registry_dir(tmp_path / "b", separator=","))
    assert one.content_hash == two.content_hash
    assert one.files[0].sha256 != two.files[0].sha256
    changed = dict(FILES)
    changed["SUCCURSALI_BANCHE.csv"] = BRANCHES_CSV.replace("BARI", "BARI PALESE")
    three = read_registry_dir(write_registry_dir(tmp_path / "c", changed))
    assert three.content_hash != one.content_hash


def test_without_id_int_events_name_abi_codes(tmp_path: Path) -> None:
    banks = "COD_MECC;DEN_INT;DATA_I_VAL;DATA_F_VAL\n1111;ALFA;2000-01-01;2015-06-30\n2222;BETA;;\n"
    events = "TIPO_EVENTO;ID_INT_ATT;ID_INT_PAS;DATA_EFFICACIA\n3;2222;01111;2015-07-01\n"
    read = read_registry_dir(
        write_registry_dir(
            tmp_path, {"VFLUSSO_INTERMEDIARIO.csv": banks, "VFLUSSO_EVENTO.csv": events}
        )
    )
    assert read.events.rows() == [("absorption", "01111", "02222", dt.date(2015, 7, 1))]
    assert read.missing == ("SUCCURSALI_BANCHE",)
    assert read.branches.height == 0


def test_an_id_changing_abi_maps_by_the_event_date(tmp_path: Path) -> None:
    banks = (
        "ID_INT;COD_MECC;DEN_INT;DATA_I_VAL;DATA_F_VAL\n"
        "7;1111;ALFA;2000-01-01;2009-12-31\n"
        "7;1112;ALFA NUOVA;2010-01-01;2015-06-30\n"
        "8;2222;BETA;;\n"
    )
    events = (
        "COD_EVENTO;ID_INT_ATT;ID_INT_PAS;DATA_EFFICACIA\n003;8;7;2015-07-01\n003;8;7;1999-01-01\n"
    )
    read = read_registry_dir(
        write_registry_dir(
            tmp_path, {"VFLUSSO_INTERMEDIARIO.csv": banks, "VFLUSSO_EVENTO.csv": events}
        )
    )
    assert sorted(read.events.rows()) == [
        ("absorption", "01111", "02222", dt.date(1999, 1, 1)),  # before any period: the first
        ("absorption", "01112", "02222", dt.date(2015, 7, 1)),
        ("renumbering", "01111", "01112", dt.date(2010, 1, 1)),  # same ID_INT, new code
    ]


PORTAL_BANKS = (
    "\ufeffID_INT;COD_MECC;TIPO_ALBO;DEN_INT;INDIRIZZO_SL;CAP_SL;DES_COM_ITA_SL;COD_LEI;"
    "DATA_I_VAL;DATA_F_VAL\n"
    ' 501 ; 3111 ; 001 ; BANCA LOMBARDA C.D. "ALBO UNICO" ; VIA X ; 25100 ; BRESCIA ; ;'
    " 1998-01-01 ; 2007-03-31 \n"
    " 502 ; 5437 ; 001 ; UBI BANCA ; VIA Y ; 24100 ; BERGAMO ; ; 2007-04-01 ; 2007-12-31 \n"
    " 502 ; 3111 ; 001 ; UBI  BANCA ; VIA Y ; 24100 ; BERGAMO ; ; 2008-01-01 ; 2020-07-19 \n"
    " 503 ; 3069 ; 001 ; INTESA SANPAOLO ; VIA Z ; 10100 ; TORINO ; ; 2007-01-01 ; 9999-12-31 \n"
    " 504 ; 36092 ; 012 ; ISTITUTO DI PAGAMENTO ; ; ; ; ; 2020-01-01 ; 9999-12-31 \n"
    " 505 ; 12345 ; 005 ; SGR SENZA CONTI ; ; ; ; ; 2001-01-01 ; 9999-12-31 \n"
    " 506 ; ; 001 ; CREDITO ITALIANO (FINO AL 1960) ; ; ; ; ; 1936-01-01 ; 1960-12-31 \n"
)
PORTAL_EVENTS = (
    "\ufeffID_EVENTO;TIPO_EVENTO;DES_EVENTO;ID_INT_ATT;ID_INT_PAS;DATA_EFFICACIA\n"
    " 1 ; 002 ; FUSIONE ; 502 ; 501 ; 2007-04-01 \n"
    " 2 ; 003 ; INCORPORAZIONE ; 503 ; 502 ; 2020-07-20 \n"
    " 3 ; 010 ; CESSIONE SPORTELLI ; 503 ; 502 ; 2020-02-21 \n"
)
PORTAL_BRANCHES = (
    "\ufeffID_INT;DEN_160;COD_MECC;ID_SEDE;CAB_SEDE;CAUS_APER;DES_CAUS_APER;DATA_I_OPER;"
    "DATA_F_OPER;CAUS_CHIUS;DES_CAUS_CHIUS;INDIRIZZO;CAP;FRAZIONE;CAB_COM_ITA;DES_COM_ITA;"
    "COD_LOC_ESTERA;DES_LOC_ESTERA;STATO;DES_STATO;TIPO_SEDE;DES_TIPO_SEDE;DATA_I_VAL;DATA_F_VAL\n"
    # one branch in two versions: the older one still says open, the latest closes it
    " 502 ; UBI ; 3111 ; 9001 ; 11200 ; 01 ; APERTURA ; 2008-01-01 ; 9999-12-31 ; ; ; VIA A ;"
    " 25100 ; ; 11200 ; BRESCIA ; ; ; 86 ; ITALIA ; 01 ; SPORTELLO ; 2008-01-01 ; 2019-12-31 \n"
    " 502 ; UBI ; 3111 ; 9001 ; 11200 ; 01 ; APERTURA ; 2008-01-01 ; 2020-07-19 ; 07 ;"
    " CHIUSURA PER INCORPORAZIONE ; VIA B ; 25100 ; ; 11200 ; BRESCIA ; ; ; 86 ; ITALIA ; 01 ;"
    " SPORTELLO ; 2020-01-01 ; 9999-12-31 \n"
    # a record whose validity ended with no newer version: closed then
    " 502 ; UBI ; 3111 ; 9002 ; 54110 ; 01 ; APERTURA ; 2008-01-01 ; 9999-12-31 ; ; ; VIA C ;"
    " 20100 ; ; 01600 ; MILANO ; ; ; 86 ; ITALIA ; 01 ; SPORTELLO ; 2008-01-01 ; 2020-02-20 \n"
    " 503 ; INTESA ; 3069 ; 9003 ; 11200 ; 01 ; APERTURA ; 2020-07-20 ; 9999-12-31 ; ; ; VIA B ;"
    " 25100 ; ; 11200 ; BRESCIA ; ; ; 86 ; ITALIA ; 01 ; SPORTELLO ; 2020-07-20 ; 9999-12-31 \n"
    " 503 ; INTESA ; 3069 ; 9004 ; 00000 ; 01 ; APERTURA ; 2010-01-01 ; 9999-12-31 ; ; ; ;"
    " ; ; ; ; 1 ; LONDRA ; 31 ; REGNO UNITO ; 02 ; FILIALE ESTERA ; 2010-01-01 ; 9999-12-31 \n"
)


def test_the_portal_layout(tmp_path: Path) -> None:
    """Zips as the Banca d'Italia portal serves them: dated CSV names, BOM, padded fields."""
    directory = tmp_path / "portal"
    directory.mkdir()
    for product, member, text in (
        ("VFLUSSO_INTERMEDIARIO", "2026-09-23_INTERMEDIARI.csv", PORTAL_BANKS),
        ("VFLUSSO_EVENTO", "2026-09-23_EVENTI_STRUTTURALI.csv", PORTAL_EVENTS),
        ("SUCCURSALI_BANCHE", "2026-09-23_SUCCURSALI_BANCHE.csv", PORTAL_BRANCHES),
    ):
        with zipfile.ZipFile(directory / f"{product}.zip", "w") as archive:
            archive.writestr(member, text.encode("utf-8"))
    read = read_registry_dir(directory)
    assert read.missing == ()
    banks = read.banks.select("abi", "name", "valid_from", "valid_to").rows()
    assert banks == [
        ("03111", 'BANCA LOMBARDA C.D. "ALBO UNICO"', dt.date(1998, 1, 1), dt.date(2007, 3, 31)),
        ("05437", "UBI BANCA", dt.date(2007, 4, 1), dt.date(2007, 12, 31)),
        ("03111", "UBI  BANCA", dt.date(2008, 1, 1), dt.date(2020, 7, 19)),
        ("03069", "INTESA SANPAOLO", dt.date(2007, 1, 1), None),
        ("36092", "ISTITUTO DI PAGAMENTO", dt.date(2020, 1, 1), None),
    ]
    assert sorted(read.events.rows()) == [
        ("absorption", "03111", "03069", dt.date(2020, 7, 20)),
        ("merger", "03111", "05437", dt.date(2007, 4, 1)),
        ("renumbering", "05437", "03111", dt.date(2008, 1, 1)),
    ]
    assert read.skipped == {
        "intermediaries of registers without IBANs (TIPO_ALBO)": 1,
        "intermediaries without ABI (COD_MECC)": 1,
        "events other than merger (002) or absorption (003)": 1,
        "branches without ABI or CAB (abroad)": 1,
        "superseded branch record versions": 1,
    }
    branches = read.branches.select("abi", "cab", "town", "closed", "closing_reason").rows()
    assert branches == [
        ("03111", "11200", "BRESCIA", dt.date(2020, 7, 19), "CHIUSURA PER INCORPORAZIONE"),
        ("03111", "54110", "MILANO", dt.date(2020, 2, 20), ""),
        ("03069", "11200", "BRESCIA", None, ""),
    ]


# --- refusals --------------------------------------------------------------------------------


def test_missing_column_is_named_before_any_row(tmp_path: Path) -> None:
    files = dict(FILES)
    files["SUCCURSALI_BANCHE.csv"] = BRANCHES_CSV.replace("DATA_F_OPER", "FINE").replace(
        "01/01/2000", "not a date"
    )
    with pytest.raises(
        ImportFileError, match=r"SUCCURSALI_BANCHE.csv: column DATA_F_OPER is missing"
    ):
        read_registry_dir(write_registry_dir(tmp_path, files))


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "VFLUSSO_INTERMEDIARIO.csv",
            "2000-01-01;2015-06-30",
            "2000-01-01;30/02/2015",
            r"VFLUSSO_INTERMEDIARIO.csv, row 2, DATA_F_VAL: '30/02/2015' is not a date",
        ),
        (
            "SUCCURSALI_BANCHE.csv",
            "3333;55555",
            "3333;5555X",
            r"SUCCURSALI_BANCHE.csv, row 8, CAB_SEDE: '5555X' is not a CAB code",
        ),
        (
            "VFLUSSO_INTERMEDIARIO.csv",
            "1004;04444",
            "1004;444444",
            r"VFLUSSO_INTERMEDIARIO.csv, row 6, COD_MECC: '444444' is not an ABI code",
        ),
        (
            "VFLUSSO_EVENTO.csv",
            "1002;1001;20150701",
            "1002;1001;",
            r"VFLUSSO_EVENTO.csv, row 2, DATA_EFFICACIA: empty",
        ),
    ],
)
def test_a_bad_row_names_file_row_and_column(
    tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    files = dict(FILES)
    assert old in files[name]
    files[name] = files[name].replace(old, new, 1)
    with pytest.raises(ImportFileError, match=message):
        read_registry_dir(write_registry_dir(tmp_path, files))


def test_many_bad_rows_are_summarised(tmp_path: Path) -> None:
    rows = "".join(f"{i};BANCA {i};ieri;\n" for i in range(1, 9))
    banks = "COD_MECC;DEN_INT;DATA_I_VAL;DATA_F_VAL\n" + rows
    with pytest.raises(ImportFileError) as caught:
        read_registry_dir(write_registry_dir(tmp_path, {"VFLUSSO_INTERMEDIARIO.csv": banks}))
    message = str(caught.value)
    assert "row 2, DATA_I_VAL: 'ieri' is not a date" in message
    assert "row 6," in message and "row 7," not in message
    assert "and 3 more row(s)" in message


def test_the_banks_register_is_required(tmp_path: Path) -> None:
    files = {"VFLUSSO_EVENTO.csv": EVENTS_CSV}
    with pytest.raises(ImportFileError, match="no VFLUSSO_INTERMEDIARIO file"):
        read_registry_dir(write_registry_dir(tmp_path, files))


def test_two_files_of_one_kind_are_refused(tmp_path: Path) -> None:
    directory = write_registry_dir(tmp_path)
    (directory / "vflusso_evento_old.txt").write_text(EVENTS_CSV)
    with pytest.raises(ImportFileError, match="two VFLUSSO_EVENTO files"):
        read_registry_dir(directory)


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="not a folder"):
        read_registry_dir(tmp_path / "nowhere")


def test_a_broken_zip_is_named(tmp_path: Path) -> None:
    directory = write_registry_dir(tmp_path)
    (directory / "giava.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ImportFileError, match=r"giava.zip: not a readable zip"):
        read_registry_dir(directory)


# --- schwifty ---------------------------------------------------------------------------------


def test_schwifty_banks_one_per_abi() -> None:
    banks = schwifty_banks()
    abis = [b.abi for b in banks]
    assert len(abis) == len(set(abis)) > 300
    intesa = next(b for b in banks if b.abi == "03069")
    assert intesa.bic.startswith("BCITITMM")
    assert intesa.valid_from is None and intesa.valid_to is None
    assert {b.source for b in banks} == {"schwifty"}


def test_schwifty_knows_the_banks_holding_almost_every_branch() -> None:
    """Cross-check with maxpat78's banche.json (from GIAVA SUCCURSALI_BANCHE, March 2025).

    schwifty misses about a third of the ABI codes with branches, all small banks: without
    an official load an unknown bank is a warning, never a rejection.
    """
    path = EXTERNAL_FIXTURES / "maxpat78_python_utilities" / "banche.json"
    if not path.exists():
        pytest.skip(f"{path} not available")
    listed: dict[str, list[object]] = json.loads(path.read_text(encoding="utf-8"))
    branches = {abi: len(entry[1]) for abi, entry in listed.items()}  # type: ignore[arg-type]
    known = {b.abi for b in schwifty_banks()}
    covered = sum(n for abi, n in branches.items() if abi in known)
    assert covered / sum(branches.values()) > 0.95
    assert all(abi in known for abi, n in branches.items() if n >= 100)
    assert len(known & set(listed)) / len(listed) < 0.8
