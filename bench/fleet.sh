#!/bin/sh
# Many workloads in one process (issue 20, scalepipe(7) "Many workloads"):
# N synthetic workloads (bench/fleet_gen.awk: a week of 5-minute rows each,
# made from the shipped World Cup 98 and NASA traces with shifts, scales and
# noise) through `window --by series --resample 300 --fill linear | arfit
# --by series --rolling --window 288 -p 2` in one pass, against the same
# chain run once per workload (window | arfit, two processes per workload)
# on a sample of S workloads, extrapolated to N.  CPU = user + sys of each
# stage (/usr/bin/time), peak RSS = the largest resident set of the stage.
# The generator's own time is not counted (its output is a file first).
# The separate runs' CPU is that of a shell loop running them, children
# included (process creation counts: it is what N processes cost).  At 1,000
# keys (or the smallest size) the sample's separate outputs are compared byte
# for byte with their keys' rows of the keyed run, the key column removed.
#   sh bench/fleet.sh [BIN] [SIZES] [S]      (default: bin/, "100 1000 10000", 20)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/bin}
sizes=${2:-100 1000 10000}
S=${3:-20}
out=$top/bench/out/fleet
mkdir -p "$out"
PATH=$bin:$PATH; export PATH
traces="$top/data/worldcup98_19980530_0630_5m.csv $top/data/nasa_http_1995_rpm.csv"
W="--resample 300 --fill linear -c load"
A="--rolling --window 288 -p 2 -c load"
ntime() {  # FILE CMD...: run CMD niced, "user sys maxrss_kb" into FILE
	_f=$1; shift
	/usr/bin/time -f "%U %S %M" -o "$_f" nice -n 10 "$@"
}
cpu() { awk '{ printf "%.2f", $1 + $2 }' "$1"; }
rss() { awk '{ printf "%.1f", $3 / 1024 }' "$1"; }

echo "== fleet: window | arfit --rolling on N workloads of 2016 rows (a week at 5 min)"
echo "machine: $(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# the separate runs: a sample of S keys spread over the compared size
cmpn=
for n in $sizes; do [ "$n" = 1000 ] && cmpn=1000; done
[ -n "$cmpn" ] || cmpn=${sizes%% *}
j=0
while [ $j -lt "$S" ]; do
	awk -v n="$cmpn" -v only=$((j * cmpn / S)) -f "$top/bench/fleet_gen.awk" $traces > "$out/key$j.csv"
	j=$((j + 1))
done
cat > "$out/sep.sh" <<EOS
j=0
while [ \$j -lt $S ]; do
	window $W < "$out/key\$j.csv" | arfit $A > "$out/sep\$j.out"
	j=\$((j + 1))
done
EOS
ntime "$out/sep.time" sh "$out/sep.sh"
sep_ms=$(awk -v s="$S" '{ printf "%.1f", 1000 * ($1 + $2) / s }' "$out/sep.time")
window $W < "$out/key0.csv" | /usr/bin/time -f "%U %S %M" -o "$out/one.time" arfit $A > /dev/null
sep_rss=$(rss "$out/one.time")

printf '\n| workloads | rows | keyed: window CPU s | arfit CPU s | CPU ms per workload | peak RSS window / arfit MiB | separate: CPU ms per workload (sample of %s) | separate: CPU s for all (extrapolated) | separate / keyed |\n' "$S"
printf '|---|---|---|---|---|---|---|---|---|\n'
for n in $sizes; do
	awk -v n="$n" -f "$top/bench/fleet_gen.awk" $traces > "$out/in.csv"
	keep=/dev/null
	[ "$n" = "$cmpn" ] && keep=$out/keyed.out
	/usr/bin/time -f "%U %S %M" -o "$out/w.time" nice -n 10 window --by series $W < "$out/in.csv" |
		/usr/bin/time -f "%U %S %M" -o "$out/a.time" nice -n 10 arfit --by series $A > "$keep"
	wc=$(cpu "$out/w.time") ac=$(cpu "$out/a.time")
	tot=$(awk -v a="$wc" -v b="$ac" 'BEGIN { printf "%.2f", a + b }')
	per=$(awk -v t="$tot" -v n="$n" 'BEGIN { printf "%.2f", 1000 * t / n }')
	ext=$(awk -v m="$sep_ms" -v n="$n" 'BEGIN { printf "%.1f", m * n / 1000 }')
	ratio=$(awk -v s="$sep_ms" -v p="$per" 'BEGIN { printf "%.0fx", s / p }')
	printf '| %s | %s | %s | %s | %s | %s / %s | %s | %s | %s |\n' "$n" $((n * 2016)) "$wc" "$ac" "$per" \
		"$(rss "$out/w.time")" "$(rss "$out/a.time")" "$sep_ms" "$ext" "$ratio"
	if [ "$keep" != /dev/null ]; then
		j=0 same=0
		while [ $j -lt "$S" ]; do
			k=$((j * cmpn / S))
			{ echo timestamp,load,forecast,lower,upper
			  grep -F ",deployment=app$k\"," "$out/keyed.out" | sed 's/,"[^"]*"//'; } |
				cmp -s - "$out/sep$j.out" && same=$((same + 1))
			j=$((j + 1))
		done
		rm -f "$out/keyed.out"
	fi
done
rm -f "$out/in.csv"
echo
echo "separate runs: peak RSS of arfit $sep_rss MiB per process (window smaller)"
echo "separate runs byte-identical to their keys' rows of the keyed run of $cmpn keys: $same of $S"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
