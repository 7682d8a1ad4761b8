"""Management information at /insight/: the dashboard, each chart's SVG and CSV, the board
report PDF. At the top of the import layers: it reads records through their models and
selectors, and nothing imports it."""

from django.urls import path

from insight import views

app_name = "insight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("<slug:name>.svg", views.chart_svg, name="chart_svg"),
    path("<slug:name>.csv", views.chart_csv, name="chart_csv"),
]
