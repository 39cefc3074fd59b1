#!/bin/sh
# bench/sync.sh -- what SQLite's synchronous=FULL costs the server's writes.
#
# Builds, beside build/zoneops (FULL), the same sources with
# -DZONEOPS_SQLITE_SYNCHRONOUS=NORMAL, then for each binary in turn (three
# rounds, alternating) starts `serve` on a fresh database on disk (build/,
# not a tmpfs: fsync must reach the device) and times 1000 small API writes
# (bench/sync-writes.mjs).  Prints each run and the ratio FULL/NORMAL of
# the medians.  About a minute.
set -eu
cd "$(dirname "$0")/.."
N=${N:-1000}
PKGS="libmicrohttpd jansson sqlite3 libpq libsodium xlsxwriter libzip expat"
make --no-print-directory -s build/zoneops
work=$(mktemp -d "$PWD/build/bench-sync.XXXXXX")
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
pid=
echo "building the NORMAL variant ..."
# shellcheck disable=SC2046,SC2086
cc -O2 -g -std=c11 -D_GNU_SOURCE -Isrc $(pkg-config --cflags $PKGS) -DZONEOPS_SQLITE_SYNCHRONOUS=NORMAL \
	-o "$work/zoneops-normal" src/*/*.c $(pkg-config --libs $PKGS) -lcsv -lpthread -lm

run() {  # run BINARY LABEL
	rm -rf "$work/db" && mkdir "$work/db"
	db="sqlite:$work/db/z.db"
	echo 'bench-password-1' | "$1" user add admin --role admin --db "$db" >/dev/null
	token=$("$1" token create --user admin --db "$db")
	"$1" serve --db "$db" --listen 127.0.0.1:0 --threads 1 2>"$work/log" &
	pid=$!
	port=
	for _ in $(seq 50); do
		port=$(sed -n 's/.*serving on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$work/log")
		[ -n "$port" ] && break
		sleep 0.1
	done
	ms=$(node bench/sync-writes.mjs "http://127.0.0.1:$port" "$token" "$N")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	pid=
	echo "$2 $ms"
}

for round in 1 2 3; do
	run build/zoneops FULL
	run "$work/zoneops-normal" NORMAL
done | tee "$work/runs" | sed "s/^/  $N writes, ms: /"
median() { grep "^$1 " "$work/runs" | cut -d' ' -f2 | sort -n | sed -n 2p; }
full=$(median FULL); normal=$(median NORMAL)
echo "median ms of $N writes: FULL $full, NORMAL $normal; FULL/NORMAL = $(echo "scale=2; $full / $normal" | bc 2>/dev/null || awk "BEGIN{printf \"%.2f\", $full/$normal}")"
