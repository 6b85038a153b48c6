"""Decoding and encoding of Python sources without losing a byte: PEP 263 cookies, BOM, line endings."""
from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass

from typing import Optional

from ..vocabulary import SourceError


def might_contain_gluon(text: str, module_name: Optional[str] = None) -> bool:
    """A substring test that rules out most non-Gluon files before any parsing (and before the engine,
    with libcst, is even imported)."""
    return "gluon" in text or "hybrid_forward" in text or bool(module_name and module_name.startswith("mxnet."))


@dataclass
class DecodedSource:
    text: str
    encoding: str
    bom: bool

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return (b"\xef\xbb\xbf" + data) if self.bom else data


# Byte order marks of encodings Python does not read source in (UTF-32 first: its LE mark starts with UTF-16's)
_FOREIGN_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32-LE"), (b"\x00\x00\xfe\xff", "UTF-32-BE"),
                 (b"\xff\xfe", "UTF-16-LE"), (b"\xfe\xff", "UTF-16-BE"))


def decode_source(data: bytes) -> DecodedSource:
    """Decode file bytes as Python would, keeping `\\r\\n` as it is (no universal newlines)."""
    for bom, name in _FOREIGN_BOMS:
        if data.startswith(bom):
            raise SourceError(f"cannot decode: the file starts with a {name} byte order mark; Python reads "
                              f"source only in ASCII-compatible encodings: re-save it as UTF-8 (e.g. "
                              f"`iconv -f {name[:6]} -t UTF-8 OLD > NEW`)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # a bad or unknown coding cookie
        raise SourceError(f"cannot decode: {exc.msg if hasattr(exc, 'msg') else exc}", getattr(exc, "lineno", 1) or 1)
    bom = encoding == "utf-8-sig"
    if bom:
        encoding = "utf-8"
        data = data[3:]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(f"cannot decode as {encoding}: byte {data[exc.start]:#04x} is invalid "
                          "(add a PEP 263 coding cookie or re-save the file as UTF-8)", line)
    return DecodedSource(text, encoding, bom)
