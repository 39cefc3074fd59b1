#!/bin/bash
# bench/web.sh -- what the browser UI costs (issue 15): bytes, Lighthouse, and
# the static files against nginx, all in one run.  See BENCHMARKS.md.
#
#   make bench-web       (installs what is missing, builds, runs this)
#   bench/web.sh         (expects build/zoneops and build/web from `make`)
#
#   1. starts `zoneops serve --demo --threads 1` on CPU 0 (the default root:
#      build/web, in memory) and logs the demo admin in;
#   2. bytes: bench/web-bytes.mjs opens the login page and the kiosk in
#      Debian's Chromium, cold (empty cache) and warm (a new tab, same cache),
#      and counts the requests that went to the network and their bytes;
#   3. Lighthouse 12.2.3 (npx, from the npm registry; Debian's Chromium via
#      CHROME_PATH), performance only, desktop and mobile (its default
#      simulated throttling), 3 runs of each page -- login, kiosk, and with the
#      admin's session cookie overview, race, indicators -- the median by
#      score with its LCP, CLS, TBT;
#   4. nginx (Debian nginx-light with libnginx-mod-http-brotli-static, one
#      worker on CPU 0) serving a copy of the same build/web with
#      brotli_static and gzip_static; wrk (CPU 1, -t1 -c32 -d10s, with
#      Accept-Encoding: br) against /index.html and a hashed asset on both,
#      after checking that both send the same bytes; the ratios.
# LH_RUNS (3) and LH_PAGES change step 3; SKIP_LH=1 skips it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LH="lighthouse@12.2.3"
LH_RUNS=${LH_RUNS:-3}
LH_PAGES=${LH_PAGES:-"login kiosk overview race indicators"}
die() { echo "bench/web: $*" >&2; exit 1; }
for tool in wrk nginx taskset curl node npx brotli; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (make bench-web installs it)"
done
[ -x build/zoneops ] && [ -f build/web/.version ] || die "build/zoneops or build/web missing (make)"
[ -x /usr/bin/chromium ] || die "no /usr/bin/chromium (Debian's chromium)"
HASH=$(cat build/web/.version)

TMP=$(mktemp -d /tmp/zoneops-webbench.XXXXXX)
SERVER_PID=""
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	[ -s "$TMP/nginx.pid" ] && kill -QUIT "$(cat "$TMP/nginx.pid")" 2>/dev/null
	sleep 0.2
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. zoneops ---------------------------------------------------------------
cp -p build/zoneops "$TMP/zoneops"
cp -a build/web "$TMP/web"
echo "bench/web: zoneops $(git rev-parse --short HEAD 2>/dev/null || echo '?'), web assets/$HASH"
taskset -c 0 "$TMP/zoneops" serve --db "sqlite:$TMP/demo.db" --listen 127.0.0.1:0 --demo --threads 1 \
	--web "$TMP/web" >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER_PID=$!
for _ in $(seq 600); do grep -q 'serving on' "$TMP/serve.err" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -Eo 'serving on http://127\.0\.0\.1:[0-9]+' "$TMP/serve.err" | grep -Eo '[0-9]+$') ||
	die "zoneops did not start: $(tail -5 "$TMP/serve.err")"
ZURL=http://127.0.0.1:$PORT
PW=$(grep -A2 'one-time password' "$TMP/serve.out" | grep -Eo '^ +[A-Za-z0-9]{8,}$' | tr -d ' ')
PW=$(node tests/browser/first-login.mjs "$ZURL" "$PW")
curl -s -c "$TMP/jar" -H 'Content-Type: application/json' \
	-d "{\"username\":\"admin\",\"password\":\"$PW\"}" "$ZURL/api/v1/session" >/dev/null
COOKIE=$(awk '$6 == "zo_session" { print $7 }' "$TMP/jar")
[ -n "$COOKIE" ] || die "cannot log the admin in"
printf '{"Cookie":"zo_session=%s"}\n' "$COOKIE" >"$TMP/cookie.json"

# ---- 2. bytes -----------------------------------------------------------------
echo
echo "== transferred bytes (bench/web-bytes.mjs, Chromium $(/usr/bin/chromium --version 2>/dev/null | grep -Eo '[0-9.]+' | head -1))"
node bench/web-bytes.mjs "$ZURL" >"$TMP/bytes.json"
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
for (const l of lines) {
  const v = (x) => `${x.requests} requests, ${(x.bytes / 1024).toFixed(1)} KB`;
  const ok = l.cold.bytes < 250 * 1024 && l.warm.bytes < 20 * 1024 && l.warm.requests <= 3 && !l.cold.chart_library;
  console.log(`${l.page.padEnd(6)} cold ${v(l.cold)}; warm ${v(l.warm)}; chart library fetched: ${l.cold.chart_library ? "yes" : "no"}  ${ok ? "target met" : "TARGET MISSED"}`);
}' "$TMP/bytes.json"

