#!/bin/sh
# Fail when a source file includes across the layers of docs/ARCHITECTURE.md.
#   scripts/check-includes.sh [SRC_DIR]      (default: src)
#
# A module (a directory under src/) may include its own headers and those of
# the modules listed for it below, nothing else of ours.  Dependencies point
# down only:
#
#   core  <-  store  <-  auth  <-  http  <-  table  <-  admin  <-  notify  <-  domains  <-  remind, demo, app
#
# (land, a domain, also reads policy's yearly facts: policy <- land)
#
# and of the system's libraries only store/ includes <sqlite3.h> or
# <libpq-fe.h>, only http/server.c includes <microhttpd.h>.
set -u
src=${1:-src}

allowed() {  # module -> the modules it may include besides itself
	case $1 in
	core)       echo "" ;;
	store)      echo "core" ;;
	auth)       echo "core store" ;;
	http)       echo "core store auth" ;;
	table)      echo "core store auth http" ;;
	admin)      echo "core store auth http table" ;;
	notify)     echo "core store auth http table admin" ;;
	service|race|indicators|policy)
	            echo "core store auth http table admin notify" ;;
	land)       echo "core store auth http table admin notify policy" ;;   # the yearly facts are policy's
	remind|demo|app) echo "*" ;;
	*)          echo "?" ;;
	esac
}

bad=0
for f in $(find "$src" -name '*.[ch]' | sort); do
	rel=${f#"$src"/}
	mod=${rel%%/*}
	ok=$(allowed "$mod")
	if [ "$ok" = "?" ]; then
		echo "$rel: module '$mod' has no place in the layers (scripts/check-includes.sh)"
		bad=1
		continue
	fi
	# #include "x/y.h" names module x; #include "y.h" is the file's own module
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$f" | while IFS= read -r line; do
		n=${line%%:*}
		inc=$(printf '%s' "$line" | sed -E 's/^[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]*)[>"].*/\1/')
		case $line in
		*'<'*)
			case $inc in
			sqlite3.h|libpq-fe.h)
				[ "$mod" = store ] || echo "$rel:$n: <$inc> belongs to store/ only" ;;
			microhttpd.h)
				[ "$rel" = http/server.c ] || echo "$rel:$n: <$inc> belongs to http/server.c only" ;;
			esac
			continue ;;
		esac
		case $inc in
		*/*) to=${inc%%/*} ;;
		*)   to=$mod ;;
		esac
		[ "$to" = "$mod" ] && continue
		[ "$ok" = "*" ] && continue
		case " $ok " in
		*" $to "*) ;;
		*) echo "$rel:$n: includes \"$inc\": $mod may include only: ${ok:-nothing of ours}" ;;
		esac
	done
done >"${TMPDIR:-/tmp}/check-includes.$$"
if [ -s "${TMPDIR:-/tmp}/check-includes.$$" ]; then
	cat "${TMPDIR:-/tmp}/check-includes.$$"
	bad=1
fi
rm -f "${TMPDIR:-/tmp}/check-includes.$$"
[ "$bad" -eq 0 ] && echo "check-includes: every include points down the layers"
exit "$bad"
