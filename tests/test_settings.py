"""Settings: the flat ASSISTANT_LLM_* names merge with nested ASSISTANT_LLM__* ones, the API key comes
only from the environment, and the answer generator takes its LLM settings from the caller's object."""

from __future__ import annotations

import json
import os
import sys

import pytest

from assistant.errors import InputError
from assistant.settings import LLMSettings, Settings, load_settings

KEY = "sk-from-a-file-or-argument"


@pytest.fixture(autouse=True)
def _no_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test without any LLM variable from the shell that runs the tests."""
    for name in list(os.environ):
        if name.upper().startswith("ASSISTANT_LLM"):
            monkeypatch.delenv(name)


def test_flat_and_nested_llm_variables_combine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "llama3.1:8b")
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", "sk-env")
    monkeypatch.setenv("ASSISTANT_LLM__TIMEOUT_S", "7.5")
    llm = load_settings().llm
    assert (llm.base_url, llm.model, llm.api_key.get_secret_value(), llm.timeout_s) == (
        "http://127.0.0.1:11434/v1", "llama3.1:8b", "sk-env", 7.5)


def test_each_spelling_alone_keeps_the_other_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_LLM__TIMEOUT_S", "12")
    assert load_settings().llm == LLMSettings(timeout_s=12)
    monkeypatch.delenv("ASSISTANT_LLM__TIMEOUT_S")
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "m")
    assert load_settings().llm == LLMSettings(model="m")
    monkeypatch.delenv("ASSISTANT_LLM_MODEL")
    monkeypatch.setenv("ASSISTANT_LLM__MODEL", "nested")
    monkeypatch.setenv("ASSISTANT_LLM__BASE_URL", "http://127.0.0.1:8080/v1")
    assert load_settings().llm == LLMSettings(base_url="http://127.0.0.1:8080/v1", model="nested")


def test_flat_name_wins_over_the_nested_spelling_of_the_same_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "flat")
    monkeypatch.setenv("ASSISTANT_LLM__MODEL", "nested")
    assert load_settings().llm.model == "flat"


def test_keyword_overrides_sit_on_top_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "from-env")
    monkeypatch.setenv("ASSISTANT_LLM__TIMEOUT_S", "5")
    assert load_settings(llm={"timeout_s": 9}).llm == LLMSettings(model="from-env", timeout_s=9)
    given = LLMSettings(base_url="http://127.0.0.1:9/v1", model="given")
    assert load_settings(llm=given).llm == given  # a whole LLMSettings replaces the block


def test_api_key_is_never_read_from_a_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"ASSISTANT_LLM_API_KEY={KEY}\nASSISTANT_LLM__API_KEY={KEY}\n"
                        f"ASSISTANT_LLM={json.dumps({'api_key': KEY})}\n", encoding="utf-8")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "assistant_llm").write_text(json.dumps({"api_key": KEY}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # a .env in the working folder is not read either
    assert load_settings().llm.api_key.get_secret_value() == ""
    for s in (Settings(_env_file=env_file), Settings(_secrets_dir=secrets)):  # type: ignore[call-arg]
        assert s.llm.api_key.get_secret_value() == ""


def test_api_key_is_never_read_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import build_parser

    monkeypatch.setattr(sys, "argv", ["assistant", "ask", f"--llm.api_key={KEY}", f"--api-key={KEY}", "q"])
    assert load_settings().llm.api_key.get_secret_value() == ""
    for argv in (["ask", "--api-key", KEY, "q"], ["serve", f"--llm.api_key={KEY}"], ["ask", f"--llm-api-key={KEY}", "q"]):
        with pytest.raises(SystemExit) as exit_:
            build_parser().parse_args(argv)
        assert exit_.value.code == 2
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", "sk-env")
    settings = load_settings()
    assert settings.llm.api_key.get_secret_value() == "sk-env"
    assert "sk-env" not in repr(settings) and "sk-env" not in str(settings.model_dump())


def test_generator_takes_llm_settings_from_the_callers_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.answer import ExtractiveGenerator
    from assistant.generator import get_generator

    monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "from-env")
    mine = LLMSettings(base_url="http://127.0.0.1:2/v1", model="mine", timeout_s=3)
    settings = load_settings(llm=mine)
    gen = get_generator("llm", settings)
    assert gen.llm is settings.llm and gen.settings is settings.answer  # type: ignore[attr-defined]
    assert isinstance(get_generator("extractive", settings), ExtractiveGenerator)
    # Settings without a model server fail, even though the environment names one now.
    with pytest.raises(InputError, match="ASSISTANT_LLM_BASE_URL and ASSISTANT_LLM_MODEL"):
        get_generator("llm", load_settings(llm=LLMSettings()))
