"""Settings for the load and fault sections of `make bench` (bench/load.py): the production
settings as config.settings reads them from the environment, with static files collected into
the bench's temporary folder (BENCH_STATIC_ROOT)."""

import os

from config.settings import *  # noqa: F403

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
