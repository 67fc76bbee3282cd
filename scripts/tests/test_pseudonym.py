import hashlib
import hmac

import pytest

from virta import pseudonym
from virta.errors import VirtaError


def sql_formula(key: bytes, message: str) -> str:
    """What macros/privacy/pseudonymise.sql computes from the session's padded keys."""
    ipad, opad = pseudonym.padded_keys(key)
    inner = hashlib.sha256(ipad + message.encode()).digest()
    return hashlib.sha256(opad + inner).hexdigest()


@pytest.mark.parametrize("key", [bytes(range(32)), b"k" * 64, b"x" * 100])
def test_padded_key_formula_is_hmac_sha256(key):
    assert sql_formula(key, "131052-308T") == hmac.new(key, b"131052-308T", hashlib.sha256).hexdigest()
    assert pseudonym.pseudonym(key, " 131052-308t ") == sql_formula(key, "131052-308T")


def test_key_from_environment_must_be_long_hex(monkeypatch, tmp_path):
    monkeypatch.setenv("VIRTA_HOME", str(tmp_path))
    monkeypatch.setenv("VIRTA_PSEUDONYM_KEY", "zz")
    with pytest.raises(VirtaError, match="not hexadecimal"):
        pseudonym.load_key()
    monkeypatch.setenv("VIRTA_PSEUDONYM_KEY", "ab" * 8)
    with pytest.raises(VirtaError, match="shorter than 32 bytes"):
        pseudonym.load_key()


def test_embedded_default_key_is_created_once_private(monkeypatch, tmp_path):
    monkeypatch.setenv("VIRTA_HOME", str(tmp_path))
    monkeypatch.delenv("VIRTA_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("VIRTA_PSEUDONYM_KEY_FILE", raising=False)
    first = pseudonym.load_key(embedded=True)
    assert pseudonym.load_key(embedded=True) == first
    assert (tmp_path / "pseudonym.key").stat().st_mode & 0o077 == 0


def test_external_server_requires_an_explicit_key(monkeypatch, tmp_path):
    monkeypatch.setenv("VIRTA_HOME", str(tmp_path))
    monkeypatch.delenv("VIRTA_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("VIRTA_PSEUDONYM_KEY_FILE", raising=False)
    with pytest.raises(VirtaError, match="external server needs a pseudonymisation key"):
        pseudonym.load_key(embedded=False)
