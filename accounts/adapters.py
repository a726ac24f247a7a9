"""allauth hooks: secrets of MFA authenticators encrypted with our keys, reset tokens of ours."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied

from accounts import crypto, selectors, services
from core.client_ip import client_ip
from core.mail import Mail, mail_after_commit


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored Fernet-encrypted (accounts.crypto)."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)


class PasswordResetTokenGenerator:
    """ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR: the allauth reset pages use the same hashed,
    single-use, expiring PasswordResetToken rows as the API."""

    def make_token(self, user) -> str:
        request = allauth_context.request
        user_agent = request.headers.get("User-Agent", "") if request is not None else ""
        _, secret = services.password_reset_token_issue(
            user=user, client_ip=client_ip(request), user_agent=user_agent
        )
        return secret

    def check_token(self, user, token: str) -> bool:
        if not token or len(token) > 200:
            return False
        found = selectors.password_reset_token_find(secret=token)
        return found is not None and found.user_id == user.pk


class AccountAdapter(DefaultAccountAdapter):
    """allauth's rate limits (failed logins, codes, reset requests) key on the address
    core.client_ip trusts, and its mail (confirmations, reset links, codes) goes out the
    way all of Cadence's does, after commit (core.mail)."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request)}
            | context,
        )
        html = message.content_subtype == "html"
        alternatives = getattr(message, "alternatives", [])
        mail_after_commit(
            Mail(
                subject=str(message.subject),
                body="" if html else str(message.body),
                html_body=str(message.body)
                if html
                else next(
                    (str(content) for content, mimetype in alternatives if mimetype == "text/html"),
                    "",
                ),
                to=list(message.to),
                from_email=message.from_email,
                headers=dict(message.extra_headers),
            )
        )

    def get_client_ip(self, request) -> str:
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip
