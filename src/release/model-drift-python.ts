/**
 * What `rehearse` runs in the app's Python after the final upgrade: env.py, as Alembic runs it, with a
 * function in place of the migrations that compares env.py's `target_metadata` with the scratch
 * database by Alembic's own autogenerate comparison (`compare_metadata`, the comparison `alembic check`
 * makes, with env.py's include_object, include_name, compare_type and the rest). The differences are
 * printed as one JSON line, each as plain fields instead of Alembic's repr. A Flask-Migrate app is
 * loaded as `flask db` loads it. Kept as text so the bundle and the single executable carry it.
 */
export const MODEL_DRIFT_PYTHON = String.raw`import json, sys
args = json.loads(sys.argv[1])
out = {"metadata": True, "diffs": []}


def names(cols):
    return [c.name for c in cols]


def text(v):
    return None if v is None else str(v)


def table_of(obj):
    t = getattr(obj, "table", None)
    return None if t is None else t.name


def describe(d):
    kind = d[0]
    if kind in ("add_table", "remove_table"):
        return {"kind": kind, "table": d[1].name}
    if kind in ("add_column", "remove_column"):
        c = d[3]
        return {"kind": kind, "table": d[2], "column": c.name, "type": text(c.type), "nullable": bool(c.nullable)}
    if kind in ("add_index", "remove_index"):
        i = d[1]
        return {"kind": kind, "table": table_of(i), "name": i.name, "columns": names(i.columns), "unique": bool(i.unique)}
    if kind in ("add_fk", "remove_fk"):
        fk = d[1]
        return {"kind": kind, "table": fk.parent.name, "name": fk.name, "columns": names(fk.columns), "references": fk.referred_table.name}
    if kind in ("add_constraint", "remove_constraint"):
        c = d[1]
        return {"kind": kind, "table": table_of(c), "name": c.name, "columns": names(c.columns), "constraint": type(c).__name__}
    return {"kind": str(kind), "text": repr(d)[:300]}


def modified(m):
    return {"kind": m[0], "table": m[2], "column": m[3], "database": text(m[5]), "models": text(m[6])}


def compare(rev, context):
    from alembic.autogenerate import compare_metadata
    md = context.opts.get("target_metadata")
    if md is None:
        out["metadata"] = False
        return []
    ignore = set(args.get("ignoreTables") or [])
    for d in compare_metadata(context, md):
        if isinstance(d, list):
            out["diffs"].extend(m for m in (modified(m) for m in d) if m["table"] not in ignore)
        else:
            found = describe(d)
            # the tool's own tables (its ledger) are not the app's: no model names them
            if found.get("table") not in ignore:
                out["diffs"].append(found)
    return []


from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
if args.get("flask"):
    from flask.cli import ScriptInfo
    app = ScriptInfo().load_app()
    app.app_context().push()
    cfg = app.extensions["migrate"].migrate.get_config(args.get("directory"))
else:
    # the Config the alembic command line makes, as this Alembic's own main() makes it (cmd_opts
    # included, which an env.py may read; a pyproject.toml beside the ini on newer releases)
    from alembic.config import CommandLine
    argv = (["-c", args["config"]] if args.get("config") else []) + (["-n", args["name"]] if args.get("name") else []) + ["current"]
    made = []
    cl = CommandLine()
    cl.run_cmd = lambda config, options: made.append(config)
    cl.main(argv)
    cfg = made[0]
script = ScriptDirectory.from_config(cfg)
with EnvironmentContext(cfg, script, fn=compare, as_sql=False):
    script.run_env()
sys.stdout.write("\n" + args["marker"] + " " + json.dumps(out) + "\n")
sys.stdout.flush()
`;
