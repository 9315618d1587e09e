"""tenants.yaml is validated on load; every problem is named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebot.errors import TenantsError
from casebot.safety.catalog import Catalog
from casebot.tenants.keys import PREFIX, hash_key, new_key
from casebot.tenants.registry import load_tenants
from tests.tenants.conftest import BOROUGH_KEY, EXAMPLE, SERVER_KEY, example_text, write_tenants


def test_the_example_file_loads_when_examples_are_allowed(catalog: Catalog) -> None:
    tenants = load_tenants(EXAMPLE, catalog, allow_examples=True)
    assert [t.id for t in tenants.tenants] == ["example-borough-support", "example-partner-server"]
    assert tenants.for_key(BOROUGH_KEY) is tenants.tenants[0]
    assert tenants.for_key(SERVER_KEY) is tenants.tenants[1]
    assert "https://support.example.org" in tenants.origins


def test_the_example_file_cannot_go_live_with_its_made_up_services(catalog: Catalog) -> None:
    with pytest.raises(TenantsError, match="'example-borough-isva' is an EXAMPLE service"):
        load_tenants(EXAMPLE, catalog)


def test_an_unknown_or_missing_key_finds_no_tenant(catalog: Catalog) -> None:
    tenants = load_tenants(EXAMPLE, catalog, allow_examples=True)
    assert tenants.for_key("cbk_wrong") is None
    assert tenants.for_key(None) is None
    assert tenants.for_key(hash_key(BOROUGH_KEY)) is None  # the stored hash is not a key


def test_new_keys_are_random_and_their_hash_is_what_the_file_holds() -> None:
    (key, digest), (other, _) = new_key(), new_key()
    assert key.startswith(PREFIX) and len(key) > 40 and key != other
    assert digest == hash_key(key) and key not in digest


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("https://support.example.org", "https://support.example.org/path"), "origins are scheme://host"),
        (("https://support.example.org", "http://support.example.org"), "origins are scheme://host"),
        (('client: "10/minute"', 'client: "ten a minute"'), "not a rate limit"),
        (("category: sexual_violence", "category: burglary"), "unknown category"),
        (('exit_url: "https://www.bbc.co.uk/weather"', 'exit_url: "javascript:alert(1)"'), "exit_url"),
        (("primary_colour: \"#6b21a8\"", "primary_colour: purple"), "primary_colour"),
        (("4dd2fabb8c66a2e0b73c55b2395c378a566927879e09285243b0f9eef5a847bf", "de82c26513d0c0d4286338c35dc9a64ee9beafda6c763c137c5d898802d00377"), "two tenants share a key_sha256"),
        (("id: example-borough-isva", "id: rape-crisis-247"), "is a national service's id"),
        (("verified_on: 2026-12-01", "verified_on: recently"), "verified_on"),
        (("serves:\n          - {category: sexual_violence, priority: 0}", "serves:\n          - {need: deaf, priority: 0}"), "must serve a category|name one"),
    ],
    ids=["origin with a path", "plain http origin", "bad limit", "unknown category", "exit url not https", "colour name", "shared key", "national id reused", "no verification date", "local service for no category"],
)
def test_an_invalid_tenants_file_stops_start_up_saying_what_is_wrong(
    tmp_path: Path, catalog: Catalog, change: tuple[str, str], problem: str
) -> None:
    old, new = change
    assert old in example_text()
    path = write_tenants(tmp_path, example_text().replace(old, new, 1))
    with pytest.raises(TenantsError, match=problem) as caught:
        load_tenants(path, catalog, allow_examples=True)
    assert "\n" not in str(caught.value)


def test_an_unreadable_tenants_file_is_a_tenants_error(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(TenantsError, match="cannot read tenants file"):
        load_tenants(tmp_path / "missing.yaml", catalog)
    with pytest.raises(TenantsError, match="failed validation"):
        load_tenants(write_tenants(tmp_path, "tenants: []\n"), catalog)
