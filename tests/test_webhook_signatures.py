"""Twilio's request signatures: the public URL rebuilt from settings, and the webhook decorator."""

import logging

import pytest
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.test import RequestFactory, override_settings

from interviews.webhook_security import is_signed_by_twilio, public_url, signature_for, twilio_webhook

TOKEN = "12345"
BASE_URL = "https://mycompany.com"
# Twilio's published example: this URL, these parameters and token "12345" give this signature.
TWILIO_EXAMPLE_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_EXAMPLE_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
TWILIO_EXAMPLE_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="

PATH = "/twilio/attempts/Zq3_secret/answers/2"
PARAMS = {"CallSid": "CA00000000000000000000000000000001", "From": "+33612345678", "Digits": "#"}

rf = RequestFactory()


def post(path, data, signature=None, host="10.0.0.5:8000", secure=False):
    headers = {"Host": host}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return rf.post(path, data=data, headers=headers, secure=secure)


@pytest.fixture(autouse=True)
def base_url():
    with override_settings(TWILIO_WEBHOOK_BASE_URL=BASE_URL):
        yield


def test_signature_for_matches_twilios_published_example():
    assert signature_for(TWILIO_EXAMPLE_URL, TWILIO_EXAMPLE_PARAMS, TOKEN) == TWILIO_EXAMPLE_SIGNATURE


def test_twilios_example_request_is_valid_behind_a_proxy():
    request = post("/myapp.php?foo=1&bar=2", TWILIO_EXAMPLE_PARAMS, TWILIO_EXAMPLE_SIGNATURE, host="web:8000")
    assert public_url(request) == TWILIO_EXAMPLE_URL
    assert is_signed_by_twilio(request, TOKEN)


def test_a_signed_request_is_valid():
    request = post(PATH, PARAMS, signature_for(BASE_URL + PATH, PARAMS, TOKEN))
    assert is_signed_by_twilio(request, TOKEN)


def test_a_missing_signature_is_invalid():
    assert not is_signed_by_twilio(post(PATH, PARAMS), TOKEN)
    assert not is_signed_by_twilio(post(PATH, PARAMS, ""), TOKEN)


