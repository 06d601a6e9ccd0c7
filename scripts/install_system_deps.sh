#!/usr/bin/env bash
# Make sure the system packages photoscreen needs are present: Tesseract OCR's English, French and
# orientation (osd) data, exiftool (the tests check that copies carry no metadata), Chromium (the
# tests open the HTML contact sheet in it, headless) and three handwriting fonts (the pen-mark tests
# and scripts/samples/text_samples.py write grades in them). Installs them with apt-get when we are root;
# otherwise prints the command and fails.
set -euo pipefail

packages=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-osd libimage-exiftool-perl chromium
          fonts-dkg-handwriting fonts-humor-sans fonts-comic-neue)

have_all() {
    command -v tesseract >/dev/null 2>&1 || return 1
    command -v exiftool >/dev/null 2>&1 || return 1
    command -v chromium >/dev/null 2>&1 || return 1
    for font in fifthhorseman/dkg.ttf humor-sans/Humor-Sans.ttf; do
        test -f "/usr/share/fonts/truetype/$font" || return 1
    done
    test -f /usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf || return 1
    local langs
    langs=$(tesseract --list-langs 2>/dev/null) || return 1
    for lang in eng fra osd; do
        grep -qx "$lang" <<<"$langs" || return 1
    done
}

if have_all; then
    echo "system packages: tesseract ($(tesseract --version 2>&1 | head -n1)) with eng, fra, osd; exiftool; chromium; handwriting fonts"
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${packages[*]} with apt-get ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    have_all || { echo "error: installed ${packages[*]} but tesseract, exiftool or chromium is still not usable" >&2; exit 1; }
    echo "system packages installed"
    exit 0
fi

echo "error: Tesseract (with eng, fra, osd), exiftool or chromium is missing. Install them, then run make again:" >&2
echo "    sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
exit 1
