"""Runs each source's module-level code as Alembic's import would, and says how it ends.

Reads a JSON list of sources on stdin; prints a JSON list: null when the module runs, else
{"exc": type name, "name": the missing name for NameError, "line": the module-level line that
raised, "depth": how many of the module's frames the traceback holds}.
Each run has a fresh namespace and a one-second alarm (a mutated file may loop).
"""
import json
import signal
import sys
import traceback
import warnings

warnings.simplefilter("ignore")


class Slow(Exception):
    pass


def alarm(*_):
    raise Slow()


signal.signal(signal.SIGALRM, alarm)
out = []
for src in json.load(sys.stdin):
    try:
        code = compile(src, "migration.py", "exec")
    except (SyntaxError, ValueError):
        out.append({"exc": "SyntaxError"})
        continue
    ns = {"__name__": "migration_py", "__file__": "migration.py"}
    signal.alarm(1)
    try:
        exec(code, ns)
        out.append(None)
    except BaseException as e:  # noqa: B902 - any end of the run is an outcome
        tb = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == "migration.py"]
        out.append({"exc": type(e).__name__, "name": getattr(e, "name", None) if isinstance(e, NameError) else None,
                    "line": tb[0].lineno if tb else None, "depth": len(tb)})
    finally:
        signal.alarm(0)
print(json.dumps(out))
