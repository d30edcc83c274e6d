"""Interfaces generated on the fly, for a migration: the version a database holds and the version
it is to hold, each read and written through its own codecs.

Generated once per (schema fingerprint, meta-schema version, DBMS) into a folder of the user's
cache and imported under a private package name; a migration never needs the user's own package.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from assurdb.generator.render import GENERATOR_VERSION, render, write
from assurdb.metadb.meta import meta_schema
from assurdb.metadb.model import Schema
from assurdb.runtime.specs import Compiled, Interface

#: Where generated interfaces are kept between runs (one folder per schema and generator version).
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assurdb" / "interfaces"


def _root() -> Path:
    try:
        CACHE.mkdir(parents=True, exist_ok=True)
        return CACHE
    except OSError:  # a read-only home: a folder of this run
        return Path(tempfile.mkdtemp(prefix="assurdb-interfaces-"))


@functools.cache
def _generator_digest() -> str:
    """What the generated code depends on: the generator, its templates and the meta-database's
    code (a development checkout changes them without changing any version number)."""
    sha = hashlib.sha256(GENERATOR_VERSION.encode())
    package = Path(__file__).resolve().parents[1]
    for layer, pattern in (("generator", "*.py"), ("templates", "*.j2"), ("metadb", "*.py")):
        for file in sorted((package / layer).rglob(pattern)):
            sha.update(file.relative_to(package).as_posix().encode())
            sha.update(file.read_bytes())
    return sha.hexdigest()[:16]


def interface_for(schema: Schema, backend: str, meta_version: int | None = None) -> tuple[Interface, Compiled]:
    """The interface of ``schema`` (with the meta-schema's ``meta_version``) and its half for ``backend``."""
    if meta_version == meta_schema().version:
        meta_version = None  # the same interface either way: one package
    key = f"{schema.fingerprint}:{meta_version}:{backend}:{_generator_digest()}"
    package = "_assurdb_migration_" + hashlib.sha256(key.encode()).hexdigest()[:16]
    root = _root()
    folder = root / package
    if not (folder / "__init__.py").exists():
        # written aside, then moved in place whole: another process may generate the same one
        staging = Path(tempfile.mkdtemp(prefix=f".{package}-", dir=root))
        write(render(schema, [backend], meta_version=meta_version), staging)
        try:
            os.replace(staging, folder)
        except OSError:  # another process was first
            shutil.rmtree(staging, ignore_errors=True)
    if str(root) not in sys.path:
        sys.path.append(str(root))
    module = importlib.import_module(package)
    interface = module.INTERFACE
    assert isinstance(interface, Interface)
    return interface, interface.compiled(backend)
