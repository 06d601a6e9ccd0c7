"""Stages: one photo in, findings out (faces, hands, people, quality, orientation, platform, metadata, captions)."""
