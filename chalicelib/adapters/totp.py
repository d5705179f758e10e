"""TOTP codes with pyotp, and the otpauth URI drawn as a QR code (SVG) with segno, both pure Python."""

from __future__ import annotations

import datetime
import hmac

import pyotp

_DRIFT_STEPS = 1  # a code of the previous or next 30-second step still counts (clock skew, typing time)


class PyotpCodes:
    def new_secret(self) -> str:
        return pyotp.random_base32()  # 160 bits, RFC 4226's recommended length

    def uri(self, secret: str, account: str, issuer: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)

    def matching_step(self, secret: str, code: str, at_ms: int) -> int | None:
        code = code.strip()
        if len(code) != 6 or not code.isdigit():
            return None
        totp = pyotp.TOTP(secret)
        step = totp.timecode(_utc(at_ms))
        for offset in range(-_DRIFT_STEPS, _DRIFT_STEPS + 1):
            # pyotp's own verify says only yes or no; the step that matched is what replay protection stores.
            if hmac.compare_digest(totp.generate_otp(step + offset), code):
                return step + offset
        return None


def _utc(at_ms: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(at_ms / 1000, tz=datetime.UTC)


def qr_svg_data_uri(text: str) -> str:
    """A data: URI of an SVG QR code; the web app shows it in an <img>, where an SVG cannot run script."""
    import segno

    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))
