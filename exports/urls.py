"""Exports: one record as PDF, the current search as CSV, a subject-access bundle, and bulk
exports built in the background. Above ``guidance`` in the layers, so the PDF may draw the
flowchart; nothing below imports from here."""

from django.urls import path

app_name = "exports"

urlpatterns: list = []
