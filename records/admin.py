from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.mfa_services import user_mfa_reset
from records.models import AuditEvent, DecisionRecord, Organisation, Team, User
from records.services import user_deactivate
from records.throttling import sign_in_locks_clear
from records.utils import client_ip

KEPT_FOR_THE_AUDIT_TRAIL = (
    "Users who have audit events are never deleted: the audit trail refers to them. To "
    "end someone's access, untick \u201cActive\u201d below and save: they can no longer sign "
    "in, and the trail keeps their name on everything they did."
)


def _has_audit_events(user) -> bool:
    return AuditEvent.objects.filter(actor=user).exists()


def _kept_message(usernames) -> str:
    names = ", ".join(usernames)
    return (
        f"Not deleted: {names} {'has' if len(usernames) == 1 else 'have'} audit events, and "
        "a user with audit events is kept for the audit trail. Deactivate instead: open the "
        "user, untick \u201cActive\u201d and save."
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name"]


@admin.register(User)
class AppUserAdmin(UserAdmin):
    list_display = ["username", "get_full_name", "role", "organisation", "team", "is_active"]
    list_filter = ["role", "organisation", "is_active", "is_staff"]
    fieldsets = (
        *(
            (name, {**options, "description": KEPT_FOR_THE_AUDIT_TRAIL})
            if "is_active" in options["fields"]
            else (name, options)
            for name, options in UserAdmin.fieldsets
        ),
        ("Role and team", {"fields": ("role", "organisation", "team", "managed_teams")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Role and team", {"fields": ("role", "organisation", "team")}),
    )
    filter_horizontal = ["groups", "user_permissions", "managed_teams"]

    # A user with audit events is deactivated, never deleted (AuditEvent.actor is PROTECT,
    # and the audit table refuses the UPDATE a deletion would need).
    def has_delete_permission(self, request, obj=None):
        if obj is not None and _has_audit_events(obj):
            return False  # no Delete link on their page
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        user = self.get_object(request, unquote(object_id))
        if user is not None and _has_audit_events(user):
            self.message_user(request, _kept_message([user.username]), messages.ERROR)
            return redirect(reverse("admin:records_user_change", args=[user.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(
        permissions=["change"], description="Deactivate selected users and end their sessions"
    )
    def deactivate_users(self, request, queryset):
        ended = 0
        names = []
        for user in (
            queryset.filter(is_active=True).exclude(pk=request.user.pk).order_by("username")
        ):
            ended += user_deactivate(user=user, by=request.user, ip=client_ip(request))
            names.append(user.username)
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, "You cannot deactivate your own account.", messages.ERROR)
        if names:
            self.message_user(
                request,
                f"Deactivated {', '.join(names)}: they can no longer sign in, and {ended} "
                f"session{'' if ended == 1 else 's'} signed in as them ended.",
                messages.SUCCESS,
            )

    # Unticking "Active" on a user's page goes through the same service: sessions end, audited.
    def save_model(self, request, obj, form, change):
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        if deactivated and obj.pk == request.user.pk:
            raise PermissionDenied("You cannot deactivate your own account.")
        super().save_model(request, obj, form, change)
        if deactivated:
            user_deactivate(user=obj, by=request.user, ip=client_ip(request))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                _delete_users_without_events,
                "delete_selected",
                _delete_users_without_events.short_description,
            )
        return actions


# Appended, so that actions declared in the class body keep theirs.
AppUserAdmin.actions = (*(AppUserAdmin.actions or ()), "deactivate_users")


@admin.action(
    permissions=["delete"], description="Delete selected users (only those with no audit events)"
)
def _delete_users_without_events(modeladmin, request, queryset):
    kept = list(
        queryset.filter(Exists(AuditEvent.objects.filter(actor=OuterRef("pk"))))
        .order_by("username")
        .values_list("username", flat=True)
    )
    if kept:
        modeladmin.message_user(request, _kept_message(kept), messages.ERROR)
        return None
    return delete_selected(modeladmin, request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Decisions and audit events change only through services, never the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DecisionRecord)
class DecisionRecordAdmin(ReadOnlyAdmin):
    list_display = ["reference", "state", "outcome", "author", "team", "submitted_at"]
    list_filter = ["state", "outcome"]
    search_fields = ["reference", "subject_reference"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_username", "event", "record_reference", "ip"]
    list_filter = ["event"]
    search_fields = ["actor_username", "record_reference"]


# Two-factor: an administrator's reset (a lost phone) goes through the audited service; the
# devices' own admin pages are removed, so no one deletes a device (or reads its key) unaudited.
@admin.action(
    permissions=["change"],
    description="Reset two-factor authentication (they set it up again at next sign-in)",
)
def reset_mfa(modeladmin, request, queryset):
    names = []
    for user in queryset.order_by("username"):
        user_mfa_reset(user=user, by=request.user, ip=client_ip(request))
        names.append(user.username)
    modeladmin.message_user(
        request,
        f"Two-factor authentication reset for {', '.join(names)}: their authenticator and "
        "backup codes are removed, and they set it up again when they next sign in.",
        messages.SUCCESS,
    )


AppUserAdmin.actions = (*(AppUserAdmin.actions or ()), reset_mfa)

for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


# Sign-in locks: clearing one early (deleting django-axes' attempt) goes through the audited
# service, one event per attempt cleared.
class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    def delete_model(self, request, obj):
        sign_in_locks_clear(
            attempts=AccessAttempt.objects.filter(pk=obj.pk), by=request.user, ip=client_ip(request)
        )

    def delete_queryset(self, request, queryset):
        sign_in_locks_clear(attempts=queryset, by=request.user, ip=client_ip(request))


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AuditedAccessAttemptAdmin)
