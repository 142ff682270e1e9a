#!/usr/bin/python3
"""Ask real Alembic for the revision graph of a project and print it as JSON.

    alembic_graph.py --cwd DIR [--ini alembic.ini] [--versions DIR ...] [--recursive]

Exit 0 with {"ok": true, ...} when Alembic built the map, {"ok": false,
"error": {...}} when it raised. Never writes bytecode into the project.
"""
import argparse
import json
import os
import sys
import warnings

sys.dont_write_bytecode = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cwd", required=True)
    ap.add_argument("--ini", default=None)
    ap.add_argument("--versions", action="append", default=[])
    ap.add_argument("--recursive", action="store_true")
    a = ap.parse_args()
    os.chdir(a.cwd)
    sys.path.insert(0, a.cwd)
    import alembic
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    out = {"alembic": alembic.__version__}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if a.ini:
                cfg = Config(a.ini)
            else:
                cfg = Config()
                cfg.set_main_option("script_location", a.cwd)
            if a.versions:
                cfg.set_main_option("version_locations", " ".join(os.path.abspath(v) for v in a.versions))
            if a.recursive:
                cfg.set_main_option("recursive_version_locations", "true")
            script = ScriptDirectory.from_config(cfg)
            rmap = script.revision_map
            m = rmap._revision_map
            revs = [r for k, r in m.items() if r is not None and k == r.revision]
            out.update(
                ok=True,
                heads=list(rmap.heads),
                realHeads=list(rmap._real_heads),
                bases=list(rmap.bases),
                realBases=list(rmap._real_bases),
                revisions=[
                    {
                        "revision": r.revision,
                        "downRevisions": list(r._versioned_down_revisions),
                        "dependsOn": [d for d in (r.dependencies if isinstance(r.dependencies, (tuple, list)) else ([r.dependencies] if r.dependencies else []))],
                        "labels": sorted(r.branch_labels),
                        "path": os.path.relpath(r.path, a.cwd),
                    }
                    for r in revs
                ],
            )
        except BaseException as e:  # noqa: BLE001 - we report whatever Alembic raises
            msg = str(e)
            if isinstance(e, KeyError):
                msg = "KeyError: %r" % (e.args[0],)
            out.update(ok=False, error={"class": type(e).__name__, "message": msg})
    out["warnings"] = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    print(json.dumps(out))


main()
