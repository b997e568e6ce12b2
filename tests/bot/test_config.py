"""Config validation: every problem named with file, line and dotted key, all at once.

Why these tests: an admin fixing a config file should see every mistake in one run, each
pointing at the line to change, and never a token written to disk.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field

import bot.config as config_module
from bot.config import (
    PROCESS_SECTIONS,
    Config,
    ConfigError,
    Section,
    default_config,
    load_config,
    parse_config,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"
ISSUE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<key>[\w.\[\]]+): (?P<message>.+)$")


class GrowthLike(Section):
    """A stand-in feature section (the real ones register in ``_feature_sections``)."""

    enabled: bool = True
    cooldown_seconds: int = Field(60, ge=0)
    daily_cap: int = Field(100, ge=1)


@pytest.fixture
def with_feature(monkeypatch: pytest.MonkeyPatch) -> None:
    real = config_module._feature_sections

    def sections() -> dict[str, Any]:
        found = dict(real())
        found["growthlike"] = GrowthLike
        return found

    monkeypatch.setattr(config_module, "_feature_sections", sections)


def issues_of(text: str, name: str = "c.toml") -> list[tuple[int | None, str, str]]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, name)
    for issue in info.value.issues:
        assert issue.file == name
    return [(i.line, i.key, i.message) for i in info.value.issues]


def hearth(*args: str, cwd: Path, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    full_env.pop("HEARTH_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=60)


# -- the example file and the check-config command ----------------------------------------
def test_example_config_is_valid(tmp_path: Path) -> None:
    if not EXAMPLE.exists():
        pytest.skip("config.example.toml not written yet (the lead owns it)")
    config = load_config(EXAMPLE)
    assert config.communities, "the example should show at least one [[communities]] entry"
    result = hearth("check-config", str(EXAMPLE), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def _section_texts(text: str) -> dict[str, str]:
    """Text under each top-level section (with its sub-tables), commented-out lines kept."""
    chunks: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        header = re.match(r"^\s*#?\s*\[\[?\s*([A-Za-z0-9_\-]+)", line)
        if header and not re.match(r"^\s*#?\s*[\w\-]+\s*=", line):
            current = header.group(1)
        chunks[current] = chunks.get(current, "") + line + "\n"
    return chunks


def test_example_config_documents_every_key_with_its_default() -> None:
    """Every global section and key appears in the example, in its own section (commented out
    is fine), and the values the example sets are the defaults, so copying it changes
    nothing."""
    if not EXAMPLE.exists():
        pytest.skip("config.example.toml not written yet (the lead owns it)")
    chunks = _section_texts(EXAMPLE.read_text(encoding="utf-8"))
    config = load_config(EXAMPLE)
    missing: list[str] = []
    not_default: list[str] = []
    for name, section in config.sections.items():
        if name not in chunks:
            missing.append(f"[{name}]")
            continue
        for field_name, info in type(section).model_fields.items():
            key = info.alias or field_name
            written = re.search(rf"^\s*#?\s*{re.escape(key)}\s*=", chunks[name], re.M) or \
                re.search(rf"^\s*#?\s*\[\[?{re.escape(name)}\.{re.escape(key)}\b",
                          chunks[name], re.M)
            if not written:
                missing.append(f"{name}.{key}")
            if info.is_required():
                continue
            default = info.get_default(call_default_factory=True)
            if getattr(section, field_name) != default:
                not_default.append(f"{name}.{key} (default {default!r})")
    assert not missing, f"not documented in config.example.toml: {missing}"
    assert not not_default, f"the example should show the defaults: {not_default}"


def test_section_texts_helper() -> None:
    chunks = _section_texts("[a]\nx = 1\n# [b]\n# y = 2\n[a.sub]\nz = 3\n[[c]]\nw = [\n]\n")
    assert chunks["a"] == "[a]\nx = 1\n[a.sub]\nz = 3\n"
    assert "# y = 2" in chunks["b"] and "w = [" in chunks["c"]


def test_check_config_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        "# a broken config\n"                      # 1
        "[database]\n"                             # 2
        "busy_timeout_ms = -5\n"                   # 3
        "\n"                                       # 4
        "[pipline]\n"                              # 5
        "batch_size = 10\n"                        # 6
        "\n"                                       # 7
        "[discord]\n"                              # 8
        "# the bot token, pasted here by mistake\n"  # 9
        'token = "123456:abcdef"\n',               # 10
        encoding="utf-8")
    result = hearth("check-config", str(path), cwd=tmp_path)
    assert result.returncode == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    parsed = [ISSUE.match(ln) for ln in lines]
    assert all(parsed), f"every line must be FILE:LINE: key: message, got {lines}"
    found = {(m["line"], m["key"]) for m in parsed if m}
    assert found == {("3", "database.busy_timeout_ms"), ("5", "pipline"),
                     ("10", "discord.token")}, lines
    text = result.stderr
    assert f"{path}:3: database.busy_timeout_ms: must be >= 0, got -5" in text
    assert "did you mean 'pipeline'" in text
    assert "HEARTH_DISCORD_TOKEN" in text
    assert "123456:abcdef" not in text, "the token itself must never be echoed"
    assert "Traceback" not in text


def test_check_config_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = hearth("check-config", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.toml" in result.stderr and "not found" in result.stderr
    assert "Traceback" not in result.stderr


# -- tokens --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "key", "line", "env"), [
    ('[discord]\ntoken = "x"\n', "discord.token", 2, "HEARTH_DISCORD_TOKEN"),
    ('[telegram]\n\nbot_token = "x"\n', "telegram.bot_token", 3, "HEARTH_TELEGRAM_TOKEN"),
    ('[[communities]]\nplatform = "telegram"\nid = "-1"\ntoken = "x"\n',
     "communities[0].token", 4, "HEARTH_"),
    ('[logging]\nlevel = "INFO"\nTOKEN = "x"\n', "logging.TOKEN", 3, "HEARTH_"),
])
def test_a_token_anywhere_in_the_file_is_refused(text: str, key: str, line: int,
                                                 env: str) -> None:
    found = issues_of(text)
    token_issues = [i for i in found if i[1] == key]
    assert len(token_issues) == 1, found
    assert token_issues[0][0] == line
    assert "environment variable" in token_issues[0][2] and env in token_issues[0][2]
    # the token key itself is not reported a second time as "unknown key"
    assert not [i for i in found if i[1] == key and "unknown key" in i[2]]


@pytest.mark.parametrize("key", ["tokenizer", "max_tokens", "tokens_per_minute"])
def test_keys_that_merely_contain_token_are_not_secrets(key: str) -> None:
    found = issues_of(f'[logging]\n{key} = "x"\n')
    assert len(found) == 1 and found[0][:2] == (2, f"logging.{key}")
    assert found[0][2].startswith("unknown key"), found


# -- values and keys -----------------------------------------------------------------------
def test_wrong_types_and_ranges_are_explained() -> None:
    found = issues_of(
        "[database]\n"
        'busy_timeout_ms = "soon"\n'
        "pool_size = 0\n"
        'url = "mysql://x"\n'
        "echo = 3\n"
        "[pipeline]\n"
        "batch_size = 1000000\n"
        "[logging]\n"
        'level = "LOUD"\n')
    by_key = {key: (line, message) for line, key, message in found}
    assert by_key["database.busy_timeout_ms"] == (2, "must be a whole number, got 'soon'")
    assert by_key["database.pool_size"] == (3, "must be >= 1, got 0")
    assert by_key["database.url"][0] == 4 and "postgresql+asyncpg://" in by_key[
        "database.url"][1]
    assert by_key["database.echo"] == (5, "must be true or false, got 3")
    assert by_key["pipeline.batch_size"] == (7, "must be <= 100000, got 1000000")
    assert by_key["logging.level"][0] == 9 and "'DEBUG'" in by_key["logging.level"][1]


def test_unknown_keys_get_suggestions() -> None:
    found = issues_of("[database]\nbusy_timout_ms = 5\n[pipeline]\nzzz = 1\n")
    assert (2, "database.busy_timout_ms",
            "unknown key; did you mean 'busy_timeout_ms'?") in found
    line, _key, message = next(i for i in found if i[1] == "pipeline.zzz")
    assert line == 4 and "valid keys here" in message and "batch_size" in message


def test_a_section_that_is_not_a_table() -> None:
    found = issues_of('database = "sqlite"\n')
    assert found[0][:2] == (1, "database") and "table" in found[0][2]


def test_invalid_toml_names_the_line() -> None:
    found = issues_of('[database]\nurl = "x"\nbusy_timeout_ms = \n[pipeline]\n')
    assert len(found) == 1
    line, key, message = found[0]
    assert line == 3 and key == "" and message.startswith("not valid TOML")
    found = issues_of("[database]\n[database]\n")
    assert found[0][0] == 2


def test_issue_text_format() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("[database]\nbusy_timeout_ms = -5\n", "config.toml")
    assert str(info.value) == "config.toml:2: database.busy_timeout_ms: must be >= 0, got -5"


# -- communities ---------------------------------------------------------------------------
def test_communities_are_namespaced_and_typed() -> None:
    config = parse_config(
        '[[communities]]\nplatform = "discord"\nid = 123\nname = "Guild"\n'
        '[[communities]]\nplatform = "telegram"\nid = "-100456"\nlanguage = "zh"\n'
        'timezone = "Asia/Shanghai"\n')
    assert set(config.communities) == {"dc:123", "tg:-100456"}
    tg = config.community("tg:-100456")
    assert tg is not None and tg.language == "zh" and tg.timezone == "Asia/Shanghai"
    assert tg.name == "-100456"  # falls back to the id
    assert config.community("dc:123").name == "Guild"
    assert config.community("dc:999") is None


def test_community_errors() -> None:
    found = issues_of(
        "[[communities]]\n"                  # 1
        'platform = "slack"\n'               # 2
        'id = "a"\n'                         # 3
        "[[communities]]\n"                  # 4
        'platform = "console"\n'             # 5
        'id = "b"\n'                         # 6
        'timezone = "Mars/Olympus"\n'        # 7
        'langauge = "zh"\n'                  # 8
        "[communities.database]\n"           # 9
        'url = "sqlite+aiosqlite:///x.db"\n'  # 10
        "[[communities]]\n"                  # 11
        'platform = "console"\n'             # 12
        'id = "b"\n'                         # 13
        "[[communities]]\n"                  # 14
        'name = "no platform"\n')            # 15
    by_key = {key: (line, message) for line, key, message in found}
    assert by_key["communities[0].platform"][0] == 2
    assert "discord" in by_key["communities[0].platform"][1]
    assert by_key["communities[1].timezone"][0] == 7
    assert "IANA" in by_key["communities[1].timezone"][1]
    assert by_key["communities[1].langauge"] == (8, "unknown key; did you mean 'language'?")
    assert by_key["communities[1].database"][0] == 9
    assert "process-wide" in by_key["communities[1].database"][1]
    assert by_key["communities[2].id"][0] == 13
    assert "duplicate community console:b" in by_key["communities[2].id"][1]
    assert by_key["communities[3].platform"] == (14, "is required but missing; add it")
    assert by_key["communities[3].id"] == (14, "is required but missing; add it")


def test_duplicate_ids_count_after_namespacing() -> None:
    found = issues_of('[[communities]]\nplatform = "discord"\nid = 1\n'
                      '[[communities]]\nplatform = "discord"\nid = "dc:1"\n')
    assert [(line, key) for line, key, _ in found] == [(6, "communities[1].id")]


@pytest.mark.parametrize("section", sorted(PROCESS_SECTIONS))
def test_process_wide_sections_are_refused_per_community(section: str) -> None:
    found = issues_of(f'[[communities]]\nplatform = "console"\nid = "x"\n'
                      f"[communities.{section}]\nfoo = 1\n")
    assert found == [(4, f"communities[0].{section}",
                      f"[{section}] is process-wide; set it at the top level, not per "
                      "community")]


def test_communities_must_be_an_array_of_tables() -> None:
    found = issues_of('[communities]\nplatform = "console"\n')
    assert found == [(1, "communities", "must be an array of tables: write [[communities]]")]


# -- per-community overrides ---------------------------------------------------------------
def test_override_merges_with_the_global_section(with_feature: None) -> None:
    config = parse_config(
        "[growthlike]\ncooldown_seconds = 30\ndaily_cap = 5\n"
        '[[communities]]\nplatform = "console"\nid = "a"\n'
        "[communities.growthlike]\ncooldown_seconds = 90\n"
        '[[communities]]\nplatform = "console"\nid = "b"\n')
    a = config.community("console:a")
    b = config.community("console:b")
    assert a is not None and b is not None
    assert (a.growthlike.cooldown_seconds, a.growthlike.daily_cap) == (90, 5)
    assert (b.growthlike.cooldown_seconds, b.growthlike.daily_cap) == (30, 5)
    assert config.growthlike.cooldown_seconds == 30
    assert isinstance(a.growthlike, GrowthLike)


def test_override_is_validated_again(with_feature: None) -> None:
    found = issues_of(
        '[[communities]]\nplatform = "console"\nid = "a"\n'    # 1-3
        "[[communities]]\nplatform = \"console\"\nid = \"b\"\n"  # 4-6
        "[communities.growthlike]\n"                           # 7
        "cooldown_seconds = -5\n"                              # 8
        "cooldown_secs = 1\n")                                 # 9
    assert (8, "communities[1].growthlike.cooldown_seconds", "must be >= 0, got -5") in found
    assert (9, "communities[1].growthlike.cooldown_secs",
            "unknown key; did you mean 'cooldown_seconds'?") in found
    assert len(found) == 2, found


def test_inline_override_table(with_feature: None) -> None:
    found = issues_of('[[communities]]\nplatform = "console"\nid = "a"\n'
                      "growthlike = { daily_cap = 0 }\n")
    assert found == [(4, "communities[0].growthlike.daily_cap", "must be >= 1, got 0")]


def test_unknown_community_key_suggests_feature_sections(with_feature: None) -> None:
    found = issues_of('[[communities]]\nplatform = "console"\nid = "a"\n'
                      "[communities.growthlik]\nenabled = false\n")
    assert found == [(4, "communities[0].growthlik",
                      "unknown key; did you mean 'growthlike'?")]


# -- Python-built configs ------------------------------------------------------------------
def test_default_config_uses_the_same_validation() -> None:
    config = default_config("sqlite+aiosqlite:///x.db",
                            communities=[{"platform": "console", "id": "demo"}],
                            pipeline={"batch_size": 7})
    assert isinstance(config, Config)
    assert config.database.url == "sqlite+aiosqlite:///x.db"
    assert config.pipeline.batch_size == 7
    assert list(config.communities) == ["console:demo"]
    with pytest.raises(ConfigError) as info:
        default_config(pipeline={"batch_size": 0})
    assert "pipeline.batch_size" in str(info.value)


def test_default_database_url() -> None:
    assert parse_config("").database.url == "sqlite+aiosqlite:///hearth.db"


def test_config_values_are_immutable() -> None:
    config = parse_config("")
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError
        config.database.url = "sqlite+aiosqlite:///other.db"  # type: ignore[misc]


def test_load_config_reports_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[logging]\nlevel = "\xff"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "cannot read" in str(info.value) and str(path) in str(info.value)
