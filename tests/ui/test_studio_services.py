"""The studio runs the library's background services: the hub and the timed-jobs scheduler."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from tests.ui.conftest import wait_idle
from urbanart.delivery import jobs
from urbanart.delivery.job_runner import LEASE_ENV
from urbanart.delivery.server import ALL_INTERFACES, local_network_ip
from urbanart.library.library import Library
from urbanart.library.models import Publication


def publication_statuses(home: Path) -> list[str]:
    with Library.open(home) as library, library.session() as session:
        return list(session.scalars(select(Publication.status)))


def test_the_studio_runs_a_stored_publish_and_serves_the_hub(
    qtbot, open_window, demo_home: Path
) -> None:
    with Library.open(demo_home) as library:
        jobs.schedule_publish(library, datetime.now(UTC) - timedelta(minutes=1))
    window = open_window(demo_home, start_hub=True)
    qtbot.waitUntil(lambda: window.scheduler.status == "jobs: running", timeout=15_000)
    assert window.jobs_label.text() == "jobs: running"
    qtbot.waitUntil(lambda: publication_statuses(demo_home) == ["done"], timeout=30_000)

    qtbot.waitUntil(lambda: window.hub.address is not None, timeout=15_000)
    assert window.hub.address in window.hub_label.text()
    # this computer only by default, as `urbanart serve`, until the curator shares it
    assert not window.share_hub_action.isChecked()
    assert window.hub.address.startswith("http://127.0.0.1:")
    key_url = f"{window.hub.address}keys/manifest-signing.pub"
    # the hub notices the new release within its check interval
    qtbot.waitUntil(lambda: requests.get(key_url, timeout=10).status_code == 200, timeout=10_000)
    assert b"PUBLIC KEY" in requests.get(key_url, timeout=10).content

    window.share_hub_action.trigger()  # shared: the hub restarts on every interface
    qtbot.waitUntil(lambda: window.hub.host == ALL_INTERFACES, timeout=15_000)
    # the address a phone nearby can open
    assert urlsplit(window.hub.address).hostname == (local_network_ip() or "127.0.0.1")
    shared_key = f"{window.hub.address}keys/manifest-signing.pub"
    assert requests.get(shared_key, timeout=10).status_code == 200

    window.close()
    wait_idle(qtbot)
    assert window.scheduler.scheduler is None and window.hub.address is None


def test_a_studio_and_two_serve_processes_run_each_timed_job_once(
    qtbot, open_window, demo_home: Path, monkeypatch
) -> None:
    from tests.delivery.test_job_runner import LEASE, Serve

    monkeypatch.setenv(LEASE_ENV, str(LEASE))
    window = open_window(demo_home, start_hub=True)  # the hub and the job runner
    qtbot.waitUntil(lambda: window.scheduler.status == "jobs: running", timeout=15_000)
    with Library.open(demo_home) as library:
        serves = [Serve(library), Serve(library)]
        try:
            states = [serve.wait_for("Timed jobs: ", 30) for serve in serves]
            # The studio holds the lease; both `urbanart serve` stand by, naming it.
            assert all(state.startswith("Timed jobs: standing by") for state in states), states
            assert all(f"pid {os.getpid()} " in state for state in states), states
            jobs.schedule_publish(library, datetime.now(UTC) + timedelta(seconds=2))
            qtbot.waitUntil(lambda: publication_statuses(demo_home) == ["done"], timeout=30_000)
            qtbot.wait(int(LEASE * 1000))  # a second runner would have started its own by now
            assert publication_statuses(demo_home) == ["done"]
        finally:
            for serve in serves:
                serve.stop()
