"""Finding the customer behind a payer name, for payments nothing else identified.

Names are compared after :func:`normalise_name`, and fuzzily with rapidfuzz's
``token_sort_ratio``: banks and payers swap surname and first name ("ROSSI MARIO" / "MARIO
ROSSI") and mistype letters, and token_sort_ratio forgives exactly that. ``WRatio`` is not
used because its partial and token-set parts score a bare "ROSSI" 90 against every "ROSSI
MARIO", which is how a payment lands on the wrong Rossi. token_sort_ratio is computed as
plain ``ratio`` over names whose words were sorted once, when the index was built, so a
lookup sorts only the payer's name (the score is identical).

A name is accepted only when it points at one customer: the best score reaches the
threshold and no other customer comes within ``margin`` points of it. Homonyms (the same
name for two customers) are a tie and give no answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable

from rapidfuzz import fuzz, process

DEFAULT_THRESHOLD = 85
DEFAULT_MARGIN = 3
DEFAULT_CANDIDATE_SCORE = 60

# Courtesy titles, with or without their dots ("SIG.RA", "DOTT.SSA", "SPETT.LE").
# "DR" and "ING" only with a dot: "ING" alone is also a bank, "DR" a pair of initials.
_TITLES = re.compile(
    r"(?<![A-Z0-9])(?:"
    r"SIG(?:\.?\s?(?:RA|NA|RINA))?|SIGNOR[AE]?|SIGNORINA|"
    r"DOTT(?:\.?\s?SSA)?|DOTTOR[E]?|DOTTORESSA|"
    r"PROF(?:\.?\s?SSA)?|PROFESSOR[E]?|PROFESSORESSA|"
    r"AVV|GEOM|RAG|ARCH|SPETT(?:\.?\s?LE)?|EGR|GENT(?:\.?\s?M[AO])?"
    r")(?![A-Z0-9])\.?|(?<![A-Z0-9])(?:DR|ING)\."
)
# Legal forms written as dotted or spaced initials: "S.R.L.", "S. p. A.", "S R L".
_INITIALS = re.compile(r"(?<![A-Z0-9])[A-Z](?:[.\s]+[A-Z])+\.?(?![A-Z0-9])")
_SHORT_FORMS = frozenset(
    {"SRL", "SRLS", "SPA", "SNC", "SAS", "SAPA", "SS", "SC", "SCARL", "SCRL", "ARL"}
)
# Spelled-out legal forms, longest first, matched on the cleaned words.
_LONG_FORMS = tuple(
    (re.compile(rf"(?<![A-Z0-9]){long}(?![A-Z0-9])"), short)
    for long, short in (
        ("SOCIETA A RESPONSABILITA LIMITATA SEMPLIFICATA", "SRLS"),
        ("SOCIETA A RESPONSABILITA LIMITATA", "SRL"),
        ("SOCIETA IN ACCOMANDITA PER AZIONI", "SAPA"),
        ("SOCIETA PER AZIONI", "SPA"),
        ("SOCIETA IN NOME COLLETTIVO", "SNC"),
        ("SOCIETA IN ACCOMANDITA SEMPLICE", "SAS"),
        ("SOCIETA COOPERATIVA", "SC"),
        ("SOC COOP", "SC"),
        ("SOCIETA SEMPLICE", "SS"),
    )
)
_APOSTROPHES = re.compile(r"['’`´]")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


def _initials(match: re.Match[str]) -> str:
    """Collapse the legal form a run of initials ends with: "ROSSI & C. S.R.L." keeps "C"."""
    letters = re.findall("[A-Z]", match.group())
    for start in range(len(letters) - 1):
        form = "".join(letters[start:])
        if form in _SHORT_FORMS:
            return " " + " ".join([*letters[:start], form]) + " "
    return match.group()


def normalise_name(name: str) -> str:
    """Upper case ASCII words, titles dropped, legal forms in short form, word order kept.

    ``"Sig.ra Maria D'Angelo"`` → ``"MARIA DANGELO"``; ``"Rossi & C. S.r.l."`` →
    ``"ROSSI C SRL"``; ``"Società per Azioni Gas Nord"`` → ``"SPA GAS NORD"``.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()
    text = _TITLES.sub(" ", text)
    text = _INITIALS.sub(_initials, text)
    text = _APOSTROPHES.sub("", text)
    text = _NOT_ALNUM.sub(" ", text).strip()
    for pattern, short in _LONG_FORMS:
        text = pattern.sub(short, text)
    return text


