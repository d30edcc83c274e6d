"""Domain primitives (thesis chapter V) written against the :class:`metadb.Session` contract only."""
