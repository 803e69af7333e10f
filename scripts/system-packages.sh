#!/usr/bin/env bash
# Installs the Debian packages the shop uses, if missing: Fashion-MNIST product photos for the
# demo data and Chromium for the browser tests. Needs root (or sudo); without it, says what to
# install and carries on (the demo then draws garments instead of using photos).
set -euo pipefail

needed=()
[ -d /usr/share/datasets/fashion-mnist ] || needed+=(dataset-fashion-mnist)
[ -x /usr/bin/chromium ] || needed+=(chromium)
for extra in "$@"; do
    dpkg -s "$extra" >/dev/null 2>&1 || needed+=("$extra")
done
[ ${#needed[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo="sudo"
else
    echo "warning: please install these Debian packages: ${needed[*]}" >&2
    exit 0
fi
echo "Installing Debian packages: ${needed[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
