"""The `@task()` decorator and the Task objects it makes, as in the Python Leverage CLI 3.x."""

from inspect import isfunction


class NotATaskError(ImportError):
    pass


class MissingParensInDecoratorError(ImportError):
    pass


def task(*dependencies, **options):
    """Marks a function of a build script as a task; `dependencies` are tasks run before it.

    Options: `private=True` hides it from `--list-tasks` (so does a name starting with `_`),
    `ignore=True` makes it never run.
    """
    # `@task` without parentheses passes the function itself as the only "dependency".
    if len(dependencies) == 1 and isfunction(dependencies[0]):
        raise MissingParensInDecoratorError(
            f"Possible parentheses missing in function `{dependencies[0].__name__}` decorator."
        )
    not_tasks = [getattr(d, "__name__", repr(d)) for d in dependencies if not Task.is_task(d)]
    if not_tasks:
        raise NotATaskError(
            f"Dependencies {', '.join(not_tasks)} are not tasks. "
            "They all must be functions decorated with the `@task()` decorator."
        )

    def _task(func):
        return Task(func, list(dependencies), options)

    return _task


class Task:
    """A build-script function with its dependencies and options."""

    def __init__(self, task, dependencies=None, options=None):
        self.task = task
        self.name = task.__name__
        self.doc = task.__doc__ or ""
        self.dependencies = [] if dependencies is None else dependencies
        options = {} if options is None else options
        self._private = self.name.startswith("_") or bool(options.get("private", False))
        self._ignored = bool(options.get("ignore", False))

    @classmethod
    def is_task(cls, obj):
        return isinstance(obj, cls)

    @property
    def is_private(self):
        return self._private

    @property
    def is_ignored(self):
        return self._ignored

    def __call__(self, *args, **kwargs):
        self.task(*args, **kwargs)

    def __eq__(self, other):
        return isinstance(other, Task) and self.name == other.name and self.doc == other.doc

    def __hash__(self):
        return id(self)
