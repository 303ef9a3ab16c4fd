"""The interviews benchmark (bench/interviews.py) parses its options, counts its stages and reads
its results right; the benchmark itself is run by hand (bench/README.md), not by the suite."""

from unittest import mock

import pytest

from tests.bench_support import load_bench_module


@pytest.fixture(scope="module")
def bench():
    return load_bench_module("bench_interviews", "interviews.py")


@pytest.fixture(scope="module")
def bench_app():
    return load_bench_module("bench_interviews_app", "interviews_app.py")


def simulated(**run):
    base = {"seconds": 1.0, "state": "audio_complete", "answers_stored": 5, "answers": 5, "audio_bytes": 500 * 1024,
            "audio_complete_seconds": 0.4, "transcripts_done": 5, "analysis_state": "done", "pdf_seconds": 0.3,
            "pdf_bytes": 40 * 1024,
            "audio_seconds": 63, "stages": {"speech": 0.5, "webhooks": 0.3}, "calls": {"speech": 5, "webhooks": 16}}
    return {**base, **run}


def dialled(seeded=1000, creates=1000, sids=1000):
    claims = {"seconds": 2.0, "claimed": seeded, "queued": seeded, "distinct_queued": seeded}
    return {
        "interviews": seeded, "seed_seconds": 2.0, "consent": "bulk", "calls_per_second": 1000.0,
        "claims": [claims, {**claims, "seconds": 4.0}],
        "dials": {"seconds": 40.0, "claimed": seeded, "attempts": seeded, "attempts_with_sid": sids, "distinct_sids": sids,
                  "interviews_dialling": seeded, "attempts_errors": [],
                  "stages": {"calls_create": 4.0, "place_call": 30.0}, "calls": {"calls_create": seeded, "place_call": seeded}},
        "stub": {"creates": creates, "status_urls": creates, "requests": creates},
    }


def test_the_defaults_are_the_documented_run(bench):
    options = bench.parse_options([])
    assert (options.part, options.runs, options.tenants, options.per_tenant) == ("all", 5, 20, 50)
    assert options.calls_per_second == 1000 and options.consent == "bulk" and options.db_name == "aihm_bench_dialler"
    assert not options.keep_db
    with pytest.raises(SystemExit):
        bench.parse_options(["--runs", "0"])


def test_the_application_runs_on_embedded_defaults_with_eager_celery(bench, tmp_path):
    env = bench.app_environment(tmp_path, CALLS_PER_SECOND="1000")
    assert env["AIHM_VAR_DIR"] == str(tmp_path) and env["CELERY_TASK_ALWAYS_EAGER"] == "true"
    assert env["CALLS_PER_SECOND"] == "1000"
    assert env["DATABASE_URL"] == f"sqlite:///{tmp_path / 'aihm.sqlite3'}"
    assert env["TWILIO_ACCOUNT_SID"] == env["REDIS_URL"] == env["DATABASE_PRIVILEGED_URL"] == "", "a .env cannot turn them on"


def test_the_simulator_report_gives_median_max_stages_and_answers(bench):
    result = {"questions": 5, "runs": [simulated(seconds=2.0), simulated(seconds=1.0), simulated(seconds=1.2)]}
    text = "\n".join(bench.simulator_report(result))
    assert "embedded defaults" in text and "simulated candidate" in text
    assert "to report ready, 3 run(s), 5 questions: median 1.20 s, max 2.00 s, first (cold: the model loads) 2.00 s" in text
    assert "schedule to audio_complete: median 0.40 s; audio_complete to report ready: median 0.80 s" in text
    assert "first PDF of the report (WeasyPrint, rendered and stored): median 0.30 s, 40 KiB" in text
    assert "5, 5, 5 of 5 questions" in text and "63 s of audio" in text
    assert "0.500 s" in text and "synthesize_phone_answer, 5 call(s)" in text
    assert "MISMATCH" not in text and bench.simulator_problems(result) == []


def test_a_simulated_interview_that_did_not_complete_is_reported(bench):
    result = {"questions": 5, "runs": [simulated(), simulated(state="partial", answers_stored=2, transcripts_done=2)]}
    assert bench.simulator_problems(result) == ["run 2: partial, 2 of 5 answers stored, 2 transcribed, analysis done, PDF made"]
    assert "MISMATCH: run 2" in "\n".join(bench.simulator_report(result))


def test_a_report_not_analysed_or_a_transcript_missing_is_reported(bench):
    result = {"questions": 5, "runs": [simulated(transcripts_done=4), simulated(analysis_state="failed", pdf_bytes=0, pdf_seconds=None)]}
    assert bench.simulator_problems(result) == [
        "run 1: audio_complete, 5 of 5 answers stored, 4 transcribed, analysis done, PDF made",
        "run 2: audio_complete, 5 of 5 answers stored, 5 transcribed, analysis failed, PDF missing",
    ]


def test_the_dialler_report_gives_both_rates_and_checks_each_call_was_made_once(bench):
    text = "\n".join(bench.dialler_report(dialled(), 20, 50))
    assert "1000 claimed in 3.00 s, 375 (250-500) claims/s" in text
    assert "1000 in 40.00 s, 25 interviews/s" in text
    assert "4.0 ms a call" in text and "30.0 ms a call" in text
    assert "1000 calls.create requests" in text and "dialled exactly once" in text


def test_a_call_created_twice_or_a_lost_sid_is_a_mismatch(bench):
    problems = bench.dialler_problems(dialled(creates=1001, sids=999))
    assert any("1001 calls.create for 1000 claims" in problem for problem in problems)
    assert any("999 attempts with a SID" in problem for problem in problems)


def test_the_twilio_stub_answers_calls_create_through_the_sdk(bench):
    from twilio.rest import Client

    with bench.TwilioStub() as stub:
        client = Client(bench.TWILIO_ACCOUNT_SID, "token")
        client.api.base_url = stub.server.url
        call = client.calls.create(to="+212612345678", from_="+15005550006", url="https://aihm.test/voice",
                                   status_callback="https://aihm.test/attempts/1/status")
    assert call.sid.startswith("CA") and len(call.sid) == 34 and call.status == "queued"
    assert (stub.creates, stub.status_urls) == (1, {"https://aihm.test/attempts/1/status"})


def test_a_stage_counts_its_own_time_not_its_nested_stages(bench_app):
    clock = bench_app.StageClock()
    inner = clock.wrap("inner", lambda: None)
    outer = clock.wrap("outer", lambda: inner())
    with mock.patch.object(bench_app.time, "perf_counter", side_effect=[0.0, 1.0, 3.0, 10.0]):
        outer()
    assert dict(clock.seconds) == {"inner": 2.0, "outer": 8.0}
    assert dict(clock.calls) == {"inner": 1, "outer": 1}
