"""Exports: one record as PDF, the current search as CSV, a subject-access bundle, and bulk
exports built in the background. Above ``guidance`` in the layers, so the PDF may draw the
flowchart; nothing below imports from here."""

from django.urls import path

from exports import job_views, views

app_name = "exports"

urlpatterns: list = [
    # One record as PDF, the current search as CSV, a subject-access bundle. Before
    # records.urls in config.urls, so "export.csv" and "subject-access" are never references.
    path("records/export.csv", views.records_csv, name="records_csv"),
    path("records/subject-access/", views.subject_access, name="subject_access"),
    path("records/<str:reference>/pdf/", views.record_pdf_view, name="record_pdf"),
    # Bulk exports (ZIP of PDFs), built in the background.
    path("exports/", job_views.job_list, name="jobs"),
    path("exports/bulk/", job_views.bulk_start, name="bulk_start"),
    path("exports/<int:pk>/", job_views.job_detail, name="job"),
    path("exports/<int:pk>/status.json", job_views.job_status, name="job_status"),
    path("exports/<int:pk>/download/", job_views.job_download, name="job_download"),
]
