"""Inputs made for the demo, the tests and the measurements (``python -m scripts.samples.NAME``)."""
