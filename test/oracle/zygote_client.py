#!/usr/bin/python3 -S
"""`python3 ARGS` for the tests' questions to real Alembic (`-m alembic …`, this folder's oracle scripts):
answered by the run's fork server (zygote.py) when one listens at $PREFLIGHT_PYTHON_ZYGOTE, else, and for
anything else, by exec'ing /usr/bin/python3 with the same arguments. Either way the caller sees one
process: its stdin, stdout and stderr are the worker's, signals it gets are forwarded, and it ends as the
worker ended (the same exit code, or killed by the same signal)."""

import array
import json
import os
import signal
import socket
import struct
import sys

PYTHON = "/usr/bin/python3"
ORACLES = os.path.dirname(os.path.abspath(__file__))


def itself():
    os.execv(PYTHON, [PYTHON, *sys.argv[1:]])


def answerable(args):
    if len(args) >= 2 and args[0] == "-m" and args[1] == "alembic":
        return True
    return len(args) >= 1 and args[0].endswith(".py") and os.path.dirname(os.path.abspath(args[0])) == ORACLES


def main():
    args = sys.argv[1:]
    path = os.environ.get("PREFLIGHT_PYTHON_ZYGOTE")
    if not path or not answerable(args):
        itself()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        itself()
    body = json.dumps({"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    conn.sendmsg([struct.pack(">I", len(body)) + body], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0, 1, 2]))])
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, lambda n, _f: conn.send(bytes([n])))
    reply = b""
    while len(reply) < 2:
        try:
            chunk = conn.recv(2 - len(reply))
        except InterruptedError:
            continue
        if not chunk:
            sys.exit(1)
        reply += chunk
    kind, value = struct.unpack(">BB", reply)
    if kind == 2:
        conn.close()
        itself()
    if kind == 1:
        signal.signal(value, signal.SIG_DFL)
        os.kill(os.getpid(), value)
    os._exit(value)


main()
