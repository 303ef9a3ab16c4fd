"""The load benchmark (bench/load.py) runs the server as the image does and reads its tools'
output right; the benchmark itself is run by hand (bench/README.md), not by the suite."""

import subprocess
import sys

import pytest

from tests.bench_support import ROOT, load_bench_module


@pytest.fixture(scope="module")
def load():
    return load_bench_module("bench_load", "load.py")


WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:40000/api/v1/candidates/x
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    40.10ms   12.00ms   1.01s    80.00%
  Latency Distribution
     50%  742.91us
     75%    1.01s 
     90%    1.01s 
     99%    1.20s 
  1234 requests in 3.00s, 1.20MB read
  Socket errors: connect 0, read 1, write 0, timeout 3
  Non-2xx or 3xx responses: 2
Requests/sec:    411.33
Transfer/sec:      1.02MB
"""


def test_wrk_output_is_read_in_milliseconds_with_its_errors(load):
    run = load.parse_wrk(WRK_OUTPUT)
    assert run == {"rps": 411.33, "p50": pytest.approx(0.74291), "p99": 1200.0, "requests": 1234, "errors": 6}


def test_compose_defaults_are_taken_and_required_variables_left_out(load):
    assert load.compose_interpolate("${WEB_CONCURRENCY:-3}") == ("3", False)
    assert load.compose_interpolate("${CSRF:-${FRONTEND_URL:-http://127.0.0.1:8000}}") == ("http://127.0.0.1:8000", False)
    assert load.compose_interpolate("${S3_ENDPOINT_URL-http://minio:9000}") == ("http://minio:9000", False)
    assert load.compose_interpolate("redis://:${REDIS_PASSWORD:?set it}@redis:6379/0")[1] is True
    assert load.compose_interpolate("$${HOSTNAME}") == ("${HOSTNAME}", False)


def test_the_server_is_the_dockerfiles_gunicorn_bound_to_loopback(load):
    command = load.server_command(ROOT, 40000)
    assert "gunicorn" in command and "aihm.wsgi" in command
    assert command[-2:] == ["--bind", "127.0.0.1:40000"]
    assert not any("0.0.0.0" in word for word in command)
    assert all(not word.startswith("/app/") for word in command), "the image's /app is mapped onto the checkout"


def test_the_server_environment_is_production_and_its_settings_load(load, tmp_path):
    env = load.server_environment(ROOT, db_name="aihm_bench", redis_url="redis://127.0.0.1:6379/13",
                                  var_dir=tmp_path, port=40000, extra={})
    assert env["ENVIRONMENT"] == "production" and env["DEBUG"] == "false"
    assert env["WEB_CONCURRENCY"], "docker-compose.prod.yml's worker count reaches the server"
    assert not [key for key in env if key.startswith("S3_")]
    assert env["SECRET_KEY"] != env["JWT_SECRET_KEY"]
    # The production guards accept it (settings load; nothing connects yet).
    loaded = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.PRODUCTION)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.strip() == "True"


def test_percentiles_are_nearest_rank(load):
    values = [float(v) for v in range(1, 101)]
    assert load.percentile(values, 50) == 50.0
    assert load.percentile(values, 99) == 99.0
    assert load.percentile([7.0], 99) == 7.0
