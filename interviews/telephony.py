"""The telephony provider behind one small interface: Twilio through its SDK, or the embedded
simulator (no credentials). The rest of the code does not know which one runs.

Errors say what they mean for a retry: `PermanentCallError` (the number cannot be called: do not
try again), `ProviderUnavailable` (nothing was sent: safe to try again), `AmbiguousCallError` (the
request may have reached the provider: look the call up before dialling again).
"""

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from aihm.tasks import ProviderUnavailable

# Twilio error codes that no retry will change (invalid or unreachable number, blocked region...).
PERMANENT_TWILIO_CODES = {13223, 13224, 13225, 13226, 13227, 21210, 21211, 21214, 21215, 21216, 21217, 21612, 32203}
HTTP_TIMEOUT_SECONDS = 10


class PermanentCallError(Exception):
    """The provider refused the call for good (e.g. an invalid number)."""


class AmbiguousCallError(Exception):
    """The call request may have reached the provider (a timeout after sending)."""


class MessageNotSent(Exception):
    """The provider did not take a text message (refused, unreachable, or no answer in time); the
    message names the cause, never the number or the text."""


@dataclass(frozen=True)
class CallRequest:
    to: str
    answer_url: str
    status_url: str
    time_limit_seconds: int
    ring_seconds: int
    persona: str = ""  # the simulator's candidate; a real provider ignores it


def is_simulated():
    return not settings.TWILIO_ACCOUNT_SID


def auth_token():
    """The token that signs webhooks: Twilio's, or the simulator's own (derived from SECRET_KEY)."""
    if not is_simulated():
        return settings.TWILIO_AUTH_TOKEN
    from django.utils.crypto import salted_hmac

    return salted_hmac("interviews.simulator-token", "webhooks").hexdigest()


def provider():
    if is_simulated():
        from interviews.simulator import SimulatedTelephony

        return SimulatedTelephony()
    return TwilioTelephony()


@lru_cache(maxsize=4)
def _twilio_client(account_sid, auth_token, base_url):
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=HTTP_TIMEOUT_SECONDS))
    if base_url:
        # A stub on 127.0.0.1 in the tests: the SDK's real HTTP layer, another host.
        for domain in (client.api, client.messaging):
            domain.base_url = base_url
    return client