# ---- 3. Lighthouse --------------------------------------------------------------
lh_url() {
	case $1 in
	login) echo "$ZURL/" ;;
	kiosk) echo "$ZURL/#/kiosk" ;;
	*) echo "$ZURL/#/$1" ;;
	esac
}
if [ "${SKIP_LH:-0}" != 1 ]; then
	echo
	echo "== Lighthouse $LH, performance, median of $LH_RUNS (CHROME_PATH=/usr/bin/chromium)"
	printf '%-11s %-8s %5s %8s %8s %8s %7s   %s\n' page form score FCP LCP TBT CLS "runs (scores)"
	for page in $LH_PAGES; do
		for form in desktop mobile; do
			extra=()
			[ "$form" = desktop ] && extra+=(--preset=desktop)
			case $page in login | kiosk) ;; *) extra+=("--extra-headers=$TMP/cookie.json") ;; esac
			for i in $(seq "$LH_RUNS"); do
				CHROME_PATH=/usr/bin/chromium npx -y "$LH" "$(lh_url "$page")" --quiet --output=json \
					--output-path="$TMP/lh-$page-$form-$i.json" --only-categories=performance \
					--chrome-flags="--headless=new --no-sandbox --disable-gpu" "${extra[@]}" >/dev/null 2>>"$TMP/lh.err" ||
					echo "  (run $i of $page $form failed: $(tail -1 "$TMP/lh.err"))"
			done
			node -e '
const fs = require("fs");
const [page, form, ...files] = process.argv.slice(1);
const runs = files.filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, "utf8")))
  .map((j) => ({ score: Math.round(j.categories.performance.score * 100), a: j.audits }))
  .sort((x, y) => x.score - y.score);
if (!runs.length) { console.log(`${page} ${form}: no run`); process.exit(0); }
const m = runs[(runs.length - 1) >> 1];
const s = (k) => (m.a[k].numericValue / 1000).toFixed(2) + " s";
console.log(`${page.padEnd(11)} ${form.padEnd(8)} ${String(m.score).padStart(5)} ${s("first-contentful-paint").padStart(8)} ${s("largest-contentful-paint").padStart(8)} ${(Math.round(m.a["total-blocking-time"].numericValue) + " ms").padStart(8)} ${m.a["cumulative-layout-shift"].numericValue.toFixed(3).padStart(7)}   ${runs.map((r) => r.score).join(" ")}`);
' "$page" "$form" "$TMP"/lh-"$page"-"$form"-*.json
		done
	done
fi

# ---- 4. against nginx -------------------------------------------------------------
echo
echo "== /index.html and a hashed asset: zoneops against nginx, same files, same run"
chmod 711 "$TMP"
mkdir -p "$TMP/nginx-tmp"
chmod -R a+rX "$TMP/web"
NPORT=""
for p in $(seq 18480 18499); do
	cat >"$TMP/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;
worker_processes 1;
daemon on;
pid $TMP/nginx.pid;
error_log $TMP/nginx-err.log;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_timeout 30s;
	keepalive_requests 1000000;
	client_body_temp_path $TMP/nginx-tmp/body;
	proxy_temp_path $TMP/nginx-tmp/proxy;
	fastcgi_temp_path $TMP/nginx-tmp/fastcgi;
	uwsgi_temp_path $TMP/nginx-tmp/uwsgi;
	scgi_temp_path $TMP/nginx-tmp/scgi;
	types { text/html html; text/javascript js mjs; text/css css; image/svg+xml svg; }
	default_type application/octet-stream;
	charset utf-8;
	charset_types text/html text/javascript text/css;
	gzip_static on;
	brotli_static on;
	gzip_vary on;
	server {
		listen 127.0.0.1:$p;
		root $TMP/web;
		location / { add_header Cache-Control no-cache; }
		location /assets/ { add_header Cache-Control "public, max-age=31536000, immutable"; }
	}
}
EOF
	if taskset -c 0 nginx -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/nginx-err.log" 2>>"$TMP/nginx-err.log"; then
		NPORT=$p
		break
	fi
done
[ -n "$NPORT" ] || die "nginx did not start: $(tail -3 "$TMP/nginx-err.log")"
NURL=http://127.0.0.1:$NPORT
for _ in $(seq 50); do curl -s --max-time 1 -o /dev/null "$NURL/index.html" && break; sleep 0.1; done
ASSET=/assets/$HASH/app.js
for path in /index.html "$ASSET"; do
	curl -s -H 'Accept-Encoding: br' -o "$TMP/z.body" -D "$TMP/z.head" "$ZURL$path"
	curl -s -H 'Accept-Encoding: br' -o "$TMP/n.body" -D "$TMP/n.head" "$NURL$path"
	cmp -s "$TMP/z.body" "$TMP/n.body" || die "$path: zoneops and nginx send different bytes"
	grep -qi '^content-encoding: br' "$TMP/z.head" && grep -qi '^content-encoding: br' "$TMP/n.head" ||
		die "$path: not brotli from both"
done
printf 'each server one thread on CPU 0; wrk -t1 -c32 -d10s on CPU 1, header Accept-Encoding: br\n'
printf '%-28s %8s %14s %14s %7s\n' path "br bytes" "nginx req/s" "zoneops req/s" ratio
rps() { taskset -c 1 wrk -t1 -c32 -d10s -H 'Accept-Encoding: br' "$1" | awk '/^Requests\/sec/ { print $2 }'; }
for path in /index.html "$ASSET"; do
	size=$(curl -s -H 'Accept-Encoding: br' "$ZURL$path" | wc -c)
	n=$(rps "$NURL$path")
	z=$(rps "$ZURL$path")
	printf '%-28s %8s %14s %14s %7s\n' "$path" "$size" "$n" "$z" "$(awk -v a="$z" -v b="$n" 'BEGIN { printf "%.2f", a / b }')"
done
