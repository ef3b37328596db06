"""How big the on-screen caption and QR code are: sized for a passer-by in the street.

The rule (docs/published-tree.md, "Captions on screens"), the same for the Qt and web players:

* Credit and AI disclosure: a font size of at least 3 % of the screen's height (32 px on a
  1080-line screen, 65 px on a 2160-line one); the credit a little larger (3.6 %).
* QR code: readable from 2 m on a 55-inch screen. A phone reads a code from about ten times its
  width (the common rule of thumb), so it must be 20 cm wide, quiet zone included. A 55-inch
  16:9 panel is 68.5 cm on its short side, so 20 cm is 29.2 % of it: the code is 30 % of the
  screen's short side, which also keeps it at least 20 cm wide on any larger panel.

Why shares of the screen and not pixels: players do not know the panel's physical size, and
screens of one network run at 720, 1080 and 2160 lines; the share keeps the physical size.
"""

from __future__ import annotations

import math

#: Smallest font size of the caption's texts, as a share of the screen height.
CAPTION_TEXT_SHARE = 0.03
#: The credit line's font size (the disclosure uses CAPTION_TEXT_SHARE).
CREDIT_TEXT_SHARE = 0.036
#: The QR code's side (quiet zone included) as a share of the screen's short side.
QR_SHORT_SIDE_SHARE = 0.30
#: What QR_SHORT_SIDE_SHARE is derived from, for the docs and the tests.
DESIGN_DIAGONAL_INCHES = 55
DESIGN_DISTANCE_M = 2.0
READ_DISTANCE_PER_WIDTH = 10


def text_px(screen_height: int, share: float = CAPTION_TEXT_SHARE) -> int:
    """A caption font size in pixels for a screen this many pixels high (rounded up)."""
    return max(1, math.ceil(screen_height * share))


def qr_px(screen_width: int, screen_height: int) -> int:
    """The QR code's side in pixels, quiet zone included (rounded up)."""
    return max(1, math.ceil(min(screen_width, screen_height) * QR_SHORT_SIDE_SHARE))


def physical_qr_cm(diagonal_inches: float, aspect: tuple[int, int] = (16, 9)) -> float:
    """The QR code's width in cm on a panel of this diagonal (for the docs' arithmetic)."""
    short = diagonal_inches * 2.54 * min(aspect) / math.hypot(*aspect)
    return short * QR_SHORT_SIDE_SHARE
