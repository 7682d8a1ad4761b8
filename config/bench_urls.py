"""URLs of `make bench`'s HTTP section: the service's own, plus the bare page, the record
page's data work alone, and the least any view of a record does."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import include, path

from records import selectors
from records.services import record_open
from records.utils import client_ip


@login_required
def bare(request):
    """The least a signed-in page can do: the middleware, the session and user, and
    base.html with nothing in it."""
    return render(request, "base.html")


@login_required
def record_data(request, reference: str):
    """The record page's reads and its audit write, as records.views.record_detail does
    them, then base.html with nothing of them drawn: what no drawing of the page can save.
    Measured beside the record page, it says how much of the page's time its data takes."""
    record = record_open(user=request.user, reference=reference, ip=client_ip(request))
    history = selectors.history_of(record)
    selectors.earlier_snapshots(record, history.submissions)
    selectors.audit_events_for(record, user=request.user)
    return render(request, "base.html")


@login_required
def record_opened(request, reference: str):
    """The record read and its VIEWED event (``record_open``), then base.html: the least any
    page that shows a record must do, whatever it draws. Measured beside the record page, it
    says how much of the page's goal is left for its history, its trail and its drawing."""
    record_open(user=request.user, reference=reference, ip=client_ip(request))
    return render(request, "base.html")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/record-data/<str:reference>/", record_data, name="bench_record_data"),
    path("bench/record-opened/<str:reference>/", record_opened, name="bench_record_opened"),
    path("", include("config.urls")),
]
