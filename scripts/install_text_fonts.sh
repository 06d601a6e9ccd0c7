#!/usr/bin/env bash
# Handwriting-style fonts for scripts/make_text_samples.py (handwritten marks on papers) and
# tests/test_ink.py: fonts-dkg-handwriting, fonts-humor-sans, fonts-comic-neue. Installs them with
# apt-get when we are root; otherwise prints the command and fails. Safe to run again.
set -euo pipefail

packages=(fonts-dkg-handwriting fonts-humor-sans fonts-comic-neue)

have_all() {
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || return 1
    done
}

if have_all; then
    echo "handwriting fonts: ${packages[*]} installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${packages[*]} with apt-get ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    have_all || { echo "error: installed ${packages[*]} but dpkg does not list them all" >&2; exit 1; }
    echo "handwriting fonts installed"
    exit 0
fi

echo "error: the handwriting fonts are missing. Install them, then run the script again:" >&2
echo "    sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
exit 1
