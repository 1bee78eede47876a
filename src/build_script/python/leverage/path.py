"""Where a build script runs: the working directory, the project root, the current account and
their config directories, as the Python Leverage CLI 3.x's `leverage.path` gives them."""

import os
import subprocess
from pathlib import Path


class NotARepositoryError(RuntimeError):
    """Not inside a Leverage project (or git repository)."""


def get_working_path():
    return Path.cwd().as_posix()


def get_home_path():
    return Path.home().as_posix()


def get_root_path():
    """The project root leverage found; else the git top level."""
    root = os.environ.get("LEVERAGE_PROJECT_ROOT")
    if root:
        return root
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=True,
            encoding="utf-8",
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        raise NotARepositoryError("Not running in a git repository.") from None
    return out.strip()


def get_account_path():
    """The first directory below the root on the way to the working directory (the root itself
    when working there), looking at most 8 levels up as upstream does."""
    root_path = Path(get_root_path())
    cur_path = Path(get_working_path())
    prev_path = cur_path
    for _ in range(8):
        if cur_path.resolve() == root_path:
            break
        prev_path = cur_path
        cur_path = cur_path.parent
    return prev_path.as_posix()


def get_global_config_path():
    return f"{get_root_path()}/config"


def get_account_config_path():
    return f"{get_account_path()}/config"


def get_build_script_path(filename="build.py"):
    """The nearest `filename` from the working directory up to the root, or None."""
    try:
        root_path = Path(get_root_path())
    except NotARepositoryError:
        script = Path(filename)
        return script.absolute().as_posix() if script.exists() else None
    cur_path = Path(get_working_path())
    while True:
        found = list(cur_path.glob(filename))
        if found:
            return found[0].as_posix()
        if cur_path == root_path or cur_path == cur_path.parent:
            return None
        cur_path = cur_path.parent
