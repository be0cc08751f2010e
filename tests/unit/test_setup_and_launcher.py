"""Interpreter discovery, training fingerprints, endpoint rendering and the terminal chat's quick replies."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import yaml

from bot.terminal import render, resolve_input
from lmi4vet.launcher import lock_store_config, tracker_store_config, write_endpoints
from lmi4vet.settings import PROJECT_ROOT, Settings
from lmi4vet.training import fingerprint, training_files

FIND_PYTHON = PROJECT_ROOT / "scripts" / "find_python.sh"


def test_find_python_finds_a_310_interpreter() -> None:
    out = subprocess.run([str(FIND_PYTHON)], capture_output=True, text=True, check=True).stdout.strip()
    version = subprocess.run([out, "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == "(3, 10)"


def test_find_python_says_what_to_install_when_there_is_none(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "nope")}
    bash = shutil.which("bash")
    result = subprocess.run([bash, str(FIND_PYTHON)], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "install" in result.stderr and "3.10" in result.stderr
    assert result.stdout == ""


def _copy_training_tree(tmp_path: Path) -> Path:
    for name in ("config.yml", "domain", "nlu", "stories"):
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path


def test_fingerprint_changes_only_with_training_inputs(tmp_path: Path) -> None:
    root = _copy_training_tree(tmp_path)
    before = fingerprint(root)
    (root / "README.md").write_text("not a training input")
    assert fingerprint(root) == before
    with (root / "nlu" / "en" / "nlu.yml").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert fingerprint(root) != before
    assert all(p.suffix in {".yml", ".yaml"} for p in training_files(root))


def test_tracker_store_defaults_to_sqlite(tmp_path: Path) -> None:
    assert tracker_store_config("", tmp_path) == {"type": "SQL", "dialect": "sqlite",
                                                  "db": str(tmp_path / "tracker.db")}


def test_tracker_store_from_a_postgres_url(tmp_path: Path) -> None:
    config = tracker_store_config("postgresql://bot:secret@db.local:5433/rasa", tmp_path)
    assert config == {"type": "SQL", "dialect": "postgresql", "db": "rasa", "url": "db.local", "port": 5433,
                      "username": "bot", "password": "secret", "login_db": "rasa"}


def test_lock_store_in_memory_or_redis() -> None:
    assert lock_store_config("") == {"type": "in_memory"}
    assert lock_store_config("redis://:pw@127.0.0.1:6380/2") == {
        "type": "redis", "url": "127.0.0.1", "port": 6380, "db": 2, "password": "pw"}


def test_rendered_endpoints_follow_the_settings(tmp_path: Path) -> None:
    settings = Settings(action_port=6055, var_dir=tmp_path, lock_store_url="redis://127.0.0.1:6379/0")
    rendered = yaml.safe_load(write_endpoints(settings, tmp_path / "run").read_text())
    assert rendered["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"
    assert rendered["tracker_store"]["db"] == str(tmp_path / "tracker.db")
    assert rendered["lock_store"]["type"] == "redis"


def test_settings_from_env(monkeypatch) -> None:
    monkeypatch.setenv("RASA_PORT", "6005")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "ro")
    settings = Settings.from_env()
    assert (settings.rasa_port, settings.default_language, settings.rasa_url) == (6005, "ro",
                                                                                  "http://127.0.0.1:6005")
    monkeypatch.setenv("RASA_PORT", "abc")
    try:
        Settings.from_env()
    except ValueError as exc:
        assert "RASA_PORT" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a bad port must be refused")


MENU = [{"text": "What now?", "buttons": [{"title": "📊 Figures", "payload": "/ask_indicator"},
                                           {"title": "🌐 Language", "payload": "/choose_language"}]}]


def test_terminal_numbers_quick_replies_and_maps_digits_back() -> None:
    out = io.StringIO()
    buttons = render(MENU, out)
    assert out.getvalue() == "bot> What now?\n     [1] 📊 Figures\n     [2] 🌐 Language\n"
    assert resolve_input("2", buttons) == "/choose_language"
    assert resolve_input(" 1 ", buttons) == "/ask_indicator"
    assert resolve_input("3", buttons) == "3"
    assert resolve_input("0", buttons) == "0"
    assert resolve_input("unemployment romania", buttons) == "unemployment romania"


def test_environment_is_clean_of_telemetry(monkeypatch) -> None:
    from lmi4vet.training import rasa_env

    monkeypatch.delenv("RASA_TELEMETRY_ENABLED", raising=False)
    assert rasa_env()["RASA_TELEMETRY_ENABLED"] == "false"
