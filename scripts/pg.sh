#!/usr/bin/env bash
# pg.sh -- a throwaway PostgreSQL cluster for tests.
#
#   scripts/pg.sh start DIR   create a cluster in DIR (must not exist or be
#                             empty), start it on 127.0.0.1:<free port>,
#                             create database zoneops_test and print its URL
#                             (the only line written to stdout):
#                               postgresql://postgres@127.0.0.1:PORT/zoneops_test
#   scripts/pg.sh stop DIR    stop that cluster and remove DIR.
#
# Trust authentication, TCP on 127.0.0.1 only, unix socket inside DIR,
# fsync off: for tests only.  When run as root the server runs as the
# `postgres` system user (initdb refuses root), so DIR's parent directories
# must be searchable by that user (e.g. somewhere under /tmp).
#
# Environment: PGBIN (default /usr/lib/postgresql/15/bin).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DBNAME=zoneops_test
MARKER=.zoneops-pg

die() { echo "pg.sh: $*" >&2; exit 1; }
usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
[ -n "$dir" ] || usage

# Run a server-side command as the cluster owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_free() {
	local p=$1
	if command -v ss >/dev/null 2>&1; then
		if ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
			return 1
		fi
	fi
	# Anything answering on 127.0.0.1:p?  (subshell so the fd closes)
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		return 1
	fi
	return 0
}

pick_port() {
	local _ p
	for _ in $(seq 1 200); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
		if port_free "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

stop_server() {
	# $1 = data directory
	local data=$1
	[ -f "$data/postmaster.pid" ] || return 0
	if as_owner "$PGBIN/pg_ctl" stop -s -D "$data" -m fast -w -t 30 >&2; then
		return 0
	fi
	echo "pg.sh: fast shutdown failed, trying immediate" >&2
	if as_owner "$PGBIN/pg_ctl" stop -s -D "$data" -m immediate -w -t 30 >&2; then
		return 0
	fi
	local pid
	pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && [ "$pid" -gt 1 ] 2>/dev/null && kill -0 "$pid" 2>/dev/null; then
		echo "pg.sh: killing postmaster $pid" >&2
		kill -KILL "$pid" 2>/dev/null || true
		sleep 1
	fi
	return 0
}

safe_rm() {
	# Only ever remove a directory this script created.
	local d=$1
	case "$d" in
	"" | / | /tmp | /tmp/ | "$HOME" | "$HOME/") die "refusing to remove '$d'" ;;
	esac
	if [ -f "$d/$MARKER" ]; then
		local sock
		sock=$(cat "$d/$MARKER" 2>/dev/null || true)
		if [ -n "$sock" ] && [ "${sock#/tmp/zo-pgsock.}" != "$sock" ] && [ -d "$sock" ]; then
			rm -rf -- "$sock"
		fi
		rm -rf -- "$d"
	else
		die "$d was not created by pg.sh (no $MARKER); not removing it"
	fi
}

start() {
	for t in initdb pg_ctl pg_isready createdb; do
		[ -x "$PGBIN/$t" ] || die "$PGBIN/$t not found (install postgresql-15 or set PGBIN)"
	done
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run the server"
		command -v runuser >/dev/null 2>&1 || die "running as root but runuser is missing"
	fi

	local created=0
	if [ -e "$dir" ]; then
		[ -d "$dir" ] || die "$dir exists and is not a directory"
		[ -z "$(ls -A "$dir")" ] || die "$dir exists and is not empty (stop it first: $0 stop $dir)"
	else
		mkdir -p -- "$dir" || die "cannot create $dir"
		created=1
	fi
	dir=$(cd "$dir" && pwd -P)
	local data=$dir/data

	# Unix socket paths are limited to ~107 bytes.
	local sock=$dir/sock sockrec=""
	if [ $(( ${#sock} + 20 )) -gt 100 ]; then
		sock=$(mktemp -d /tmp/zo-pgsock.XXXXXX)
		sockrec=$sock
	else
		mkdir -p "$sock"
	fi
	printf '%s\n' "$sockrec" >"$dir/$MARKER"

	local started=0
	fail() {
		echo "pg.sh: $*" >&2
		if [ -f "$dir/server.log" ]; then
			echo "pg.sh: last lines of $dir/server.log:" >&2
			tail -n 20 "$dir/server.log" >&2 || true
		fi
		if [ "$started" -eq 1 ]; then
			stop_server "$data" || true
		fi
		if [ "$created" -eq 1 ]; then
			safe_rm "$dir" || true
		else
			[ -n "$sockrec" ] && rm -rf -- "$sockrec"
			rm -rf -- "${dir:?}/data" "${dir:?}/sock" "${dir:?}/server.log" "${dir:?}/initdb.log" "${dir:?}/$MARKER"
		fi
		exit 1
	}

	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir" "$sock" || fail "cannot chown $dir to postgres"
		runuser -u postgres -- test -w "$dir" ||
			fail "user postgres cannot write $dir (are its parent directories searchable? use a directory under /tmp)"
	fi

	if ! as_owner "$PGBIN/initdb" -D "$data" -U postgres --auth=trust \
		--encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		fail "initdb failed"
	fi

	cat >>"$data/postgresql.conf" <<-EOF

		# pg.sh: throwaway test cluster
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$sock'
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		max_connections = 100
		timezone = 'UTC'
		log_min_messages = warning
	EOF

	local port="" attempt
	for attempt in 1 2 3 4 5; do
		port=$(pick_port) || fail "no free TCP port found"
		if as_owner "$PGBIN/pg_ctl" start -s -D "$data" -l "$dir/server.log" -w -t 60 \
			-o "-p $port" >&2; then
			started=1
			break
		fi
		# Maybe the port was taken in the meantime; make sure nothing is
		# left running and try another one.
		stop_server "$data" || true
		echo "pg.sh: start on port $port failed (attempt $attempt)" >&2
		port=""
	done
	[ -n "$port" ] || fail "pg_ctl start failed"

	local ok=0 _
	for _ in $(seq 1 60); do
		if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2; then
			ok=1
			break
		fi
		sleep 0.5
	done
	[ "$ok" -eq 1 ] || fail "server on port $port did not become ready"

	"$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DBNAME" >&2 ||
		fail "createdb $DBNAME failed"

	echo "postgresql://postgres@127.0.0.1:$port/$DBNAME"
}

stop() {
	if [ ! -e "$dir" ]; then
		echo "pg.sh: $dir does not exist; nothing to stop" >&2
		return 0
	fi
	[ -d "$dir" ] || die "$dir is not a directory"
	dir=$(cd "$dir" && pwd -P)
	[ -f "$dir/$MARKER" ] || die "$dir was not created by pg.sh (no $MARKER)"
	[ -x "$PGBIN/pg_ctl" ] || die "$PGBIN/pg_ctl not found (set PGBIN)"
	stop_server "$dir/data"
	safe_rm "$dir"
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) usage ;;
esac
