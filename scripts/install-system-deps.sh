#!/usr/bin/env bash
# System packages for WebGPU without a GPU on Debian bookworm:
#   Mesa's lavapipe Vulkan driver from bookworm-backports (bookworm's own is too old for Dawn),
#   the Vulkan loader, and Debian's Chromium for the browser tests; and the Python packages of
#   interop/pytorch (CPU torch, numpy) from the machine's pip index.
# Idempotent; needs root (or sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

have_lavapipe() {
  dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q bpo
}

# CPU torch and numpy for the PyTorch hand-off (interop/pytorch/, test/interop-pytorch.test.ts).
python3 -m pip install --quiet --disable-pip-version-check -r "$(dirname "$0")/../interop/pytorch/requirements.txt"

if have_lavapipe && dpkg-query -W libvulkan1 >/dev/null 2>&1 && [ -x /usr/bin/chromium ]; then
  echo "system deps: lavapipe $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers), libvulkan1 and chromium already installed"
  exit 0
fi

if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1
$SUDO apt-get install -y -qq --no-install-recommends chromium
echo "system deps: installed lavapipe $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) and chromium"