def name_key(name: str) -> str:
    """The form an index compares: normalised, words sorted."""
    return _sorted_words(normalise_name(name))


def _sorted_words(normalised: str) -> str:
    """The form token_sort_ratio compares: words sorted, joined by one space."""
    return " ".join(sorted(normalised.split()))


class NameIndex:
    """Customer names prepared once for many lookups; several names per customer allowed.

    Build it from ``(customer_id, name)`` pairs: holders, co-holders, aliases learned from
    manual matches. Lookups never change it, so one index serves a whole matching run.

    A lookup over the whole index scores every distinct name in C (about 0.1 µs a name on
    one core, so some 0.1 s over a million names): fine for the payments every cheaper rule
    failed on, too slow as a first resort. ``among`` narrows a lookup to customers the
    caller already has a reason to suspect (an open item of the payment's amount, the
    payer's town), which is both faster and safer; a tie is then judged among them only.
    """

    __slots__ = ("_choices", "_exact", "_owners", "_positions")

    def __init__(self, names: Iterable[tuple[int, str]], *, keyed: bool = False) -> None:
        """``keyed``: the names are already :func:`name_key` forms (cached by the caller, so
        that a small index per payment costs no normalisation)."""
        owners: dict[str, set[int]] = {}
        for customer_id, name in names:
            key = name if keyed else name_key(name)
            if key:
                owners.setdefault(key, set()).add(customer_id)
        self._exact: dict[str, tuple[int, ...]] = {
            key: tuple(sorted(ids)) for key, ids in owners.items()
        }
        self._choices: list[str] = list(self._exact)
        self._owners: list[tuple[int, ...]] = [self._exact[key] for key in self._choices]
        self._positions: dict[int, list[int]] = {}
        for position, ids in enumerate(self._owners):
            for customer_id in ids:
                self._positions.setdefault(customer_id, []).append(position)

    def __len__(self) -> int:
        """Distinct names (after normalisation) in the index."""
        return len(self._choices)

    def best(
        self,
        payer_name: str,
        *,
        threshold: int = DEFAULT_THRESHOLD,
        margin: int = DEFAULT_MARGIN,
        among: Collection[int] | None = None,
    ) -> int | None:
        """The one customer whose name matches, or None when none does or two come close.

        The fast path is a dict hit on the normalised name (word order aside): it wins
        outright when the name belongs to one customer only. Otherwise the best score must
        be at least ``threshold`` and every other customer must score less than
        ``best - margin``.
        """
        key = _sorted_words(normalise_name(payer_name))
        if not key:
            return None
        exact = self._exact.get(key)
        if exact is not None:
            if among is not None:
                exact = tuple(customer_id for customer_id in exact if customer_id in among)
            if len(exact) == 1:
                return exact[0]
            if exact:
                return None  # homonyms
        ranked = self._ranked(key, max(threshold - margin, 0), among)
        if not ranked or ranked[0][1] < threshold:
            return None
        top_id, top_score = ranked[0]
        if len(ranked) > 1 and ranked[1][1] >= top_score - margin:
            return None
        return top_id

    def candidates(
        self,
        payer_name: str,
        limit: int = 3,
        *,
        min_score: int = DEFAULT_CANDIDATE_SCORE,
        among: Collection[int] | None = None,
    ) -> list[tuple[int, float]]:
        """Up to ``limit`` customers with their best score, highest first: suggestions for an
        operator working the unapplied queue, never an automatic match."""
        key = _sorted_words(normalise_name(payer_name))
        if not key or limit <= 0:
            return []
        return self._ranked(key, min_score, among)[:limit]

    def _ranked(
        self, key: str, cutoff: float, among: Collection[int] | None
    ) -> list[tuple[int, float]]:
        """Each customer once with the best score of its names, highest first, then by id.

        A name shared by several customers yields all of them with the same score, which
        :meth:`best` then refuses as a tie.
        """
        if among is None:
            choices, owners = self._choices, self._owners
        else:
            positions = sorted(
                {p for customer_id in among for p in self._positions.get(customer_id, ())}
            )
            choices = [self._choices[p] for p in positions]
            owners = [
                tuple(customer_id for customer_id in self._owners[p] if customer_id in among)
                for p in positions
            ]
        scores: dict[int, float] = {}
        for _, score, position in process.extract(
            key, choices, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, limit=None
        ):
            for customer_id in owners[position]:
                if score > scores.get(customer_id, -1.0):
                    scores[customer_id] = score
        return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
