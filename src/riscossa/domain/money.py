"""Money in euro, held as integer cents so that sums are exact and fast."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from riscossa.domain.errors import ValidationError

CENT = Decimal("0.01")
CURRENCY = "EUR"


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An amount in euro cents; negative amounts are credits."""

    cents: int

    def __post_init__(self) -> None:
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise ValidationError(f"Money needs integer cents, got {self.cents!r}")

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @classmethod
    def of(cls, value: Decimal | int | str) -> Money:
        """Euro amount from a Decimal, int or canonical string ("12.34"); never from a float."""
        if isinstance(value, float):
            raise ValidationError("Money is never built from a float")
        try:
            amount = Decimal(value)
        except (InvalidOperation, ValueError) as exc:
            raise ValidationError(f"not an amount: {value!r}") from exc
        if not amount.is_finite():
            raise ValidationError(f"not an amount: {value!r}")
        if amount != amount.quantize(CENT):
            raise ValidationError(f"more than two decimals: {value!r}")
        return cls(int(amount.quantize(CENT) * 100))

    @property
    def amount(self) -> Decimal:
        return (Decimal(self.cents) / 100).quantize(CENT, rounding=ROUND_HALF_EVEN)

    def __add__(self, other: Money) -> Money:
        return Money(self.cents + other.cents)

    def __sub__(self, other: Money) -> Money:
        return Money(self.cents - other.cents)

    def __neg__(self) -> Money:
        return Money(-self.cents)

    def __bool__(self) -> bool:
        return self.cents != 0

    def is_positive(self) -> bool:
        return self.cents > 0

    def is_negative(self) -> bool:
        return self.cents < 0

    def __str__(self) -> str:
        return f"{self.amount} {CURRENCY}"

    def format_it(self) -> str:
        """Italian presentation: ``1.234,56 €``."""
        sign = "-" if self.cents < 0 else ""
        units, cents = divmod(abs(self.cents), 100)
        grouped = f"{units:,}".replace(",", ".")
        return f"{sign}{grouped},{cents:02d} €"


def total(amounts: list[Money] | tuple[Money, ...]) -> Money:
    return Money(sum(m.cents for m in amounts))
