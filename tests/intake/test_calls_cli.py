"""`urbanart calls` create/list/show/close/invite/revoke, and their refusals."""

from __future__ import annotations

from pathlib import Path

from urbanart.intake import calls
from urbanart.library.library import Library

CREATE = (
    "calls",
    "create",
    "Walls",
    "--deadline",
    "2099-03-01T18:00",
    "--timezone",
    "Europe/Berlin",
)


def test_create_prints_id_and_page_url_and_the_call_keeps_its_settings(
    run_cli, library: Library, tmp_path: Path
) -> None:
    qr = tmp_path / "call.svg"
    result = run_cli(*CREATE, "--license", "cc-by", "--license", "CC0-1.0", "--max-files", "2",
                     "--max-mb", "20", "--no-ai-declaration", "--invite-only", "--terms", "Be kind",
                     "--qr", str(qr), "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    value = result.json()
    record = calls.get_call(library, value["id"])
    assert value["url"].endswith(record.path) and len(record.page_token) >= 32
    assert qr.read_bytes().startswith(b"<?xml") or b"<svg" in qr.read_bytes()
    assert record.licenses == ("CC-BY-4.0", "CC0-1.0")
    assert (record.max_files, record.max_bytes, record.ai_required, record.invite_only) == (
        2,
        20 * 1024 * 1024,
        False,
        True,
    )
    assert record.local_deadline.isoformat() == "2099-03-01T18:00:00+01:00"
    shown = run_cli("calls", "show", "Walls", "--json").json()
    assert shown["terms"] == "Be kind" and shown["timezone"] == "Europe/Berlin"
    assert [c["id"] for c in run_cli("calls", "list", "--json").json()] == [value["id"]]


def test_kinds_take_a_list_and_generative_works_only_when_named(run_cli, library: Library) -> None:
    plain = run_cli(*CREATE, "--json").json()["id"]
    named = run_cli(*CREATE[:2], "Code", *CREATE[3:], "--kinds", "still,video,generative", "--json")
    assert named.exit_code == 0, named.stderr
    assert calls.get_call(library, plain).kinds == ("still", "video")
    assert calls.get_call(library, named.json()["id"]).kinds == ("still", "video", "generative")


def test_two_calls_get_different_unguessable_page_tokens(run_cli, library: Library) -> None:
    first = run_cli(*CREATE, "--json").json()["url"]
    second = run_cli(*CREATE[:2], "Other", *CREATE[3:], "--json").json()["url"]
    assert first != second


def test_bad_values_are_refused_by_name_and_nothing_is_created(run_cli, library: Library) -> None:
    cases = {
        ("--deadline", "2001-01-01T00:00"): "deadline",
        ("--timezone", "Mars/Olympus"): "time zone",
        ("--license", "GPL-3.0"): "license",
        ("--max-files", "0"): "files per artist",
        ("--max-mb", "999999"): "bytes per file",
        ("--kind", "hologram"): "kind",
        ("--kinds", "hologram"): "kind",
    }
    for (option, value), named in cases.items():
        args = list(CREATE)
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
        result = run_cli(*args)
        assert result.exit_code == 2, (option, result.stdout)
        assert named in result.stderr and value in result.stderr, result.stderr
    assert calls.list_calls(library) == []


def test_invites_are_personal_revocable_and_close_stops_the_call(run_cli, library: Library) -> None:
    call_id = str(run_cli(*CREATE, "--json").json()["id"])
    one = run_cli("calls", "invite", call_id, "Ana", "ana@example.org", "--json").json()
    two = run_cli("calls", "invite", call_id, "Bo", "bo@example.org", "--json").json()
    assert one["url"] != two["url"] and "/invite/" in one["url"]
    assert run_cli("calls", "invite", call_id, "Cy", "not-an-address").exit_code == 2
    assert run_cli("calls", "revoke", call_id, "ana@example.org", "--json").json()["revoked"]
    token = one["url"].rsplit("/", 1)[1]
    assert calls.invite_by_token(library, int(call_id), token) is None
    assert calls.invite_by_token(library, int(call_id), two["url"].rsplit("/", 1)[1]) is not None
    assert run_cli("calls", "close", call_id, "--json").json()["closed"] is True
