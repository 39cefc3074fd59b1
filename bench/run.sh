#!/usr/bin/env bash
# bench/run.sh -- HTTP throughput of `zoneops serve` against nginx in the same
# run, on the same core.  See bench/README.md and BENCHMARKS.md.
#
#   make bench            (installs wrk + nginx-light if missing, builds, runs this)
#   bench/run.sh          (expects build/zoneops from `make`)
#
# What it does, all on 127.0.0.1 and inside a temporary directory that is
# removed on exit:
#   1. starts `zoneops serve --demo --threads 1` on a fresh SQLite database,
#      pinned to CPU 0, and creates an admin user "bench" with an API token;
#   2. starts nginx (one worker, pinned to CPU 0 too) serving a copy of the
#      /api/v1/me response body (same size) and a copy of web/index.html;
#   3. checks that both servers keep connections alive;
#   4. runs wrk pinned to CPU 1 (`wrk -t1 -c32 -d10s --latency`) against
#        (a) nginx: the static file of /me's size
#        (b) zoneops: GET /api/v1/me with `Authorization: Bearer TOKEN`
#        (c) nginx: index.html
#        (d) zoneops: /index.html
#      and prints requests/s, latency, errors, the number of TCP connections
#      each run used, the server's CPU use and run-queue wait, and the ratios
#      zoneops/nginx; a pair of runs that other load on the machine disturbed
#      is measured again while the 2-minute budget allows;
#   5. reports the resident memory (VmRSS) of `serve` after startup and after
#      the load, and whether the target of the issue is met.
#
# Settings (environment): BENCH_DURATION (seconds per run, default 10),
# BENCH_CONNS (default 32), BENCH_WARMUP (seconds, default 1), BENCH_DISTURB
# (run-queue wait in % above which a pair is repeated, default 5),
# ZONEOPS_BIN (default build/zoneops), BENCH_STRICT=1 (exit 3 when the
# target is missed).  A run takes about 4 x (DURATION + WARMUP + 1) + 10 s,
# at most about 110 s with repeats.
set -euo pipefail
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNS:-32}
WARMUP=${BENCH_WARMUP:-1}
SERVER_CPU=0
CLIENT_CPU=1
TARGET_RATIO=0.40
TARGET_RSS_MB=20
DISTURB=${BENCH_DISTURB:-5}

die() { echo "bench: $*" >&2; exit 1; }

case $DURATION in '' | *[!0-9]*) die "BENCH_DURATION must be a whole number of seconds" ;; esac
case $WARMUP in '' | *[!0-9]*) die "BENCH_WARMUP must be a whole number of seconds" ;; esac
case $CONNS in '' | *[!0-9]*) die "BENCH_CONNS must be a number" ;; esac
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 60 ] || die "BENCH_DURATION must be 1..60"
[ -x "$BIN" ] || die "no $BIN -- build it first with 'make'"
for tool in wrk nginx taskset curl ss timeout awk; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (make bench installs wrk and nginx-light)"
done
[ -f "$ROOT/web/index.html" ] || die "no web/index.html"
if [ "$(nproc)" -lt 2 ]; then
	echo "bench: WARNING: only one CPU; server and wrk share CPU 0, figures are not comparable" >&2
	CLIENT_CPU=0
fi

umask 077
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zoneops-bench.XXXXXX")
DB="sqlite:$TMP/bench.db"
SERVER_PID=""
WRK_PID=""
SAMPLER_PID=""

