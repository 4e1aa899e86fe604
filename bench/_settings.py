"""Settings of the benchmark server: the project's own, with the baseline views mounted
(``bench._urls``). Only ``bench._server`` starts a server with it; never deployed."""

from sanfang.settings import *  # noqa: F401,F403

from ._server import PLAIN_STATIC

ROOT_URLCONF = "bench._urls"

# Pages link their static files through the manifest when DEBUG is off, which needs a
# collectstatic first; the benchmarks measure views, not static files, so plain storage.
STORAGES = {**STORAGES, **PLAIN_STATIC}  # noqa: F405
