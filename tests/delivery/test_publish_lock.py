"""One publish at a time per catalogue, also across hosts sharing a PostgreSQL catalogue."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from urbanart.delivery.publisher import publish
from urbanart.delivery.tree import PUBLISH_LOCK, PublishBusy
from urbanart.library.database import exclusive, make_engine
from urbanart.library.home import ENV_DATABASE_URL
from urbanart.library.library import Library
from urbanart.library.models import Publication


@pytest.mark.postgresql_only("another host's publish holds the catalogue's advisory lock")
def test_a_publish_while_another_host_publishes_is_refused_and_records_nothing(
    library: Library,
) -> None:
    other_host = make_engine(os.environ[ENV_DATABASE_URL])  # its own folder, same catalogue
    try:
        with exclusive(other_host, PUBLISH_LOCK) as got:
            assert got
            with pytest.raises(PublishBusy, match="Another publish is running"):
                publish(library)
        with library.session() as session:
            assert session.scalar(select(func.count()).select_from(Publication)) == 0
        assert publish(library).publication_id is not None  # free again once it finished
    finally:
        other_host.dispose()
