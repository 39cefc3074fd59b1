#!/bin/sh
# build-web.sh OUT -- the browser UI as served: OUT/index.html and
# OUT/favicon.svg at the top, every other file of web/ (and ECharts' ES
# module from node_modules) under OUT/assets/HASH/, HASH being a content
# hash of all of them.  index.html names its assets by that path, so a new
# build is a new URL and the server may let browsers keep an asset for a
# year (immutable); the relative imports of the ES modules stay within
# OUT/assets/HASH/.  Each text file gets a .gz (gzip -9) and a .br (brotli,
# quality 11) beside it, which the server sends to clients that accept them.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/web}
echarts=node_modules/echarts/dist/echarts.esm.min.mjs
[ -f "$echarts" ] || { echo "build-web: $echarts missing (npm ci)" >&2; exit 1; }
command -v brotli >/dev/null || { echo "build-web: brotli missing (apt-get install brotli)" >&2; exit 1; }

hash=$( (cd web && find . -type f ! -name '.*' | LC_ALL=C sort | xargs sha256sum; sha256sum "../$echarts") \
	| sha256sum | cut -c1-12)
tmp="$out.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/assets/$hash/vendor"
(cd web && find . -type f ! -name '.*' ! -name index.html | while read -r f; do
	mkdir -p "../$tmp/assets/$hash/$(dirname "$f")"
	cp "$f" "../$tmp/assets/$hash/$f"
done)
cp "$echarts" "$tmp/assets/$hash/vendor/echarts.esm.min.mjs"
cp web/favicon.svg "$tmp/favicon.svg"
# The modules app.js imports statically, at any depth (not import()): named
# in index.html as modulepreload, so the browser asks them all at once
# instead of one level of imports after another.
preload=$(node -e '
const fs = require("fs"), path = require("path");
const seen = new Set(), todo = ["app.js"];
while (todo.length) {
  const f = todo.pop();
  if (seen.has(f)) continue;
  seen.add(f);
  const src = fs.readFileSync(path.join("web", f), "utf8");
  for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+(["\x27])(\.{1,2}\/[^"\x27]+)\1/gms))
    todo.push(path.posix.normalize(path.posix.join(path.posix.dirname(f), m[2])));
}
seen.delete("app.js");
for (const f of [...seen].sort())
  console.log(`  <link rel="modulepreload" href="/assets/HASH/${f}">`);
' | sed "s#/assets/HASH/#/assets/$hash/#")
sed -e "s#\"/app\\.#\"/assets/$hash/app.#g" -e "s#\"/favicon\\.svg\"#\"/assets/$hash/favicon.svg\"#g" \
	web/index.html | awk -v pre="$preload" '/<script type="module"/ { print pre } { print }' >"$tmp/index.html"
grep -q "/assets/$hash/app.js" "$tmp/index.html" || { echo "build-web: index.html names no /app.js" >&2; exit 1; }
find "$tmp" -type f \( -name '*.html' -o -name '*.js' -o -name '*.mjs' -o -name '*.css' -o -name '*.svg' \
	-o -name '*.json' -o -name '*.txt' \) | while read -r f; do
	gzip -9 -n -c "$f" >"$f.gz"
	brotli -q 11 -c "$f" >"$f.br"
done
echo "$hash" >"$tmp/.version"
rm -rf "$out"
mv "$tmp" "$out"
echo "build-web: $out (assets/$hash)"
