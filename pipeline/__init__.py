"""photoscreen: a privacy screen for school photos.

Stages (image in, findings out): ``faces``. The loader (``loader``) is the only place that reads
image files; ``scan`` walks folders and runs the stages; ``verdict`` turns findings into a verdict;
``report`` writes JSON and CSV; ``cli`` is the ``photoscreen`` command.
"""

__version__ = "0.1.0"
