"""Stand-ins for modules a migration imports that are not installed here.

A real project's migrations import its application (`from app.models import User`); to ask Alembic
about their graph without installing the app, each import that finds nothing gets a module whose
attributes are all the same stand-in: callable, indexable, iterable, usable as a base class.
Only what Alembic reads from a revision file (its module-level names) then matters.
"""
import importlib.abc
import importlib.machinery
import sys
import types


class _Anything:
    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return _Anything()

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Anything()

    def __getitem__(self, key):
        return _Anything()

    def __iter__(self):
        return iter(())

    def __mro_entries__(self, bases):
        return (object,)


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Anything()


class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            try:
                if finder.find_spec(name, path, target) is not None:
                    return None
            except (ImportError, ValueError):
                continue
        return importlib.machinery.ModuleSpec(name, _Loader(), is_package=True)


def install():
    """Last on sys.meta_path: only an import nothing else finds gets a stand-in."""
    sys.meta_path.append(_Finder())
