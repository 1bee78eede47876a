"""Log lines in leverage's shape, `[HH:MM:SS.mmm] LEVEL    message`, on standard error; colour
only on a terminal without NO_COLOR. `LEVERAGE_VERBOSE=1` lets debug lines through."""

import os
import sys
from datetime import datetime

_COLOURS = {"ERROR": "\x1b[1;31m", "WARNING": "\x1b[33m", "INFO": "\x1b[34m"}


def _colour():
    return sys.stderr.isatty() and not os.environ.get("NO_COLOR")


def log(level, message):
    # Task output on stdout comes before the line that says the task ended.
    sys.stdout.flush()
    now = datetime.now()
    stamp = f"{now:%H:%M:%S}.{now.microsecond // 1000:03}"
    if _colour():
        paint = _COLOURS.get(level, "\x1b[2m")
        line = f"\x1b[2m[{stamp}]\x1b[0m {paint}{level:<8}\x1b[0m {message}"
    else:
        line = f"[{stamp}] {level:<8} {message}"
    print(line, file=sys.stderr, flush=True)


def debug(message):
    if os.environ.get("LEVERAGE_VERBOSE") == "1":
        log("DEBUG", message)


def info(message):
    log("INFO", message)


def warning(message):
    log("WARNING", message)


def error(message):
    log("ERROR", message)


def critical(message):
    log("ERROR", message)


def exception(message, exc_info=None):
    import traceback

    log("ERROR", message)
    if isinstance(exc_info, BaseException):
        traceback.print_exception(type(exc_info), exc_info, exc_info.__traceback__)
    elif exc_info:
        traceback.print_exc()
