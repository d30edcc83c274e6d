"""``python -m assurdb`` is the ``assurdb`` command."""

from assurdb.cli import main

main()
