"""The pseudonymisation key: where it comes from and how SQL sessions get it.

Sources, first match wins:
- VIRTA_PSEUDONYM_KEY: the key as hex (at least 32 bytes = 64 hex digits);
- VIRTA_PSEUDONYM_KEY_FILE: a file holding that hex;
- embedded default only: .virta/pseudonym.key, generated on first use (mode 0600).
An external server must be given a key explicitly: a county's key belongs in its secret store, and
losing or changing it changes every person's pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from virta.errors import VirtaError
from virta.paths import state_dir

MIN_KEY_BYTES = 32
BLOCK = 64  # SHA-256 block size in bytes


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
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return _parse(path.read_text(), str(path))


def padded_keys(key: bytes) -> tuple[bytes, bytes]:
    """(K xor ipad, K xor opad) of HMAC-SHA256."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def pseudonym(key: bytes, identity_code: str) -> str:
    """The same value the SQL macro pseudonymise_hetu gives, for tests and tools."""
    return hmac.new(key, identity_code.strip().upper().encode(), hashlib.sha256).hexdigest()


def session_options(conn) -> str:
    """libpq PGOPTIONS that give a session the padded keys (empty when no connection is known)."""
    if conn is None:
        return ""
    key = load_key(embedded=conn.embedded)
    ipad, opad = padded_keys(key)
    return f"-c virta.pseudonym_ipad={ipad.hex()} -c virta.pseudonym_opad={opad.hex()}"
