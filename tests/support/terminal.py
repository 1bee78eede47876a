"""Runs a program in a real pseudo-terminal (80x24) and plays a user at the keyboard.

Usage: terminal.py STEPS_JSON -- PROGRAM ARGS...
STEPS_JSON is a list of [wait_for, keys]: read the screen output until the text `wait_for`
appears (colours stripped), then type `keys`. Prints one JSON object: the exit code and
everything the program wrote, colours and cursor moves stripped.
"""
import fcntl
import json
import os
import pty
import re
import select
import struct
import sys
import termios
import time

ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r")


def main():
    steps = json.loads(sys.argv[1])
    program = sys.argv[sys.argv.index("--") + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(program[0], program)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    raw = b""

    def read(timeout):
        nonlocal raw
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return False
        raw += chunk
        return bool(chunk)

    for wait_for, keys in steps:
        deadline = time.time() + 30
        while wait_for.encode() not in ESCAPES.sub(b"", raw):
            if time.time() > deadline or not read(0.2):
                output = ESCAPES.sub(b"", raw).decode(errors="replace")
                print(json.dumps({"exit": None, "output": f"{output}\n[terminal.py: never saw {wait_for!r}]"}))
                os.kill(pid, 9)
                return
        # The text shows just before the program switches the terminal to raw mode to read a
        # key; keys typed before that switch would be echoed and line-buffered by the terminal.
        time.sleep(0.1)
        os.write(fd, keys.encode())
    deadline = time.time() + 60
    while read(1):
        if time.time() > deadline:
            os.kill(pid, 9)
            break
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"exit": code, "output": ESCAPES.sub(b"", raw).decode(errors="replace")}))


main()
