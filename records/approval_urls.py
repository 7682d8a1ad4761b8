from django.urls import path

from records import views

app_name = "approvals"

urlpatterns = [
    path("", views.approval_queue_view, name="queue"),
    path("<str:reference>/", views.approval_detail, name="detail"),
]
