"""The `leverage` module that build scripts run by `leverage run` import.

It provides what the Python Leverage CLI 3.x gave build scripts: `task` (and `Task`), and the
`path`, `conf` and `logger` helpers. Written to a private directory for each run.
"""

import os

__version__ = os.environ.get("LEVERAGE_VERSION", "")

from leverage import conf, logger, path  # noqa: E402
from leverage.tasks import Task, task  # noqa: E402

__all__ = ["Task", "conf", "logger", "path", "task"]
