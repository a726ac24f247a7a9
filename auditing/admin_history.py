"""Object history in the admin: each change page's "History" button opens the audit rows.

Done for every registered ModelAdmin at ready() (the admin has autodiscovered by then), so
admins added by any app get it without doing anything.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from auditing.changes import entity_type_of
from auditing.models import AuditLog


def audit_history_url(model, object_id) -> str:
    query = urlencode({"entity_type": entity_type_of(model), "entity_id": str(object_id)})
    return f"{reverse('admin:auditing_auditlog_changelist')}?{query}"


def _history_view(model_admin):
    original = model_admin.history_view

    def history_view(request, object_id, extra_context=None):
        # Staff who may not read the audit trail keep Django's own history page.
        if not request.user.has_perm("auditing.view_auditlog"):
            return original(request, object_id, extra_context)
        return redirect(audit_history_url(model_admin.model, object_id))

    return history_view


def link_all(site: admin.AdminSite = admin.site) -> None:
    for model, model_admin in site._registry.items():
        if model is not AuditLog:
            model_admin.history_view = _history_view(model_admin)
