"""`urbanart curator` and `urbanart audit`: who edits from this machine, and what they did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from urbanart.library.user_config import user_config_path


def test_the_curator_name_is_saved_per_user_and_the_environment_wins(
    run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = run_cli("curator", "Ana Ruiz", "--json")
    assert saved.exit_code == 0, saved.stderr
    assert saved.json()["curator"] == "Ana Ruiz"
    assert json.loads(user_config_path().read_text())["curator"] == "Ana Ruiz"
    monkeypatch.setenv("URBANART_CURATOR", "Ben")
    assert run_cli("curator", "--json").json()["curator"] == "Ben"


def test_a_bad_curator_name_is_refused_and_nothing_saved(run_cli) -> None:
    refused = run_cli("curator", "two\nlines")
    assert refused.exit_code == 2
    assert "curator name" in refused.stderr
    assert not user_config_path().exists()


def test_the_audit_log_names_who_did_what_per_playlist(
    run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("URBANART_CURATOR", "Ana")
    assert run_cli("playlists", "create", "Harbour").exit_code == 0
    assert run_cli("playlists", "create", "Other").exit_code == 0
    monkeypatch.setenv("URBANART_CURATOR", "Ben")
    edit = run_cli("playlists", "edit", "Harbour", "--description", "Night boats")
    assert edit.exit_code == 0, edit.stderr

    entries = run_cli("audit", "--playlist", "Harbour", "--json").json()
    assert [(e["curator"], e["action"]) for e in entries] == [("Ben", "edit"), ("Ana", "create")]
    assert entries[0]["changes"] == {"description": ["", "Night boats"]}
    everything = run_cli("audit", "--json").json()
    assert len(everything) == 3
    shown = run_cli("audit", "--playlist", str(entries[0]["entity_id"]))
    assert shown.exit_code == 0 and "Ben" in shown.stdout and "Night boats" not in shown.stdout


def test_audit_refuses_two_things_at_once_and_names_an_unknown_one(run_cli) -> None:
    both = run_cli("audit", "--playlist", "1", "--screen", "2")
    assert both.exit_code == 2 and "at most one" in both.stderr
    missing = run_cli("audit", "--screen", "Nowhere")
    assert missing.exit_code == 1 and "Nowhere" in missing.stderr


def test_the_shared_signing_key_file_setting(run_cli, tmp_path: Path) -> None:
    key = tmp_path / "exhibition.pem"
    shown = run_cli("curator", "--signing-key-file", str(key), "--json").json()
    assert shown["signing_key_file"] == str(key.resolve())
    assert run_cli("curator", "--signing-key-file", "", "--json").json()["signing_key_file"] is None
