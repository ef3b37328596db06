"""Review from the CLI: accept into the library (credited, merged by contact), decline, ask for
a change, withdraw, forget an artist; contact e-mails never reach the published tree."""

from __future__ import annotations

import pytest
import requests

from tests.intake.conftest import Served, artist_fields, hand_in, open_form, png_bytes
from urbanart.curation import playlists, screens
from urbanart.delivery.publisher import publish
from urbanart.errors import ImportRefused
from urbanart.intake import review
from urbanart.library import catalog
from urbanart.library.library import published_root


def handed_in(
    served: Served, colour: tuple[int, int, int] = (200, 40, 40), **artist: str
) -> tuple[requests.Session, str]:
    session = requests.Session()
    csrf = open_form(session, served.page)
    answer = hand_in(
        session,
        served.page,
        csrf,
        {"work-0-file": ("red.png", png_bytes(colour))},
        **artist_fields(**artist),
    )
    assert answer.status_code == 303, answer.text
    return session, served.url + answer.headers["location"]


def test_accept_in_the_cli_puts_the_work_in_the_library_with_its_credits(
    served: Served, run_cli
) -> None:
    session, status_url = handed_in(served)
    listed = run_cli("calls", "review", str(served.call.id), "--json").json()
    [entry] = listed
    result = run_cli("calls", "accept", str(entry["id"]), "--json")
    assert result.exit_code == 0, result.stderr
    artwork = catalog.get_artwork(served.library, result.json()["artwork_id"])
    assert (artwork.title, artwork.artist_name, artwork.year) == ("Red Harbour", "Ana Lima", 2024)
    assert (artwork.license, artwork.ai_involvement, artwork.status) == (
        "CC-BY-4.0",
        "digitalCreation",
        "approved",
    )
    assert artwork.alt_text == "A red harbour wall under a dark sky."
    artist = catalog.get_artist(served.library, "Ana Lima")
    assert (artist.contact, artist.website) == ("ana@example.org", "https://ana.example.org")
    assert 'data-state="accepted"' in session.get(status_url, timeout=10).text
    assert served.intake_files() == []  # the library's store holds the bytes now
    again = run_cli("calls", "accept", str(entry["id"]))
    assert again.exit_code == 2 and "accepted already" in again.stderr


def test_an_artist_of_the_same_contact_is_merged_and_a_namesake_is_not(served: Served) -> None:
    catalog.add_artist(served.library, "A. Lima", contact="ANA@example.org")
    catalog.add_artist(served.library, "Bo Chen", contact="bo.other@example.org")
    handed_in(served, (1, 2, 3), name="Ana Lima")
    handed_in(served, (4, 5, 6), name="Bo Chen", email="bo@example.org")
    first, second = review.list_submissions(served.library, served.call.id)
    a = catalog.get_artwork(served.library, review.accept(served.library, first.id).artwork_id)
    b = catalog.get_artwork(served.library, review.accept(served.library, second.id).artwork_id)
    assert a.artist_name == "A. Lima"  # same contact e-mail: the same person
    assert b.artist_name == "Bo Chen (2)"  # same name, other contact: another person


def test_decline_and_ask_change_show_the_message_on_the_status_page(
    served: Served, run_cli
) -> None:
    session, status_url = handed_in(served)
    [record] = review.list_submissions(served.library, served.call.id)
    result = run_cli("calls", "ask-change", str(record.id), "--message", "Crop <i>tighter</i>")
    assert result.exit_code == 0, result.stderr
    page = session.get(status_url, timeout=10).text
    assert 'data-state="change_requested"' in page and "Crop &lt;i&gt;tighter&lt;/i&gt;" in page
    assert run_cli("calls", "decline", str(record.id), "--message", "Not this time").exit_code == 0
    assert "Not this time" in session.get(status_url, timeout=10).text
    assert run_cli("calls", "decline", str(record.id), "--message", "").exit_code == 2


