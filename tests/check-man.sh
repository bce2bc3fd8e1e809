#!/bin/sh
# Man pages: every tool in BIN has man/man1/<tool>.1; mandoc -Tlint is clean
# (style notes aside); every long option in `tool --help` appears in the page
# and every option the page documents appears in --help.
set -u
LC_ALL=C; export LC_ALL
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
lint() {
	out=$(mandoc -Tlint -W warning "$1" 2>&1)
	if [ -n "$out" ]; then bad "mandoc -Tlint $1:"; echo "$out" | head -n 10; else ok; fi
}
if ! command -v mandoc >/dev/null 2>&1; then
	echo "man: mandoc not installed"; echo "man: 0 passed, 1 failed"; exit 1
fi
for m in "$top"/man/man7/*.7; do [ -f "$m" ] && lint "$m"; done
for t in "$bin"/*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	page=$top/man/man1/$n.1
	if [ ! -f "$page" ]; then bad "$n: no man page man/man1/$n.1"; continue; fi
	lint "$page"
	help=$("$t" --help 2>&1) || { bad "$n --help exited non-zero"; continue; }
	hopts=$(echo "$help" | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
	# mdoc writes long options as ".Fl \-name" or "Fl -name"
	mopts=$(sed -n 's/.*Fl \\\{0,1\}-\(-\{0,1\}[a-z][a-z0-9-]*\).*/\1/p; s/.*Fl \\-\\-\([a-z][a-z0-9-]*\).*/--\1/p' "$page" \
		| grep -- '^-' | sed 's/^-\{1,\}/--/' | sort -u)
	mtext=$(mandoc -Tascii "$page" 2>/dev/null | col -b 2>/dev/null || mandoc -Tascii "$page")
	miss=
	for o in $hopts; do echo "$mtext" | grep -qF -- "$o" || miss="$miss $o"; done
	if [ -n "$miss" ]; then bad "$n: in --help but not in $n.1:$miss"; else ok; fi
	miss=
	for o in $(echo "$mtext" | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
		echo "$help" | grep -qF -- "$o" || miss="$miss $o"
	done
	if [ -n "$miss" ]; then bad "$n: in $n.1 but not in --help:$miss"; else ok; fi
	# the synopsis of usage errors and the page's SYNOPSIS name the same tool
	echo "$help" | head -n 1 | grep -q "^usage: $n" && ok || bad "$n: --help does not start with 'usage: $n'"
done
echo "man: $pass passed, $fail failed"
[ $fail -eq 0 ]
