"""mkdocs-gen-files script: the engine guide's pictures and sample run, drawn at every build.

Runs ``assurdb optimise --seed004`` (the study's worked example on the synthetic marine-cargo
portfolio, about three seconds) into a temporary folder and hands the site its three PNGs
(``engine/frontier.png``, ``engine/retention.png``, ``engine/triangle.png``) and a page with the
command's printed output (``engine-run.md``). Nothing is committed: the pictures are what the code
draws today.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import mkdocs_gen_files
from click.testing import CliRunner

from assurdb.cli import main
from assurdb.engine.pictures import PICTURES

ARGS = ["optimise", "--seed004", "--rule", "both"]

with tempfile.TemporaryDirectory() as folder:
    result = CliRunner().invoke(main, [*ARGS, "--out", folder])
    if result.exit_code != 0:
        raise RuntimeError(f"assurdb {' '.join(ARGS)} failed ({result.exit_code}): {result.output}")
    for name in PICTURES.values():
        with mkdocs_gen_files.open(f"engine/{name}", "wb") as target:
            target.write((Path(folder) / name).read_bytes())
    output = result.output.replace(folder, "pictures")

with mkdocs_gen_files.open("engine-run.md", "w") as page:
    page.write(
        "# An optimise run\n\n"
        "What `assurdb " + " ".join(ARGS) + " --out pictures` prints, run when this site was built: "
        "the scenario method on the synthetic marine-cargo portfolio under the study's conditions "
        "(see the [engine guide](engine.md#optimisation)).\n\n"
        "```text\n" + output.rstrip() + "\n```\n"
    )
