"""Where an address is, as a person's session list shows it ("Lyon, France"): read from a MaxMind-format
database (GeoLite2 or GeoIP2 City or Country, `.mmdb`) that GEOIP_PATH names, a file or a folder holding
GeoLite2-City.mmdb or GeoLite2-Country.mmdb (Django's own setting and file names). The database is not
shipped: MaxMind's licence asks each site to download it (docs/deploy.md). Without one, the list shows
the address alone; private and loopback addresses are "Local network" either way.

maxminddb is MaxMind's own reader (a C extension, no other dependency); it maps the file, so a lookup
costs microseconds and no memory per process beyond the shared pages."""

import ipaddress
from functools import lru_cache
from pathlib import Path

import maxminddb
from django.conf import settings

LOCAL = "Local network"
# Loopback, link-local and the private ranges of RFC 1918 and RFC 4193: a machine on the site's own
# network, which no place database knows.
LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
        "::1/128", "fc00::/7", "fe80::/10",
    )
)  # fmt: skip
FILE_NAMES = ("GeoLite2-City.mmdb", "GeoIP2-City.mmdb", "GeoLite2-Country.mmdb", "GeoIP2-Country.mmdb")


def _database_file(configured: str) -> Path | None:
    path = Path(configured)
    if path.is_file():
        return path
    if path.is_dir():
        return next((path / name for name in FILE_NAMES if (path / name).is_file()), None)
    return None


@lru_cache(maxsize=4)
def _reader(configured: str) -> maxminddb.Reader | None:
    found = _database_file(configured) if configured else None
    return maxminddb.open_database(str(found)) if found else None


def _english(record: dict, key: str) -> str:
    return ((record.get(key) or {}).get("names") or {}).get("en", "")


def place_of(address: str | None) -> str:
    """ "City, Country", "Country", "Local network", or "" when the address or the database is missing
    or the database does not know the address."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if any(ip in network for network in LOCAL_NETWORKS if network.version == ip.version):
        return LOCAL
    reader = _reader(str(getattr(settings, "GEOIP_PATH", "") or ""))
    record = reader.get(str(ip)) if reader else None
    if not isinstance(record, dict):
        return ""
    return ", ".join(part for part in (_english(record, "city"), _english(record, "country")) if part)
