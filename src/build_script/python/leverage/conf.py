"""`conf.load()`: the variables of the `build.env` files from the project root down to the
working directory, deeper files overriding, as the Python Leverage CLI 3.x's `leverage.conf`."""

from pathlib import Path

from leverage.path import get_root_path, get_working_path

ENV_CONFIG_FILE = "build.env"


def load(config_filename=ENV_CONFIG_FILE):
    root_path = Path(get_root_path())
    cur_path = Path(get_working_path())
    files = []
    while True:
        candidate = cur_path / config_filename
        if candidate.is_file():
            files.append(candidate)
        if cur_path == root_path or cur_path == cur_path.parent:
            break
        cur_path = cur_path.parent
    values = {}
    for env_file in reversed(files):
        values.update(_parse(env_file.read_text()))
    return values


def _parse(text):
    """KEY=VALUE lines; blank lines, comments and an `export ` prefix are allowed; one level
    of matching quotes around the value is removed."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip()
        if key.startswith("export "):
            key = key[len("export "):].strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values