def test_a_work_can_be_withdrawn_before_review_only(served: Served) -> None:
    session, status_url = handed_in(served)
    handed_in(served, (9, 9, 9), email="other@example.org", name="Other")
    mine, theirs = review.list_submissions(served.library, served.call.id)
    page = session.get(status_url, timeout=10).text
    import re

    csrf = re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]
    url = f"{status_url}/withdraw/{mine.id}"
    assert (
        session.post(url, data={"csrf": "z" * 32}, allow_redirects=False, timeout=10).status_code
        == 403
    )
    other_url = f"{status_url}/withdraw/{theirs.id}"  # not this artist's work
    assert (
        session.post(other_url, data={"csrf": csrf}, allow_redirects=False, timeout=10).status_code
        == 409
    )
    review.start_review(served.library, theirs.id)
    answer = session.post(url, data={"csrf": csrf}, allow_redirects=False, timeout=10)
    assert answer.status_code == 303
    assert [r.id for r in review.list_submissions(served.library, served.call.id)] == [theirs.id]
    assert len(served.intake_files()) == 1  # the withdrawn work's file is gone


def test_forget_removes_personal_data_and_lists_it(served: Served, run_cli) -> None:
    handed_in(served)
    handed_in(served, (9, 9, 9), email="other@example.org", name="Other")
    mine = review.list_submissions(served.library, served.call.id)[0]
    review.accept(served.library, mine.id)
    handed_in(served, (7, 7, 7))  # a second hand-in by the same artist, still waiting
    result = run_cli("artists", "forget", "Ana Lima", "--json")
    assert result.exit_code == 0, result.stderr
    gone = result.json()
    assert gone["hand_ins"] == 2 and gone["files"] == 1 and len(gone["submissions"]) == 2
    assert gone["library_contact_cleared"] == ["Ana Lima"]
    assert [r.artist for r in review.list_submissions(served.library, served.call.id)] == ["Other"]
    assert catalog.get_artist(served.library, "Ana Lima").contact == ""
    assert run_cli("artists", "forget", "Nobody Here").exit_code == 1


def test_contact_emails_are_never_published(served: Served) -> None:
    handed_in(served)
    [record] = review.list_submissions(served.library, served.call.id)
    accepted = review.accept(served.library, record.id)
    shown = playlists.create_playlist(served.library, "Walls")
    assert accepted.artwork_id is not None
    playlists.add_items(served.library, shown.id, [accepted.artwork_id])
    screens.add_screen(
        served.library, "Lisbon Wall", tz="Europe/Lisbon", size="640x360", default_playlist=shown.id
    )
    publish(served.library)
    root = published_root(served.library)
    texts = [p.read_bytes() for p in root.rglob("*") if p.is_file()]
    assert texts and any(b"Ana Lima" in t for t in texts)  # the credit is published…
    assert not any(b"ana@example.org" in t for t in texts)  # …the contact never


def test_the_same_bytes_from_a_second_artist_are_not_credited_to_the_first_work(
    served: Served, run_cli
) -> None:
    handed_in(served, (3, 3, 3))
    cat, status_url = handed_in(served, (3, 3, 3), name="Copy Cat", email="cat@example.org")
    first, second = review.list_submissions(served.library, served.call.id)
    review.accept(served.library, first.id)
    result = run_cli("calls", "accept", str(second.id))
    assert result.exit_code == 1 and "same content as artwork" in result.stderr
    assert review.get_submission(served.library, second.id).state == "received"
    # The refusal is kept with the submission, not only answered: the curator's list…
    listed = {e["id"]: e for e in run_cli("calls", "review", str(served.call.id), "--json").json()}
    assert "same content as artwork" in listed[second.id]["refusal"]
    assert first.id not in listed  # decided (accepted) works are not waiting
    everything = run_cli("calls", "review", str(served.call.id), "--all", "--json").json()
    assert [e["refusal"] for e in everything if e["id"] == first.id] == [""]
    # …and the artist's status page say why.
    page = cat.get(status_url, timeout=10).text
    assert 'class="refusal"' in page and "same content as artwork" in page


def test_a_later_accept_that_passes_clears_the_kept_refusal(served: Served) -> None:
    handed_in(served, (5, 5, 5))
    handed_in(served, (5, 5, 5), name="Copy Cat", email="cat@example.org")
    first, second = review.list_submissions(served.library, served.call.id)
    accepted = review.accept(served.library, first.id)
    with pytest.raises(ImportRefused, match="same content as artwork"):
        review.accept(served.library, second.id)
    assert review.get_submission(served.library, second.id).refusal
    assert accepted.artwork_id is not None
    catalog.remove_artwork(served.library, accepted.artwork_id)  # the duplicate is gone
    again = review.accept(served.library, second.id)
    assert again.state == "accepted" and again.refusal == ""
