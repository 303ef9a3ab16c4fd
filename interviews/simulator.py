"""The embedded telephony: with no Twilio credentials, "placing a call" starts a simulated
candidate (a Celery task) that requests the same webhook views Twilio would, signed exactly like
Twilio with the simulator's own token, follows the TwiML verbs (Say, Gather, Record, Redirect,
Hangup), sends the same status and recording callbacks, and answers each <Record> with
synthesized speech at phone quality. Its recordings are fetched through the same interface as
Twilio's (`fetch_recording` / `delete_recording` by SID). Nobody is phoned."""

import logging
import secrets
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from aihm.tenancy import current_tenant_id
from interviews import telephony
from interviews.models import CallAttempt
from interviews.personas import DEFAULT_PERSONA, PERSONAS
from interviews.phone_audio import SpeechUnavailable, silence_wav, synthesize_phone_answer
from interviews.webhook_security import signature_for, webhook_url

logger = logging.getLogger(__name__)

MAX_STEPS = 200
SECONDS_PER_ANSWER = 12  # the simulated call's clock: no real waiting


def _store():
    folder = Path(settings.VAR_DIR) / "simulator"
    (folder / "recordings").mkdir(parents=True, exist_ok=True)
    (folder / "ended").mkdir(parents=True, exist_ok=True)
    return folder


def _sid(prefix):
    return prefix + secrets.token_hex(16)


class SimulatedTelephony:
    label = "simulator"

    def place_call(self, call):
        from interviews.tasks import simulate_call_task

        call_sid = _sid("CA")
        simulate_call_task.delay(current_tenant_id(), call_sid, {
            "to": call.to, "answer_url": call.answer_url, "status_url": call.status_url, "persona": call.persona,
        })
        return call_sid

    def send_sms(self, *, to, body, status_url):
        """The console, as Django's console email backend: the message on stdout, never in the
        logs (they hold no personal data); then Twilio's "sent" status, signed, on `status_url`."""
        message_sid = _sid("SM")
        sender = settings.TWILIO_FROM_NUMBER or "+10000000000"
        print(f"Text message {message_sid}\nFrom: {sender}\nTo: {to}\n\n{body}\n{'-' * 79}", flush=True)
        params = {"MessageSid": message_sid, "MessageStatus": "sent", "From": sender, "To": to}
        base = urlsplit(settings.TWILIO_WEBHOOK_BASE_URL)
        signature = signature_for(status_url, params, telephony.auth_token())
        with translation.override(translation.get_language()):
            response = Client(HTTP_HOST=base.netloc).post(
                urlsplit(status_url).path, params, secure=base.scheme == "https", HTTP_X_TWILIO_SIGNATURE=signature,
            )
        if response.status_code >= 400:
            logger.warning("simulator: the message status webhook answered %s", response.status_code)
        return message_sid

    def find_calls(self, *, to, since):
        return []

    def end_call(self, call_sid):
        (_store() / "ended" / call_sid).touch()

    def fetch_recording(self, recording_sid):
        path = _store() / "recordings" / f"{recording_sid}.wav"
        if not telephony._is_sid(recording_sid, "RE") or not path.exists():
            raise telephony.RecordingUnavailable("the simulator has no such recording")
        return path.read_bytes()

    def recording_text(self, recording_sid):
        """What the simulated candidate said, where no voice could say it (Arabic); else ""."""
        path = _store() / "recordings" / f"{recording_sid}.txt"
        if not telephony._is_sid(recording_sid, "RE") or not path.exists():
            return ""
        return path.read_text(encoding="utf-8")

    def delete_recording(self, recording_sid):
        if telephony._is_sid(recording_sid, "RE"):
            (_store() / "recordings" / f"{recording_sid}.wav").unlink(missing_ok=True)
            (_store() / "recordings" / f"{recording_sid}.txt").unlink(missing_ok=True)


def run_simulated_call(call_sid, request):
    _SimulatedCall(call_sid, request).run()


def simulate_call_back(interview, *, by, persona=None):
    """The simulated candidate calls the line back (the embedded default's demo of an inbound
    call): a fresh call-back code, then the number's own webhooks, as Twilio would send them."""
    from consent import callback_codes
    from consent.models import CallbackCodePurpose
    from interviews.tasks import simulate_call_task

    code = callback_codes.issue(interview.candidate, purpose=CallbackCodePurpose.SIMULATED_CALL_BACK)
    simulate_call_task.delay_on_commit(str(interview.tenant_id), _sid("CA"), {
        "inbound": True, "from": interview.candidate.phone, "code": code, "persona": interview.persona if persona is None else persona,
        "answer_url": webhook_url("interviews:webhook_inbound_voice"),
        "status_url": webhook_url("interviews:webhook_inbound_status"),
    })


