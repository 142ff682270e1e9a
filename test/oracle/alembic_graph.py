#!/usr/bin/python3
"""Ask real Alembic for the revision graph of a project and print it as JSON.

    alembic_graph.py --cwd DIR [--ini alembic.ini] [-n SECTION] [--versions DIR ...] [--recursive] [--stub-imports]

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
    ap.add_argument("-n", "--name", default=None, help="the ini section (alembic -n)")
    ap.add_argument("--stub-imports", action="store_true", help="give a migration's uninstalled imports stand-ins (stub_imports.py)")
    a = ap.parse_args()
    if a.stub_imports:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import stub_imports

        stub_imports.install()
        sys.path.pop(0)
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
                cfg = Config(a.ini, ini_section=a.name) if a.name else Config(a.ini)
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
                        "downRevisions": [literal(d) for d in r._versioned_down_revisions],
                        "dependsOn": [literal(d) for d in (r.dependencies if isinstance(r.dependencies, (tuple, list)) else ([r.dependencies] if r.dependencies else []))],
                        "labels": sorted(str(x) for x in r.branch_labels),
                        "ownLabels": sorted((literal(x) for x in getattr(r, "_orig_branch_labels", ())), key=json.dumps),
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


def literal(v):
    """A value as written, or a marker for one a stand-in import supplied (stub_imports.py)."""
    return v if isinstance(v, str) else {"__nonliteral__": type(v).__name__}


main()
