from riscossa.services.import_schemas import SCHEMAS, normalise_header


def test_no_two_fields_of_a_schema_share_a_header() -> None:
    for schema in SCHEMAS.values():
        seen: dict[str, str] = {}
        for spec in schema.fields:
            for name in spec.all_names():
                key = normalise_header(name)
                assert seen.get(key, spec.name) == spec.name, (schema.entity, key)
                seen[key] = spec.name


def test_headers_are_folded() -> None:
    assert normalise_header("  Data Scadenza ") == "data_scadenza"
    assert normalise_header("Città") == "citta"
    assert normalise_header("P.IVA") == "p_iva"
    assert normalise_header("N° Fattura") == "n_fattura"
