"""The generator: meta-database → frozen model → validate → render → format → ``{path: text}``."""
