"""Settings for `make bench`'s HTTP section (bench/http.py) only: production settings as
config.settings reads them from the environment, plus one bare page to measure against."""

import os

from config.settings import *  # noqa: F403

# config.urls and a bare signed-in page rendering base.html: the yardstick every page's
# throughput is divided by.
ROOT_URLCONF = "config.bench_urls"
# collectstatic writes the manifest here (a temporary folder): with DEBUG off a page whose
# static file is missing from the manifest is a server error.
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
