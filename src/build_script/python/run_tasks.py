"""Runs the tasks of a build script for `leverage run`, as the Python Leverage CLI 3.x did.

Usage: run_tasks.py SCRIPT list | SCRIPT run [TASK[args]...]
Exit codes: 0 done, 1 a bad task argument, an unknown task, a broken build script or a failed
task; a task calling sys.exit(n) ends the run with n.
"""

import importlib.util
import os
import re
import sys
import traceback
import types
from operator import attrgetter
from pathlib import Path

from leverage import __version__, logger
from leverage.tasks import Task

TASK_PATTERN = re.compile(r"^(?P<name>[^\[\],\s]+)(\[(?P<arguments>[^\]]*)\])?$")
# The package the build script is loaded into, so relative imports find its neighbours.
PACKAGE = "leverage_build_script"
# Frames in these files are leverage's, not the user's.
HELPER_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# Import names whose distribution is called differently on PyPI.
DISTRIBUTIONS = {"hcl2": "python-hcl2", "yaml": "PyYAML", "ruamel": "ruamel.yaml"}


class BuildError(Exception):
    """A failure reported as one error line (and maybe a hint), ending the run with exit 1."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.hint = hint


def load(script):
    """The build script as a module: (file name, tasks, default task)."""
    package = types.ModuleType(PACKAGE)
    package.__path__ = [str(script.parent)]
    sys.modules[PACKAGE] = package
    name = f"{PACKAGE}.{re.sub(r'[^0-9A-Za-z_]', '_', script.stem)}"
    module_spec = importlib.util.spec_from_file_location(name, script)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except ModuleNotFoundError as exc:
        raise missing_module(script, exc) from None
    except Exception as exc:
        print_traceback(exc, start=str(script))
        raise BuildError(f"Error in build script {script.name}.") from None
    tasks = list({member for member in vars(module).values() if Task.is_task(member)})
    tasks.sort(key=attrgetter("name"))
    return script.name, tasks, getattr(module, "__DEFAULT__", None)


def missing_module(script, exc):
    missing = (exc.name or "").split(".")[0]
    if missing == "leverage":
        return BuildError(
            f"{script.name} imports `{exc.name}`, which leverage does not provide",
            "build scripts may use `from leverage import task, path, conf, logger`",
        )
    distribution = DISTRIBUTIONS.get(missing, missing)
    return BuildError(
        f"{script.name} needs the Python module `{missing}`, which is not installed "
        f"for {sys.executable}",
        f"install it (`{sys.executable} -m pip install {distribution}`), or set "
        "LEVERAGE_PYTHON to a Python that has it",
    )


def print_traceback(exc, start=None):
    """The traceback from the first frame in the file `start` on, without the frames of
    leverage's own helper files: only the build script and what it calls are shown."""
    frames = traceback.extract_tb(exc.__traceback__)
    if start is not None:
        first = next((i for i, f in enumerate(frames) if f.filename == start), 0)
        frames = frames[first:]
    frames = [f for f in frames if not f.filename.startswith(HELPER_DIR)]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    sys.stdout.flush()
    print("".join(lines), end="", file=sys.stderr, flush=True)


def list_tasks(module_name, tasks, default_task):
    """The visible tasks in upstream's table: name, [Default,Ignored], docstring."""
    visible = [t for t in tasks if not t.is_private]
    if not visible:
        print("  No tasks found or no build script present in current directory.")
        return
    print(f"Tasks in build file `{module_name}`:\n")
    grid = []
    for task in visible:
        attrs = []
        if task == default_task:
            attrs.append("Default")
        if task.is_ignored:
            attrs.append("Ignored")
        grid.append((task.name, f"[{','.join(attrs)}]" if attrs else "", task.doc.splitlines()))
    name_width = max(len(name) for name, _, _ in grid)
    attr_width = max(len(attr) for _, attr, _ in grid)
    for name, attr, doc in grid:
        print(f"  {name:<{name_width}}  {attr: ^{attr_width}}\t{doc[0] if doc else ''}")
        for line in doc[1:]:
            print(f"    {'': <{name_width + attr_width}}\t{line}")
    print(f"\nPowered by Leverage {__version__}")


def parse_arguments(arguments, name):
    """`a,b,k=v` as ([a, b], {k: v}); positional after keyword or a repeated key is an error."""
    args, kwargs = [], {}
    if arguments is None:
        return args, kwargs
    for argument in arguments.split(","):
        if "=" not in argument:
            if kwargs:
                raise BuildError(
                    f"Positional argument `{argument}` from task `{name}` cannot follow a "
                    "keyword argument."
                )
            args.append(argument.strip())
        else:
            key, value = [part.strip() for part in argument.split("=", 1)]
            if key in kwargs:
                raise BuildError(f"Duplicated keyword argument `{key}` in task `{name}`.")
            kwargs[key] = value
    return args, kwargs


def prepare(tasks, requested):
    """Each requested `name[args]` as (task, args, kwargs), all checked before any runs."""
    prepared = []
    for text in requested:
        match = TASK_PATTERN.match(text)
        if not match:
            raise BuildError(f"Malformed task argument in `{text}`.")
        name = match.group("name")
        args, kwargs = parse_arguments(match.group("arguments"), name)
        found = [t for t in tasks if t.name == name]
        if not found:
            raise BuildError(f"Unrecognized task `{name}`.")
        prepared.append((found[0], args, kwargs))
    return prepared


class Runner:
    def __init__(self, module_name):
        self.module_name = module_name
        self.completed = set()

    def log(self, level, message):
        logger.log(level, f"[ {self.module_name} - {message} ]")

    def run_all(self, prepared):
        for task, args, kwargs in prepared:
            # A task the user names runs even when an earlier one needed it already.
            self.completed.discard(task)
            self.run(task, *args, **kwargs)

    def run(self, task, *args, **kwargs):
        """Dependencies first, each once; then the task itself."""
        for dependency in task.dependencies:
            self.run(dependency)
        if task in self.completed:
            return
        if task.is_ignored:
            self.log("INFO", f"⤳ Ignoring task {task.name}")
        else:
            self.log("INFO", f"➜ Starting task {task.name}")
            try:
                task.task(*args, **kwargs)
            except Exception as exc:
                self.log("ERROR", f"! Error in task {task.name}")
                print_traceback(exc)
                self.log("ERROR", "✘ Aborting build")
                raise SystemExit(1) from None
            self.log("INFO", f"✔ Completed task {task.name}")
        self.completed.add(task)


def main(argv):
    script, mode, requested = Path(argv[0]), argv[1], argv[2:]
    try:
        module_name, tasks, default_task = load(script)
        if mode == "list":
            list_tasks(module_name, tasks, default_task)
            return 0
        if requested:
            prepared = prepare(tasks, requested)
        elif default_task is not None:
            prepared = [(default_task, [], {})]
        else:
            # Nothing asked and no __DEFAULT__: say what there is (upstream meant to).
            list_tasks(module_name, tasks, default_task)
            return 0
        Runner(module_name).run_all(prepared)
        return 0
    except BuildError as error:
        logger.error(str(error))
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
