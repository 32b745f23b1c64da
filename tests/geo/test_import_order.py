"""Every module of ``geo.politics`` imports on its own, first, in a fresh interpreter.

``geo.politics`` builds on ``geo.analysis`` (its parameters, reasons and ranked
result), and the analysis reaches back for one politics reason (the sole-voice
reason, read with the ranking). Such a pair imports in one order only unless each
side takes the other's *module* rather than names from it: a tool or script that
imported ``geo.politics.params`` first used to fail with a circular-import error.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import geo.politics

MODULES = sorted(m.name for m in pkgutil.iter_modules(geo.politics.__path__, "geo.politics."))


def test_each_politics_module_can_be_imported_first():
    assert "geo.politics.params" in MODULES and "geo.politics.sole_voice" in MODULES  # the pair that cycled
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n" + "".join(
        [
            "    for m in [m for m in sys.modules if m == 'geo' or m.startswith('geo.')]:\n",
            "        del sys.modules[m]\n",
            "    importlib.import_module(name)\n",
            "    print('ok', name, flush=True)\n",
        ]
    )
    run = subprocess.run([sys.executable, "-c", script, *MODULES], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == [w for name in MODULES for w in ("ok", name)]
