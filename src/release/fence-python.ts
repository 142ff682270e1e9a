import { FENCE_SPAWN_PYTHON } from './fence-spawn-python.js';

/**
 * The fence's Python side: a `sitecustomize` module the tool places first on the child's PYTHONPATH.
 * Python imports it before the app's code, so every DB-API connect the app makes later (psycopg2,
 * psycopg and its pools, sqlite3, pg8000, asyncpg and its pools, PyMySQL, aiomysql, mysqlclient;
 * SQLAlchemy's drivers go through them) is checked against the
 * databases the tool allows. Any other connection is closed before its first statement (a SQLite file
 * is refused before it is opened, since opening one creates it), recorded for the tool, and the process
 * stops with an error no `except Exception` swallows. The next sitecustomize on sys.path (Debian ships
 * one) still runs. Kept as text so the bundle and the single executable carry it.
 */
export const FENCE_PYTHON = String.raw`"""alembic-preflight's connection fence (sitecustomize). Generated; removed when the command ends."""


class ConnectionRefused(BaseException):
    """Not an Exception: the app's own error handling must not carry on past it."""


def _alembic_preflight_fence():
    import json
    import os
    import sys

    spec_text = os.environ.get("ALEMBIC_PREFLIGHT_FENCE")
    if not spec_text:
        return
    spec = json.loads(spec_text)
    allow = spec.get("allow", [])
    report_path = spec.get("report")
    # the values of the variables the tool set, as the process started (before the app's code ran)
    started = {name: os.environ.get(name) for name in spec.get("set", [])}
    here = os.path.dirname(os.path.abspath(__file__))
    state = {"refused": False}

    try:
        with open(spec["loaded"], "a") as f:
            f.write("%d\n" % os.getpid())
    except OSError:
        pass

    def same_host(a, b):
        a = (a or "").strip().lower()
        b = (b or "").strip().lower()
        if a == b:
            return True
        if a.startswith("/") or b.startswith("/") or not a or not b:
            return False
        import socket

        def addresses(h):
            try:
                return {i[4][0] for i in socket.getaddrinfo(h, None)}
            except OSError:
                return set()

        return bool(addresses(a) & addresses(b))

    def pg_allowed(host, port, dbname):
        for a in allow:
            if a.get("dialect") != "postgresql":
                continue
            if str(dbname) != str(a.get("dbname")):
                continue
            if int(port or 5432) != int(a.get("port") or 5432):
                continue
            if same_host(host, a.get("host")):
                return True
        return False

    def mysql_allowed(host, port, socket, dbname):
        if isinstance(dbname, bytes):
            dbname = dbname.decode("utf-8", "replace")
        for a in allow:
            if a.get("dialect") != "mysql" or str(dbname or "") != str(a.get("dbname")):
                continue
            if socket or a.get("socket"):
                if socket and a.get("socket") and os.path.realpath(socket) == os.path.realpath(a["socket"]):
                    return True
                continue
            if int(port or 3306) == int(a.get("port") or 3306) and same_host(host, a.get("host")):
                return True
        return False

    def sqlite_path(database, uri):
        if database is None:
            return None
        if isinstance(database, bytes):
            database = database.decode("utf-8", "replace")
        database = os.fspath(database)
        if uri and database.startswith("file:"):
            from urllib.parse import parse_qs, unquote, urlsplit

            parts = urlsplit(database)
            if parse_qs(parts.query).get("mode") == ["memory"]:
                return None
            database = unquote(parts.path)
        if database in ("", ":memory:"):
            return None
        return os.path.realpath(os.path.abspath(database))

    def sqlite_allowed(path):
        return any(a.get("dialect") == "sqlite" and os.path.realpath(a.get("path", "")) == path for a in allow)

    def url_target(value):
        """What a URL-like value names, in the shape of a refused target; None for anything else."""
        from urllib.parse import unquote, urlsplit

        if not isinstance(value, str) or "://" not in value:
            return None
        try:
            parts = urlsplit(value.strip())
        except ValueError:
            return None
        scheme = parts.scheme.split("+")[0].lower()
        if scheme in ("postgres", "postgresql"):
            try:
                port = parts.port or 5432
            except ValueError:
                return None
            return {"dialect": "postgresql", "host": parts.hostname or "", "port": port, "dbname": unquote(parts.path.lstrip("/"))}
        if scheme in ("mysql", "mariadb"):
            try:
                port = parts.port or 3306
            except ValueError:
                return None
            return {"dialect": "mysql", "host": parts.hostname or "", "port": port, "dbname": unquote(parts.path.lstrip("/"))}
        if scheme == "sqlite":
            p = unquote(value.split("://", 1)[1])
            p = p.split("?", 1)[0]
            if p.startswith("/"):
                p = p[1:]
            return {"dialect": "sqlite", "path": os.path.realpath(os.path.abspath(p)) if p else ""}
        return {"dialect": scheme}

    def same_target(a, b):
        if a.get("dialect") != b.get("dialect"):
            return False
        if a["dialect"] == "sqlite":
            return a.get("path") == b.get("path")
        if a["dialect"] in ("postgresql", "mysql"):
            default = 5432 if a["dialect"] == "postgresql" else 3306
            return str(a.get("dbname")) == str(b.get("dbname")) and int(a.get("port") or default) == int(b.get("port") or default) and same_host(a.get("host"), b.get("host"))
        return True

    def record(driver, target, holding=(), changed=()):
        # what the tool reads back after the command: one JSON line per refusal
        state["refused"] = True
        if report_path:
            try:
                with open(report_path, "a") as f:
                    f.write(json.dumps({"pid": os.getpid(), "driver": driver, "target": target, "holding": list(holding), "changed": list(changed)}) + "\n")
            except OSError:
                pass

    def refuse(driver, target):
        holding = sorted(k for k, v in os.environ.items() if k != "ALEMBIC_PREFLIGHT_FENCE" and (lambda t: t is not None and same_target(t, target))(url_target(v)))
        record(driver, target, holding, sorted(k for k, v in started.items() if os.environ.get(k) != v))
        if target.get("path"):
            where = target["path"]
        elif "dbname" in target:
            where = "%s database %r on %s:%s" % (target["dialect"], target["dbname"], target.get("host") or "the local socket", target.get("port"))
        else:
            where = "a %s database (driver %s, which the fence cannot check)" % (target.get("dialect"), driver)
        raise ConnectionRefused("alembic-preflight refused a connection to %s: this command may connect only to the database it checked" % where)

    def check_pg(driver, host, port, dbname, close):
        if state["refused"] or not pg_allowed(host, port, dbname):
            close()
            refuse(driver, {"dialect": "postgresql", "host": host or "", "port": int(port or 5432), "dbname": dbname or ""})

    def patch_psycopg2(mod):
        original = mod.connect

        def connect(*args, **kwargs):
            conn = original(*args, **kwargs)
            p = conn.get_dsn_parameters()
            check_pg("psycopg2", p.get("host"), p.get("port"), p.get("dbname"), conn.close)
            return conn

        mod.connect = connect

    def patch_psycopg(mod):
        for cls_name in ("Connection", "AsyncConnection"):
            cls = getattr(mod, cls_name, None)
            if cls is None or not hasattr(cls, "connect"):
                continue
            original = cls.connect.__func__
            if cls_name == "Connection":

                def connect(cls, *args, __original=original, **kwargs):
                    conn = __original(cls, *args, **kwargs)
                    check_pg("psycopg", conn.info.host, conn.info.port, conn.info.dbname, conn.close)
                    return conn

            else:

                async def connect(cls, *args, __original=original, **kwargs):
                    conn = await __original(cls, *args, **kwargs)
                    # read before closing: a closed connection's info raises "the connection is closed"
                    where = (conn.info.host, conn.info.port, conn.info.dbname)
                    if state["refused"] or not pg_allowed(*where):
                        await conn.close()
                        check_pg("psycopg", *where, lambda: None)
                    return conn

            cls.connect = classmethod(connect)
        if hasattr(mod, "Connection"):
            mod.connect = mod.Connection.connect

    def patch_pg8000(mod):
        for holder in (mod, getattr(mod, "dbapi", None)):
            if holder is None or not hasattr(holder, "connect"):
                continue
            original = holder.connect

            def connect(*args, __original=original, **kwargs):
                names = ("user", "host", "database", "port")
                given = dict(zip(names, args))
                given.update(kwargs)
                host = given.get("host") or "localhost"
                if given.get("unix_sock"):
                    host = given["unix_sock"]
                dbname = given.get("database") or given.get("user")
                if state["refused"] or not pg_allowed(host, given.get("port") or 5432, dbname):
                    refuse("pg8000", {"dialect": "postgresql", "host": host, "port": int(given.get("port") or 5432), "dbname": dbname or ""})
                return __original(*args, **kwargs)

            holder.connect = connect

    def patch_asyncpg(mod):
        original = mod.connect

        async def connect(*args, **kwargs):
            conn = await original(*args, **kwargs)
            addr = getattr(conn, "_addr", None)
            params = getattr(conn, "_params", None)
            host, port = (addr if isinstance(addr, tuple) else (addr, 5432))[:2]
            dbname = getattr(params, "database", None)
            if state["refused"] or not pg_allowed(host, port, dbname):
                await conn.close()
                check_pg("asyncpg", host, port, dbname, lambda: None)
            return conn

        mod.connect = connect
        # create_pool's connections come through asyncpg.connection.connect, the same function
        inner = getattr(mod, "connection", None)
        if inner is not None and getattr(inner, "connect", None) is original:
            inner.connect = connect

    def patch_sqlite(mod):
        original = mod.connect
        if getattr(original, "_alembic_preflight", False):
            return

        def connect(database, *args, **kwargs):
            uri = kwargs.get("uri", args[6] if len(args) > 6 else False)
            path = sqlite_path(database, uri)
            if state["refused"] or (path is not None and not sqlite_allowed(path)):
                refuse("sqlite3", {"dialect": "sqlite", "path": path or ":memory:"})
            conn = original(database, *args, **kwargs)
            return conn

        connect._alembic_preflight = True
        mod.connect = connect

    def refuse_mysql(driver, host, port, socket, dbname):
        if isinstance(dbname, bytes):
            dbname = dbname.decode("utf-8", "replace")
        refuse(driver, {"dialect": "mysql", "host": socket or host or "", "port": int(port or 3306), "dbname": dbname or ""})

    def patch_pymysql(mod):
        # pymysql.connect is the Connection class; its connect() opens the socket (now, or later with defer_connect)
        cls = getattr(getattr(mod, "connections", None), "Connection", None)
        if cls is None or getattr(cls.connect, "_alembic_preflight", False):
            return
        original = cls.connect

        def connect(self, *args, **kwargs):
            if state["refused"] or not mysql_allowed(self.host, self.port, self.unix_socket, self.db):
                refuse_mysql("pymysql", self.host, self.port, self.unix_socket, self.db)
            return original(self, *args, **kwargs)

        connect._alembic_preflight = True
        cls.connect = connect

    def patch_aiomysql(mod):
        # aiomysql opens its socket in Connection._connect (connect() and every pool's connections)
        cls = getattr(getattr(mod, "connection", None), "Connection", None)
        if cls is None or getattr(cls._connect, "_alembic_preflight", False):
            return
        original = cls._connect

        async def _connect(self, *args, **kwargs):
            if state["refused"] or not mysql_allowed(self._host, self._port, self._unix_socket, self._db):
                refuse_mysql("aiomysql", self._host, self._port, self._unix_socket, self._db)
            return await original(self, *args, **kwargs)

        _connect._alembic_preflight = True
        cls._connect = _connect

    def patch_mysqldb(mod):
        # checked before libmariadb connects: an option file could send it anywhere, so it is refused
        original = mod.connect

        def connect(*args, **kwargs):
            names = ("host", "user", "passwd", "db", "port", "unix_socket")
            given = dict(zip(names, args))
            given.update(kwargs)
            host = given.get("host") or "localhost"
            socket = given.get("unix_socket")
            if not socket and host == "localhost":
                socket = os.environ.get("MYSQL_UNIX_PORT") or os.environ.get("MARIADB_UNIX_PORT") or "/run/mysqld/mysqld.sock"
            dbname = given.get("db") or given.get("database")
            if state["refused"] or given.get("read_default_file") or given.get("read_default_group") or not mysql_allowed(host, given.get("port"), socket, dbname):
                refuse_mysql("mysqldb", host, given.get("port"), socket, dbname)
            return original(*args, **kwargs)

        for name in ("connect", "Connect"):
            if hasattr(mod, name):
                setattr(mod, name, connect)

    def patch_refuse_all(driver):
        def patch(mod):
            if not hasattr(mod, "connect"):
                return

            def connect(*args, **kwargs):
                refuse(driver, {"dialect": driver})

            mod.connect = connect

        return patch

    checked_drivers = {"psycopg2", "psycopg", "psycopg_async", "pysqlite", "aiosqlite", "pg8000", "asyncpg", "pymysql", "aiomysql", "mysqldb"}

    def patch_sqlalchemy(mod):
        # a driver the fence cannot check (a MySQL or Oracle one, say) never connects
        try:
            from sqlalchemy import event
            from sqlalchemy.engine import Engine
        except Exception:
            return

        def do_connect(dialect, conn_rec, cargs, cparams):
            if getattr(dialect, "driver", None) not in checked_drivers:
                refuse(getattr(dialect, "driver", "unknown"), {"dialect": getattr(dialect, "name", "unknown")})

        event.listen(Engine, "do_connect", do_connect)

    patchers = {
        "psycopg2": patch_psycopg2,
        "psycopg": patch_psycopg,
        "pg8000": patch_pg8000,
        "asyncpg": patch_asyncpg,
        "sqlite3": patch_sqlite,
        "sqlite3.dbapi2": patch_sqlite,
        "sqlalchemy": patch_sqlalchemy,
        "pymysql": patch_pymysql,
        "aiomysql": patch_aiomysql,
        "MySQLdb": patch_mysqldb,
        "mysql.connector": patch_refuse_all("mysql-connector"),
        "oracledb": patch_refuse_all("oracledb"),
        "cx_Oracle": patch_refuse_all("cx_oracle"),
        "pyodbc": patch_refuse_all("pyodbc"),
        "pymssql": patch_refuse_all("pymssql"),
    }

    ${FENCE_SPAWN_PYTHON}

    import importlib.abc

    class Loader(importlib.abc.Loader):
        def __init__(self, inner, name):
            self._inner = inner
            self._name = name

        def create_module(self, spec):
            return self._inner.create_module(spec)

        def exec_module(self, module):
            self._inner.exec_module(module)
            patchers[self._name](module)

        def __getattr__(self, attr):
            return getattr(self._inner, attr)

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name not in patchers:
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
            else:
                return None
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = Loader(spec.loader, name)
            return spec

    sys.meta_path.insert(0, Finder())
    for name, patch in patchers.items():
        if name in sys.modules:
            patch(sys.modules[name])

    # the sitecustomize this one stands in front of (Debian's, a virtualenv's) still runs
    import importlib.machinery
    import importlib.util

    rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
    other = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if other is not None and other.loader is not None:
        module = importlib.util.module_from_spec(other)
        try:
            other.loader.exec_module(module)
        except Exception:
            pass


_alembic_preflight_fence()
del _alembic_preflight_fence
`;
