"""``python -m pipeline.cli``: the ``photoscreen`` command."""

from . import run

run()
