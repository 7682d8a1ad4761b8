from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from records.models import AuditEvent, DecisionRecord, Organisation, Team, User


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
        *UserAdmin.fieldsets,
        ("Role and team", {"fields": ("role", "organisation", "team", "managed_teams")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Role and team", {"fields": ("role", "organisation", "team")}),
    )
    filter_horizontal = ["groups", "user_permissions", "managed_teams"]


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
