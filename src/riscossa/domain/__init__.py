"""Pure domain model: stdlib, Decimal and pure validation libraries only."""
