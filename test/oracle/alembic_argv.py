"""How real Alembic's command line (argparse) reads each argv: JSON lines in, JSON list out.

Input on stdin: a JSON list of argv lists (the words after `alembic`). Output: one object per argv:
{"kind": "parsed"|"refused"|"exits", "command", "configs", "append", "name", "revision", "sql", "tag", "message"}.
"""
import contextlib
import io
import json
import os
import sys

# Alembic before 1.16 takes -c's default from ALEMBIC_CONFIG when it builds the parser: a marker tells "not given"
UNSET = "<not given>"
os.environ["ALEMBIC_CONFIG"] = UNSET
from alembic.config import CommandLine  # noqa: E402


def read(argv):
    cl = CommandLine(prog="alembic")
    err = io.StringIO()
    out = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            options = cl.parser.parse_args(argv)
            if not hasattr(options, "cmd"):
                cl.parser.error("too few arguments")
    except SystemExit as e:
        code = e.code or 0
        last = (err.getvalue().strip().splitlines() or [""])[-1]
        return {"kind": "exits" if code == 0 else "refused", "message": last}
    fn = options.cmd[0]
    config = options.config
    # 1.16+ appends every -c; before, the last one wins (so only that one is known)
    configs = config if isinstance(config, list) else ([] if config in (UNSET, None) else [config])
    result = {"kind": "parsed", "command": fn.__name__, "configs": configs or [], "append": isinstance(config, list) or config is None, "name": options.name}
    if fn.__name__ == "upgrade":
        result.update(revision=options.revision, sql=bool(options.sql), tag=options.tag)
    return result


print(json.dumps([read(a) for a in json.load(sys.stdin)]))