class _SimulatedCall:
    def __init__(self, call_sid, request):
        self.call_sid = call_sid
        self.request = request
        self.persona = PERSONAS.get(request.get("persona") or DEFAULT_PERSONA, PERSONAS[DEFAULT_PERSONA])
        base = urlsplit(settings.TWILIO_WEBHOOK_BASE_URL)
        self.client = Client(HTTP_HOST=base.netloc)
        self.secure = base.scheme == "https"
        self.answers_given = 0
        self.seconds = 0
        self.inbound = bool(request.get("inbound"))
        self.attempt = None
        if not self.inbound:
            attempt_id = urlsplit(request["answer_url"]).path.rstrip("/").split("/")[-2]
            self.attempt = CallAttempt.objects.filter(pk=attempt_id).first()

    @property
    def interview(self):
        """The interview of the call; an inbound call has one once its code has named it."""
        if self.attempt is None and self.inbound:
            self.attempt = CallAttempt.objects.filter(call_sid=self.call_sid).first()
        if self.attempt is None:
            return None
        return type(self.attempt.interview).objects.select_related("script").get(pk=self.attempt.interview_id)

    # --- HTTP, signed like Twilio ---

    def post(self, url, params):
        ours = settings.TWILIO_FROM_NUMBER or "+10000000000"
        if self.inbound:
            params = {"CallSid": self.call_sid, "To": ours, "From": self.request["from"], "Direction": "inbound", **params}
        else:
            params = {"CallSid": self.call_sid, "To": self.request["to"], "From": ours, "Direction": "outbound-api", **params}
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        signature = signature_for(url, params, telephony.auth_token())
        # A request activates its own language; the simulated call's own code keeps the caller's.
        with translation.override(translation.get_language()):
            response = self.client.post(path, params, secure=self.secure, HTTP_X_TWILIO_SIGNATURE=signature)
        if response.status_code >= 400:
            logger.warning("simulator: webhook answered %s", response.status_code)
            return ""
        return response.content.decode()

    def status(self, status, **extra):
        self.post(self.request["status_url"], {"CallStatus": status, **extra})

    def ended_elsewhere(self):
        return (_store() / "ended" / self.call_sid).exists()

    # --- The call ---

    def run(self):
        if self.inbound:
            return self.call_back()
        self.status("initiated")
        if self.persona.busy:
            return self.status("busy")
        self.status("ringing")
        if not self.persona.answers_call:
            return self.status("no-answer")
        answered_by = "machine_start" if self.persona.voicemail else "human"
        self.status("in-progress", AnsweredBy=answered_by)
        body = self.post(self.request["answer_url"], {"CallStatus": "in-progress", "AnsweredBy": answered_by})
        steps = 0
        while body and steps < MAX_STEPS and not self.ended_elsewhere():
            steps += 1
            body = self.follow(body)
        self.status("completed", CallDuration=str(max(1, self.seconds)))

    def call_back(self):
        """The candidate calls the line, enters the code when asked, then acts out the persona."""
        self.status("ringing")
        body = self.post(self.request["answer_url"], {"CallStatus": "ringing"})
        steps = 0
        while body and steps < MAX_STEPS:
            steps += 1
            body = self.follow(body)
        self.status("completed", CallDuration=str(max(1, self.seconds)))

    def follow(self, twiml):
        """Act out one TwiML document; the body of the next request, or "" when the call ends."""
        try:
            root = ElementTree.fromstring(twiml)
        except ElementTree.ParseError:
            logger.warning("simulator: the webhook answered something that is not TwiML")
            return ""
        said = ""
        for verb in root:
            if verb.tag == "Say":
                said = verb.text or ""
                self.seconds += 3
            elif verb.tag == "Gather":
                said = " ".join(say.text or "" for say in verb.iter("Say")) or said
                digits = self.gather_reply(verb.get("action", ""))
                if digits:
                    return self.post(verb.get("action"), {"Digits": digits})
            elif verb.tag == "Record":
                return self.record(verb, said)
            elif verb.tag == "Redirect":
                return self.post(verb.text.strip(), {"CallStatus": "in-progress"})
            elif verb.tag == "Hangup":
                return ""
        return ""

    def gather_reply(self, action):
        path = urlsplit(action).path
        if path.endswith("/inbound/code"):
            return self.request.get("code")
        if path.endswith("/confirm"):
            return self.persona.confirm_digit
        if path.endswith("/callback"):
            return self.persona.callback_choice
        return None

    def record(self, verb, question_text):
        interview = self.interview
        language = interview.language if interview else "en"
        hang_up_after = self.persona.hangs_up_after(len(interview.script.questions) if interview else 0)
        if hang_up_after is not None and self.answers_given >= hang_up_after:
            return ""  # the candidate hangs up while the question is asked
        number = self.answers_given + 1
        text = self.persona.answer_text(question_text, language, number)
        if not text:
            return self.post(_no_input_url(verb), {"CallStatus": "in-progress"})  # silence: no recording
        try:
            audio = synthesize_phone_answer(text, language)
        except SpeechUnavailable as why:
            if language != "ar":
                self.fail(str(why))
                return ""
            audio = silence_wav(2)  # no offline Arabic voice: the answer exists as text only
        recording_sid = _sid("RE")
        (_store() / "recordings" / f"{recording_sid}.wav").write_bytes(audio)
        if language == "ar":
            (_store() / "recordings" / f"{recording_sid}.txt").write_text(text, encoding="utf-8")
        duration = str(max(1, SECONDS_PER_ANSWER))
        self.answers_given += 1
        self.seconds += SECONDS_PER_ANSWER
        next_body = self.post(verb.get("action"), {"RecordingSid": recording_sid, "RecordingDuration": duration, "Digits": "#"})
        callback = verb.get("recordingStatusCallback")
        if callback:
            self.post(callback, {
                "RecordingSid": recording_sid, "RecordingStatus": "completed", "RecordingDuration": duration,
                # Twilio sends the recording's URL too; AIHM never fetches a URL from a request.
                "RecordingUrl": f"https://recordings.invalid/{recording_sid}",
            })
        return next_body

    def fail(self, reason):
        if self.attempt is not None:
            CallAttempt.objects.filter(pk=self.attempt.pk).update(error=(_("Simulator: %(why)s") % {"why": reason})[:500])
        self.status("failed")


def _no_input_url(record_verb):
    """What Twilio does after a <Record> that heard nothing: the next verb (the Redirect)."""
    from interviews.twiml import no_input_url

    return no_input_url(record_verb.get("action"))
