"""A demo day of payment flows: real formats, honest noise, and the engine against the truth.

The last test imports a day's flows into a ledger built from the demo portfolio, reconciles
them and compares every automatic allocation with the truth the generator wrote: precision
is the share of the engine's lines that the truth has, recall the share of the truth's lines
(those that name an invoice) that the engine made.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine, select

from riscossa.adapters.db import tables as t
from riscossa.banking.flow_formats import detect
from riscossa.banking.payment_codes import find_codes
from riscossa.banking.statement_model import Statement
from riscossa.domain.allocation_order import DueItem, allocate_by_law, law_order
from riscossa.domain.errors import ImportFileError
from riscossa.domain.matching_amounts import exact_item, subset_for
from riscossa.domain.remittance_tokens import (
    invoice_number_candidates,
    normalise_invoice_number,
)
from riscossa.services.demo.codes import (
    codice_fiscale,
    italian_iban,
    pagopa_notice,
    poste_896,
    rf_reference,
)
from riscossa.services.demo.flows import (
    _LIST_JOINS,
    _LIST_TEXTS,
    _NUMBER_TEXTS,
    KIND_SHARES,
    KINDS,
    TRUTH_COLUMNS,
    DayFlows,
    DemoItem,
    _broken_code,
    _listable,
    _loose,
    _spellings,
    generate_day_flows,
    kind_counts,
    reference_kind,
)
from riscossa.services.demo_portfolio import PortfolioFiles, generate_portfolio
from riscossa.services.flows import import_flow
from riscossa.services.imports import import_file
from riscossa.services.reconcile import reconcile

DAY = dt.date(2025, 3, 17)  # a Monday
CREDITOR_IBAN = italian_iban("05428", "11101", "000000123456")
FORMATS = ("camt.053", "CBI RH", "MT940", "Poste 896", "pagoPA")

_FIRST = ("Mario", "Giulia", "Luca", "Anna", "Paolo", "Chiara", "Marco", "Sara", "Enrico")
_LAST = ("Rossi", "Bianchi", "Esposito", "Colombo", "Ricci", "Marino", "Greco", "Bruno")


def _items(customers: int, seed: int = 3) -> list[DemoItem]:
    """A small ledger of open items, every kind of code, some customers without IBAN."""
    rng = random.Random(seed)
    out: list[DemoItem] = []
    serial = 0
    for n in range(customers):
        first, last = _FIRST[n % len(_FIRST)], _LAST[n // len(_FIRST) % len(_LAST)]
        name = f"{first} {last}" if n % 10 else f"Officina {last} {n} S.r.l."
        iban = italian_iban("03069", f"{n % 90000 + 10000:05d}", f"{n:012d}") if n % 4 else ""
        tax = codice_fiscale(
            last, first, dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28), False, "H501"
        )
        for k in range(1 + n % 4):
            serial += 1
            kind = serial % 10
            if kind < 6:
                code = rf_reference(f"{serial:010d}")
            elif kind < 8:
                code = poste_896(10**15 + serial)
            else:
                code = pagopa_notice(1, serial)
            issue = DAY - dt.timedelta(days=30 * (4 - k) + n % 7)
            out.append(
                DemoItem(
                    customer_code=f"C{n + 1:07d}",
                    customer_name=name,
                    customer_iban=iban,
                    tax_code=tax,
                    invoice_number=f"FT{issue.year}-{serial:06d}",
                    payment_reference=code,
                    due_date=issue + dt.timedelta(days=20),
                    issue_date=issue,
                    open_cents=rng.randrange(1_000, 40_000),
                )
            )
    return out


def _truth(flows: DayFlows) -> list[dict[str, str]]:
    with flows.truth.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _stored_references(statement: Statement) -> Iterator[tuple[str, int]]:
    """(bank reference as the import stores it, cents) of each credit of a statement."""
    for entry in statement.entries:
        if entry.amount_cents > 0 and not entry.reversal:
            reference = entry.bank_reference or ""
            if entry.details_index:
                reference = f"{reference}/{entry.details_index}"
            yield reference, entry.amount_cents


@pytest.fixture(scope="module")
def small_day(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[DemoItem], DayFlows]:
    items = _items(260)
    out = tmp_path_factory.mktemp("flows")
    return items, generate_day_flows(items, random.Random(5), DAY, CREDITOR_IBAN, out, 400)


def test_kind_counts_add_up_and_keep_every_kind() -> None:
    counts = kind_counts(1500)
    assert sum(counts.values()) == 1500
    assert counts["reference"] == 1500 - sum(round(s * 1500) for s in KIND_SHARES.values())
    assert counts["invoice_number"] == 210 and counts["reversed"] == 15
    assert min(kind_counts(20).values()) == 1
    assert sum(kind_counts(10).values()) == 10


def test_the_files_are_the_formats_the_import_reads(
    small_day: tuple[list[DemoItem], DayFlows],
) -> None:
    _, flows = small_day
    assert flows.payments == 400 and sum(flows.counts.values()) == 400
    assert set(flows.counts) == set(KINDS)
    parsed = {}
    for path in flows.files:
        data = path.read_bytes()
        flow_format = detect(data, what=path.name)
        parsed[flow_format.name] = flow_format.parse(data, path.name)  # balances checked here
    assert tuple(parsed) == FORMATS  # and in the order to import them
    credits = [
        ref for statements in parsed.values() for s in statements for ref in _stored_references(s)
    ]
    stored = dict(credits)
    assert len(stored) == len(credits)  # every reference is unique
    truth = _truth(flows)
    paid: defaultdict[str, int] = defaultdict(int)
    for row in truth:
        paid[row["bank_reference"]] += int(row["amount_cents"])
    # Every payment of the truth is one credit of the files, same reference, same amount;
    # the other credits are the reversed ones and the lump sum.
    assert set(stored) == set(paid) | set(flows.reversed) | set(flows.lump_sums)
    assert {ref: stored[ref] for ref in paid} == paid
    assert len(paid) == flows.payments - len(flows.reversed)
    lump = stored[flows.lump_sums[0]]
    (pagopa,) = parsed["pagoPA"]
    assert lump == pagopa.entries_total_cents
    assert list(TRUTH_COLUMNS) == list(truth[0])


def test_what_payers_wrote_survives_every_format(
    small_day: tuple[list[DemoItem], DayFlows],
) -> None:
    """Codes, numbers and accounts read back from each file as the engine will see them."""
    items, flows = small_day
    entries = {}
    for path in flows.files:
        data = path.read_bytes()
        for statement in detect(data, what=path.name).parse(data, path.name):
            for entry in statement.entries:
                reference = entry.bank_reference or ""
                if entry.details_index:
                    reference = f"{reference}/{entry.details_index}"
                entries[reference] = (statement.format, entry)
    item_of = {item.invoice_number: item for item in items}
    iban_of = {item.customer_code: item.customer_iban for item in items}
    formats: defaultdict[str, set[str]] = defaultdict(set)
    for row in _truth(flows):
        file_format, entry = entries[row["bank_reference"]]
        text = entry.remittance_text or ""
        kind = row["kind"]
        formats[kind].add(file_format.split("-")[0])
        if kind in ("reference", "overpayment") and row["invoice_number"]:
            code = item_of[row["invoice_number"]].payment_reference
            found = {c for _, c in find_codes(text)}
            assert code in found or code[1:] in found, (row, text)  # notice or its IUV
        elif kind == "invoice_number":
            number = normalise_invoice_number(row["invoice_number"])
            assert number in normalise_invoice_number(text), (row, text)
        elif kind == "iban_only":
            assert entry.payer_iban == iban_of[row["customer_code"]] and not find_codes(text)
        elif kind in ("name_typo", "unknown_payer"):
            assert entry.payer_name and not find_codes(text)
            assert (entry.payer_iban is None) == (kind == "name_typo")
        elif kind == "wrong_reference":
            assert not find_codes(text) and any(ch.isdigit() for ch in text)
    assert formats["reference"] == {"camt.053.001.02", "CBI", "MT940", "Poste", "pagoPA"}
    assert formats["invoice_number"] == {"camt.053.001.02", "CBI", "MT940"}


def test_fewer_open_items_than_payments(tmp_path: Path) -> None:
    items = _items(6)
    flows = generate_day_flows(items, random.Random(2), DAY, CREDITOR_IBAN, tmp_path, 400)
    assert len(items) < flows.payments < 400  # every open item paid, and strangers
    assert flows.counts["unknown_payer"] == 12
    for path in flows.files:
        data = path.read_bytes()
        assert detect(data, what=path.name).parse(data, path.name)
    named = {row["invoice_number"] for row in _truth(flows) if row["invoice_number"]}
    assert named <= {item.invoice_number for item in items}


def test_the_statement_takes_back_credits_it_booked(
    small_day: tuple[list[DemoItem], DayFlows],
) -> None:
    _, flows = small_day
    data = flows.files[0].read_bytes()
    (statement,) = detect(data, what="camt").parse(data, "camt")
    seen: dict[str, int] = {}
    reversals = []
    for entry in statement.entries:
        if entry.reversal:
            assert entry.amount_cents < 0 and entry.end_to_end_id in seen  # an earlier credit
            reversals.append(seen[entry.end_to_end_id])
            assert statement.entries[seen[entry.end_to_end_id]].amount_cents == -entry.amount_cents
        elif entry.end_to_end_id:
            seen[entry.end_to_end_id] = statement.entries.index(entry)
    assert sorted(statement.entries[n].bank_reference or "" for n in reversals) == sorted(
        flows.reversed
    )
    lump = [e for e in statement.entries if e.bank_reference in flows.lump_sums]
    assert [e.remittance_text for e in lump] == [
        f"/PUR/LGPE-RIVERSAMENTO/URI/{DAY.isoformat()}BPPIITRRXXX-S07601"
    ]
    assert sum(1 for e in statement.entries if e.amount_cents < 0 and not e.reversal) == 1  # a fee


def test_the_pagopa_flow_follows_its_schema(small_day: tuple[list[DemoItem], DayFlows]) -> None:
    items, flows = small_day
    path = resources.files("riscossa.banking").joinpath(
        "xsd", "pagopa", "FlussoRiversamento_1_0_5.xsd"
    )
    schema = etree.XMLSchema(etree.fromstring(path.read_bytes()))
    document = etree.fromstring(flows.files[-1].read_bytes())
    assert schema.validate(document), schema.error_log
    notices = {item.payment_reference[1:] for item in items}
    ns = {"p": "http://www.digitpa.gov.it/schemas/2011/Pagamenti/"}
    iuvs = document.xpath("//p:identificativoUnivocoVersamento/text()", namespaces=ns)
    assert iuvs and set(iuvs) <= notices  # the IUV of the notice of the bill it pays


def test_same_seed_same_files(small_day: tuple[list[DemoItem], DayFlows], tmp_path: Path) -> None:
    items, flows = small_day
    again = generate_day_flows(items, random.Random(5), DAY, CREDITOR_IBAN, tmp_path, 400)
    for first, second in zip((*flows.files, flows.truth), (*again.files, again.truth), strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_undeclared_payments_follow_the_amount_then_the_law(
    small_day: tuple[list[DemoItem], DayFlows],
) -> None:
    items, flows = small_day
    rows = _truth(flows)
    by_customer: defaultdict[str, list[DemoItem]] = defaultdict(list)
    for item in items:
        by_customer[item.customer_code].append(item)
    lines: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        lines[row["bank_reference"]].append(row)
    checked = 0
    for reference, payment in lines.items():
        if payment[0]["kind"] not in (
            "iban_only",
            "name_typo",
            "multi_unlisted",
            "wrong_reference",
        ):
            continue
        own = by_customer[payment[0]["customer_code"]]
        due = [DueItem(n, i.due_date, i.issue_date, i.open_cents) for n, i in enumerate(own)]
        amount = sum(int(row["amount_cents"]) for row in payment)
        order = law_order(due, DAY)
        opens = [own[n].open_cents for n in order]
        exact = exact_item(amount, opens)
        subset = subset_for(amount, opens)
        if exact is not None:  # one bill of that amount: the payer said which
            expected = [(own[order[exact]].invoice_number, amount)]
        elif amount == sum(opens):
            expected = [(own[n].invoice_number, own[n].open_cents) for n in order]
        elif subset is not None:
            expected = [(own[order[k]].invoice_number, opens[k]) for k in subset]
        else:  # art. 1193 c.c.
            plan = allocate_by_law(amount, due, as_of=DAY)
            expected = [(own[n].invoice_number, cents) for n, cents in plan.allocations]
        left = amount - sum(cents for _, cents in expected)
        if left:
            expected.append(("", left))
        assert [(r["invoice_number"], int(r["amount_cents"])) for r in payment] == expected, (
            reference
        )
        checked += 1
    assert checked == sum(
        flows.counts[k] for k in ("iban_only", "name_typo", "multi_unlisted", "wrong_reference")
    )


NUMBERS = ("FT2024-000123", "FT2025-012345", "2024/000017")


@pytest.mark.parametrize("template", _NUMBER_TEXTS)
def test_every_way_of_quoting_a_number_is_read(template: str) -> None:
    """What the generator calls ``invoice_number`` is what the engine can read as one."""
    for number in NUMBERS:
        for spelling in _spellings(number):
            text = ("fattura {n}" if spelling.isdigit() else template).format(
                n=spelling, euro="83,48", code="C0000236", name="MARIO ROSSI"
            )
            candidates = invoice_number_candidates(text.upper())
            assert normalise_invoice_number(number) in candidates, (text, candidates)


def test_lists_and_loose_spellings() -> None:
    for join in _LIST_JOINS:
        for template in _LIST_TEXTS:
            for first, second in (("FT2024-000588", "FT2024-000601"), ("2024/000017", "2024/120")):
                spellings = (_listable(first)[-1], _listable(second)[0])
                text = template.format(n=join.join(spellings)).upper()
                keys = {normalise_invoice_number(n) for n in (first, second)}
                assert keys <= set(invoice_number_candidates(text)), text
    for number in NUMBERS:
        for spelling in _loose(number):
            candidates = invoice_number_candidates(f"fattura n. {spelling}".upper())
            assert normalise_invoice_number(number) not in candidates
    assert _loose("FT2024-000123") == ["2024000123", "2024/123"]
    assert _loose("2024/000017") == ["2024/17"]
    assert _spellings("FT2024-000123") == [
        "FT2024-000123",
        "FT2024/000123",
        "ft2024000123",
        "FT 2024/000123",
        "ft. 2024-000123",
    ]


def test_mistyped_codes_fail_their_check_digits() -> None:
    rng = random.Random(1)
    for code in (rf_reference("0000001234"), pagopa_notice(1, 4242), pagopa_notice(7, 10**12)):
        for _ in range(20):
            broken = _broken_code(code, rng)
            assert len(broken) == len(code)
            assert sum(a != b for a, b in zip(code, broken, strict=True)) == 1
            assert find_codes(f"pagamento {broken}") == []
            assert find_codes(f"/RFB/{broken[1:]}") == []
    codes = (rf_reference("42"), pagopa_notice(1, 7), poste_896(10**15 + 7), "123", "")
    assert [reference_kind(c) for c in codes] == ["rf", "notice", "poste", "", ""]


# -- the engine against the truth -------------------------------------------------------------

PORTFOLIO_DAY = dt.date(2025, 3, 14)  # the legacy system's last day; the flows come on DAY


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> tuple[PortfolioFiles, Path]:
    """The demo portfolio, and its payments that the legacy system had fully allocated.

    Only those are imported: a payment left with money to place (undeclared, double, over)
    would be placed by the same reconciliation run as the day's flows and change what they
    find open.
    """
    files = generate_portfolio(
        tmp_path_factory.mktemp("portfolio"), customers=1500, seed=7, as_of=PORTFOLIO_DAY
    )
    allocated: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    with files.ground_truth.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cents = int(Decimal(row["amount"]) * 100)
            allocated[row["bank_reference"]].append((row["invoice_number"], cents))
    settled = files.payments.with_name("settled-payments.csv")
    with (
        files.payments.open(newline="", encoding="utf-8") as source,
        settled.open("w", newline="", encoding="utf-8") as target,
    ):
        reader = csv.DictReader(source)
        writer = csv.DictWriter(target, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            lines = allocated.get(row["bank_reference"], [])
            declared = sorted(row["invoice_numbers"].split())
            try:
                cents = int(Decimal(row["amount"]) * 100)
            except ArithmeticError:
                continue  # the deliberately unreadable amounts
            if (
                declared
                and declared == sorted(n for n, _ in lines)
                and cents == sum(c for _, c in lines)
            ):
                writer.writerow(row)
    return files, settled


def _ledger(engine: Engine, files: PortfolioFiles, settled: Path) -> list[DemoItem]:
    for kind, path in (
        ("customers", files.customers),
        ("contracts", files.contracts),
        ("invoices", files.invoices),
        ("payments", settled),
    ):
        import_file(engine, kind, path)
    i, c = t.invoices, t.customers
    query = (
        select(
            c.c.code,
            c.c.name,
            c.c.iban,
            c.c.tax_code,
            i.c.number,
            i.c.payment_reference,
            i.c.due_date,
            i.c.issue_date,
            i.c.amount_cents - i.c.allocated_cents,
        )
        .join(c, c.c.id == i.c.customer_id)
        .where(
            i.c.kind == "invoice", i.c.disputed.is_(False), i.c.allocated_cents < i.c.amount_cents
        )
        .order_by(i.c.id)
    )
    with engine.connect() as conn:
        return [DemoItem(*row) for row in conn.execute(query)]


def _explain(
    refs: Sequence[str],
    truth: dict[str, list[tuple[str, int]]],
    got: dict[str, list[tuple[str, int, str]]],
    kinds: dict[str, str],
) -> str:
    return "\n".join(
        f"  {ref} ({kinds.get(ref)}): expected {truth.get(ref, [])}, got {got.get(ref, [])}"
        for ref in refs
    )


def test_a_day_of_flows_against_the_truth(
    engine: Engine, portfolio: tuple[PortfolioFiles, Path], tmp_path: Path
) -> None:
    items = _ledger(engine, *portfolio)
    assert len(items) > 3000
    flows = generate_day_flows(items, random.Random(11), DAY, CREDITOR_IBAN, tmp_path, 1500)
    assert flows.payments == 1500
    imported = [import_flow(engine, path) for path in flows.files]
    assert [r.file_format for r in imported][:1] == ["camt.053.001.02"]
    assert sum(r.payments for r in imported) == 1500 + len(flows.lump_sums)
    assert sum(r.reversals for r in imported) == len(flows.reversed)
    assert sum(r.lump_sums_split for r in imported) == 1
    assert not [w for r in imported for w in r.warnings]
    for path in flows.files:
        with pytest.raises(ImportFileError, match="already imported"):
            import_flow(engine, path)

    reconcile(engine, as_of=DAY)

    a, p, i = t.allocations, t.payments, t.invoices
    with engine.connect() as conn:
        rows = conn.execute(
            select(p.c.bank_reference, i.c.number, a.c.amount_cents, a.c.rule)
            .join(p, p.c.id == a.c.payment_id)
            .join(i, i.c.id == a.c.invoice_id)
            .where(p.c.flow_file_id.is_not(None), a.c.rule.not_in(("manual", "sdd_collection")))
        ).all()
        status = dict(
            conn.execute(
                select(p.c.bank_reference, p.c.status).where(p.c.flow_file_id.is_not(None))
            ).all()
        )
    assert {status[ref] for ref in flows.reversed} == {"reversed"}
    assert [status[ref] for ref in flows.lump_sums] == ["split"]
    assert {status[ref] for ref in flows.unknown} == {"unapplied"}
    got: defaultdict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for ref, number, cents, rule in rows:
        got[ref].append((number, cents, rule))
    assert not set(got) & set(flows.reversed + flows.unknown + flows.lump_sums)

    truth_rows = _truth(flows)
    kinds = {row["bank_reference"]: row["kind"] for row in truth_rows}
    expected: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    for row in truth_rows:
        if row["invoice_number"]:
            expected[row["bank_reference"]].append(
                (row["invoice_number"], int(row["amount_cents"]))
            )
    want = Counter((ref, n, c) for ref, lines in expected.items() for n, c in lines)
    have = Counter((ref, n, c) for ref, lines in got.items() for n, c, _ in lines)
    correct = sum((want & have).values())
    precision = correct / sum(have.values())
    recall = correct / sum(want.values())
    wrong = sorted({ref for ref, _, _ in (have - want)})
    missed = sorted({ref for ref, _, _ in (want - have)} - set(wrong))
    print(
        f"\nprecision {precision:.4f} ({correct}/{sum(have.values())} lines), "
        f"recall {recall:.4f} ({correct}/{sum(want.values())} lines)"
    )
    print("wrong payments by kind:", dict(Counter(kinds[ref] for ref in wrong)))
    print("payments only short of lines, by kind:", dict(Counter(kinds[ref] for ref in missed)))
    report = (
        f"precision {precision:.4f}, recall {recall:.4f}\nwrong:\n"
        + _explain(wrong[:15], expected, got, kinds)
        + "\nmissed:\n"
        + _explain(missed[:15], expected, got, kinds)
    )
    assert precision >= 0.999, report
    assert recall >= 0.95, report
