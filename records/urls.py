from django.urls import path

from records import disagreement_views, views

app_name = "records"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("<str:reference>/", views.record_detail, name="detail"),
    path("<str:reference>/confirm-sharing/", views.confirm_sharing, name="confirm_sharing"),
    path("<str:reference>/reconsider/", views.reconsider, name="reconsider"),
    path("<str:reference>/addenda/new/", views.add_addendum, name="add_addendum"),
    path("<str:reference>/legal-hold/", views.legal_hold, name="legal_hold"),
    path(
        "<str:reference>/disagreements/new/",
        disagreement_views.raise_disagreement,
        name="disagreement_new",
    ),
    path(
        "<str:reference>/disagreements/<int:pk>/steps/new/",
        disagreement_views.add_step,
        name="disagreement_step",
    ),
    path(
        "<str:reference>/disagreements/<int:pk>/resolve/",
        disagreement_views.resolve,
        name="disagreement_resolve",
    ),
]
