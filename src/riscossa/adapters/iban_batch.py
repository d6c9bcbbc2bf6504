"""Vectorised twin of ``riscossa.banking.iban.check_iban`` for a column of values.

Values become rows of numpy byte matrices, one matrix per byte length; the checks loop over
the (at most 34) columns, never over rows. A value already in electronic form, with its
country's length and structure, goes straight to check digits, mod-97 and CIN. The others
(spaces, lower case, a prefix, a wrong length, look-alikes) are normalised first and then
checked the same way. Values that are not plain ASCII, longer than 64 bytes, or hold
characters other than letters, digits and separators (a colon, a stray symbol) are rare and
go through ``check_iban`` one by one, which keeps both paths identical by construction.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt
import polars as pl

from riscossa.banking.iban import (
    ASCII_SEPARATORS,
    CIN_COUNTRIES,
    CIN_EVEN_WEIGHT,
    CIN_ODD_WEIGHT,
    LOOKALIKES,
    IbanCode,
    check_iban,
    iban_layout,
)
from riscossa.banking.iban_countries import COUNTRIES, MAX_IBAN_LENGTH

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

COLUMNS = ("iban", "code", "country", "bank_code", "branch_code", "account", "corrected")
PARALLEL_MIN_ROWS = 100_000  # below this, threads cost more than they save
RAW_WIDTH = 64  # longer values (never an IBAN, even printed and prefixed) take the slow path
_CODES = tuple(IbanCode)
_CODE = {code: np.int8(i) for i, code in enumerate(_CODES)}
_IBAN_PREFIX = np.frombuffer(b"IBAN", np.uint8)
_PAIRS = np.dtype("<u2")  # two bytes as one number, the first character in the low byte
_WORDS = np.dtype("<u8")  # eight bytes as one number, the first character in the low byte
_HIGH = np.uint64(0x8080808080808080)
_LOW = np.uint64(0x7F7F7F7F7F7F7F7F)
_PAIR_BASE = 37  # 0..35 for digits and letters, 36 for the pad after an odd length

# Byte kinds while normalising: upper-case letter or digit, lower-case, separator, other.
_CLEAN, _LOWER, _SEPARATOR, _OTHER = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class _Country:
    """What the vectorised checks need of one IBAN country."""

    index: int
    length: int
    sepa: bool
    cin: bool
    width: int  # row width for the checks: the length rounded up to whole 8-byte words
    needs: tuple[npt.NDArray[np.uint64], ...]  # digit, letter, either: 0x80 at those bytes
    digits: npt.NDArray[np.intp]  # positions where a digit is required
    weights: npt.NDArray[np.float32]  # mod-97 weight of each byte, when every "c" is a digit
    offset: int  # the weights times the ASCII offsets of the characters' values
    slices: tuple[int, int, int, int, int, int]  # bank, branch, account: (offset, length)


@dataclass(frozen=True, slots=True)
class _Tables:
    """Lookup tables built once from the country registry and the per-record rules."""

    countries: tuple[_Country | None, ...]  # by index; index 0 stands for "no IBAN country"
    codes: tuple[str, ...]  # "" then the country codes, by index
    country_index: npt.NDArray[np.int16]  # [first byte, second byte] -> index
    length: I64  # by index, 0 for index 0
    sepa: Mask  # by index
    slices: I64  # by index: bank, branch, account (offset, length)
    kind: U8
    upper: U8
    lookalike: U8
    pair_code: npt.NDArray[np.int32]  # two bytes -> 0..37*37-1
    mod97_step: npt.NDArray[np.int32]  # remainder*1369 + pair -> next remainder*1369
    cin_pair: U8  # CIN weight of two bytes at an odd then an even position


def _byte_mask(positions: list[int], width: int) -> npt.NDArray[np.uint64]:
    """0x80 in the bytes at these positions, read as 8-byte words."""
    mask = np.zeros(width, np.uint8)
    mask[positions] = 0x80
    return mask.view(_WORDS).copy()


def _mod97_weights(layout: str, width: int) -> tuple[npt.NDArray[np.float32], int]:
    """Weights w and offset C: (bytes . w - C) mod 97 is the IBAN's mod-97 when "c" are digits.

    The IBAN is read from position 4 on, then its first four characters; a digit takes one
    decimal place and a letter two, so each position's power of ten follows from the layout.
    """
    rotated = [*range(4, len(layout)), 0, 1, 2, 3]
    weights = np.zeros(width, np.int64)
    offset = 0
    places = 0
    for position in reversed(rotated):
        letter = layout[position] == "a"
        weights[position] = pow(10, places, 97)
        offset += int(weights[position]) * (55 if letter else 48)
        places += 2 if letter else 1
    return weights.astype(np.float32), offset


def _country(index: int, code: str) -> _Country:
    country = COUNTRIES[code]
    layout = iban_layout(code)
    width = -(-country.iban_length // 8) * 8
    weights, offset = _mod97_weights(layout, width)
    return _Country(
        index=index,
        length=country.iban_length,
        sepa=country.sepa,
        cin=code in CIN_COUNTRIES,
        width=width,
        needs=tuple(
            _byte_mask([p for p, k in enumerate(layout) if k == kind and p >= 2], width)
            for kind in "nac"
        ),
        digits=np.array([p for p, kind in enumerate(layout) if kind == "n"], np.intp),
        weights=weights,
        offset=offset,
        slices=_slices(code),
    )


def _slices(code: str) -> tuple[int, int, int, int, int, int]:
    country = COUNTRIES[code]
    (bank, bank_end), (branch, branch_end) = country.bank, country.branch or (0, 0)
    account, account_end = country.account
    return (
        4 + bank,
        bank_end - bank,
        4 + branch,
        branch_end - branch,
        4 + account,
        account_end - account,
    )


def _mod97_tables() -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """Mod-97 two characters at a time: a digit shifts the remainder by 10, a letter by 100."""
    symbol = np.full(256, _PAIR_BASE - 1, np.int64)
    symbol[48:58] = np.arange(10)
    symbol[65:91] = np.arange(10, 36)
    shift = np.where(symbol < 10, 10, np.where(symbol < 36, 100, 1))
    value = np.where(symbol < 36, symbol, 0)
    pairs = np.arange(65536)
    first, second = pairs & 0xFF, pairs >> 8
    pair_code = symbol[first] * _PAIR_BASE + symbol[second]
    remainder = np.arange(97)[:, None]
    after_first = (remainder * shift[first] + value[first]) % 97
    after_both = (after_first * shift[second] + value[second]) % 97
    step = np.zeros((97, _PAIR_BASE * _PAIR_BASE), np.int32)
    step[:, pair_code] = after_both * _PAIR_BASE * _PAIR_BASE
    return pair_code.astype(np.int32), step.ravel()


@cache
def _tables() -> _Tables:
    codes = ("", *sorted(COUNTRIES))
    country_index = np.zeros((256, 256), np.int16)
    for i, code in enumerate(codes[1:], start=1):
        country_index[ord(code[0]), ord(code[1])] = i
    kind = np.full(256, _OTHER, np.uint8)
    kind[48:58] = kind[65:91] = _CLEAN
    kind[97:123] = _LOWER
    kind[[ord(ch) for ch in ASCII_SEPARATORS]] = _SEPARATOR
    upper = np.arange(256, dtype=np.uint8)
    upper[97:123] -= 32
    lookalike = np.arange(256, dtype=np.uint8)
    for letter, digit in LOOKALIKES.items():
        lookalike[ord(letter)] = ord(digit)
    cin_odd = np.zeros(256, np.uint8)
    cin_even = np.zeros(256, np.uint8)
    for ch, weight in CIN_ODD_WEIGHT.items():
        cin_odd[ord(ch)] = weight
    for ch, weight in CIN_EVEN_WEIGHT.items():
        cin_even[ord(ch)] = weight
    pairs = np.arange(65536)
    pair_code, mod97_step = _mod97_tables()
    return _Tables(
        countries=(None, *(_country(i, code) for i, code in enumerate(codes) if code)),
        codes=codes,
        country_index=country_index,
        length=np.array([0] + [COUNTRIES[c].iban_length for c in codes[1:]], np.int64),
        sepa=np.array([False] + [COUNTRIES[c].sepa for c in codes[1:]]),
        slices=np.array([(0,) * 6] + [_slices(c) for c in codes[1:]], np.int64),
        kind=kind,
        upper=upper,
        lookalike=lookalike,
        pair_code=pair_code,
        mod97_step=mod97_step,
        cin_pair=(cin_odd[pairs & 0xFF] + cin_even[pairs >> 8]).astype(np.uint8),
    )


def _spec(index: int) -> _Country:
    spec = _tables().countries[index]
    if spec is None:
        raise LookupError("index 0 is no country")
    return spec


@dataclass(slots=True)
class _Batch:
    """Results by original row, plus the normalised strings that differ from the input."""

    code: npt.NDArray[np.int8]
    country: npt.NDArray[np.int16]
    filled: Mask  # country known and length right: bank, branch and account are reported
    corrected: Mask
    slow: Mask
    rewritten: list[tuple[I64, pl.Series]] = field(default_factory=list)


def check_ibans(values: pl.Series) -> pl.DataFrame:
    """One row per value, in order, with exactly what ``check_iban`` gives for each.

    Large inputs are cut in one slice per core, checked in threads (numpy and polars release
    the GIL) and put back together in order: smaller matrices also stay in cache.
    """
    workers = min(os.cpu_count() or 1, values.len() // PARALLEL_MIN_ROWS)
    if workers < 2:
        return _check_slice(values)
    size = -(-values.len() // workers)
    slices = [values.slice(start, size) for start in range(0, values.len(), size)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return pl.concat(list(pool.map(_check_slice, slices)))


def _check_slice(values: pl.Series) -> pl.DataFrame:
    text = values.cast(pl.String).fill_null("").rename("iban")
    n = text.len()
    nbytes = text.str.len_bytes().to_numpy().astype(np.int64)
    batch = _Batch(
        code=np.full(n, _CODE[IbanCode.EMPTY], np.int8),
        country=np.zeros(n, np.int16),
        filled=np.zeros(n, np.bool_),
        corrected=np.zeros(n, np.bool_),
        slow=nbytes > RAW_WIDTH,
    )
    messy = _check_electronic(text, nbytes, batch)
    _check_messy(messy, batch)
    return _frame(text, batch)


def _check_electronic(text: pl.Series, nbytes: I64, batch: _Batch) -> list[tuple[I64, U8]]:
    """Check values already in electronic form; return the others, by length, to normalise."""
    tables = _tables()
    fast = np.flatnonzero(~batch.slow)
    order = fast[np.argsort(nbytes[fast].astype(np.uint8), kind="stable")]
    raw = text.gather(order).cast(pl.Binary)
    counts = np.bincount(nbytes[order], minlength=RAW_WIDTH + 1)
    messy = []
    start = int(counts[0])  # empty values stay EMPTY
    for size in (int(s) for s in np.flatnonzero(counts[1:]) + 1):
        rows = order[start : start + counts[size]]
        chunk = raw.slice(start, len(rows)).bin.reinterpret(dtype=pl.Array(pl.UInt8, size))
        start += len(rows)
        matrix: U8 = chunk.to_numpy()
        if size < 2:
            messy.append((rows, matrix))
            continue
        country = tables.country_index[matrix[:, 0], matrix[:, 1]]
        done = np.zeros(len(rows), np.bool_)
        for index in np.unique(country[tables.length[country] == size]):
            same = country == index
            group = matrix if same.all() else matrix[same]
            well_formed = _check_group(rows[same], group, _spec(int(index)), batch)
            done[np.flatnonzero(same)[well_formed]] = True
        if not done.all():
            messy.append((rows[~done], matrix[~done]))
    return messy


def _check_group(rows: I64, group: U8, spec: _Country, batch: _Batch) -> Mask:
    """Codes for the rows of one country whose every position holds its class.

    Returns which rows were well-formed; the others are left alone. Classes are tested eight
    bytes at a time; mod-97 is a dot product when the "c" positions hold digits, and a walk
    two characters at a time otherwise.
    """
    tables = _tables()
    padded = np.zeros((len(rows), spec.width), np.uint8)
    padded[:, : spec.length] = group
    digit, letter = _classes(padded.view(_WORDS))
    need_digit, need_letter, need_either = spec.needs
    bad = (need_digit & ~digit) | (need_letter & ~letter) | (need_either & ~(digit | letter))
    well_formed: Mask = np.bitwise_or.reduce(bad, axis=1) == 0
    if not well_formed.all():
        rows, padded, digit = rows[well_formed], padded[well_formed], digit[well_formed]
    batch.country[rows] = spec.index
    batch.filled[rows] = True
    if not spec.sepa:
        batch.code[rows] = _CODE[IbanCode.NOT_SEPA]
        return well_formed
    check = (padded[:, 2].astype(np.int16) - 48) * 10 + padded[:, 3] - 48
    code = np.full(len(rows), _CODE[IbanCode.OK], np.int8)
    code[(check == 0) | (check == 1) | (check == 99)] = _CODE[IbanCode.BAD_FORMAT]
    remainder = (padded.astype(np.float32) @ spec.weights).astype(np.int64) - spec.offset
    lettered = np.flatnonzero(np.bitwise_or.reduce(need_either & ~digit, axis=1))
    if len(lettered):
        remainder[lettered] = _mod97_walk(padded[lettered], spec.length)
    code[(remainder % 97 != 1) & (code == _CODE[IbanCode.OK])] = _CODE[IbanCode.BAD_CHECKSUM]
    if spec.cin:  # positions 5..26 in (odd, even) pairs
        total = tables.cin_pair[padded[:, 5:27].view(_PAIRS)].sum(axis=1, dtype=np.int32)
        bad_cin = total % 26 + 65 != padded[:, 4]
        code[bad_cin & (code == _CODE[IbanCode.OK])] = _CODE[IbanCode.BAD_CIN]
    batch.code[rows] = code
    return well_formed


def _at_least(low7: npt.NDArray[np.uint64], bound: int) -> npt.NDArray[np.uint64]:
    """0x80 in each byte (all below 0x80) that is >= bound: the addition never carries."""
    return (low7 + np.uint64((0x80 - bound) * 0x0101010101010101)) & _HIGH


def _classes(words: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], ...]:
    """0x80 in each byte that is a digit, and in each that is an upper-case letter."""
    ascii_ = ~words & _HIGH
    low7 = words & _LOW
    digit = (_at_least(low7, 0x30) ^ _at_least(low7, 0x3A)) & ascii_
    letter = (_at_least(low7, 0x41) ^ _at_least(low7, 0x5B)) & ascii_
    return digit, letter


def _mod97_walk(padded: U8, length: int) -> I64:
    """Mod-97 remainders, two characters per step, for rows with letters in "c" positions."""
    tables = _tables()
    pairs = tables.pair_code[padded.view(_PAIRS)]
    remainder = np.zeros(len(padded), np.int32)
    for column in (*range(2, (length + 1) // 2), 0, 1):  # the BBAN, then the first four
        remainder = tables.mod97_step[remainder + pairs[:, column]]
    return (remainder // (_PAIR_BASE * _PAIR_BASE)).astype(np.int64)


def _check_messy(messy: list[tuple[I64, U8]], batch: _Batch) -> None:
    """Normalise the remaining values (upper case, no separators, no prefix), then check."""
    tables = _tables()
    normalised = [_normalise(rows, matrix, batch) for rows, matrix in messy]
    if not normalised:
        return
    rows = np.concatenate([r for r, _, _ in normalised])
    length = np.concatenate([n for _, _, n in normalised])
    matrix = np.zeros((len(rows), MAX_IBAN_LENGTH), np.uint8)
    start = 0
    for part_rows, part, _ in normalised:
        width = min(part.shape[1], MAX_IBAN_LENGTH)
        matrix[start : start + len(part_rows), :width] = part[:, :width]
        start += len(part_rows)
    country = tables.country_index[matrix[:, 0], matrix[:, 1]]
    country[length < 2] = 0
    known = country > 0
    fits = known & (length == tables.length[country])
    sepa = tables.sepa[country]
    code = np.full(len(rows), _CODE[IbanCode.BAD_LENGTH], np.int8)
    code[~sepa] = _CODE[IbanCode.NOT_SEPA]
    code[~known] = _CODE[IbanCode.BAD_COUNTRY]
    code[length == 0] = _CODE[IbanCode.EMPTY]
    keep = ~batch.slow[rows]
    batch.code[rows[keep]] = code[keep]
    batch.country[rows[keep]] = country[keep]
    for index in np.unique(country[fits & keep]):
        spec = _spec(int(index))
        same = np.flatnonzero((country == index) & fits & keep)
        group = matrix[same, : spec.length]
        _check_normalised(rows[same], group, spec, batch)


def _normalise(rows: I64, matrix: U8, batch: _Batch) -> tuple[I64, U8, I64]:
    """Upper case, separators out, "IBAN" prefix off; rows with other characters go slow."""
    tables = _tables()
    size = matrix.shape[1]
    batch.slow[rows[(tables.kind[matrix] == _OTHER).any(axis=1)]] = True
    upper = tables.upper[matrix]
    separator = tables.kind[upper] == _SEPARATOR
    length = (size - separator.sum(axis=1)).astype(np.int64)
    if separator.any():
        upper = np.take_along_axis(upper, np.argsort(separator, axis=1, kind="stable"), axis=1)
        upper[np.arange(size) >= length[:, None]] = 0
    if size >= 4:
        prefixed = (upper[:, :4] == _IBAN_PREFIX).all(axis=1) & (length >= 4)
        if prefixed.any():
            upper[prefixed, :-4] = upper[prefixed, 4:]
            upper[prefixed, -4:] = 0
            length[prefixed] -= 4
    changed = (upper != matrix).any(axis=1) & ~batch.slow[rows]
    if changed.any():
        batch.rewritten.append((rows[changed], _strings(upper[changed])))
    return rows, upper, length


def _check_normalised(rows: I64, group: U8, spec: _Country, batch: _Batch) -> None:
    """Look-alikes where digits belong, then the same checks as the electronic path."""
    tables = _tables()
    seen = group[:, spec.digits]
    read = tables.lookalike[seen]
    fixed = (read != seen).any(axis=1)
    if fixed.any():
        group[:, spec.digits] = read
        batch.corrected[rows[fixed]] = True
        batch.rewritten.append((rows[fixed], _strings(group[fixed])))
    batch.country[rows] = spec.index
    batch.filled[rows] = True
    if spec.sepa:
        well_formed = _check_group(rows, group, spec, batch)
        batch.code[rows[~well_formed]] = _CODE[IbanCode.BAD_FORMAT]


def _strings(matrix: U8) -> pl.Series:
    """Rows of ASCII bytes, zero-padded, as strings."""
    fixed = np.ascontiguousarray(matrix).view(f"S{matrix.shape[1]}").ravel()
    return pl.Series(fixed, dtype=pl.Binary).cast(pl.String)


def _frame(text: pl.Series, batch: _Batch) -> pl.DataFrame:
    tables = _tables()
    iban = text
    for rows, strings in batch.rewritten:
        iban = iban.scatter(rows, strings)
    slow = np.flatnonzero(batch.slow)
    if len(slow):
        checks = [check_iban(value) for value in text.gather(slow).to_list()]
        iban = iban.scatter(slow, pl.Series([c.iban for c in checks], dtype=pl.String))
        batch.code[slow] = [_CODE[c.code] for c in checks]
        batch.country[slow] = [tables.codes.index(c.country) for c in checks]
        batch.filled[slow] = [bool(c.account) for c in checks]  # an account is never empty
        batch.corrected[slow] = [c.corrected for c in checks]
    names = pl.Series([code.value for code in _CODES], dtype=pl.String)
    countries = pl.Series(tables.codes, dtype=pl.String)
    return pl.DataFrame(
        {
            "iban": iban,
            "code": names.gather(batch.code.astype(np.int64)),
            "country": countries.gather(batch.country.astype(np.int64)),
            **_parts(iban, batch, tables),
            "corrected": batch.corrected,
        }
    ).select(COLUMNS)


def _parts(iban: pl.Series, batch: _Batch, tables: _Tables) -> dict[str, pl.Series]:
    """Bank, branch and account: constant slices for the commonest layout, the rest by row."""
    names = ("bank_code", "branch_code", "account")
    slices = tables.slices
    per_row = np.where(batch.filled[:, None], slices[batch.country], 0)
    filled_countries = np.bincount(batch.country[batch.filled], minlength=len(slices))
    common = slices[int(np.argmax(filled_countries))]
    parts = {
        name: iban.str.slice(int(common[2 * j]), int(common[2 * j + 1])).rename(name)
        for j, name in enumerate(names)
    }
    other = np.flatnonzero(~(per_row == common).all(axis=1))
    if len(other):
        frame = pl.DataFrame({"iban": iban.gather(other), "s": per_row[other]})
        column, offsets = pl.col("iban"), pl.col("s").arr
        sliced = frame.select(
            column.str.slice(offsets.get(2 * j), offsets.get(2 * j + 1)).alias(name)
            for j, name in enumerate(names)
        )
        for name in names:
            parts[name] = parts[name].scatter(other, sliced.get_column(name))
    return parts
