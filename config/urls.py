from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.views import healthz
from records import mfa_views
from records.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/set-up/", mfa_views.enrol, name="mfa_enrol"),
    path("accounts/two-factor/verify/", mfa_views.verify, name="mfa_verify"),
    path("accounts/two-factor/backup-codes/", mfa_views.backup_codes, name="mfa_backup_codes"),
    path("decisions/", include("decisions.urls")),
    path("", include("exports.urls")),
    path("records/", include("records.urls")),
    path("approvals/", include("records.approval_urls")),
    path("audit/", include("records.audit_urls")),
    path("guidance/", include("guidance.urls")),
    path("insight/", include("insight.urls")),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
