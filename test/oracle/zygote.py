"""A fork server for the tests' questions to real Alembic: one Python that has imported Alembic and
SQLAlchemy once, and forks a fresh process for each question instead of starting and importing them
again (about 0.2 s of CPU a question, hundreds of questions a run).

Started by test/helpers/global-setup.ts with the socket's path; asked by zygote_client.py, which hands
over its argv, working folder, environment and its own stdin, stdout and stderr (SCM_RIGHTS). For each
connection a supervisor forks the worker, waits for it, and sends back how it ended: the worker sets
the folder, the environment and sys.path as `python3 -m MODULE` or `python3 SCRIPT` would, runs the
module or script as __main__, runs the exit handlers and exits with the code CPython would. A client
that goes away (killed) takes its worker with it.
"""

import array
import atexit
import io
import json
import os
import runpy
import signal
import socket
import struct
import sys
import traceback
import warnings

# what the questions import: loaded once, here
import alembic  # noqa: F401
import alembic.command  # noqa: F401
import alembic.config  # noqa: F401
import alembic.script  # noqa: F401
import logging.config  # noqa: F401
import sqlalchemy  # noqa: F401

try:
    import psycopg2  # noqa: F401
except ImportError:
    pass

# the interpreter's own path, without this script's folder: what `python3 -m` starts with after its first entry
BASE_PATH = list(sys.path[1:])
# what a new interpreter reads from its environment before it runs anything: a question whose values differ
# from this process's is run by a new interpreter instead (the client execs python3 itself)
STARTUP_VARIABLES = ("LC_ALL", "LC_CTYPE", "LANG")
HANDLED = ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTHONWARNINGS")
STARTED_WITH = dict(os.environ)
# the filters a new interpreter starts with before PYTHONWARNINGS adds its own (this one is started without it)
DEFAULT_FILTERS = list(warnings.filters)


def user_site(env):
    home = env.get("PYTHONUSERBASE") or os.path.join(env.get("HOME", ""), ".local")
    return os.path.join(home, "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages")


def same_start(env):
    """Whether a new interpreter in `env` would start as this one did (same locale, PYTHON* settings, user site)."""
    names = {k for k in (*env, *STARTED_WITH) if (k.startswith("PYTHON") and k not in HANDLED) or k in STARTUP_VARIABLES}
    if any(env.get(k) != STARTED_WITH.get(k) for k in names):
        return False
    mine, theirs = user_site(STARTED_WITH), user_site(env)
    return mine == theirs or not (os.path.isdir(mine) or os.path.isdir(theirs))


def recv_request(conn):
    """The request's JSON and the three descriptors that came with its first bytes."""
    fds = array.array("i")
    buf = b""
    size = None
    while size is None or len(buf) < 4 + size:
        data, ancdata, _flags, _addr = conn.recvmsg(65536, socket.CMSG_LEN(3 * fds.itemsize))
        if not data:
            raise EOFError
        buf += data
        for level, kind, cdata in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(cdata[: len(cdata) - (len(cdata) % fds.itemsize)])
        if size is None and len(buf) >= 4:
            size = struct.unpack(">I", buf[:4])[0]
    return json.loads(buf[4 : 4 + size]), list(fds)


def fresh_stdio(env):
    """sys.stdin/stdout/stderr over fds 0-2 as a new interpreter makes them for this environment."""
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    def text(fd, mode):
        raw = io.FileIO(fd, mode, closefd=False)
        tty = raw.isatty()
        if mode == "r":
            return io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8", errors="strict", line_buffering=tty)
        buffered = raw if unbuffered else io.BufferedWriter(raw)
        errors = "backslashreplace" if fd == 2 else "strict"
        return io.TextIOWrapper(buffered, encoding="utf-8", errors=errors, line_buffering=tty or fd == 2, write_through=unbuffered or fd == 2)
    sys.stdin, sys.stdout, sys.stderr = text(0, "r"), text(1, "w"), text(2, "w")
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr


def exit_code(e):
    """CPython's exit status for a SystemExit: None is 0, an int is itself, anything else is printed and 1."""
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def work(request, fds):
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.chdir(request["cwd"])
    env = request["env"]
    os.environ.clear()
    os.environ.update(env)
    sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
    # as the interpreter reads PYTHONWARNINGS at startup
    sys.warnoptions[:] = [o for o in env.get("PYTHONWARNINGS", "").split(",") if o]
    warnings.filters[:] = DEFAULT_FILTERS
    warnings._processoptions(sys.warnoptions)
    fresh_stdio(env)
    args = request["args"]
    code = 0
    try:
        try:
            if args[0] == "-m":
                sys.argv = [args[1], *args[2:]]
                sys.path[:] = [os.getcwd(), *BASE_PATH]
                runpy.run_module(args[1], run_name="__main__", alter_sys=True)
            else:
                script = os.path.abspath(args[0])
                sys.argv = [args[0], *args[1:]]
                sys.path[:] = [os.path.dirname(script), *BASE_PATH]
                runpy.run_path(script, run_name="__main__")
        except SystemExit as e:
            code = exit_code(e)
        except BaseException:
            sys.excepthook(*sys.exc_info())
            code = 1
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                code = code or 120
    except BaseException:
        traceback.print_exc()
        code = code or 1
    os._exit(code)


def supervise(conn):
    """One question: fork the worker, forward the client's signals, report how it ended."""
    request, fds = recv_request(conn)
    env = {k: v for k, v in request["env"].items() if k != "PREFLIGHT_PYTHON_ZYGOTE"}
    request["env"] = env
    if not same_start(env):
        # for whoever works on the harness: which settings sent a question back to a new interpreter
        log = STARTED_WITH.get("PREFLIGHT_ZYGOTE_FALLBACK_LOG")
        if log:
            differ = sorted(k for k in set(env) | set(STARTED_WITH) if (k.startswith("PYTHON") or k in STARTUP_VARIABLES or k == "HOME") and k not in HANDLED and env.get(k) != STARTED_WITH.get(k))
            with open(log, "a") as f:
                f.write(json.dumps({"args": request["args"][:3], "differ": differ}) + "\n")
        conn.sendall(struct.pack(">BB", 2, 0))
        os._exit(0)
    pid = os.fork()
    if pid == 0:
        conn.close()
        work(request, fds)
    for fd in fds:
        os.close(fd)
    conn.setblocking(True)
    import threading

    def watch():
        # a byte is a signal to forward; the end of the stream is the client gone: end the worker
        while True:
            try:
                b = conn.recv(1)
            except OSError:
                b = b""
            if not b:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return
            try:
                os.kill(pid, b[0])
            except ProcessLookupError:
                return

    threading.Thread(target=watch, daemon=True).start()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        reply = struct.pack(">BB", 1, os.WTERMSIG(status))
    else:
        reply = struct.pack(">BB", 0, os.WEXITSTATUS(status))
    try:
        conn.sendall(reply)
    except OSError:
        pass
    os._exit(0)


def main():
    path = sys.argv[1]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    # supervisors are reaped by the kernel
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        conn, _ = server.accept()
        try:
            pid = os.fork()
        except OSError:
            # no process to answer with (a loaded machine): the client asks python3 itself
            conn.close()
            continue
        if pid == 0:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                supervise(conn)
            except BaseException:
                os._exit(1)
        conn.close()


if __name__ == "__main__":
    main()
