"""A live work's still fallback when the artist gives none: a title card drawn with Pillow.

Why a card: every kind of work needs a still any player can show (a screen offline, a feed gone
silent, a player without live support). The feed id is printed small on it, so two live works
with the same title and artist still get two different images (the store is content-addressed).
"""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

CARD_SIZE = (1920, 1080)
_BACKGROUND = (18, 18, 24)
_TEXT = (236, 236, 240)
_NOTE = (140, 140, 150)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def title_card(title: str, artist: str, feed_id: str) -> bytes:
    """PNG bytes of a card naming the work, its artist, and that it is live."""
    card = Image.new("RGB", CARD_SIZE, _BACKGROUND)
    draw = ImageDraw.Draw(card)
    width, height = CARD_SIZE
    draw.text((width // 2, height // 2 - 90), title[:60], font=_font(96), fill=_TEXT, anchor="mm")
    draw.text((width // 2, height // 2 + 30), artist[:80], font=_font(56), fill=_TEXT, anchor="mm")
    draw.text(
        (width // 2, height // 2 + 140),
        "live work · the feed is resting",
        font=_font(40),
        fill=_NOTE,
        anchor="mm",
    )
    draw.text((width - 24, height - 24), feed_id, font=_font(18), fill=_NOTE, anchor="rd")
    out = BytesIO()
    card.save(out, "PNG", optimize=False)
    return out.getvalue()
