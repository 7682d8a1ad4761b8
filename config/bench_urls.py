"""URLs of `make bench`'s HTTP section: the service's own, plus the bare page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import include, path


@login_required
def bare(request):
    """The least a signed-in page can do: the middleware, the session and user, and
    base.html with nothing in it."""
    return render(request, "base.html")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("config.urls")),
]
