"""A fleet's first publish makes its many QR codes in worker processes, with the very bytes the
publishing process would have made itself."""

from __future__ import annotations

from pathlib import Path

from urbanart.viewers import qr
from urbanart.viewers.output_cache import OutputCache


def test_many_missing_codes_are_made_by_workers_with_the_same_bytes(tmp_path: Path) -> None:
    urls = [f"https://art.example.org/s/{n}/" for n in range(6)]
    qr.make.cache_clear()
    with OutputCache(tmp_path / "cache.sqlite") as outputs:
        assert qr.make_missing(outputs, urls, threshold=1, workers=2) == 6
        assert qr.make.cache_info().currsize == 0  # not one was made in this process
        assert outputs.misses == 12  # an SVG and a PNG each, counted as made
        for n, url in enumerate(urls):
            files = qr.qr_files("s", n, url, outputs)
            assert files == {
                f"qr/s/{n}.svg": qr.svg_bytes(url),
                f"qr/s/{n}.png": qr.png_bytes(url),
            }
        assert qr.make_missing(outputs, urls, threshold=1, workers=2) == 0  # all there now


def test_a_few_missing_codes_are_left_to_the_publishing_process(tmp_path: Path) -> None:
    with OutputCache(tmp_path / "cache.sqlite") as outputs:
        assert qr.make_missing(outputs, ["https://art.example.org/a/1/"], workers=2) == 0
        assert outputs.misses == 0
