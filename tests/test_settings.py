"""Production settings: refuse to start without a secret key; `check --deploy` is clean when the
documented variables are set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED = {
    "SECRET_KEY": "k3J9-" + "q" * 30 + "-Zx81_mP0vL2wT7yR4nB6cD",
    "ALLOWED_HOSTS": "api.alumni.example.jp",
    "PWA_BASE_URL": "https://alumni.example.jp",
    "API_ORIGIN": "https://api.alumni.example.jp",
    # The database the suite runs on, so the PostgreSQL run checks the PostgreSQL setup too.
    "DATABASE_URL": os.environ.get("DATABASE_URL")
    or "sqlite:///" + str(ROOT / "var" / "deploy-check.sqlite3"),
}


def _manage(*args: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in DOCUMENTED}
    env.update({"DJANGO_SETTINGS_MODULE": "cms.settings.production", **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in DOCUMENTED.items() if k != "SECRET_KEY"}
    result = _manage("check", extra_env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "50" in result.stderr


def test_check_deploy_is_clean_with_the_documented_variables() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", extra_env=DOCUMENTED)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_registrant_target_is_the_deployments_own() -> None:
    """Another employer's contract sets another target: it comes from the environment."""
    shown = "from django.conf import settings; print(settings.ALUMNI_REGISTRATION_TARGET)"
    result = _manage(
        "shell", "-c", shown, extra_env={**DOCUMENTED, "ALUMNI_REGISTRATION_TARGET": "240"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "240"
