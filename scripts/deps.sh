#!/bin/sh
# Install what zoneops needs on Debian 12, only what is missing.
#   scripts/deps.sh run     build + serve (C libraries, brotli for the UI's files, Node for ECharts)
#   scripts/deps.sh test    also PostgreSQL, Chromium, cmocka, clang (libFuzzer), slowhttptest
#   scripts/deps.sh bench   also wrk, nginx (with brotli_static) and Chromium
set -eu
cd "$(dirname "$0")/.."
what=${1:-run}

pkgs="build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev
      libsodium-dev libxlsxwriter-dev libcsv-dev libzip-dev libexpat1-dev zlib1g-dev libcurl4-openssl-dev sqlite3 brotli
      ca-certificates"
case $what in
test)  pkgs="$pkgs libcmocka-dev postgresql chromium fonts-wqy-microhei clang libclang-rt-14-dev slowhttptest" ;;
bench) pkgs="$pkgs wrk nginx-light libnginx-mod-http-brotli-static chromium" ;;
esac
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm packages (echarts for the UI, playwright-core for the browser test).
# Reinstall when package-lock.json is newer than the installed tree.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "deps: npm ci"
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
