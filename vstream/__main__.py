"""`python -m vstream`: runs the installed `vstream` console script (app.cli:main). Looked up
through the distribution's entry point, so this package does not import the app layer above it."""

import sys
from importlib.metadata import entry_points

(_script,) = entry_points(group="console_scripts", name="vstream")
sys.exit(_script.load()())
