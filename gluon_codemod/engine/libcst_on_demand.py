"""libcst, imported when a fix first reads one of its names.

Finding what to fix runs on `ast` alone; only applying a fix needs libcst. Importing it anyway costs a
`check` a tenth of a second, and its 16,000 objects stay for the process: every full collection of the
cyclic garbage collector walks them from then on, which in a flake8 run, where the engine is a plugin,
is flake8's time as much as ours. So the rules and the edit helpers write `cst.Call` as usual, but `cst`
is this module's stand-in: the first name read imports libcst. (Edits name their node class by a string,
`Edit("Call", ...)`, for the same reason; a class that extends a libcst one is made on first use: `extends`.)
"""
from __future__ import annotations

import functools
from typing import Callable


class _Libcst:
    def __getattr__(self, name: str):
        import libcst

        value = getattr(libcst, name)
        setattr(self, name, value)  # (read as a plain attribute from now on)
        return value


cst = _Libcst()


def extends(base: str) -> Callable[[type], Callable[..., object]]:
    """Class decorator: the class, as a subclass of libcst's `base` ("CSTTransformer"), made when it is
    first instantiated. The decorated name is then a callable that makes instances (not a class)."""
    def decorate(methods: type) -> Callable[..., object]:
        @functools.lru_cache(maxsize=None)
        def made() -> type:
            return type(methods.__name__, (methods, getattr(cst, base)), {"__doc__": methods.__doc__})

        @functools.wraps(methods, updated=())
        def instance(*args, **kwargs):
            return made()(*args, **kwargs)
        return instance
    return decorate
