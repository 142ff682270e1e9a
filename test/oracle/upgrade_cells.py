"""Runs real `alembic upgrade head` for many projects in one process: argv[1] is a JSON file listing
{"dir": ..., "url": ...}; prints a JSON list of {"ok": bool, "error": "module.Class: first line"}, in
order. Each project's env.py reads DATABASE_URL, set here before its run."""

import json
import os
import sys

from alembic import command
from alembic.config import Config


def describe(e):
    cls = type(e)
    module = cls.__module__
    name = cls.__name__ if module == "builtins" else f"{module}.{cls.__name__}"
    text = str(e).splitlines()
    return f"{name}: {text[0] if text else ''}"


def main():
    with open(sys.argv[1]) as f:
        cells = json.load(f)
    out = []
    for cell in cells:
        os.chdir(cell["dir"])
        os.environ["DATABASE_URL"] = cell["url"]
        try:
            command.upgrade(Config(os.path.join(cell["dir"], "alembic.ini")), "head")
            out.append({"ok": True})
        except Exception as e:  # every failure is the cell's outcome
            out.append({"ok": False, "error": describe(e)})
    print(json.dumps(out))


main()