def test_a_wrong_signature_is_invalid():
    assert not is_signed_by_twilio(post(PATH, PARAMS, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="), TOKEN)
    assert not is_signed_by_twilio(post(PATH, PARAMS, TWILIO_EXAMPLE_SIGNATURE), TOKEN)


def test_a_signature_with_another_token_is_invalid():
    request = post(PATH, PARAMS, signature_for(BASE_URL + PATH, PARAMS, "another-token"))
    assert not is_signed_by_twilio(request, TOKEN)


def test_an_empty_token_never_validates():
    request = post(PATH, PARAMS, signature_for(BASE_URL + PATH, PARAMS, ""))
    assert not is_signed_by_twilio(request, "")


def test_the_url_comes_from_the_setting_not_the_host_header_or_scheme():
    request = post(PATH, PARAMS, host="evil.example", secure=False)
    assert public_url(request) == BASE_URL + PATH
    signed_as_seen = signature_for("http://evil.example" + PATH, PARAMS, TOKEN)
    assert not is_signed_by_twilio(post(PATH, PARAMS, signed_as_seen, host="evil.example"), TOKEN)
    signed_public = signature_for(BASE_URL + PATH, PARAMS, TOKEN)
    assert is_signed_by_twilio(post(PATH, PARAMS, signed_public, host="evil.example", secure=True), TOKEN)


@override_settings(TWILIO_WEBHOOK_BASE_URL="https://aihm.example.com/app/")
def test_the_base_url_may_carry_a_path_prefix():
    request = post(PATH + "?no_input=1", PARAMS)
    assert public_url(request) == "https://aihm.example.com/app" + PATH + "?no_input=1"
    signature = signature_for("https://aihm.example.com/app" + PATH + "?no_input=1", PARAMS, TOKEN)
    assert is_signed_by_twilio(post(PATH + "?no_input=1", PARAMS, signature), TOKEN)


@override_settings(TWILIO_WEBHOOK_BASE_URL="")
def test_no_base_url_configured_never_validates():
    request = post(PATH, PARAMS, signature_for(PATH, PARAMS, TOKEN))
    assert not is_signed_by_twilio(request, TOKEN)


def test_the_query_string_is_signed():
    path = PATH + "?no_input=1"
    assert is_signed_by_twilio(post(path, PARAMS, signature_for(BASE_URL + path, PARAMS, TOKEN)), TOKEN)
    without_query = signature_for(BASE_URL + PATH, PARAMS, TOKEN)
    assert not is_signed_by_twilio(post(path, PARAMS, without_query), TOKEN)
    with_query = signature_for(BASE_URL + path, PARAMS, TOKEN)
    assert not is_signed_by_twilio(post(PATH + "?no_input=0", PARAMS, with_query), TOKEN)


def test_replayed_params_with_one_value_changed_are_invalid():
    signature = signature_for(BASE_URL + PATH, PARAMS, TOKEN)
    assert is_signed_by_twilio(post(PATH, PARAMS, signature), TOKEN)
    assert not is_signed_by_twilio(post(PATH, {**PARAMS, "Digits": "*"}, signature), TOKEN)
    assert not is_signed_by_twilio(post(PATH, {**PARAMS, "RecordingSid": "RE1"}, signature), TOKEN)
    without_digits = {key: value for key, value in PARAMS.items() if key != "Digits"}
    assert not is_signed_by_twilio(post(PATH, without_digits, signature), TOKEN)


def test_a_smuggled_second_value_is_invalid():
    signature = signature_for(BASE_URL + PATH, PARAMS, TOKEN)
    smuggled = {**PARAMS, "Digits": ["*", "#"]}
    assert not is_signed_by_twilio(post(PATH, smuggled, signature), TOKEN)


def test_a_signed_url_replayed_on_another_path_is_invalid():
    signature = signature_for(BASE_URL + PATH, PARAMS, TOKEN)
    assert not is_signed_by_twilio(post("/twilio/attempts/other/answers/2", PARAMS, signature), TOKEN)


# --- The decorator ---------------------------------------------------------------------------


@pytest.fixture
def view_calls():
    return []


@pytest.fixture
def webhook(view_calls):
    @twilio_webhook(lambda: TOKEN)
    def answer(request, attempt):
        view_calls.append((attempt, request.POST.get("Digits")))
        return HttpResponse("<Response/>", content_type="text/xml")

    return answer


def test_decorated_view_runs_for_a_signed_post(webhook, view_calls):
    response = webhook(post(PATH, PARAMS, signature_for(BASE_URL + PATH, PARAMS, TOKEN)), attempt="Zq3")
    assert response.status_code == 200
    assert view_calls == [("Zq3", "#")]


def test_decorated_view_answers_403_empty_without_calling_the_view(webhook, view_calls, caplog):
    with caplog.at_level(logging.WARNING):
        response = webhook(post(PATH, PARAMS, "forged"), attempt="Zq3")
    assert response.status_code == 403
    assert response.content == b""
    assert view_calls == []
    (record,) = [r for r in caplog.records if r.name == "interviews.webhook_security"]
    message = record.getMessage()
    assert PATH in message and "bad signature" in message
    for personal in ["+33612345678", "CA00000000000000000000000000000001", "Digits", "forged"]:
        assert personal not in message


def test_decorated_view_refuses_get_with_405(webhook, view_calls):
    query = "&".join(f"{key}={value}" for key, value in PARAMS.items())
    signature = signature_for(BASE_URL + PATH + "?" + query, {}, TOKEN)
    response = webhook(rf.get(PATH + "?" + query, headers={"X-Twilio-Signature": signature}), attempt="Zq3")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert view_calls == []


def test_decorated_view_refuses_when_no_token_is_configured(view_calls):
    @twilio_webhook(lambda: "")
    def answer(request):
        view_calls.append(request)
        return HttpResponse()

    response = answer(post(PATH, PARAMS, signature_for(BASE_URL + PATH, PARAMS, "")))
    assert response.status_code == 403
    assert view_calls == []


def test_decorated_view_reads_the_token_at_each_request(view_calls):
    tokens = ["old-token"]

    @twilio_webhook(lambda: tokens[0])
    def answer(request):
        view_calls.append(request)
        return HttpResponse()

    request = post(PATH, PARAMS, signature_for(BASE_URL + PATH, PARAMS, "new-token"))
    assert answer(request).status_code == 403
    tokens[0] = "new-token"
    assert answer(request).status_code == 200


def test_decorated_view_is_csrf_exempt(webhook):
    assert webhook.csrf_exempt is True
    assert webhook.__name__ == "answer"
    request = post(PATH, PARAMS, signature_for(BASE_URL + PATH, PARAMS, TOKEN))
    request._dont_enforce_csrf_checks = False
    middleware = CsrfViewMiddleware(lambda request: HttpResponse())
    assert middleware.process_view(request, webhook, (), {"attempt": "Zq3"}) is None
