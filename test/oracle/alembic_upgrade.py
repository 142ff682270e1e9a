#!/usr/bin/python3
"""Ask real Alembic what `alembic upgrade <target>` (or `downgrade`) does
against many version tables, one SQLite file each, in one process.

    alembic_upgrade.py --cwd DIR --ini alembic.ini --work DIR [--stub-imports] < states.json

states.json: [{"rows": ["a1", ...] | null, "target": "head", "direction":
"up" | "down"}, ...]; null rows leave the version table absent; "down" runs
`alembic downgrade <target>` (`ScriptDirectory._downgrade_revs`) instead.
For each state this creates the SQLite file, creates the version table with
Alembic's own MigrationContext and inserts the rows, then runs Alembic's real
MigrationContext.run_migrations() with `ScriptDirectory._upgrade_revs(target,
heads)` as `alembic upgrade` does (or `_downgrade_revs`), every migration body replaced by a no-op (the version-table writes are real
SQL against the real file). Prints one JSON list: per state, ok, the steps
(revision and the alembic_version statements each one issued), the rows
after, or the exception class and message and what the CLI prints.
The script directory is loaded once, so hundreds of states stay cheap.
"""
import argparse
import json
import os
import re
import sys
import warnings

sys.dont_write_bytecode = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cwd", required=True)
    ap.add_argument("--ini", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--stub-imports", action="store_true", help="give a migration's uninstalled imports stand-ins (stub_imports.py)")
    a = ap.parse_args()
    if a.stub_imports:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import stub_imports

        stub_imports.install()
        sys.path.pop(0)
    states = json.load(sys.stdin)
    os.chdir(a.cwd)
    sys.path.insert(0, a.cwd)
    warnings.simplefilter("ignore")
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from sqlalchemy import create_engine, event, text

    try:
        script = ScriptDirectory.from_config(Config(a.ini))
        script.revision_map.heads
    except Exception as e:  # noqa: BLE001 - a project Alembic cannot load is an answer too
        msg = str(e)
        cli = ("FAILED: " + msg) if isinstance(e, CommandError) else type(e).__name__ + (": " + msg if msg else "")
        json.dump([{"target": st["target"], "rows": st["rows"], "ok": False, "steps": [], "error": {"class": type(e).__name__, "message": msg}, "cli": cli, "load": True} for st in states], sys.stdout)
        return
    # the bodies would run DDL; the version-table bookkeeping is what is compared (the raw map, not
    # walk_revisions(), which itself fails on graphs Alembic loads, such as a revision named "heads")
    for sc in {r for r in script.revision_map._revision_map.values() if r is not None}:
        sc.module.upgrade = lambda: None
        sc.module.downgrade = lambda: None

    out = []
    for i, st in enumerate(states):
        db = os.path.join(a.work, "state-%d.db" % i)
        if os.path.exists(db):
            os.remove(db)
        engine = create_engine("sqlite:///" + db)
        if st["rows"] is not None:
            with engine.begin() as conn:
                MigrationContext.configure(conn)._ensure_version_table()
                for r in st["rows"]:
                    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": r})
        steps = []
        statements = []

        @event.listens_for(engine, "before_cursor_execute")
        def log_sql(conn, cursor, statement, parameters, context, executemany):
            if "alembic_version" in statement and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                statements.append(version_op(statement, parameters))

        def applied(ctx, step, heads, run_args):
            steps.append({"revision": step.up_revision_id, "ops": statements[:]})
            del statements[:]

        target = st["target"]
        down = st.get("direction") == "down"
        res = {"target": target, "rows": st["rows"]}
        try:
            if down and ":" in target:
                # command.downgrade: a range is for --sql only
                raise CommandError("Range revision not allowed")
            plan = (lambda rev, c: script._downgrade_revs(target, rev)) if down else (lambda rev, c: script._upgrade_revs(target, rev))
            with engine.begin() as conn:
                ctx = MigrationContext.configure(
                    conn, opts={"fn": plan, "on_version_apply": [applied]})
                ctx.run_migrations()
            with engine.connect() as conn:
                rows = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
            res.update(ok=True, steps=steps, finalRows=sorted(rows))
        except Exception as e:  # noqa: BLE001 - every failure is data here
            msg = str(e)
            # the CLI prints `FAILED: …` for a CommandError, else a traceback ending in `Class: message`
            cli = ("FAILED: " + msg) if isinstance(e, CommandError) else type(e).__name__ + (": " + msg if msg else "")
            res.update(ok=False, steps=steps, error={"class": type(e).__name__, "message": msg}, cli=cli)
        engine.dispose()
        os.remove(db)
        out.append(res)
    json.dump(out, sys.stdout)


def version_op(statement, params):
    """Alembic writes the ids as SQL literals (1.8) or bound parameters (newer): read either."""
    s = " ".join(statement.split())
    vals = re.findall(r"'((?:[^']|'')*)'", s)
    vals = [v.replace("''", "'") for v in vals]
    if not vals:
        vals = list(params.values()) if isinstance(params, dict) else list(params or ())
    verb = s.split(" ", 1)[0].upper()
    if verb == "UPDATE":
        # UPDATE alembic_version SET version_num=<to> WHERE alembic_version.version_num = <from>
        return "UPDATE %s -> %s" % (vals[1], vals[0])
    return "%s %s" % (verb, vals[0])


if __name__ == "__main__":
    main()
