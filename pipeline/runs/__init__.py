"""Runs: walking and screening a folder, the nightly batch and its executors, the folders we own."""
