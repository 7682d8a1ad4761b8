from django.urls import path

from decisions import views

app_name = "decisions"

urlpatterns = [
    path("new/", views.start, name="start"),
    path("<str:reference>/check/", views.check, name="check"),
    path("<str:reference>/confirmation/", views.confirmation, name="confirmation"),
    path("<str:reference>/delete/", views.discard, name="discard"),
    path("<str:reference>/<slug:step_id>/", views.step, name="step"),
]