stop_pid() { # pid signal -- signal, wait up to 5 s, then SIGKILL
	local pid=$1 sig=$2 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill "-$sig" "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
	set +e
	[ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null
	[ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
	if [ -n "$SERVER_PID" ]; then
		stop_pid "$SERVER_PID" TERM
		wait "$SERVER_PID" 2>/dev/null
	fi
	if [ -s "$TMP/nginx.pid" ]; then
		stop_pid "$(cat "$TMP/nginx.pid")" QUIT
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# Nanoseconds the threads of a process ran and waited in a run queue for a CPU
# (/proc/PID/task/*/schedstat).  Waiting means something else had the core:
# other processes on this machine disturb the measurement.
sched_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ r += $1; w += $2 } END { printf "%.0f %.0f\n", r, w }'; }
# Busy and stolen clock ticks of one CPU from /proc/stat (busy = user, nice,
# system, irq, softirq: everything but idle, iowait and steal).
cpu_stat() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat; }
# Samples, twice a second for $2 seconds, the client ports of the established
# connections to port $1 and appends them to $3.  With keep-alive the same
# $CONNS ports show up in every sample; without it they change all the time.
sample_ports() {
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		ss -Htn state established "( dport = :$1 )" 2>/dev/null | awk '{ n = split($3, a, ":"); print a[n] }' >>"$3"
		sleep 0.5
	done
}
port_free() { [ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }

# ---- 1. zoneops -------------------------------------------------------------

# A private copy of the binary: other people may rebuild build/zoneops while
# this runs, and the CLI commands below must use the same binary as serve.
ZBIN=$TMP/zoneops
cp -p "$BIN" "$ZBIN"
BIN_INFO="binary: $BIN, built $(date -u -r "$ZBIN" '+%Y-%m-%d %H:%M:%S UTC'), sha256 $(sha256sum "$ZBIN" | cut -c1-12)"
BIN_INFO="$BIN_INFO, source $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" status --porcelain -- src 2>/dev/null | grep -q . && echo ' + uncommitted changes in src/' || true)"
echo "bench: starting zoneops serve --demo --threads 1 on CPU $SERVER_CPU ($TMP)"
: >"$TMP/serve.out"
: >"$TMP/serve.err" # exists before the loop below reads it
taskset -c "$SERVER_CPU" "$ZBIN" serve --db "$DB" --listen 127.0.0.1:0 --demo --threads 1 \
	--web "$ROOT/web" >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 600); do # up to 60 s (the demo seed hashes passwords)
	PORT=$(sed -n 's#.*serving on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*#\1#p' "$TMP/serve.err" | head -n1)
	[ -n "$PORT" ] && break
	kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/serve.err" >&2; die "zoneops serve exited"; }
	sleep 0.1
done
[ -n "$PORT" ] || { cat "$TMP/serve.err" >&2; die "zoneops serve did not start within 60 s"; }
sleep 1
RSS_START=$(rss_kb "$SERVER_PID")
HWM_START=$(hwm_kb "$SERVER_PID")

echo pw-bench-123 | "$ZBIN" user add bench --role admin --db "$DB" >/dev/null ||
	die "cannot create the user 'bench'"
TOKEN=$("$ZBIN" token create --user bench --name bench --db "$DB") || die "cannot create a token"
[ -n "$TOKEN" ] || die "token create printed nothing"
export ZONEOPS_TOKEN=$TOKEN
ZURL=http://127.0.0.1:$PORT

code=$(curl -s --max-time 5 -o "$TMP/me.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$ZURL/api/v1/me")
[ "$code" = 200 ] || die "GET /api/v1/me answered $code: $(head -c 300 "$TMP/me.json")"
ME_SIZE=$(wc -c <"$TMP/me.json")
code=$(curl -s --max-time 5 -o "$TMP/index.zoneops" -w '%{http_code}' "$ZURL/index.html")
[ "$code" = 200 ] || die "GET /index.html from zoneops answered $code"
cmp -s "$TMP/index.zoneops" "$ROOT/web/index.html" || die "zoneops /index.html differs from web/index.html"
INDEX_SIZE=$(wc -c <"$ROOT/web/index.html")

# ---- 2. nginx -----------------------------------------------------------------

