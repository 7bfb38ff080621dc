"""The project's settings as production reads them from the environment, plus the one
thing a benchmark needs that the environment cannot say: where ``collectstatic`` puts the
files, so that a run never writes into the work tree.

With DJANGO_DEBUG=false the pages name their static files through WhiteNoise's manifest,
so the files must be collected first (bench/environment.py does it once per run).
"""

import os

from forum.settings import *  # noqa: F403

STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)  # noqa: F405
