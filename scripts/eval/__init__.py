"""Measurements: each module prints figures for one part of photoscreen (``python -m scripts.eval.NAME``)."""
