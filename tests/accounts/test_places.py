"""The place beside a session: read from a MaxMind-format database when GEOIP_PATH names one (written
here with mmdb-writer, in the layout GeoLite2 City and Country use), "Local network" for the site's own
addresses, and the address alone when there is no database or it does not know the address."""

import pytest
from django.urls import reverse
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from accounts import places
from accounts.places import LOCAL, place_of
from tests.accounts.test_sessions import FIREFOX, signed_in

LONDON = {"city": {"names": {"en": "London", "de": "London"}}, "country": {"names": {"en": "United Kingdom"}}}
COUNTRY_ONLY = {"country": {"names": {"en": "Sweden"}}}


@pytest.fixture
def place_database(tmp_path, settings):
    """A City database in a folder, as geoipupdate leaves GeoLite2 (GEOIP_PATH names the folder)."""
    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-City", ipv4_compatible=True)
    writer.insert_network(IPSet(["81.2.69.0/24", "2a02:c7f::/32"]), LONDON)
    writer.insert_network(IPSet(["89.160.20.0/24"]), COUNTRY_ONLY)
    writer.to_db_file(str(tmp_path / "GeoLite2-City.mmdb"))
    settings.GEOIP_PATH = str(tmp_path)
    places._reader.cache_clear()
    yield tmp_path
    places._reader.cache_clear()


def test_places_come_from_the_database(place_database):
    assert place_of("81.2.69.160") == "London, United Kingdom"
    assert place_of("2a02:c7f:1234::1") == "London, United Kingdom"
    assert place_of("89.160.20.112") == "Sweden"
    assert place_of("8.8.8.8") == ""  # not in this database
    assert place_of("not an address") == "" and place_of(None) == ""


def test_the_sites_own_addresses_are_the_local_network_with_or_without_a_database(settings):
    settings.GEOIP_PATH = ""
    places._reader.cache_clear()
    for address in ("127.0.0.1", "10.1.2.3", "172.20.0.5", "192.168.1.10", "::1", "fd00::7", "fe80::1"):
        assert place_of(address) == LOCAL, address
    assert place_of("81.2.69.160") == ""  # no database: no place, and no error
    settings.GEOIP_PATH = "/nonexistent/folder"
    places._reader.cache_clear()
    assert place_of("81.2.69.160") == ""


def test_geoip_path_may_name_the_file_itself(place_database, settings):
    settings.GEOIP_PATH = str(place_database / "GeoLite2-City.mmdb")
    places._reader.cache_clear()
    assert place_of("81.2.69.160") == "London, United Kingdom"


@pytest.mark.django_db
def test_the_session_list_shows_each_sessions_place(place_database, make_user):
    csr = make_user("csr")
    laptop = signed_in(csr, FIREFOX, "81.2.69.160")
    signed_in(csr, FIREFOX, "89.160.20.112")
    signed_in(csr, FIREFOX, "192.168.1.10")
    signed_in(csr, FIREFOX, "8.8.8.8")

    page = laptop.get(reverse("accounts:account")).content.decode()
    assert page.count('data-testid="session-row"') == 4
    rows = page.split('data-testid="session-row"')[1:]
    shown = sorted(
        row.split('data-testid="session-place">', 1)[1].split("<", 1)[0] if "session-place" in row else ""
        for row in rows
    )
    assert shown == ["", LOCAL, "London, United Kingdom", "Sweden"]
    assert "8.8.8.8" in page  # a session without a place still shows its address
