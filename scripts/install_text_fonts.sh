#!/usr/bin/env bash
# The handwriting fonts scripts/samples/text_samples.py writes marks in (fonts-dkg-handwriting,
# fonts-humor-sans, fonts-comic-neue) are among the system packages `make setup` installs: one script
# installs them all.
exec bash "$(dirname "$0")/install_system_deps.sh"
