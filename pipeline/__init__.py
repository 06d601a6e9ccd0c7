"""photoscreen: a privacy screen for school photos.

The package is in layers, each importing only from those below it (``docs/architecture.md``):
``media`` decodes; ``stages`` and ``text`` find things in one image (image in, findings out);
``screen`` runs them on a photo or a video and decides the verdict; ``redaction`` writes safe copies;
``report`` writes report.json, report.csv and report.html; ``runs`` walks folders and runs the work
(worker processes, a Dask cluster); ``review`` is the local review app and export; ``cli`` is the
``photoscreen`` command. ``findings``, ``policy``, ``models``, ``owned`` and ``i18n`` are the
foundation.
"""

__version__ = "0.1.0"
