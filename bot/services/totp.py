"""Time-based one-time codes (RFC 6238, with ``pyotp``) for the console's second
factor, and the QR code of an enrolment (``segno``, drawn as inline SVG).

Pure functions: the moment to judge a code at is always passed in. A code is accepted
for the 30-second step it belongs to and one step either side (clocks drift); the
caller remembers the step so the same code cannot be used twice.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

import pyotp
import segno

__all__ = ["ISSUER", "matching_step", "new_secret", "provisioning_uri", "qr_svg"]

ISSUER = "Orienta"
_WINDOW = 1  # steps accepted either side of now


def new_secret() -> str:
    """A new random base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (from the QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is, within the window around ``now``; None when
    it matches none (or is not six digits)."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    for offset in range(-_WINDOW, _WINDOW + 1):
        moment = now + timedelta(seconds=offset * totp.interval)
        if hmac.compare_digest(totp.at(moment), code):
            return int(totp.timecode(moment))
    return None


def qr_svg(uri: str) -> str:
    """The URI as a QR code: an ``<svg>`` element to put in the page (no XML
    declaration, no inline style, so the page's CSP holds)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, border=2, title="QR"))
