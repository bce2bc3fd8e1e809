#!/bin/sh
# Runs the unit tests (C programs) and the CLI tests (tests/cli/*.sh), or the
# integration tests (tests/integration/*.sh), against one build of the tools.
#   sh tests/run.sh --bin DIR [--unit DIR] [--label NAME] [--valgrind] [--integration]
#                   [--only TEXT] [-j N]
# Test files run N at a time (-j, else $JOBS, else the cores nproc reports;
# integration tests one at a time), the longest first (tests/weights); each
# file's output goes to its own log, and the logs of failing files and the
# counts are reported in a fixed order (units, then files by name), whatever
# the order they ran in.  Prints one "LABEL: N passed, N failed" line and
# exits non-zero on any failure.  SP_TIMES=FILE appends "LABEL NAME WALL CPU"
# (seconds) per file to FILE.
set -u
LC_ALL=C; export LC_ALL
top=$(cd "$(dirname "$0")/.." && pwd)
bin= unit= label=tests valgrind=0 integration=0 only= par=${JOBS:-}
while [ $# -gt 0 ]; do
	case $1 in
	--bin) bin=$2; shift ;;
	--unit) unit=$2; shift ;;
	--label) label=$2; shift ;;
	--valgrind) valgrind=1 ;;
	--integration) integration=1 ;;
	--only) only=$2; shift ;;
	-j) par=$2; shift ;;
	-j*) par=${1#-j} ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$bin" ] || { echo "run.sh: --bin is required" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sp-tests.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
VG=
if [ "$valgrind" = 1 ]; then
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "$label: valgrind not installed" >&2
		echo "$label: 0 passed, 1 failed"
		exit 1
	fi
	# --read-inline-info=no: about 0.08 s less CPU per start (most of a
	# run's cost is valgrind starting, once per tool run); only the
	# inlined frames of a report's stack are lost, not what is checked
	VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --read-inline-info=no"
	mkdir "$work/vgbin"
	for t in "$bin"/*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		# Runs expected to succeed run under valgrind (memory errors and
		# definite leaks).  Runs expected to fail (SP_NO_VALGRIND from
		# lib.sh's t: exit 2, a usage error before any input is read, and
		# exit 1, bad data) run without it: the ASan+UBSan stage checks
		# every one of them and the clang-san stage most, and valgrind's
		# start-up (about 0.5 CPU-s a run, whatever the tool does) was
		# most of their cost here.  What valgrind alone sees (a read of
		# an uninitialised value) it checks on every successful run.
		printf '#!/bin/sh\nif [ -n "${SP_NO_VALGRIND:-}" ]; then exec "%s" "$@"; fi\nif [ -n "${SP_NO_LEAK_CHECK:-}" ]; then exec %s --leak-check=no "%s" "$@"; fi\nexec %s "%s" "$@"\n' \
			"$t" "$VG" "$t" "$VG" "$t" > "$work/vgbin/$n"
		chmod +x "$work/vgbin/$n"
	done
	bin=$work/vgbin
	SP_VALGRIND=1; export SP_VALGRIND
fi

pass=0 fail=0
count() { # parse "N passed, M failed" from the last matching line of $1
	line=$(grep -E '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		fail=$((fail + 1)); return
	fi
	p=$(echo "$line" | sed -E 's/^([^ ]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
	f=$(echo "$line" | sed -E 's/^([^ ]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
	pass=$((pass + p)); fail=$((fail + f))
}

# Jobs: "kind name path" lines in the fixed order of the report.
jobs=$work/jobs
: > "$jobs"
if [ "$integration" = 0 ] && [ -n "$unit" ]; then
	for u in "$unit"/test_*; do
		[ -x "$u" ] || continue
		n=$(basename "$u")
		case $n in *$only*) echo "unit $n $u" >> "$jobs" ;; esac
	done
fi
if [ "$integration" = 1 ]; then files=$(ls "$top"/tests/integration/*.sh 2>/dev/null)
else files=$(ls "$top"/tests/cli/*.sh 2>/dev/null | grep -v '/lib\.sh$'); fi
for f in $files; do
	n=$(basename "$f" .sh)
	case $n in *$only*) echo "sh $n $f" >> "$jobs" ;; esac
done
# integration tests start servers: one at a time
[ -n "$par" ] || par=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
case $par in ''|*[!0-9]*|0) echo "run.sh: -j: not a number of jobs: '$par'" >&2; exit 2 ;; esac
[ "$integration" = 1 ] && par=1
# The order they run in: heaviest first (tests/weights: NAME SECONDS, the
# CPU time under valgrind, or LABEL:NAME SECONDS for this label; a file not
# listed counts 30), so that no long file starts last and runs alone while
# the other cores idle.
awk -v l="$label" 'NR == FNR { if ($1 !~ /^#/ && NF >= 2) w[$1] = $2; next }
    { printf "%s %s\n", (l ":" $2 in w) ? w[l ":" $2] : ($2 in w) ? w[$2] : 30, $0 }' "$top/tests/weights" "$jobs" 2>/dev/null |
	sort -k1,1 -g -r -s | cut -d ' ' -f 2- > "$jobs.run"
[ -s "$jobs.run" ] || cp "$jobs" "$jobs.run"
export work top bin VG
xargs -P "$par" -L 1 sh -c '
	kind=$1 n=$2 f=$3
	cd "$top" || exit 0
	t0=$(date +%s.%N)
	if [ "$kind" = unit ]; then $VG "$f" > "$work/$n.log" 2>&1
	else BIN=$bin TOP=$top sh "$f" > "$work/$n.log" 2>&1; fi
	echo $? > "$work/$n.rc"
	t1=$(date +%s.%N)
	times > "$work/$n.cpu"
	echo "$t0 $t1 $(tail -n 1 "$work/$n.cpu")" > "$work/$n.time"' sh < "$jobs.run"
if [ -n "${SP_TIMES:-}" ]; then
	while read -r kind n f; do
		awk -v n="$n" -v l="$label" '{ gsub(/[ms]/, " ", $3); gsub(/[ms]/, " ", $4); split($3, u, " "); split($4, s, " ")
		    printf "%s %s %.1f %.1f\n", l, n, $2 - $1, u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$work/$n.time"
	done < "$jobs" >> "$SP_TIMES"
fi
while read -r kind n f; do
	rc=$(cat "$work/$n.rc" 2>/dev/null || echo 1)
	count "$work/$n.log"
	if [ "$rc" -ne 0 ]; then
		if [ "$kind" = unit ]; then
			echo "--- $label: unit $n failed (exit $rc)"; tail -n 40 "$work/$n.log"
		else
			echo "--- $label: $n failed (exit $rc)"; grep -A 30 '^FAIL' "$work/$n.log" | head -n 80
		fi
		grep -q ' [1-9][0-9]* failed' "$work/$n.log" || fail=$((fail + 1))
	fi
done < "$jobs"
echo "$label: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