# nginx workers run as "nobody" when started by root: they may pass through
# $TMP and read www/, nothing else.
chmod 711 "$TMP"
mkdir -p "$TMP/www" "$TMP/nginx-tmp"
cp "$TMP/me.json" "$TMP/www/me.json"
cp "$ROOT/web/index.html" "$TMP/www/index.html"
chmod 755 "$TMP/www"
chmod 644 "$TMP/www/me.json" "$TMP/www/index.html"

NPORT=""
for _ in 1 2 3 4 5 6 7 8; do
	p=$((20000 + RANDOM % 40000))
	port_free "$p" || continue
	cat >"$TMP/nginx.conf" <<EOF
worker_processes 1;
daemon on;
pid $TMP/nginx.pid;
error_log $TMP/err.log;
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
	types { text/html html; application/json json; }
	default_type application/octet-stream;
	charset utf-8;
	charset_types text/html application/json;
	server {
		listen 127.0.0.1:$p;
		root $TMP/www;
		location / { }
	}
}
EOF
	if taskset -c "$SERVER_CPU" nginx -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/err.log" 2>>"$TMP/err.log"; then
		NPORT=$p
		break
	fi
done
[ -n "$NPORT" ] || { cat "$TMP/err.log" >&2; die "nginx did not start"; }
NURL=http://127.0.0.1:$NPORT
for _ in $(seq 50); do
	[ -s "$TMP/nginx.pid" ] && curl -s --max-time 2 -o /dev/null "$NURL/me.json" && break
	sleep 0.1
done
NGINX_MASTER=$(cat "$TMP/nginx.pid")
NGINX_WORKER=$(cat "/proc/$NGINX_MASTER/task/$NGINX_MASTER/children" 2>/dev/null | awk '{ print $1 }')
[ -n "$NGINX_WORKER" ] || NGINX_WORKER=$NGINX_MASTER
[ "$(curl -s --max-time 5 "$NURL/me.json" | wc -c)" = "$ME_SIZE" ] || die "nginx does not serve me.json"

# ---- 3. keep-alive ----------------------------------------------------------------

# curl fetches the URL twice in one invocation; it reuses the connection only
# when the first response left it open (no "Connection: close", a framed body).
keepalive() { # url [curl args...]
	local url=$1 log
	shift
	log=$(curl -sv --max-time 5 "$@" -o /dev/null -o /dev/null "$url" "$url" 2>&1) || return 1
	grep -qi 're-using existing connection' <<<"$log" || return 1
	! grep -qi '^< connection: *close' <<<"$log"
}
KA_ME=no KA_INDEX=no KA_NGINX=no
keepalive "$ZURL/api/v1/me" -H "Authorization: Bearer $TOKEN" && KA_ME=yes
keepalive "$ZURL/index.html" && KA_INDEX=yes
keepalive "$NURL/me.json" && KA_NGINX=yes

# ---- 4. load --------------------------------------------------------------------

