import pytest
from django.test import RequestFactory

from core.client_ip import client_ip


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_remote_addr_without_proxies():
    request = _request(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert client_ip(request) == "192.0.2.1"


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "203.0.113.66, 198.51.100.9", "198.51.100.9"),
        (2, "203.0.113.66, 198.51.100.9, 10.0.0.3", "198.51.100.9"),
        (2, "198.51.100.9", "10.0.0.1"),  # fewer hops than proxies: not through them
        (1, "", "10.0.0.1"),
        (1, "not-an-address", None),
    ],
)
def test_forwarded_for_read_from_the_right(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = _request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_trusted_header_wins(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    request = _request(REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP=" 2001:db8::1 ")
    assert client_ip(request) == "2001:db8::1"


def test_no_valid_address():
    assert client_ip(_request(REMOTE_ADDR="unix-socket")) is None
    assert client_ip(None) is None
