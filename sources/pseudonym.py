"""Keyed pseudonyms (HMAC-SHA-256) for every identifier, applied when a file is parsed.

The key comes from ``PHASENMONITOR_PSEUDONYM_KEY`` or from the file named by
``PHASENMONITOR_PSEUDONYM_KEY_FILE``. There is no default key: without one nothing is processed.
Each identifier type has its own domain (``tn:``, ``jc:`` ...) so equal strings of different ID
spaces never collide, while the registry's JC-Kundennummer and the Jobcenter's Kundennummer (same
domain) get the same pseudonym and link.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from pathlib import Path

import polars as pl

from sources.key_names import KEY_ENV, KEY_FILE_ENV
# 96 bits: collision-free in practice even for a state-wide warehouse (birthday bound ~1e-11 at 1e9 pairs).
PSEUDONYM_HEX_CHARS = 24
MIN_KEY_BYTES = 16


class KeyMissing(RuntimeError):
    pass


def load_key(environ: dict[str, str] | None = None) -> bytes:
    env = os.environ if environ is None else environ
    value = env.get(KEY_ENV)
    if not value and env.get(KEY_FILE_ENV):
        path = Path(env[KEY_FILE_ENV])
        if not path.is_file():
            raise KeyMissing(f"Die Schlüsseldatei {path} aus {KEY_FILE_ENV} existiert nicht.")
        value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise KeyMissing(
            f"Kein Pseudonymisierungsschlüssel: setzen Sie {KEY_ENV} oder {KEY_FILE_ENV} "
            "(siehe docs/betrieb.md); ohne Schlüssel wird nichts verarbeitet."
        )
    key = value.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise KeyMissing(f"Der Pseudonymisierungsschlüssel ist zu kurz (mindestens {MIN_KEY_BYTES} Zeichen).")
    return key


class Pseudonymizer:
    """HMAC-SHA-256 (the standard ``hmac`` module), keyed once: one copy of the keyed state per
    value, on unique values only."""

    def __init__(self, key: bytes):
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def one(self, value: str, domain: str) -> str:
        mac = self._keyed.copy()
        # NFC: an identifier written decomposed (a Mac's "o" + U+0308) is the same person as the
        # composed one and gets the same pseudonym.
        mac.update(f"{domain}:{unicodedata.normalize('NFC', value)}".encode("utf-8"))
        return mac.hexdigest()[:PSEUDONYM_HEX_CHARS]

    @property
    def fingerprint(self) -> str:
        """Identifies the key without revealing it: a warehouse is bound to one key."""
        return self.one("phasenmonitor-schluessel-fingerabdruck", "meta")[:16]

    def series(self, values: pl.Series, domain: str, normalised: bool = False) -> pl.Series:
        """Pseudonyms for a string column (nulls stay null); values are normalised first unless the
        caller says they are (the triage's identifier columns are: a second pass over 17 M
        contacts cost a second)."""
        norm = values if normalised else normalise_id(values)
        uniques = norm.drop_nulls().unique()
        mapping = pl.DataFrame(
            {"_v": uniques, "_p": [self.one(v, domain) for v in uniques.to_list()]},
            schema={"_v": pl.String, "_p": pl.String},
        )
        out = pl.DataFrame({"_v": norm}).join(mapping, on="_v", how="left", maintain_order="left")
        return out["_p"].alias(values.name)


def normalise_id(values: pl.Series) -> pl.Series:
    """IDs compare case- and whitespace-insensitively (``tn-12`` is ``TN-12``), in Unicode NFC."""
    return values.str.normalize("NFC").str.strip_chars().str.replace_all(r"\s+", " ").str.to_uppercase()
