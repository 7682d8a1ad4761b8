"""Exports: one record as PDF, the current search as CSV, a subject-access bundle, and bulk
exports built in the background. Above ``guidance`` in the layers, so the PDF may draw the
flowchart; nothing below imports from here."""

from django.urls import path

from exports import job_views

app_name = "exports"

urlpatterns: list = [
    # Bulk exports (ZIP of PDFs), built in the background.
    path("exports/", job_views.job_list, name="jobs"),
    path("exports/bulk/", job_views.bulk_start, name="bulk_start"),
    path("exports/<int:pk>/", job_views.job_detail, name="job"),
    path("exports/<int:pk>/status.json", job_views.job_status, name="job_status"),
    path("exports/<int:pk>/download/", job_views.job_download, name="job_download"),
]
