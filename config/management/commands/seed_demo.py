"""Load a small, idempotent demo data set and print how to sign in."""

from importlib import import_module

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from accounts import services as account_services
from accounts.models import User

LOCAL_APPS = ("accounts", "activity", "social", "teams", "auditing", "config")

# Demo credentials are public on purpose: they only ever exist on a developer's machine.
DEMO_USERS = [
    {
        "username": "admin",
        "email": "admin@cadence.local",
        "password": "cadence-admin-demo",
        "display_name": "Cadence Admin",
        "is_staff": True,
        "is_superuser": True,
    },
    {
        "username": "alice",
        "email": "alice@cadence.local",
        "password": "cadence-demo-alice",
        "display_name": "Alice Example",
        "profile_type": "developer",
        "plan": User.Plan.PRO,
    },
    {
        "username": "bob",
        "email": "bob@cadence.local",
        "password": "cadence-demo-bob",
        "display_name": "Bob Example",
        "profile_type": "designer",
    },
]


def _domain_seeders():
    """Each local app may offer `<app>/demo.py` with `seed(users) -> list[str]` (lines to print).

    `users` maps the demo usernames (admin, alice, bob) to users; a seeder must be idempotent.
    """
    for app_config in apps.get_app_configs():
        if app_config.name in LOCAL_APPS and module_has_submodule(app_config.module, "demo"):
            yield import_module(f"{app_config.name}.demo").seed


class Command(BaseCommand):
    help = "Create demo users (a staff user and two normal users) and print their logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off. Demo passwords are public: never on a real site.",
        )
        parser.add_argument("--site-domain", default="127.0.0.1:8000")

    def handle(self, *args, force: bool = False, site_domain: str = "127.0.0.1:8000", **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates users with public passwords; pass --force.")
        with transaction.atomic():
            Site.objects.update_or_create(
                pk=settings.SITE_ID, defaults={"domain": site_domain, "name": "Cadence"}
            )
            users = [self._ensure_user(spec) for spec in DEMO_USERS]
            by_name = {user.username: user for user in users}
            lines = [line for seed in _domain_seeders() for line in seed(by_name)]

        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Site:      http://{site_domain}/")
        self.stdout.write(f"  Admin:     http://{site_domain}/admin/")
        self.stdout.write(f"  API docs:  http://{site_domain}/api/docs/")
        self.stdout.write(f"  Sign in:   http://{site_domain}/accounts/login/")
        self.stdout.write("  Logins (username / email / password):")
        for spec, user in zip(DEMO_USERS, users, strict=True):
            role = "staff" if user.is_staff else "user"
            self.stdout.write(
                f"    {role:5}  {spec['username']:6} {spec['email']:22} {spec['password']}"
            )
        for line in lines:
            self.stdout.write(f"  {line}")

    @staticmethod
    def _ensure_user(spec: dict) -> User:
        fields = {k: v for k, v in spec.items() if k not in {"username", "email", "password"}}
        user = User.all_objects.filter(username=spec["username"]).first()
        if user is None:
            user = account_services.user_create(
                username=spec["username"],
                email=spec["email"],
                password=spec["password"],
                email_verified=True,
                email_verified_at=timezone.now(),
                **fields,
            )
        else:
            if user.is_deleted:
                account_services.user_restore(user=user)
            if not user.check_password(spec["password"]):
                user.set_password(spec["password"])
                user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user
