"""Speed: throughput, the review app's opening time, a profile (``python -m scripts.bench.NAME``)."""
