"""Decoding media: the one loader for photos (upright pixels, every frame) and videos."""
