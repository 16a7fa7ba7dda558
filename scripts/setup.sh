#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine, where it is missing: a JDK 17+, Maven, and the
# Debian Python packages the converter and the parity tests use (they run under /usr/bin/python3), and chromium
# for the report's browser test.
set -euo pipefail

# setup.sh [--java | --python]: --java installs only what the Java side needs (./ofa enrich and the inference
# commands), --python only the Python packages (./ofa convert, scenes, train); with neither, everything incl. what
# the tests alone use.
mode="${1:-all}"
need_apt=()
if [ "$mode" != "--python" ]; then
  command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
fi
if [ "$mode" != "--java" ] && ! /usr/bin/python3 -c "import torch, onnx, numpy, PIL, regex, yaml" >/dev/null 2>&1; then
  need_apt+=(python3-torch python3-onnx python3-numpy python3-pil python3-regex python3-yaml)
fi
# the corpus leakage tests use the sample photographs of Debian's scikit-image
if [ "$mode" = all ] && ! /usr/bin/python3 -c "import skimage.data" >/dev/null 2>&1; then
  need_apt+=(python3-skimage)
fi
# real image files that neither the project nor Pillow wrote, for the decoder fidelity suite and the corpus
# leakage benchmark: wallpapers (photographs, artwork; JPEG, PNG, WebP), ImageMagick's documentation images (GIF,
# PNG, JPEG), Debian's artwork, ICC profiles to embed, and the tools that make variants of them (ImageMagick,
# libjpeg-turbo's jpegtran/cjpeg, cwebp)
REAL_IMAGE_PACKAGES=(gnome-backgrounds mate-backgrounds lomiri-wallpapers lomiri-wallpapers-20.04
                     lomiri-wallpapers-16.04 ukui-wallpapers sway-backgrounds desktop-base imagemagick-6-doc
                     icc-profiles-free colord-data imagemagick libjpeg-turbo-progs webp)
if [ "$mode" = all ]; then
  for p in "${REAL_IMAGE_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
  done
fi
# the report test opens the HTML report in a real headless browser
if [ "$mode" = all ] && ! command -v chromium >/dev/null 2>&1; then
  need_apt+=(chromium)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}"
fi