class TwilioTelephony:
    label = "Twilio"

    def __init__(self):
        self.client = _twilio_client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_API_BASE_URL)

    def place_call(self, call):
        """Create the call; returns its SID. Answering machines are detected, the ring and the
        call are bounded, and every progress event comes back on the attempt's own URL."""
        from requests.exceptions import ConnectionError as RequestsConnectionError
        from requests.exceptions import ConnectTimeout, ReadTimeout, RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            created = self.client.calls.create(
                to=call.to, from_=settings.TWILIO_FROM_NUMBER, url=call.answer_url, method="POST",
                machine_detection="Enable", timeout=call.ring_seconds, time_limit=call.time_limit_seconds,
                status_callback=call.status_url, status_callback_method="POST",
                status_callback_event=["initiated", "ringing", "answered", "completed"],
            )
        except ConnectTimeout as error:
            raise ProviderUnavailable(f"Twilio unreachable ({type(error).__name__})") from None
        except ReadTimeout as error:
            raise AmbiguousCallError(f"Twilio did not answer in time ({type(error).__name__})") from None
        except RequestsConnectionError as error:
            if _may_have_been_sent(error):
                raise AmbiguousCallError(f"Twilio closed the connection without answering ({type(error).__name__})") from None
            raise ProviderUnavailable(f"Twilio unreachable ({type(error).__name__})") from None
        except TwilioRestException as error:
            if error.code in PERMANENT_TWILIO_CODES or error.status in (400, 404, 409, 422):
                raise PermanentCallError(f"Twilio refused the call (error {error.code})") from None
            # 401/403 (the account's credentials), 429 and 5xx: the number is not at fault.
            raise ProviderUnavailable(f"Twilio error {error.status}") from None
        except RequestException as error:
            # Any other failure of the HTTP exchange once it began (a broken body, a bad
            # redirect): the request may have been taken, so it is never sent again blindly.
            raise AmbiguousCallError(f"Twilio's answer was lost ({type(error).__name__})") from None
        except (TwilioException, ValueError) as error:
            # The SDK could not read an answer (not JSON, no SID): the call may exist.
            raise AmbiguousCallError(f"Twilio's answer could not be read ({type(error).__name__})") from None
        return created.sid

    def send_sms(self, *, to, body, status_url):
        """Send one text message from the account's number; returns its SID. Its delivery
        statuses come back on `status_url`."""
        from requests.exceptions import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            created = self.client.messages.create(to=to, from_=settings.TWILIO_FROM_NUMBER, body=body, status_callback=status_url)
        except TwilioRestException as error:  # its text may quote the number: only the code is kept
            raise MessageNotSent(f"Twilio refused the message (error {error.code or error.status})") from None
        except (TwilioException, RequestException) as error:
            raise MessageNotSent(f"Twilio unreachable ({type(error).__name__})") from None
        return created.sid

    def find_calls(self, *, to, since):
        """Calls to this number created since a moment: what an ambiguous attempt may have made."""
        from requests.exceptions import RequestException
        from twilio.base.exceptions import TwilioException

        try:
            return [(call.sid, call.status) for call in self.client.calls.list(to=to, start_time_after=since, limit=20)]
        except (TwilioException, RequestException) as error:  # a page's error is a plain TwilioException
            raise ProviderUnavailable(f"Twilio could not list the calls ({type(error).__name__})") from None

    def end_call(self, call_sid):
        from requests.exceptions import RequestException
        from twilio.base.exceptions import TwilioRestException

        try:
            self.client.calls(call_sid).update(status="completed")
        except TwilioRestException as error:
            raise PermanentCallError(f"Twilio error {error.code}") from None
        except RequestException as error:
            raise ProviderUnavailable(f"Twilio unreachable ({type(error).__name__})") from None

    def fetch_recording(self, recording_sid):
        """The recording's WAV, from this account's own recordings, by SID (a URL from a request
        body is never fetched: a forged callback could point the credentials anywhere)."""
        import requests

        if not _is_sid(recording_sid, "RE"):
            raise RecordingUnavailable("not a recording id")
        base = settings.TWILIO_API_BASE_URL or "https://api.twilio.com"
        address = f"{base}/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Recordings/{recording_sid}.wav"
        try:
            answer = requests.get(address, auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN),
                                  timeout=HTTP_TIMEOUT_SECONDS, allow_redirects=False)
        except requests.RequestException as error:
            raise ProviderUnavailable(f"Twilio unreachable ({type(error).__name__})") from None
        if answer.status_code == 404:
            raise RecordingUnavailable("Twilio has no such recording")
        if answer.status_code != 200:
            raise ProviderUnavailable(f"Twilio answered {answer.status_code} for a recording")
        return answer.content

    def delete_recording(self, recording_sid):
        from requests.exceptions import RequestException
        from twilio.base.exceptions import TwilioRestException

        if not _is_sid(recording_sid, "RE"):
            return
        try:
            self.client.recordings(recording_sid).delete()
        except TwilioRestException as error:
            if error.status != 404:
                raise ProviderUnavailable(f"Twilio error {error.code}") from None
        except RequestException as error:
            raise ProviderUnavailable(f"Twilio unreachable ({type(error).__name__})") from None


class RecordingUnavailable(Exception):
    """The provider has no such recording (gone, or never made): retrying will not help."""


def _is_sid(value, prefix):
    return isinstance(value, str) and len(value) == 34 and value.startswith(prefix) and value[2:].isalnum()


def _may_have_been_sent(error):
    """False only when a requests ConnectionError failed before anything was sent (no connection
    made, TLS or proxy refused); a connection dropped while waiting for the answer may have
    created the call."""
    from requests.exceptions import ProxyError, SSLError
    from urllib3.exceptions import NewConnectionError

    if isinstance(error, (SSLError, ProxyError)):
        return False
    reason = error.args[0] if error.args else None
    return not isinstance(getattr(reason, "reason", reason), NewConnectionError)
