"""The headers every response carries, and the production cookie settings."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name", ["accounts:login", "health"])
def test_strict_headers_on_pages(client, url_name):
    response = client.get(reverse(url_name))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"] and "microphone=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"


def test_api_errors_are_json_with_the_same_headers(client):
    response = client.get("/api/v1/positions")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json") and "message" in response.json()
    assert response["X-Frame-Options"] == "DENY"
