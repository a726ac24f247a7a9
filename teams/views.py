"""The page an invite email links to: sign in, see the invite, accept it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from teams import selectors, services


def _first_message(exc: DomainError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return exc.messages[0]
    return exc.message


@login_required
@require_http_methods(["GET", "POST"])
def invite_accept(request):
    token = request.POST.get("token") or request.GET.get("token", "")
    error = ""
    if request.method == "POST":
        try:
            membership = services.team_invite_accept(token=token, user=request.user)
        except (ValidationError, DomainError) as exc:
            error = _first_message(exc)
        else:
            messages.success(request, f"You joined {membership.team.name}.")
            return redirect("accounts:profile")
    invite = selectors.team_invite_for_token(token=token) if token else None
    status = 200 if invite is not None and not error else 400
    context = {"token": token, "invite": invite, "error": error}
    return render(request, "teams/invite_accept.html", context, status=status)
