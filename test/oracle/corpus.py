#!/usr/bin/python3
"""A synthetic Alembic project of N revision files, for the differential suites and the bench.

    /usr/bin/python3 test/oracle/corpus.py --out DIR --n N [--seed S] [options]

Writes DIR/alembic.ini, DIR/migrations/env.py, script.py.mako, the revision files, and
DIR/manifest.json (each revision's file, parents, labels and dependencies as written, the
expected heads and bases). The same arguments always write the same bytes.

Shape: --roots bases; each new revision extends an open tip, forks a new line off a recent
revision (--branch-rate; the fork's first revision may get a branch label, --label-rate),
or merges two or three open tips (--merge-rate, while more than --heads tips are open;
only within one root unless --cross-root-merges). Dependencies (--depends-rate) point at
earlier revisions, by id or label, so the graph stays acyclic. The last revisions merge
tips until --heads are left, and the total is exactly N.

Files: three header styles (the classic template, the typed one of Alembic 1.13+, a short
one), ids in three styles (12 hex digits, words with a short suffix, a date stamp), two
file-name templates, bodies of create_table, add/alter/drop column, raw SQL and batch
operations. --traps P puts, in a share P of the files, something a careless reader gets
wrong: a stale "Revises:" line, a commented-out assignment, down_revision assigned again
further down (the last one counts), a SQL string holding "down_revision = '...'".
--extras adds files Alembic skips (__init__.py, a README, a .py.txt). --locations K spreads
the files over K version folders; --subdirs K nests them in K year folders, with
recursive_version_locations on.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil

NOUNS = (
    "user account order invoice payment guest lockout session token audit product price tag "
    "category item cart address profile role grant team project task comment attachment hook "
    "event report metric setting feature tenant region store shipment refund coupon"
).split()
ACTIONS = "add create drop alter rename backfill index split merge fix".split()
TYPES = [
    "sa.Integer()", "sa.BigInteger()", "sa.String(length=255)", "sa.String(length=40)", "sa.Text()",
    "sa.Boolean()", "sa.DateTime(timezone=True)", "sa.Date()", "sa.Numeric(precision=10, scale=2)",
    "sa.Float()", "postgresql.JSONB(astext_type=sa.Text())", "postgresql.UUID(as_uuid=True)",
    "sa.Enum('new', 'open', 'closed', name='state_kind')",
]

INI = """[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
{locations}sqlalchemy.url = sqlite:///corpus.db

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

ENV_PY = '''"""Migrations environment of a generated corpus."""
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = None


def offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def online():
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    offline()
else:
    online()
'''

MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''


class Graph:
    """The revisions in creation order, and the open tips (revisions without a child yet)."""

    def __init__(self, rng: random.Random, args):
        self.rng = rng
        self.args = args
        self.revs: list[dict] = []
        self.tips: list[dict] = []
        self.ids: set[str] = set()
        self.labels: set[str] = set()

    def new_id(self, slug: str) -> str:
        while True:
            style = self.rng.random()
            if style < 0.6:
                rid = "%012x" % self.rng.getrandbits(48)
            elif style < 0.85:
                rid = "%s_%04x" % (slug, self.rng.getrandbits(16))
            else:
                rid = "%04d%02d%02d_%02d%02d" % (2018 + self.rng.randrange(7), 1 + self.rng.randrange(12), 1 + self.rng.randrange(28), self.rng.randrange(24), self.rng.randrange(60))
            if rid not in self.ids:
                self.ids.add(rid)
                return rid

    def slug(self) -> str:
        return "%s_%s" % (self.rng.choice(ACTIONS), self.rng.choice(NOUNS))

    def add(self, parents: list[dict], labels: list[str], root: int) -> dict:
        slug = self.slug()
        rec = {
            "index": len(self.revs),
            "revision": self.new_id(slug),
            "slug": slug,
            "parents": parents,
            "branch_labels": labels,
            "depends_on": [],
            "root": root,
        }
        if self.revs and self.rng.random() < self.args.depends_rate:
            # an earlier revision that is no parent: by id, or by its label when it has one
            earlier = self.rng.choice(self.revs)
            if earlier not in parents:
                rec["depends_on"] = [earlier["branch_labels"][0] if earlier["branch_labels"] and self.rng.random() < 0.3 else earlier["revision"]]
        self.revs.append(rec)
        for p in parents:
            if p in self.tips:
                self.tips.remove(p)
        self.tips.append(rec)
        return rec

    def label(self, base: str) -> str:
        name = base
        k = 2
        while name in self.labels or name in self.ids:
            name = "%s_%d" % (base, k)
            k += 1
        self.labels.add(name)
        return name

    def mergeable(self) -> list[dict]:
        """Two or three tips that may merge: of one root, unless roots may meet."""
        if self.args.cross_root_merges:
            pool = list(self.tips)
        else:
            by_root: dict[int, list[dict]] = {}
            for t in self.tips:
                by_root.setdefault(t["root"], []).append(t)
            groups = [g for g in by_root.values() if len(g) > 1]
            if not groups:
                return []
            pool = self.rng.choice(groups)
        if len(pool) < 2:
            return []
        return self.rng.sample(pool, min(len(pool), 2 if self.rng.random() < 0.8 else 3))

    def build(self) -> list[dict]:
        a = self.args
        for k in range(a.roots):
            self.add([], [self.label("root_%d" % (k + 1))] if a.roots > 1 else [], k)
        while len(self.revs) < a.n:
            left = a.n - len(self.revs)
            excess = len(self.tips) - a.heads
            picked = self.mergeable() if excess > 0 else []
            # the last revisions bring the tips down to --heads
            if picked and (left <= excess or self.rng.random() < a.merge_rate):
                self.add(picked, [], picked[0]["root"])
            elif left > excess + 1 and self.rng.random() < a.branch_rate:
                base = self.rng.choice(self.revs[-30:])
                labels = [self.label(base["slug"].split("_", 1)[1] + "_line")] if self.rng.random() < a.label_rate else []
                self.add([base], labels, base["root"])
            else:
                tip = self.rng.choice(self.tips)
                self.add([tip], [], tip["root"])
        return self.revs


def quoted(rng: random.Random, s: str, style: str) -> str:
    return '"%s"' % s if style == "double" else "'%s'" % s


def value(rng: random.Random, ids: list[str], style: str, as_list: bool = False) -> str:
    if not ids:
        return "None"
    if len(ids) == 1 and not as_list:
        return quoted(rng, ids[0], style)
    inner = ", ".join(quoted(rng, i, style) for i in ids)
    return "[%s]" % inner if as_list else "(%s%s)" % (inner, "," if len(ids) == 1 else "")


def columns(rng: random.Random, table: str, lo: int, hi: int) -> list[str]:
    out = ["        sa.Column('id', sa.Integer(), nullable=False),"]
    seen = {"id"}
    for _ in range(rng.randint(lo, hi)):
        name = "%s_%s" % (rng.choice(NOUNS), rng.choice(["id", "name", "at", "total", "code", "flag", "value", "state", "ref", "data"]))
        if name in seen:
            continue
        seen.add(name)
        typ = rng.choice(TYPES)
        extra = ""
        if name.endswith("_id") and rng.random() < 0.5:
            typ = "sa.Integer()"
            extra = ", sa.ForeignKey('%ss.id', ondelete='CASCADE')" % name[:-3]
        elif "DateTime" in typ and rng.random() < 0.4:
            extra = ", server_default=sa.text('now()')"
        out.append("        sa.Column(%r, %s%s, nullable=%s)," % (name, typ, extra, rng.random() < 0.6))
    out.append("        sa.PrimaryKeyConstraint('id', name=op.f('pk_%s'))," % table)
    return out


def bodies(rng: random.Random, rec: dict, lo: int, hi: int) -> tuple[list[str], list[str]]:
    if len(rec["parents"]) > 1:
        return ["    pass"], ["    pass"]
    table = rec["slug"].split("_", 1)[1] + "s"
    kind = rng.random()
    if kind < 0.5:
        index = "ix_%s_created" % table
        up = ["    op.create_table(", "        %r," % table, *columns(rng, table, lo, hi), "    )", "    op.create_index(op.f(%r), %r, ['id'], unique=False)" % (index, table)]
        return up, ["    op.drop_index(op.f(%r), table_name=%r)" % (index, table), "    op.drop_table(%r)" % table]
    if kind < 0.8:
        up: list[str] = []
        down: list[str] = []
        for _ in range(rng.randint(1, 5)):
            col = "%s_%s" % (rng.choice(NOUNS), rng.choice(["note", "flag", "total"]))
            up.append("    op.add_column(%r, sa.Column(%r, %s, nullable=True))" % (table, col, rng.choice(TYPES[:10])))
            down.insert(0, "    op.drop_column(%r, %r)" % (table, col))
        up.append("    op.alter_column(%r, 'state', existing_type=sa.VARCHAR(length=40), nullable=False)" % table)
        down.insert(0, "    op.alter_column(%r, 'state', existing_type=sa.VARCHAR(length=40), nullable=True)" % table)
        return up, down
    up = [
        "    # ### commands auto generated by Alembic - please adjust! ###",
        '    op.execute("UPDATE %s SET state = \'open\' WHERE state IS NULL")' % table,
        "    with op.batch_alter_table(%r) as batch_op:" % table,
        "        batch_op.create_unique_constraint('uq_%s_code', ['code'])" % table,
        "    # ### end Alembic commands ###",
    ]
    down = ["    with op.batch_alter_table(%r) as batch_op:" % table, "        batch_op.drop_constraint('uq_%s_code', type_='unique')" % table]
    return up, down


def render(rng: random.Random, rec: dict, args, stamp: str) -> tuple[str, list[str]]:
    style = rng.choices(["classic", "typed", "short"], weights=[4, 4, 2])[0]
    q = "double" if style == "typed" or rng.random() < 0.3 else "single"
    parents = [p["revision"] for p in rec["parents"]]
    merge = len(parents) > 1
    traps = [rng.choice(["stale_docstring", "commented_old", "reassigned", "sql_string"])] if args.traps and rng.random() < args.traps else []
    other = "%012x" % rng.getrandbits(48)
    title = "merge heads" if merge else rec["slug"].replace("_", " ")
    lines: list[str] = []
    if rng.random() < 0.05:
        lines.append("# -*- coding: utf-8 -*-")
    if style == "short":
        lines.append('"""%s."""' % title.capitalize())
    else:
        revises = other if "stale_docstring" in traps else ", ".join(parents)
        lines += ['"""%s' % title, "", "Revision ID: %s" % rec["revision"], "Revises: %s" % revises, "Create Date: %s" % stamp, "", '"""']
    if style == "typed":
        lines += ["from typing import Sequence, Union", ""]
    lines += ["from alembic import op", "import sqlalchemy as sa", "from sqlalchemy.dialects import postgresql", ""]
    if style != "short":
        lines.append("# revision identifiers, used by Alembic.")
    if "commented_old" in traps:
        lines.append("# down_revision = %s" % quoted(rng, other, q))
    down = value(rng, parents, q, as_list=merge and rng.random() < 0.2)
    labels = value(rng, rec["branch_labels"], q)
    # a single dependency, as a string or as a one-element tuple
    deps = "None" if not rec["depends_on"] else value(rng, rec["depends_on"], q) if rng.random() < 0.6 else "(%s,)" % quoted(rng, rec["depends_on"][0], q)
    first_down = quoted(rng, other, q) if "reassigned" in traps else down
    if style == "typed":
        lines += [
            "revision: str = %s" % quoted(rng, rec["revision"], q),
            "down_revision: Union[str, Sequence[str], None] = %s" % first_down,
            "branch_labels: Union[str, Sequence[str], None] = %s" % labels,
            "depends_on: Union[str, Sequence[str], None] = %s" % deps,
        ]
    else:
        lines.append("revision = %s" % quoted(rng, rec["revision"], q))
        lines.append("down_revision = %s%s" % (first_down, "  # the parent" if style == "short" and rng.random() < 0.5 else ""))
        if style == "classic" or rec["branch_labels"]:
            lines.append("branch_labels = %s" % labels)
        if style == "classic" or rec["depends_on"]:
            lines.append("depends_on = %s" % deps)
    up, down_body = bodies(rng, rec, *args.cols)
    if "sql_string" in traps:
        up.insert(0, '    op.execute("INSERT INTO audit_log (note) VALUES (\'down_revision = %s\')")' % other)
    arrow = " -> None" if style == "typed" else ""
    lines += ["", "", "def upgrade()%s:" % arrow]
    if style == "typed" and rng.random() < 0.5:
        lines.append('    """Upgrade schema."""')
    lines += up + ["", "", "def downgrade()%s:" % arrow] + down_body
    if "reassigned" in traps:
        lines += ["", "", "# the parent after the rebase", "down_revision = %s" % down]
    lines.append("")
    return "\n".join(lines), traps


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--branch-rate", type=float, default=0.04)
    p.add_argument("--merge-rate", type=float, default=0.5)
    p.add_argument("--label-rate", type=float, default=0.3)
    p.add_argument("--depends-rate", type=float, default=0.02)
    p.add_argument("--roots", type=int, default=1)
    p.add_argument("--heads", type=int, default=1)
    p.add_argument("--cross-root-merges", action="store_true")
    p.add_argument("--traps", type=float, default=0.0)
    p.add_argument("--extras", action="store_true")
    p.add_argument("--subdirs", type=int, default=0)
    p.add_argument("--locations", type=int, default=1)
    p.add_argument("--cols", default="4:12")
    p.add_argument("--force", action="store_true")
    args = p.parse_args(argv)
    lo, _, hi = args.cols.partition(":")
    args.cols = (int(lo), int(hi or lo))
    if args.roots < 1 or args.heads < 1 or args.n < args.roots:
        p.error("need n >= roots >= 1 and heads >= 1")
    if not args.cross_root_merges and args.heads < args.roots:
        args.heads = args.roots
    if os.path.exists(args.out):
        if not args.force:
            p.error("%s exists (use --force)" % args.out)
        shutil.rmtree(args.out)

    folders = ["migrations/versions_%d" % (k + 1) for k in range(args.locations)] if args.locations > 1 else ["migrations/versions"]
    os.makedirs(os.path.join(args.out, "migrations"))
    settings = ""
    if args.locations > 1:
        settings += "version_locations = %s\npath_separator = space\n" % " ".join("%%(here)s/%s" % f for f in folders)
    if args.subdirs:
        settings += "recursive_version_locations = true\n"
    with open(os.path.join(args.out, "alembic.ini"), "w") as f:
        f.write(INI.replace("{locations}", settings))
    with open(os.path.join(args.out, "migrations", "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(args.out, "migrations", "script.py.mako"), "w") as f:
        f.write(MAKO)

    revs = Graph(random.Random(args.seed), args).build()
    rng = random.Random(args.seed * 104729 + 3)
    children: dict[str, int] = {}
    for rec in revs:
        for parent in rec["parents"]:
            children[parent["revision"]] = children.get(parent["revision"], 0) + 1
    manifest = {"revisions": [], "expected_heads": sorted(r["revision"] for r in revs if r["revision"] not in children), "expected_bases": sorted(r["revision"] for r in revs if not r["parents"])}
    minutes = 0
    for rec in revs:
        minutes += rng.randint(60, 9000)
        stamp = "2019-01-%02d %02d:%02d:%02d.%06d" % (1 + (minutes // 1440) % 28, (minutes // 60) % 24, minutes % 60, rng.randrange(60), rng.randrange(10**6))
        text, traps = render(rng, rec, args, stamp)
        name = "%s_%s.py" % (rec["revision"], rec["slug"]) if rng.random() < 0.75 else "%s-%s_%s.py" % (stamp[:10].replace("-", "_"), rec["revision"], rec["slug"])
        folder = folders[rec["index"] % len(folders)]
        if args.subdirs:
            folder = os.path.join(folder, "y%d" % (2019 + rec["index"] * args.subdirs // len(revs)))
        os.makedirs(os.path.join(args.out, folder), exist_ok=True)
        rel = os.path.join(folder, name)
        with open(os.path.join(args.out, rel), "w") as f:
            f.write(text)
        parents = [x["revision"] for x in rec["parents"]]
        manifest["revisions"].append({"revision": rec["revision"], "file": rel, "down_revision": parents[0] if len(parents) == 1 else (parents or None), "branch_labels": rec["branch_labels"], "depends_on": rec["depends_on"], "traps": traps})
    if args.extras:
        first = os.path.join(args.out, folders[0])
        open(os.path.join(first, "__init__.py"), "w").close()
        with open(os.path.join(first, "README"), "w") as f:
            f.write("revision = 'not_a_migration'\n")
        with open(os.path.join(first, "notes.py.txt"), "w") as f:
            f.write("revision = 'nope'\ndown_revision = None\n")
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