TICKS=$(getconf CLK_TCK)
declare -A RPS P50 P99 BAD CONNS_USED CPU WAIT CPU0 CPU1 STEAL
# wrk on the client CPU, bounded by timeout, in the background so that a
# signal interrupts `wait` and the trap cleans up at once
wrk_run() { # timeout-seconds wrk-args...
	local limit=$1 rc=0
	shift
	timeout "$limit" taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" "$@" &
	WRK_PID=$!
	wait "$WRK_PID" || rc=$?
	WRK_PID=""
	return "$rc"
}
run() { # key port pid url [wrk args...]
	local key=$1 port=$2 pid=$3 url=$4 out r0 r1 w0 w1 s00 s01 s10 s11 st0 st1
	shift 4
	out=$TMP/wrk-$key.txt
	if [ "$WARMUP" -gt 0 ]; then
		wrk_run $((WARMUP + 15)) -d"${WARMUP}s" "$@" "$url" >/dev/null 2>&1 || die "wrk warm-up against $url failed"
		sleep 0.5
	fi
	: >"$TMP/ports-$key"
	read -r r0 w0 < <(sched_ns "$pid")
	read -r s00 st0 < <(cpu_stat "$SERVER_CPU")
	read -r s10 _ < <(cpu_stat "$CLIENT_CPU")
	sample_ports "$port" $((DURATION > 2 ? DURATION - 1 : 1)) "$TMP/ports-$key" &
	SAMPLER_PID=$!
	wrk_run $((DURATION + 20)) -d"${DURATION}s" --latency "$@" "$url" >"$out" 2>&1 ||
		{ cat "$out" >&2; die "wrk against $url failed"; }
	read -r r1 w1 < <(sched_ns "$pid")
	read -r s01 st1 < <(cpu_stat "$SERVER_CPU")
	read -r s11 _ < <(cpu_stat "$CLIENT_CPU")
	wait "$SAMPLER_PID" || true
	SAMPLER_PID=""
	RPS[$key]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
	P50[$key]=$(awk '$1 == "50%" { print $2 }' "$out")
	P99[$key]=$(awk '$1 == "99%" { print $2 }' "$out")
	# non-2xx/3xx responses plus socket errors (connect, read, write, timeout)
	BAD[$key]=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
		/Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$out")
	CONNS_USED[$key]=$(sort -un "$TMP/ports-$key" | wc -l)
	pct() { awk -v d="$1" -v hz="$TICKS" -v s="$DURATION" 'BEGIN { printf "%.0f", 100 * d / hz / s }'; }
	CPU[$key]=$(awk -v d="$((r1 - r0))" -v s="$DURATION" 'BEGIN { printf "%.0f", d / s / 1e7 }')
	WAIT[$key]=$(awk -v d="$((w1 - w0))" -v s="$DURATION" 'BEGIN { printf "%.0f", d / s / 1e7 }')
	CPU0[$key]=$(pct $((s01 - s00)))
	CPU1[$key]=$(pct $((s11 - s10)))
	STEAL[$key]=$(pct $((st1 - st0)))
	[ -n "${RPS[$key]}" ] || { cat "$out" >&2; die "no Requests/sec in the wrk output"; }
}

echo "bench: wrk -t1 -c$CONNS -d${DURATION}s --latency on CPU $CLIENT_CPU (warm-up ${WARMUP}s each)"
run_me() {
	run a "$NPORT" "$NGINX_WORKER" "$NURL/me.json"
	run b "$PORT" "$SERVER_PID" "$ZURL/api/v1/me" -s "$ROOT/bench/me.lua"
}
run_index() {
	run c "$NPORT" "$NGINX_WORKER" "$NURL/index.html"
	run d "$PORT" "$SERVER_PID" "$ZURL/index.html"
}
# the larger run-queue wait% of two runs
worst() { echo $((WAIT[$1] > WAIT[$2] ? WAIT[$1] : WAIT[$2])); }
copy_run() { # from to
	local arr
	for arr in RPS P50 P99 BAD CONNS_USED CPU WAIT CPU0 CPU1 STEAL; do
		declare -n A=$arr
		A[$2]=${A[$1]}
		unset -n A
	done
}
# Other processes on the machine can take CPU 0 away from the server under
# test.  When a pair (nginx, zoneops) was disturbed (a server waited for its
# core more than DISTURB% of the run), it is measured again while the 2-minute
# budget allows, and the less disturbed attempt is kept.  Every attempt is
# printed.  The /me pair, which the target is about, goes first.
declare -A TRIES NOTES
retry() { # runner key1 key2 label
	local fn=$1 k1=$2 k2=$3 label=$4
	[ "$(worst "$k1" "$k2")" -gt "$DISTURB" ] || return 0
	[ $((SECONDS + 2 * (WARMUP + DURATION + 2))) -le 110 ] || return 0
	echo "bench: the $label pair was disturbed (run-queue wait $(worst "$k1" "$k2")% > $DISTURB%); measuring it again"
	copy_run "$k1" "${k1}0"
	copy_run "$k2" "${k2}0"
	"$fn"
	TRIES[$k1]=$((TRIES[$k1] + 1))
	NOTES[$k1]="${NOTES[$k1]}; attempt ${TRIES[$k1]}: ${RPS[$k1]} vs ${RPS[$k2]} req/s, wait ${WAIT[$k1]}%/${WAIT[$k2]}%"
	if [ "$(worst "${k1}0" "${k2}0")" -lt "$(worst "$k1" "$k2")" ]; then
		copy_run "${k1}0" "$k1"
		copy_run "${k2}0" "$k2"
	fi
}
run_me
run_index
TRIES[a]=1 TRIES[c]=1
NOTES[a]="attempt 1: ${RPS[a]} vs ${RPS[b]} req/s, wait ${WAIT[a]}%/${WAIT[b]}%"
NOTES[c]="attempt 1: ${RPS[c]} vs ${RPS[d]} req/s, wait ${WAIT[c]}%/${WAIT[d]}%"
for _ in 1 2; do
	retry run_me a b /api/v1/me
	retry run_index c d /index.html
