#!/usr/bin/env bash
# Installs the Debian packages the tests drive as independent, real parts:
# poppler (pdfsig, pdftotext, pdffonts, pdftoppm), NSS tools (a trust store for pdfsig),
# Chromium (browser tests through Playwright), SoftHSM2 (a PKCS#11 token), docker-compose
# (validates docker-compose.yml; no container engine runs here), qpdf, mupdf-tools and
# faketime (lk verify must end under a faked or frozen clock) and zbar-tools (a second QR
# reader besides zxing-cpp, for the documents' codes); and valgrind, for `make bench`
# (bench_month_end_instructions.py counts the month-end job's instructions with callgrind).
# Installs only what is missing, so a second run costs nothing.
set -euo pipefail

declare -A need=(
  [pdfsig]=poppler-utils
  [certutil]=libnss3-tools
  [chromium]=chromium
  [softhsm2-util]=softhsm2
  [pkcs11-tool]=opensc
  [docker-compose]=docker-compose
  [qpdf]=qpdf
  [mutool]=mupdf-tools
  [faketime]=faketime
  [zbarimg]=zbar-tools
  [valgrind]=valgrind
)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "Missing Debian packages: ${missing[*]} (run as root or install them yourself)" >&2
    exit 1
  fi
else
  SUDO=
fi
echo "Installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
