import subprocess
import sys
from pathlib import Path

from django.db import connection


def test_it_runs_against_postgres():
    assert connection.vendor == "postgresql"


def deploy_check(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deploy_check():
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "k" * 60 + "-production-like-secret",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "ALLOWED_HOSTS": "shop.example.com",
    }
    result = deploy_check(env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_is_off_unless_asked_for():
    assert setting_as_read("s.DEBUG") == ("False", "")


def test_the_example_secret_key_is_refused():
    example = Path(__file__).resolve().parent.parent / ".env.example"
    placeholder = next(
        line.split("=", 1)[1] for line in example.read_text().splitlines() if line.startswith("SECRET_KEY=")
    )
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": placeholder, "ALLOW_INSECURE_SECRET_KEY": "1"}
    result = subprocess.run(
        [sys.executable, "-c", "import storefront.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is still the placeholder from .env.example" in result.stderr


def test_the_deploy_check_refuses_the_throwaway_key_of_a_local_try():
    env = {
        "PATH": "/usr/bin:/bin",
        "ALLOW_INSECURE_SECRET_KEY": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "ALLOWED_HOSTS": "shop.example.com",
    }
    result = deploy_check(env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def setting_as_read(expression, **environment):
    """`expression` over the settings (`s`) as a fresh process reads them under `environment`:
    (what it prints, the error's last line)."""
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "k" * 60, **environment}
    result = subprocess.run(
        [sys.executable, "-c", f"import storefront.settings as s; print({expression})"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip(), (result.stderr.strip().splitlines() or [""])[-1]


def proxies_counted(**environment):
    """REST_FRAMEWORK's NUM_PROXIES (the client address is that many from the end of
    X-Forwarded-For) under `environment`."""
    return setting_as_read("s.REST_FRAMEWORK['NUM_PROXIES']", **environment)


def test_behind_a_load_balancer_and_a_proxy_of_its_own_the_client_is_two_addresses_from_the_end():
    # One proxy counted, every shopper is the load balancer's address, sharing every limit.
    assert proxies_counted(BEHIND_PROXY="1", NUM_PROXIES="2") == ("2", "")
    assert proxies_counted(BEHIND_PROXY="1") == ("1", "")
    assert proxies_counted() == ("0", "")
    # Without BEHIND_PROXY no forwarded address is trusted: a count of proxies is a mistake to say.
    assert proxies_counted(NUM_PROXIES="2")[1].endswith("set BEHIND_PROXY=1 too.")
    assert "must be a whole number of at least 1" in proxies_counted(BEHIND_PROXY="1", NUM_PROXIES="0")[1]


def statement_timeout(value):
    """WEB_STATEMENT_TIMEOUT_SECONDS as the settings read `value`."""
    return setting_as_read("s.WEB_STATEMENT_TIMEOUT_SECONDS", WEB_STATEMENT_TIMEOUT_SECONDS=value)


def test_a_statement_timeout_postgresql_would_refuse_or_round_to_none_is_refused_at_start():
    assert statement_timeout("30") == ("30.0", "")
    assert statement_timeout("0") == ("0.0", "")
    assert statement_timeout("0.25") == ("0.25", "")
    # Negative or past 2**31 - 1 ms, every web connection failed on its SET; under 1 ms it rounded
    # to 0, which is no limit at all; not a number, a bare ValueError.
    for value in ("-1", "3000000", "0.0004", "nan", "thirty"):
        assert "must be 0 (no limit) or a number of seconds from 0.001" in statement_timeout(value)[1], value


def test_a_lock_timeout_postgresql_would_refuse_or_round_to_none_is_refused_at_start():
    """A bare float() let any value through, and PostgreSQL then refused every web connection's SET."""
    assert setting_as_read("s.WEB_LOCK_TIMEOUT_SECONDS") == ("5.0", "")
    for value in ("-1", "3000000", "0.0004", "five"):
        error = setting_as_read("s.WEB_LOCK_TIMEOUT_SECONDS", WEB_LOCK_TIMEOUT_SECONDS=value)[1]
        assert "WEB_LOCK_TIMEOUT_SECONDS=" in error and "from 0.001" in error, value


def test_the_grace_of_retired_photos_is_a_day_unless_set_to_whole_seconds():
    def grace(value):
        return setting_as_read("s.RETIRED_PHOTOS_GRACE_SECONDS", RETIRED_PHOTOS_GRACE_SECONDS=value)

    assert grace("") == ("86400", "")
    assert grace("3600") == ("3600", "")
    assert grace("0") == ("0", "")  # removed by the next sweep
    for value in ("-1", "1.5", "a day", "²"):
        error = grace(value)[1]
        assert f"RETIRED_PHOTOS_GRACE_SECONDS={value!r} must be a whole number of at least 0" in error, value


def test_a_database_host_that_answers_nothing_is_given_up_on_after_ten_seconds():
    """Without connect_timeout libpq waited for the system's TCP timeout (about two minutes) on a
    host that drops packets, and each request, task or gunicorn start with it."""

    def connect_timeout(url="postgres://postgres@127.0.0.1:5432/storefront", **environment):
        expression = "s.DATABASES['default'].get('OPTIONS', {}).get('connect_timeout')"
        return setting_as_read(expression, DATABASE_URL=url, **environment)

    assert connect_timeout() == ("10", "")
    assert connect_timeout(DATABASE_CONNECT_TIMEOUT_SECONDS="3") == ("3", "")
    assert connect_timeout(DATABASE_CONNECT_TIMEOUT_SECONDS="0") == ("None", "")
    assert connect_timeout("postgres://postgres@127.0.0.1:5432/storefront?connect_timeout=7") == ("7", "")
    assert connect_timeout("sqlite:///demo.sqlite3") == ("None", "")  # no such option there
    error = connect_timeout(DATABASE_CONNECT_TIMEOUT_SECONDS="ten")[1]
    assert "DATABASE_CONNECT_TIMEOUT_SECONDS='ten' must be a whole number of at least 0" in error