done
n=${TRIES[a]}

sleep 1
RSS_END=$(rss_kb "$SERVER_PID")
HWM=$(hwm_kb "$SERVER_PID")
NGINX_RSS=$(($(rss_kb "$NGINX_MASTER") + $(rss_kb "$NGINX_WORKER")))
kill -0 "$SERVER_PID" 2>/dev/null || die "zoneops serve died during the load"

# ---- 5. report ---------------------------------------------------------------------

# requests per second of server CPU time: less sensitive than req/s to other
# load on the machine, which takes the core away from the server
eff() { awk -v r="${RPS[$1]}" -v c="${CPU[$1]}" 'BEGIN { if (c > 0) printf "%.0f", r * 100 / c; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
R_ME=$(ratio "${RPS[b]}" "${RPS[a]}")
R_INDEX=$(ratio "${RPS[d]}" "${RPS[c]}")
E_ME=$(ratio "$(eff b)" "$(eff a)")
E_INDEX=$(ratio "$(eff d)" "$(eff c)")

echo
echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(uname -r)"
echo "$BIN_INFO"
echo "zoneops: $("$ZBIN" --version 2>/dev/null | head -n1 || true) pid $SERVER_PID, $(taskset -cp "$SERVER_PID" | sed 's/.*: /CPU /'), --threads 1; nginx $(nginx -v 2>&1 | sed 's#.*/##') 1 worker on CPU $SERVER_CPU"
echo
printf '%-44s %7s %9s %9s %6s %5s %5s %5s %5s %5s %5s\n' "run" "req/s" "p50" "p99" "errors" "conns" "proc%" \
	"wait%" "cpu$SERVER_CPU%" "cpu$CLIENT_CPU%" "steal"
row() { # key label
	printf '%-44s %7s %9s %9s %6s %5s %5s %5s %5s %5s %5s\n' "$2" "${RPS[$1]}" "${P50[$1]}" "${P99[$1]}" "${BAD[$1]}" \
		"${CONNS_USED[$1]}" "${CPU[$1]}" "${WAIT[$1]}" "${CPU0[$1]}" "${CPU1[$1]}" "${STEAL[$1]}"
}
row a "(a) nginx   /me.json (static, $ME_SIZE B)"
row b "(b) zoneops GET /api/v1/me (token, $ME_SIZE B)"
row c "(c) nginx   /index.html ($INDEX_SIZE B)"
row d "(d) zoneops /index.html ($INDEX_SIZE B)"
echo "  errors = non-2xx/3xx responses + socket errors; conns = distinct client connections seen"
echo "  in twice-a-second samples ($CONNS = every connection was kept alive for the whole run);"
echo "  proc% = CPU time of the server process (nginx worker / zoneops); wait% = time it was runnable but"
echo "  another process had its core (> $DISTURB% = disturbed by other load on the machine); cpu$SERVER_CPU%, cpu$CLIENT_CPU% ="
echo "  busy time of the server's and wrk's core incl. kernel/softirq; steal = CPU $SERVER_CPU time taken by the hypervisor"
[ "${TRIES[a]}" -gt 1 ] && echo "  (a)/(b) measured ${TRIES[a]} times, the least disturbed pair is shown: ${NOTES[a]}"
[ "${TRIES[c]}" -gt 1 ] && echo "  (c)/(d) measured ${TRIES[c]} times, the least disturbed pair is shown: ${NOTES[c]}"
echo
echo "ratio (b)/(a)  /api/v1/me vs nginx static file of the same size: $R_ME   (target >= $TARGET_RATIO)"
echo "ratio (d)/(c)  /index.html vs nginx:                             $R_INDEX"
echo "per CPU-second of the server process (req/s / proc%): /me $(eff b) vs nginx $(eff a) = $E_ME;" \
	"/index.html $(eff d) vs nginx $(eff c) = $E_INDEX"
echo "keep-alive (curl, two requests on one connection): /api/v1/me $KA_ME, /index.html $KA_INDEX, nginx $KA_NGINX"
echo "serve VmRSS: $(mb "$RSS_START") MiB after startup, $(mb "$RSS_END") MiB idle after the load" \
	"(peak $(mb "$HWM_START") MiB during startup, $(mb "$HWM") MiB overall; nginx master+worker $(mb "$NGINX_RSS") MiB)   (target < $TARGET_RSS_MB MB)"

ok_ratio=$(awk -v r="$R_ME" -v t="$TARGET_RATIO" 'BEGIN { print (r + 0 >= t) ? "yes" : "no" }')
ok_rss=$(awk -v a="$RSS_START" -v b="$RSS_END" -v t="$TARGET_RSS_MB" 'BEGIN { print (a < t * 1024 && b < t * 1024) ? "yes" : "no" }')
# Without keep-alive every sample would show $CONNS new connections (hundreds
# per run); a stray reconnect or two is not that, but it is reported.
ok_ka=no
[ "$KA_ME" = yes ] && [ "${CONNS_USED[b]}" -le $((CONNS + CONNS / 4)) ] && ok_ka=yes
for k in a b c d; do
	[ "${CONNS_USED[$k]}" -gt "$CONNS" ] &&
		echo "note: run ($k) saw ${CONNS_USED[$k]} connections: $((CONNS_USED[$k] - CONNS)) of wrk's $CONNS were re-opened during the run"
done
ok_err=no
[ "${BAD[b]}" = 0 ] && [ "${BAD[d]}" = 0 ] && ok_err=yes
verdict=MET
for v in "$ok_ratio" "$ok_rss" "$ok_ka" "$ok_err"; do [ "$v" = yes ] || verdict="NOT MET"; done
note=""
[ "$(worst a b)" -gt "$DISTURB" ] &&
	note=" -- but the /me pair was disturbed by other load (run-queue wait $(worst a b)%): rerun on a quiet machine"
[ "${CPU1[a]}" -ge 95 ] &&
	note="$note -- wrk's CPU was saturated during the nginx run (cpu$CLIENT_CPU ${CPU1[a]}%): nginx's figure may be wrk's limit"
echo
echo "target: throughput $ok_ratio, keep-alive $ok_ka, idle memory $ok_rss, no errors $ok_err => $verdict$note"
echo "summary: me_rps=${RPS[b]} nginx_me_rps=${RPS[a]} ratio_me=$R_ME index_rps=${RPS[d]} nginx_index_rps=${RPS[c]}" \
	"ratio_index=$R_INDEX cpu_ratio_me=$E_ME cpu_ratio_index=$E_INDEX rss_start_mb=$(mb "$RSS_START") rss_end_mb=$(mb "$RSS_END") keepalive=$ok_ka wait_max=$(worst a b) attempts=$n verdict=${verdict// /_}"
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$verdict" != MET ]; then
	exit 3
fi
