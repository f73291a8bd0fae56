"""Every setting is documented: in the settings module and in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings, env_example

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {
    "ORIENTA_DATABASE_URL",
    "ORIENTA_TELEGRAM_TOKEN",
    "ORIENTA_TELEGRAM_API_URL",
    "ORIENTA_RASA_URL",
    "ORIENTA_HOST",
    "ORIENTA_PORT",
}


def env_names() -> set[str]:
    return {f"ORIENTA_{name.upper()}" for name in Settings.model_fields}


def test_required_settings_exist() -> None:
    assert env_names() >= REQUIRED


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_field_has_a_description(name: str) -> None:
    description = Settings.model_fields[name].description
    assert description and len(description) > 15, name


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    documented = set(re.findall(r"^\| `(ORIENTA_[A-Z_]+)` \|", readme, re.MULTILINE))
    assert documented == env_names(), (env_names() - documented, documented - env_names())


def test_settings_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORIENTA_PORT", "9090")
    monkeypatch.setenv("ORIENTA_TELEGRAM_TOKEN", "123:abc")
    settings = Settings()
    assert settings.port == 9090
    assert settings.telegram_token is not None
    assert "123:abc" not in repr(settings)  # the token is a secret


def test_env_example_lists_every_setting_as_generated() -> None:
    """.env.example is what `make env-example` writes from this module, so an operator's
    template never misses a setting."""
    example = (ROOT / ".env.example").read_text("utf-8")
    assert example == env_example(), "run `make env-example`"
    listed = set(re.findall(r"^#(ORIENTA_[A-Z_]+)=", example, re.MULTILINE))
    assert listed == env_names()
