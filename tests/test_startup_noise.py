"""What every start and every refused request writes: no warning about a folder development does not
use, and a 403 as one log line rather than a traceback."""

import logging
import warnings

import pytest
from django.core.handlers.wsgi import WSGIHandler


def test_starting_the_web_application_in_development_warns_about_nothing():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        WSGIHandler()  # loads every middleware, WhiteNoise included, as a start does
    assert [str(w.message) for w in caught] == []


@pytest.mark.django_db
def test_static_files_are_still_served_in_development(client):
    response = client.get("/static/admin/css/base.css")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_refused_page_is_logged_as_one_line_without_a_traceback(client, viewer_a, caplog):
    client.force_login(viewer_a)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/accounts/team/").status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /accounts/team/"
    assert record.exc_info is None and "Traceback" not in caplog.text


@pytest.mark.django_db
def test_a_fault_keeps_its_traceback_in_the_log(client, admin_a, caplog, monkeypatch):
    from accounts import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "members_of", broken)
    client.raise_request_exception = False
    client.force_login(admin_a)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        assert client.get("/accounts/team/").status_code == 500
    assert any(r.exc_info and isinstance(r.exc_info[1], RuntimeError) for r in caplog.records)
