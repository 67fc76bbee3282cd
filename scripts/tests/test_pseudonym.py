import hashlib
import re
import hmac

import pytest

from virta import pseudonym
from virta.errors import VirtaError


def test_loader_replaces_a_valid_code_by_its_hmac_and_derives_birth_date_and_sex():
    key = bytes(range(32))
    landed = pseudonym.IdentityCodes(key).land("hetu", [" 131052-308t ", "131052-308T"], ("birth_date", "sex"))
    expected = hmac.new(key, b"131052-308T", hashlib.sha256).hexdigest()
    assert list(landed) == ["hetu_pseudonym", "hetu_valid", "hetu_birth_date", "hetu_sex"]
    assert list(landed["hetu_pseudonym"]) == [expected, expected]  # normalised before keying
    assert list(landed["hetu_valid"]) == ["true", "true"]
    assert list(landed["hetu_birth_date"]) == ["1952-10-13", "1952-10-13"]
    assert list(landed["hetu_sex"]) == ["female", "female"]  # 308: even individual number


def test_loader_keys_an_invalid_code_and_derives_nothing_from_it():
    key = b"k" * 32
    landed = pseudonym.IdentityCodes(key).land("pat_ssn", ["131052-308U", "", None], ("birth_date",))
    assert list(landed) == ["pat_ssn_pseudonym", "pat_ssn_valid", "pat_ssn_birth_date"]
    assert landed["pat_ssn_pseudonym"][0] == hmac.new(key, b"131052-308U", hashlib.sha256).hexdigest()
    assert list(landed["pat_ssn_valid"]) == ["false", "", ""]
    assert list(landed["pat_ssn_birth_date"]) == ["", "", ""]
    assert list(landed["pat_ssn_pseudonym"][1:]) == ["", ""]


def test_a_pseudonym_domain_keys_apart_so_staff_and_clients_cannot_be_joined():
    """The same code as an employee (domain staff) and as a client: two unrelated pseudonyms, the
    staff one keyed with a key derived from the secret key, not the key itself."""
    key = bytes(range(32))
    client = pseudonym.IdentityCodes(key).land("hetu", ["131052-308T"], ())["hetu_pseudonym"][0]
    staff = pseudonym.IdentityCodes(key, "staff").land("hetu", ["131052-308T"], ())["hetu_pseudonym"][0]
    assert client == pseudonym.pseudonym(key, "131052-308T")
    assert staff == pseudonym.pseudonym(key, "131052-308T", "staff") != client
    derived = hmac.new(key, b"virta pseudonym domain: staff", hashlib.sha256).digest()
    assert staff == hmac.new(derived, b"131052-308T", hashlib.sha256).hexdigest()


@pytest.mark.parametrize("code, valid", [("010100+002H", True), ("010100A002H", True), ("311299-999X", False),
                                         ("010100-001F", False), ("310200A002N", False)])
def test_validity_follows_the_code_rules(code, valid):
    """Check character, century sign, a real date and individual numbers from 002."""
    landed = pseudonym.IdentityCodes(b"k" * 32).land("c", [code], ())
    assert (landed["c_valid"][0] == "true") == valid


def test_dbt_never_gets_the_key(monkeypatch):
    from virta.dbt import dbt_env

    monkeypatch.setenv("VIRTA_PSEUDONYM_KEY", "ab" * 32)
    env = dbt_env(None)
    assert "VIRTA_PSEUDONYM_KEY" not in env
    assert "ab" * 32 not in " ".join(env.values())


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


@pytest.mark.parametrize("prefix, ok", [("", True), ("dev_", True), ("ci2_", True), ("Dev", False),
                                        ('x"; drop schema raw; --', False), ("_x", False), ("a" * 31, False)])
def test_schema_prefix_is_validated(monkeypatch, prefix, ok):
    from virta.access import schema_prefix

    monkeypatch.setenv("VIRTA_SCHEMA_PREFIX", prefix)
    if ok:
        assert schema_prefix() == prefix
    else:
        with pytest.raises(VirtaError, match="VIRTA_SCHEMA_PREFIX must be"):
            schema_prefix()


def test_printed_setup_has_no_trust_and_pins_function_search_paths():
    from virta.access import setup_sql

    script = setup_sql("virta", "dev_")
    assert "trust" not in script.lower().replace("# ", "")
    assert script.count("create or replace function") == script.count("set search_path = pg_catalog, pg_temp")
    assert '"dev_marts"' in script and "create schema if not exists \"raw\"" in script
    for role in ("virta_owner", "virta_loader", "virta_transformer", "virta_steward", "virta_analyst"):
        assert f"create role {role}" in script
    attributes = [line for line in script.splitlines() if re.match(r"alter role \w+ (no)?login", line)]
    assert len(attributes) == 6
    assert all(line.endswith("nosuperuser nocreatedb nocreaterole noreplication nobypassrls;") for line in attributes)


def test_personal_logins_get_the_group_without_its_identity():
    from virta.access import person_statements

    steward = " ".join(person_statements("anna_k", "steward", ["20", "*"]))
    assert "grant virta_county_steward to \"anna_k\" with inherit true, set false" in steward
    assert "'anna_k', '*'" in steward and "'anna_k', '20'" in steward
    assert "grant virta_analyst to \"ben_a\" with inherit true, set false" in " ".join(
        person_statements("ben_a", "analyst", []))
    for bad in ("virta_steward", "pg_x", "A", "x; drop role y"):
        with pytest.raises(VirtaError):
            person_statements(bad, "analyst", [])
    with pytest.raises(VirtaError, match="not a county code"):
        person_statements("anna_k", "steward", ["20'; --"])
