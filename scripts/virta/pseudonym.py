"""The pseudonymisation key, and the loader's replacement of identity codes by keyed pseudonyms.

A personal identity code never reaches the database: the loader validates it (check character),
replaces it by HMAC-SHA256 under a secret key and lands beside it what the mapping derives from it
(birth date, sex). The key stays in this process; no SQL session ever sees it. A plain hash would
not do: the code space is small enough to enumerate.

Key sources, first match wins:
- VIRTA_PSEUDONYM_KEY: the key as hex (at least 32 bytes = 64 hex digits);
- VIRTA_PSEUDONYM_KEY_FILE: a file holding that hex;
- embedded default only: .virta/pseudonym.key, generated on first use (mode 0600).
An external server must be given a key explicitly: a county's key belongs in its secret store, and
losing or changing it changes every person's pseudonym.

A mapping may put an identity code into a pseudonym domain of its own (`pseudonym_domain: staff`):
its pseudonyms are keyed with a key derived from the secret key and the domain name, so an
employee's pseudonym never equals the same person's pseudonym as a client, and the two cannot be
joined in SQL.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np

from virta import hetu
from virta.errors import VirtaError
from virta.paths import state_dir

MIN_KEY_BYTES = 32


def _parse(hex_text: str, origin: str) -> bytes:
    try:
        key = bytes.fromhex(hex_text.strip())
    except ValueError:
        raise VirtaError(f"the pseudonymisation key in {origin} is not hexadecimal") from None
    if len(key) < MIN_KEY_BYTES:
        raise VirtaError(f"the pseudonymisation key in {origin} is shorter than {MIN_KEY_BYTES} bytes")
    return key


def default_key_file() -> Path:
    return state_dir() / "pseudonym.key"


def load_key(embedded: bool = True, create: bool = True) -> bytes | None:
    if os.environ.get("VIRTA_PSEUDONYM_KEY"):
        return _parse(os.environ["VIRTA_PSEUDONYM_KEY"], "VIRTA_PSEUDONYM_KEY")
    if os.environ.get("VIRTA_PSEUDONYM_KEY_FILE"):
        path = Path(os.environ["VIRTA_PSEUDONYM_KEY_FILE"])
        if not path.exists():
            raise VirtaError(f"VIRTA_PSEUDONYM_KEY_FILE points to {path}, which does not exist")
        return _parse(path.read_text(), str(path))
    path = default_key_file()
    if path.exists():
        return _parse(path.read_text(), str(path))
    if not embedded:
        raise VirtaError(
            "an external server needs a pseudonymisation key: set VIRTA_PSEUDONYM_KEY (hex) or "
            "VIRTA_PSEUDONYM_KEY_FILE",
            hint="create one with: python -c 'import secrets; print(secrets.token_hex(32))' and keep it "
            "outside the warehouse and the repository",
        )
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return _parse(path.read_text(), str(path))


def normalise(identity_code: str) -> str:
    return identity_code.strip().upper()


def domain_key(key: bytes, domain: str | None) -> bytes:
    """The key of a pseudonym domain: the secret key itself for clients (no domain), else
    HMAC-SHA256(key, 'virta pseudonym domain: <domain>')."""
    if not domain:
        return key
    return hmac.new(key, f"virta pseudonym domain: {domain}".encode(), hashlib.sha256).digest()


def pseudonym(key: bytes, identity_code: str, domain: str | None = None) -> str:
    """HMAC-SHA256 (hex) of the normalised code: the person's business key in the vault (in
    `domain`, a key of its own: see domain_key)."""
    return hmac.new(domain_key(key, domain), normalise(identity_code).encode(), hashlib.sha256).hexdigest()


class IdentityCodes:
    """Replaces a delivered identity-code column by the raw columns the mapping declares.

    For each value: <c>_pseudonym (keyed, also for an invalid code, so quarantine can count and
    explain it without the code), <c>_valid ('true'/'false'), and per `derive` <c>_birth_date
    (YYYY-MM-DD) and <c>_sex (male/female) for a valid code. An empty value gives empty columns.
    Results are cached per code: the same person recurs in many rows.
    """

    def __init__(self, key: bytes, domain: str | None = None):
        self._key = domain_key(key, domain)
        self._cache: dict[str, tuple[str, str, str, str]] = {}

    def _one(self, value) -> tuple[str, str, str, str]:
        if value is None or not str(value).strip():
            return ("", "", "", "")
        code = normalise(str(value))
        hit = self._cache.get(code)
        if hit is None:
            parsed = hetu.parse(code)
            digest = hmac.new(self._key, code.encode(), hashlib.sha256).hexdigest()
            if parsed is None:
                hit = (digest, "false", "", "")
            else:
                born, sex = parsed
                hit = (digest, "true", born.isoformat(), "male" if sex == 1 else "female")
            if len(self._cache) >= 200_000:  # bounded: memory must not grow with the people in a file
                self._cache.clear()
            self._cache[code] = hit
        return hit

    def landed(self, value, derive: tuple[str, ...]) -> list[str]:
        """One value's raw columns, in identity_raw_columns order."""
        hit = self._one(value)
        parts = {"birth_date": hit[2], "sex": hit[3]}
        return [hit[0], hit[1], *(parts[d] for d in derive)]

    def land(self, column: str, values, derive: tuple[str, ...]) -> dict[str, np.ndarray]:
        rows = [self._one(v) for v in values]
        parts = {"pseudonym": 0, "valid": 1, "birth_date": 2, "sex": 3}
        return {f"{column}_{part}": np.array([r[parts[part]] for r in rows], dtype=object)
                for part in ("pseudonym", "valid", *derive)}
