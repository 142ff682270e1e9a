"""What pip itself reads from requirements files: for each file given, the first requirement named
`alembic` with an exact `==` version whose environment marker holds on a Linux CPython of the given
Python version, as JSON lines {"version", "line"} (version null when none applies).

Usage: pip_pins.py PYTHON_VERSION FILE...   (PYTHON_VERSION in full, like 3.12.4)
"""
import json
import re
import sys

from pip._internal.network.session import PipSession
from pip._internal.req.req_file import parse_requirements
from pip._vendor.packaging.markers import Marker
from pip._vendor.packaging.requirements import Requirement


def environment(python):
    env = {
        "os_name": "posix",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_python_implementation": "CPython",
        "implementation_name": "cpython",
        "extra": "",
    }
    if python != "-":
        env["python_version"] = ".".join(python.split(".")[:2])
        env["python_full_version"] = python
    return env


def pin(path, python, session):
    for parsed in parse_requirements(path, session=session):
        req = Requirement(parsed.requirement)
        if re.sub(r"[-_.]+", "-", req.name).lower() != "alembic":
            continue
        exact = [s.version for s in req.specifier if s.operator in ("==", "===") and not s.version.endswith(".*")]
        if not exact:
            continue
        if req.marker is not None and not Marker(str(req.marker)).evaluate(environment(python)):
            continue
        line = int(re.search(r"\(line (\d+)\)", parsed.comes_from).group(1))
        return {"version": exact[0], "line": line}
    return {"version": None, "line": None}


python = sys.argv[1]
# one session for every file: making one costs half a second (its user agent asks subprocesses about the
# platform), and a local file's parse never uses it
session = PipSession()
for path in sys.argv[2:]:
    print(json.dumps(pin(path, python, session)))
