"""Demo data for accounts: two-factor sign-in on a demo user, and an API key."""

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP

from accounts.models import User

# Public on purpose, like the demo passwords: it only ever exists on a developer's machine.
DEMO_TOTP_SECRET = "HIP3QBTGPSAKIVVLF5K2NJHE2XIRLE72"  # noqa: S105
DEMO_TOTP_USER = "bob"


def _ensure_totp(user: User) -> list[str]:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    recovery = Authenticator.objects.filter(
        user=user, type=Authenticator.Type.RECOVERY_CODES
    ).first()
    codes = RecoveryCodes.activate(user) if recovery is None else RecoveryCodes(recovery)
    return codes.get_unused_codes()


def seed(users: dict[str, User]) -> list[str]:
    """Turn on TOTP two-factor sign-in for bob and say how to get his codes."""
    user = users[DEMO_TOTP_USER]
    recovery_codes = _ensure_totp(user)
    return [
        f"Two-factor demo: {user.username} signs in with password, then a TOTP code.",
        f"  TOTP secret (base32, add it to any authenticator app): {DEMO_TOTP_SECRET}",
        "  or print the current code: .venv/bin/python manage.py shell -c "
        '"import time; from allauth.mfa.totp.internal.auth import hotp_value as h; '
        f"print('%06d' % h('{DEMO_TOTP_SECRET}', int(time.time()) // 30))\"",
        f"  Recovery codes (each works once): {', '.join(recovery_codes[:3])}, ...",
        "  Staff must set up two-factor before using /admin/ when ADMIN_REQUIRE_MFA is on "
        "(always in production).",
    ]
