#!/usr/bin/env python3
"""Writes alembic-preflight's wheel from a staged tree, as the binary distribution format specifies
(PEP 427 and the packaging guide's "Binary distribution format"): the files, then
NAME-VERSION.dist-info/{METADATA,WHEEL,RECORD}, RECORD last with each file's urlsafe-base64 SHA-256
and size.

The tree (scripts/build-wheel.mjs stages it) holds `scripts/alembic-preflight`, the executable, and
`data/share/alembic-preflight/...`; they go under NAME-VERSION.data/, which pip installs into the
environment's bin/ and its prefix (so share/ sits beside bin/ in a venv, a --user install and a
system one alike). A small package, alembic_preflight, makes `python -m alembic_preflight` run the
same executable.
"""

import argparse
import base64
import hashlib
import os
import re
import stat
import time
import zipfile

NAME = "alembic_preflight"

INIT = '''"""alembic-preflight: predicts what `alembic upgrade` will do, before it runs. The CLI is the
`alembic-preflight` executable this package installs."""

__version__ = "{version}"
'''

MAIN = '''"""python -m alembic_preflight: runs the alembic-preflight executable installed with this package."""

import os
import sys
import sysconfig


def main() -> None:
    exe = os.path.join(sysconfig.get_path("scripts"), "alembic-preflight")
    os.execv(exe, [exe, *sys.argv[1:]])


if __name__ == "__main__":
    main()
'''

METADATA = """Metadata-Version: 2.1
Name: alembic-preflight
Version: {version}
Summary: Predicts what `alembic upgrade` will do before it runs, and blocks a release that would fail.
License: MIT
Requires-Python: >=3.8
Classifier: Environment :: Console
Classifier: Operating System :: POSIX :: Linux
Classifier: Topic :: Database
Description-Content-Type: text/plain

alembic-preflight reads an Alembic project statically and the database's alembic_version read-only,
predicts exactly what `alembic upgrade` will do, and blocks a release that would fail, with the fix.
This wheel carries the tool as one executable with its runtime (Node {node}) inside: no Node needed.
"""


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pep440(version: str) -> str:
    """package.json's semver as a wheel version: 1.2.3 stays, 1.2.3-rc.1 becomes 1.2.3rc1."""
    m = re.fullmatch(r"(\d+\.\d+\.\d+)(?:-(alpha|beta|rc)\.?(\d+))?", version)
    if not m:
        raise SystemExit(f"version {version!r} has no PEP 440 form here")
    base, pre, n = m.groups()
    return base + ({"alpha": "a", "beta": "b", "rc": "rc"}[pre] + n if pre else "")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--node", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epoch", type=int, required=True, help="the files' time in the zip (SOURCE_DATE_EPOCH)")
    args = ap.parse_args()
    version = pep440(args.version)
    dist_info = f"{NAME}-{version}.dist-info"
    data = f"{NAME}-{version}.data"
    wheel = os.path.join(args.out, f"{NAME}-{version}-{args.tag}.whl")

    entries = []  # (archive name, bytes, mode)
    entries.append((f"{NAME}/__init__.py", INIT.format(version=version).encode(), 0o644))
    entries.append((f"{NAME}/__main__.py", MAIN.encode(), 0o644))
    for root, dirs, files in os.walk(args.tree):
        dirs.sort()
        for f in sorted(files):
            full = os.path.join(root, f)
            rel = os.path.relpath(full, args.tree).replace(os.sep, "/")
            mode = 0o755 if os.stat(full).st_mode & stat.S_IXUSR else 0o644
            with open(full, "rb") as fh:
                entries.append((f"{data}/{rel}", fh.read(), mode))
    py_tag, abi, platform = args.tag.split("-")
    entries.append((f"{dist_info}/METADATA", METADATA.format(version=version, node=args.node).encode(), 0o644))
    entries.append((f"{dist_info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: alembic-preflight write-wheel.py\nRoot-Is-Purelib: false\nTag: {py_tag}-{abi}-{platform}\n".encode(), 0o644))
    record = "".join(f"{name},{record_hash(body)},{len(body)}\n" for name, body, _ in entries) + f"{dist_info}/RECORD,,\n"
    entries.append((f"{dist_info}/RECORD", record.encode(), 0o644))

    # a zip holds local times from 1980 on, to two seconds
    stamp = max(time.gmtime(args.epoch)[:6], (1980, 1, 1, 0, 0, 0))
    tmp = wheel + ".tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, body, mode in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, body)
    os.replace(tmp, wheel)
    print(f"{wheel}: {os.path.getsize(wheel) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
