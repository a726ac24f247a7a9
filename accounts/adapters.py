"""allauth hooks: secrets of MFA authenticators encrypted with our keys, reset tokens of ours."""

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal.ratelimit import parse_rates, respond_429
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.http import Http404

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
        if template_prefix == "account/email/password_reset_key" and context.get("user"):
            # The reset mail lists the keys that still work, as the API's does.
            context = {
                **context,
                "api_keys": list(selectors.api_keys_usable_of(user=context["user"])),
            }
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

    def validation_error(self, code, *args):
        # In the app API a rate limit is a 429 with Retry-After, as HTTP has it, not a 400
        # that reads like a wrong password; the pages keep allauth's form error.
        request = allauth_context.request
        headless = getattr(getattr(request, "allauth", None), "headless", None)
        if code in ("too_many_login_attempts", "rate_limited") and headless is not None:
            response = respond_429(request)
            rates = parse_rates(account_settings.RATE_LIMITS.get("login_failed"))
            response["Retry-After"] = str(int(max((rate.duration for rate in rates), default=60)))
            raise ImmediateHttpResponse(response)
        return super().validation_error(code, *args)

    def confirm_email(self, request, email_address) -> bool:
        # The address may have been taken by another account since the link was sent.
        if selectors.user_email_taken(email=email_address.email, exclude=email_address.user):
            return False
        return super().confirm_email(request, email_address)

    def get_client_ip(self, request) -> str:
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


class _NoSocialApp(SocialApp.DoesNotExist, Http404):
    """A provider without a configured client: allauth's callers that expect DoesNotExist
    still catch it, and anywhere else it is a 404, not a 500."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Providers are installed whether or not their client id is set: a sign-in or callback
    URL of an unconfigured one is a 404."""

    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise _NoSocialApp(f"{provider} sign-in is not configured.") from None
