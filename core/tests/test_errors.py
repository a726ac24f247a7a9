import pytest
from rest_framework.test import APIRequestFactory

from core import errors
from core.exceptions import exception_handler


@pytest.mark.parametrize(
    "error, status, detail",
    [
        (errors.NotFound(), 404, "Not found."),
        (
            errors.NotAllowed("Your role does not allow this."),
            403,
            "Your role does not allow this.",
        ),
        (errors.Conflict("The team is full."), 409, "The team is full."),
        (errors.Gone("This invite has expired."), 410, "This invite has expired."),
        (errors.Invalid("Send 1 to 5000 events."), 400, "Send 1 to 5000 events."),
    ],
)
def test_domain_errors_become_their_status_with_detail(error, status, detail):
    request = APIRequestFactory().get("/")
    response = exception_handler(error, {"request": request, "view": None})
    assert response.status_code == status
    assert response.data == {"detail": detail}
    assert response.data["detail"].code == error.code


def test_an_error_keeps_its_code():
    assert errors.Conflict(code="team_full").code == "team_full"
    assert errors.Conflict().code == "conflict"
