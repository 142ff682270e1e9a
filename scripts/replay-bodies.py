"""Helpers for scripts/replay-bodies.mjs, copied into each throwaway project it makes.

`import replay_bodies_stubs` (from env.py) puts stand-ins for the modules the revision files import
that are not installed here (the app's own package, mostly). Unlike the graph oracle's stand-ins,
these refuse to be used: calling one, indexing it or iterating it raises AppCodeUsed, so a revision
whose upgrade() runs application code fails with a recognisable error instead of running something
else. Importing a name and never using it (the common case) works. One exception: an imported `db`
(Flask-SQLAlchemy's object) gives SQLAlchemy's own names (`db.Integer` is `sqlalchemy.Integer`), and
a stand-in for anything else; sqlalchemy_utils' column types and SQLModel's AutoString are the
SQLAlchemy types they are stored as, and the app names in STAND_INS (replay-bodies.mjs --stand-in) are
the library names given there.

Run as a script (`python replay_bodies_stubs.py INI [FOLDER …]`), it prints the revisions as JSON in the order
`alembic upgrade` applies them from base (parents first), with the heads and the merge points.
"""
import ast
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import types


class AppCodeUsed(Exception):
    pass


# app names given a library's stand-in on the command line (replay-bodies.mjs --stand-in
# keylime.db.verifier_db.JSONPickleType=sqlalchemy.Text, as JSON in REPLAY_STAND_INS): full name -> the
# library's full name
STAND_INS = json.loads(os.environ.get("REPLAY_STAND_INS") or "{}")


def _declared(name):
    found = STAND_INS.get(name)
    if found is None:
        return None
    module, _, attr = found.rpartition(".")
    return getattr(importlib.import_module(module), attr)


class _Stub:
    def __init__(self, name):
        object.__setattr__(self, "_name", name)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _declared(f"{self._name}.{name}") or _Stub(f"{self._name}.{name}")

    def __call__(self, *args, **kwargs):
        raise AppCodeUsed(f"app code called: {self._name}()")

    def __getitem__(self, key):
        raise AppCodeUsed(f"app code indexed: {self._name}[...]")

    def __iter__(self):
        raise AppCodeUsed(f"app code iterated: {self._name}")

    # a value of the app's put into SQL or compared (UserRole.USER.value): refused too
    def _used(self, *args):
        raise AppCodeUsed(f"app code value used: {self._name}")

    __str__ = __format__ = __bool__ = __int__ = __float__ = __index__ = __len__ = _used
    __lt__ = __le__ = __gt__ = __ge__ = __contains__ = __add__ = __radd__ = __mod__ = _used

    def __mro_entries__(self, bases):
        return (object,)


class _SqlAlchemyNamespace:
    """An app's Flask-SQLAlchemy `db`: its column types and constructs are SQLAlchemy's own."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        import sqlalchemy
        import sqlalchemy.orm

        for module in (sqlalchemy, sqlalchemy.orm):
            if hasattr(module, name):
                return getattr(module, name)
        return _declared(f"{self._name}.{name}") or _Stub(f"{self._name}.{name}")


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if name == "db":
            return _SqlAlchemyNamespace(f"{self.__name__}.db")
        return _declared(f"{self.__name__}.{name}") or _Stub(f"{self.__name__}.{name}")


def _sqlalchemy_utils_types():
    """sqlalchemy_utils is a library, not app code, but is not installed here: its column types stand in
    as the SQLAlchemy types they are stored as (their `impl`), which is all a migration's DDL renders."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    def stored_as(impl, pg=None, length_kwarg=False):
        class Type(sa.types.TypeDecorator):
            cache_ok = True

            def __init__(self, *args, **kwargs):
                length = kwargs.get("length") if length_kwarg else None
                self.impl = impl(length) if length else impl()
                self._pg = pg

            def load_dialect_impl(self, dialect):
                if self._pg is not None and dialect.name == "postgresql":
                    return dialect.type_descriptor(self._pg())
                return dialect.type_descriptor(self.impl)

        Type.impl = impl
        return Type

    return {
        "ArrowType": stored_as(sa.DateTime),
        "EmailType": stored_as(lambda n=255: sa.Unicode(n), length_kwarg=True),
        "ChoiceType": stored_as(lambda n=255: sa.Unicode(n), length_kwarg=True),
        "StringEncryptedType": stored_as(lambda n=None: sa.String(n), length_kwarg=True),
        "EncryptedType": stored_as(lambda n=None: sa.String(n), length_kwarg=True),
        "UUIDType": stored_as(lambda: sa.types.BINARY(16), pg=lambda: postgresql.UUID()),
        "JSONType": stored_as(sa.UnicodeText, pg=postgresql.JSON),
        "URLType": stored_as(sa.UnicodeText),
        "IPAddressType": stored_as(lambda n=50: sa.Unicode(n)),
        "PasswordType": stored_as(lambda n=1137: sa.types.VARBINARY(n), length_kwarg=True),
        "TimezoneType": stored_as(lambda n=50: sa.Unicode(n)),
        "LocaleType": stored_as(lambda n=10: sa.Unicode(n)),
        "ColorType": stored_as(lambda n=20: sa.Unicode(n)),
        "CountryType": stored_as(lambda n=2: sa.String(n)),
        "ScalarListType": stored_as(sa.UnicodeText),
        "TSVectorType": stored_as(sa.UnicodeText, pg=postgresql.TSVECTOR),
        # engines and other arguments of the types: accepted, never used
        "AesEngine": object,
        "AesGcmEngine": object,
        "FernetEngine": object,
    }


class _SqlAlchemyUtilsModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        found = _sqlalchemy_utils_types().get(name)
        # anything else: a subpackage (sqlalchemy_utils.types.arrow.ArrowType), refusing to be called
        return found if found is not None else _SqlAlchemyUtilsModule(f"{self.__name__}.{name}")

    def __call__(self, *args, **kwargs):
        raise AppCodeUsed(f"library code called: {self.__name__}()")


def _sqlmodel_auto_string():
    """SQLModel's AutoString (a library type, like sqlalchemy_utils'): VARCHAR, 255 long on MySQL."""
    import sqlalchemy as sa

    class AutoString(sa.types.TypeDecorator):
        impl = sa.types.String
        cache_ok = True
        mysql_default_length = 255

        def load_dialect_impl(self, dialect):
            if dialect.name == "mysql":
                return dialect.type_descriptor(sa.types.String(self.mysql_default_length))
            return super().load_dialect_impl(dialect)

    return AutoString


class _SqlModelModule(_StubModule):
    def __getattr__(self, name):
        if name == "AutoString" and self.__name__ == "sqlmodel.sql.sqltypes":
            return _sqlmodel_auto_string()
        return super().__getattr__(name)


class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        if spec.name.split(".")[0] == "sqlalchemy_utils":
            module = _SqlAlchemyUtilsModule(spec.name)
        elif spec.name.split(".")[0] == "sqlmodel":
            module = _SqlModelModule(spec.name)
        else:
            module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, roots):
        self.roots = roots

    def find_spec(self, name, path, target=None):
        if name.split(".")[0] not in self.roots:
            return None
        return importlib.machinery.ModuleSpec(name, _Loader(), is_package=True)


def missing_roots(folders):
    """Top-level modules the revision files import that Python cannot find here."""
    roots = set()
    for folder in folders:
        for entry in sorted(os.listdir(folder)):
            if not entry.endswith(".py"):
                continue
            try:
                with open(os.path.join(folder, entry), encoding="utf-8") as f:
                    tree = ast.parse(f.read())
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    roots.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    roots.add(node.module.split(".")[0])
    out = set()
    for root in roots:
        try:
            if importlib.util.find_spec(root) is None:
                out.add(root)
        except (ImportError, ValueError):
            out.add(root)
    return out


def install(folders):
    roots = missing_roots(folders)
    if roots:
        sys.meta_path.append(_Finder(roots))
    return sorted(roots)


def _history(ini, folders):
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic import util

    cfg = Config(ini)
    script = ScriptDirectory.from_config(cfg)
    if folders:
        script.version_locations = folders
        script.__dict__.pop("_version_locations", None)
    stubbed = install(script._version_locations)
    revs = list(script.walk_revisions("base", "heads"))
    revs.reverse()
    print(
        json.dumps(
            {
                "order": [r.revision for r in revs],
                "merges": [r.revision for r in revs if r.is_merge_point],
                "branchPoints": [r.revision for r in revs if r.is_branch_point],
                "heads": list(script.get_heads()),
                "down": {r.revision: list(util.to_tuple(r.down_revision, default=())) for r in revs},
                "stubbed": stubbed,
            }
        )
    )


if __name__ == "__main__":
    _history(sys.argv[1], sys.argv[2:])
