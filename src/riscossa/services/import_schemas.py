"""Column schemas of the import files: canonical names, Italian and English aliases, types.

This table is the contract documented in docs/formats/; headers are matched after
normalisation (lower case, accents and punctuation folded to ``_``), so "Data Scadenza",
"data_scadenza" and "DATA SCADENZA" are the same column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    CODE = "code"  # trimmed, upper-cased identifiers (tax codes, IBANs)
    AMOUNT = "amount"  # euro, Italian or English notation -> integer cents
    DATE = "date"
    BOOL = "bool"
    CHOICE = "choice"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    aliases: tuple[str, ...] = ()
    required: bool = False
    choices: dict[str, str] = field(default_factory=dict)  # normalised input -> canonical
    default: str | None = None
    max_length: int | None = None

    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class EntitySchema:
    entity: str
    key: str
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


def normalise_header(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", folded.strip().lower()).strip("_")


def normalise_choice(text: str) -> str:
    return normalise_header(text)


BOOL_TRUE = ("1", "true", "t", "yes", "y", "si", "s", "x", "vero")
BOOL_FALSE = ("0", "false", "f", "no", "n", "falso")

_CUSTOMER_CODE = FieldSpec(
    "customer_code",
    FieldType.TEXT,
    (
        "codice_cliente",
        "cod_cliente",
        "codcliente",
        "cliente",
        "customer",
        "customer_id",
        "client_code",
        "id_cliente",
    ),
    required=True,
    max_length=40,
)


def _choices(mapping: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, words in mapping.items():
        out[normalise_choice(canonical)] = canonical
        for word in words:
            out[normalise_choice(word)] = canonical
    return out


CUSTOMERS = EntitySchema(
    "customers",
    key="customer_code",
    fields=(
        _CUSTOMER_CODE,
        FieldSpec(
            "name",
            FieldType.TEXT,
            (
                "ragione_sociale",
                "nominativo",
                "denominazione",
                "nome_cognome",
                "cognome_nome",
                "nome",
                "customer_name",
                "intestatario",
            ),
            required=True,
            max_length=200,
        ),
        FieldSpec(
            "kind",
            FieldType.CHOICE,
            ("tipo_cliente", "tipo_soggetto", "natura_giuridica", "type"),
            choices=_choices(
                {
                    "person": ("persona", "persona_fisica", "pf", "f", "privato", "individual"),
                    "business": (
                        "azienda",
                        "impresa",
                        "persona_giuridica",
                        "pg",
                        "g",
                        "societa",
                        "company",
                    ),
                }
            ),
        ),
        FieldSpec(
            "segment",
            FieldType.CHOICE,
            ("segmento", "tipologia", "tipo_uso", "uso"),
            choices=_choices(
                {
                    "residential": (
                        "domestico",
                        "residenziale",
                        "consumer",
                        "household",
                        "usi_domestici",
                    ),
                    "business": (
                        "non_domestico",
                        "altri_usi",
                        "affari",
                        "microbusiness",
                        "pmi",
                        "sme",
                        "corporate",
                    ),
                    "public_administration": (
                        "pubblica_amministrazione",
                        "pa",
                        "ente_pubblico",
                        "public",
                    ),
                }
            ),
            default="residential",
        ),
        FieldSpec(
            "tax_code",
            FieldType.CODE,
            ("codice_fiscale", "cf", "cod_fiscale", "codfiscale", "fiscal_code"),
            max_length=32,
        ),
        FieldSpec(
            "vat_number",
            FieldType.CODE,
            ("partita_iva", "p_iva", "piva", "vat", "vat_id"),
            max_length=32,
        ),
        FieldSpec("email", FieldType.TEXT, ("e_mail", "mail", "posta_elettronica"), max_length=200),
        FieldSpec(
            "phone",
            FieldType.TEXT,
            ("telefono", "cellulare", "tel", "mobile", "recapito_telefonico"),
            max_length=40,
        ),
        FieldSpec("pec", FieldType.TEXT, ("indirizzo_pec", "pec_email"), max_length=200),
        FieldSpec("address", FieldType.TEXT, ("indirizzo", "via", "street"), max_length=300),
        FieldSpec("postcode", FieldType.TEXT, ("cap", "zip", "postal_code"), max_length=10),
        FieldSpec("city", FieldType.TEXT, ("comune", "citta", "localita", "town"), max_length=100),
        FieldSpec(
            "province", FieldType.CODE, ("provincia", "prov", "sigla_provincia"), max_length=4
        ),
        FieldSpec("iban", FieldType.CODE, ("codice_iban", "iban_addebito", "conto"), max_length=64),
        FieldSpec("bonus_sociale", FieldType.BOOL, ("bonus", "bonus_sociale_attivo")),
        FieldSpec("vulnerable", FieldType.BOOL, ("vulnerabile", "cliente_vulnerabile")),
        FieldSpec(
            "non_disconnectable",
            FieldType.BOOL,
            ("non_disalimentabile", "non_sospendibile", "cliente_non_disalimentabile"),
        ),
    ),
)

CONTRACTS = EntitySchema(
    "contracts",
    key="contract_code",
    fields=(
        FieldSpec(
            "contract_code",
            FieldType.TEXT,
            ("codice_contratto", "contratto", "cod_contratto", "contract", "numero_contratto"),
            required=True,
            max_length=40,
        ),
        _CUSTOMER_CODE,
        FieldSpec(
            "utility",
            FieldType.CHOICE,
            ("servizio", "commodity", "settore", "fornitura", "service"),
            required=True,
            choices=_choices(
                {
                    "electricity": (
                        "elettricita",
                        "energia_elettrica",
                        "luce",
                        "ee",
                        "power",
                        "energia",
                    ),
                    "gas": ("gas_naturale", "metano", "gn"),
                    "water": ("acqua", "idrico", "servizio_idrico", "h2o"),
                    "telco": ("telefonia", "tlc", "telecomunicazioni", "fibra", "mobile"),
                }
            ),
        ),
        FieldSpec(
            "supply_point",
            FieldType.CODE,
            (
                "pod",
                "pdr",
                "pod_pdr",
                "punto_di_fornitura",
                "punto_fornitura",
                "matricola",
                "matricola_contatore",
                "line_id",
                "numero_linea",
                "utenza",
            ),
            max_length=40,
        ),
        FieldSpec(
            "status",
            FieldType.CHOICE,
            ("stato", "stato_contratto"),
            choices=_choices(
                {
                    "active": ("attivo", "in_fornitura", "a"),
                    "suspended": ("sospeso", "s"),
                    "terminated": ("cessato", "chiuso", "closed", "c"),
                }
            ),
            default="active",
        ),
        FieldSpec(
            "payment_method",
            FieldType.CHOICE,
            ("modalita_pagamento", "metodo_pagamento", "mod_pagamento", "pagamento"),
            choices=_choices(
                {
                    "sdd": (
                        "rid",
                        "addebito_diretto",
                        "domiciliazione",
                        "addebito_in_conto",
                        "direct_debit",
                        "sepa_direct_debit",
                    ),
                    "bank_transfer": ("bonifico", "bonifico_bancario", "transfer"),
                    "postal_slip": ("bollettino", "bollettino_postale", "postale", "slip"),
                    "pagopa": ("pago_pa", "avviso_pagopa"),
                    "card": ("carta", "carta_di_credito", "credit_card"),
                }
            ),
            default="bank_transfer",
        ),
        FieldSpec(
            "start_date",
            FieldType.DATE,
            ("data_inizio", "data_attivazione", "inizio_fornitura", "decorrenza"),
        ),
        FieldSpec("end_date", FieldType.DATE, ("data_fine", "data_cessazione", "fine_fornitura")),
    ),
)

_LINE_FIELDS = (
    FieldSpec(
        "energy",
        FieldType.AMOUNT,
        ("quota_energia", "materia_energia", "spesa_materia_energia", "spesa_materia", "consumi"),
    ),
    FieldSpec(
        "network",
        FieldType.AMOUNT,
        ("trasporto", "quota_rete", "spesa_trasporto", "trasporto_e_contatore", "rete"),
    ),
    FieldSpec("excise", FieldType.AMOUNT, ("accise", "imposte", "accise_e_addizionali")),
    FieldSpec("vat", FieldType.AMOUNT, ("iva", "imposta_iva")),
    FieldSpec("fees", FieldType.AMOUNT, ("oneri", "oneri_di_sistema", "oneri_sistema")),
    FieldSpec("other", FieldType.AMOUNT, ("altro", "altre_partite", "altri_importi")),
)
LINE_KINDS = tuple(spec.name for spec in _LINE_FIELDS)

INVOICES = EntitySchema(
    "invoices",
    key="invoice_number",
    fields=(
        FieldSpec(
            "invoice_number",
            FieldType.TEXT,
            (
                "numero_fattura",
                "n_fattura",
                "nr_fattura",
                "num_fattura",
                "fattura",
                "numero_documento",
                "num_documento",
                "documento",
                "invoice",
                "number",
            ),
            required=True,
            max_length=40,
        ),
        _CUSTOMER_CODE,
        FieldSpec(
            "contract_code",
            FieldType.TEXT,
            ("codice_contratto", "contratto", "cod_contratto", "contract"),
            max_length=40,
        ),
        FieldSpec(
            "kind",
            FieldType.CHOICE,
            ("tipo_documento", "tipo_doc", "document_type"),
            choices=_choices(
                {
                    "invoice": ("fattura", "ft", "td01", "fatt"),
                    "credit_note": ("nota_di_credito", "nota_credito", "nc", "td04", "credit"),
                }
            ),
        ),
        FieldSpec(
            "issue_date",
            FieldType.DATE,
            ("data_emissione", "data_fattura", "data_documento", "data_doc", "date"),
            required=True,
        ),
        FieldSpec("due_date", FieldType.DATE, ("data_scadenza", "scadenza", "due"), required=True),
        FieldSpec(
            "period_start",
            FieldType.DATE,
            ("periodo_dal", "competenza_dal", "inizio_periodo", "dal"),
        ),
        FieldSpec(
            "period_end", FieldType.DATE, ("periodo_al", "competenza_al", "fine_periodo", "al")
        ),
        FieldSpec(
            "amount",
            FieldType.AMOUNT,
            (
                "importo",
                "totale",
                "importo_totale",
                "totale_fattura",
                "totale_documento",
                "total",
                "importo_fattura",
            ),
            required=True,
        ),
        *_LINE_FIELDS,
        FieldSpec(
            "disputed",
            FieldType.BOOL,
            ("contestata", "in_contestazione", "contestazione", "reclamo_aperto"),
        ),
        FieldSpec(
            "payment_reference",
            FieldType.CODE,
            (
                "codice_avviso",
                "riferimento_pagamento",
                "iuv",
                "codice_bollettino",
                "rf",
                "numero_avviso",
            ),
            max_length=40,
        ),
    ),
)

PAYMENTS = EntitySchema(
    "payments",
    key="bank_reference",
    fields=(
        FieldSpec(
            "bank_reference",
            FieldType.TEXT,
            (
                "riferimento_banca",
                "rif_banca",
                "riferimento_bancario",
                "cro",
                "trn",
                "id_operazione",
                "riferimento_incasso",
                "id_incasso",
                "reference_id",
            ),
            required=True,
            max_length=64,
        ),
        FieldSpec(
            "amount", FieldType.AMOUNT, ("importo", "importo_incasso", "totale"), required=True
        ),
        FieldSpec(
            "value_date",
            FieldType.DATE,
            ("data_valuta", "valuta", "data_incasso", "data_pagamento", "date"),
            required=True,
        ),
        FieldSpec(
            "booking_date",
            FieldType.DATE,
            ("data_contabile", "data_operazione", "data_registrazione"),
        ),
        FieldSpec(
            "channel",
            FieldType.CHOICE,
            ("canale", "mezzo_pagamento", "modalita", "modalita_pagamento"),
            choices=_choices(
                {
                    "bank_transfer": ("bonifico", "bonifico_bancario", "transfer", "bb"),
                    "sdd": ("rid", "addebito_diretto", "direct_debit", "sepa_direct_debit"),
                    "postal_slip": ("bollettino", "bollettino_postale", "posta", "poste"),
                    "pagopa": ("pago_pa",),
                    "card": ("carta", "carta_di_credito", "pos"),
                    "cash": ("contanti", "contante"),
                }
            ),
            default="bank_transfer",
        ),
        FieldSpec(
            "status",
            FieldType.CHOICE,
            ("stato", "stato_incasso"),
            choices=_choices(
                {
                    "in_transit": ("in_transito", "transito", "annunciato"),
                    "booked": ("contabilizzato", "registrato", "accreditato"),
                    "unapplied": ("da_attribuire", "sospeso", "non_attribuito"),
                }
            ),
        ),
        FieldSpec("customer_code", FieldType.TEXT, _CUSTOMER_CODE.aliases, max_length=40),
        FieldSpec(
            "payer_name",
            FieldType.TEXT,
            ("ordinante", "nome_ordinante", "debitore", "pagatore", "payer"),
            max_length=200,
        ),
        FieldSpec("payer_iban", FieldType.CODE, ("iban_ordinante", "iban_pagatore"), max_length=64),
        FieldSpec(
            "payer_tax_code",
            FieldType.CODE,
            ("cf_ordinante", "codice_fiscale_ordinante", "cf_pagatore"),
            max_length=32,
        ),
        FieldSpec(
            "reference",
            FieldType.TEXT,
            ("causale", "descrizione", "remittance", "remittance_information", "riferimento"),
        ),
        FieldSpec(
            "invoice_numbers",
            FieldType.TEXT,
            (
                "fatture",
                "fatture_pagate",
                "numero_fattura",
                "documenti_pagati",
                "invoices",
                "invoice_number",
            ),
        ),
    ),
)

# The bank's list of rejected, returned or refunded direct debits ("elenco insoluti SDD").
SDD_RETURNS = EntitySchema(
    "sdd_returns",
    key="reference",
    fields=(
        FieldSpec(
            "reference",
            FieldType.TEXT,
            (
                "riferimento",
                "id_insoluto",
                "end_to_end_id",
                "endtoendid",
                "e2e_id",
                "riferimento_addebito",
                "id_disposizione",
                "return_id",
            ),
            required=True,
            max_length=64,
        ),
        _CUSTOMER_CODE,
        FieldSpec(
            "reason_code",
            FieldType.CODE,
            ("causale", "codice_causale", "causale_insoluto", "motivo", "reason", "codice_motivo"),
            required=True,
            max_length=4,
        ),
        FieldSpec(
            "collection_date",
            FieldType.DATE,
            (
                "data_addebito",
                "data_scadenza",
                "data_incasso",
                "data_regolamento",
                "settlement_date",
                "due_date",
            ),
            required=True,
        ),
        FieldSpec("amount", FieldType.AMOUNT, ("importo", "importo_insoluto"), required=True),
        FieldSpec(
            "iban",
            FieldType.CODE,
            ("iban_debitore", "iban_addebito", "conto_addebito", "debtor_iban"),
            max_length=64,
        ),
    ),
)

# SEPA direct-debit mandates; a new active mandate switches the customer's contracts to SDD.
MANDATES = EntitySchema(
    "mandates",
    key="umr",
    fields=(
        FieldSpec(
            "umr",
            FieldType.TEXT,
            (
                "riferimento_mandato",
                "codice_mandato",
                "id_mandato",
                "mandato",
                "mandate_id",
                "mandate_reference",
                "rum",
            ),
            required=True,
            max_length=35,
        ),
        _CUSTOMER_CODE,
        FieldSpec(
            "contract_code",
            FieldType.TEXT,
            ("codice_contratto", "contratto", "contract"),
            max_length=40,
        ),
        FieldSpec(
            "creditor_id",
            FieldType.CODE,
            ("codice_creditore", "identificativo_creditore", "ci_creditore", "creditor_identifier"),
            required=True,
            max_length=35,
        ),
        FieldSpec(
            "signature_date",
            FieldType.DATE,
            ("data_firma", "data_sottoscrizione", "data_mandato", "date_of_signature"),
            required=True,
        ),
        FieldSpec(
            "debtor_name",
            FieldType.TEXT,
            ("intestatario_conto", "titolare_conto", "nome_debitore", "debitore", "sottoscrittore"),
            required=True,
            max_length=140,
        ),
        FieldSpec(
            "debtor_iban",
            FieldType.CODE,
            ("iban", "iban_debitore", "iban_addebito", "conto_addebito"),
            required=True,
            max_length=64,
        ),
        FieldSpec("debtor_bic", FieldType.CODE, ("bic", "swift", "bic_debitore"), max_length=11),
        FieldSpec(
            "scheme",
            FieldType.CHOICE,
            ("schema", "tipo_schema", "sdd_scheme"),
            choices=_choices({"CORE": ("core", "consumer"), "B2B": ("b2b", "business")}),
            default="CORE",
        ),
        FieldSpec(
            "status",
            FieldType.CHOICE,
            ("stato", "stato_mandato"),
            choices=_choices(
                {
                    "active": ("attivo", "valido", "a"),
                    "revoked": ("revocato", "revoca", "r"),
                    "cancelled": ("annullato", "cessato", "c"),
                }
            ),
            default="active",
        ),
        FieldSpec("one_off", FieldType.BOOL, ("una_tantum", "singolo", "ooff")),
        FieldSpec(
            "last_collection_date",
            FieldType.DATE,
            ("data_ultimo_addebito", "ultimo_addebito", "ultimo_incasso", "last_collection"),
        ),
    ),
)

SCHEMAS: dict[str, EntitySchema] = {
    s.entity: s for s in (CUSTOMERS, CONTRACTS, INVOICES, PAYMENTS, SDD_RETURNS, MANDATES)
}
