"""photoscreen: a privacy screen for school photos.

Stages (image in, findings out): ``faces``, ``text`` (with ``text_detect``, ``ocr``,
``recognizers``), ``metadata``, ``quality``, ``orientation``, ``platform_fit``. The loader
(``loader``) is the only place that reads image files; ``scan`` walks folders and runs the stages;
``verdict`` turns findings into a verdict; ``report`` writes JSON and CSV; ``batch`` and
``contact_sheet`` are the nightly run and its HTML page; ``redaction`` writes safe copies (painting
in ``redact``, hands in ``hands``, people seen from behind in ``people``); ``cli`` is the ``photoscreen`` command.
"""

__version__ = "0.1.0"
