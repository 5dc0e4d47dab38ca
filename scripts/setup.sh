#!/usr/bin/env bash
# Set up coach on a Debian machine: system packages, a virtualenv in .venv, the package.
# With --tests, also what the test suite needs (a headless Chromium and its driver, pytest, Selenium).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# espeak-ng, flite and sox make the speech the tests and benchmarks listen to; ffmpeg converts test
# fixtures to other formats; libportaudio2 is the microphone library for live capture.
packages=(espeak-ng flite sox libsox-fmt-all ffmpeg libportaudio2)
extras=""
if [ "${1:-}" = "--tests" ]; then
    packages+=(chromium chromium-driver)
    extras="[test]"
fi
python=${PYTHON:-python3}
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    packages+=(python3-venv)
fi
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
