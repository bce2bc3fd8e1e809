#!/bin/sh
# window vs pandas: resample a 5-million-row CSV (1 s rows, two value
# columns, ~125 MB) to 60 s means.  Both are run here, one after the other, on
# the same file; wall time and peak RSS from /usr/bin/time; outputs compared.
# Twice: with short values (3 and 2 decimals) and with full-precision ones
# (17 significant digits, as Prometheus writes computed rates, e.g.
# 101.72792096032393).
# Needs Debian's python3-pandas and time.  Usage: sh bench/window.sh [ROWS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-5000000}
w=$(mktemp -d "${TMPDIR:-/tmp}/sp-bench.XXXXXX")
trap 'rm -rf "$w"' EXIT
cat > "$w/pd.py" <<'PY'
import sys, pandas as pd
df = pd.read_csv(sys.argv[1])
df.index = pd.to_datetime(df.pop("timestamp"), unit="s")
r = df.resample("60s").mean()
r.index = r.index.astype("int64") // 10**9
r.to_csv(sys.argv[2], index_label="timestamp", float_format="%.10g")
PY
for kind in short full; do
if [ $kind = short ]; then fmt='%d,%.3f,%.2f\n' label="short (3 and 2 decimals)"
else fmt='%d,%.17g,%.17g\n' label="full-precision (17 significant digits)"; fi
awk -v n="$rows" -v fmt="$fmt" 'BEGIN { srand(1); print "timestamp,load,cpu";
	for (i = 0; i < n; i++)
		printf fmt, 1700000000 + i, 500 + 400 * sin(i / 3000) + rand() * 50, 20 + rand() * 60 }' > "$w/in.csv"
size=$(wc -c < "$w/in.csv")
echo "== $label values: $rows rows, $size bytes"
# pandas: time only the work (read_csv + resample + to_csv), not the import
/usr/bin/python3 -c 'import pandas' # warm the page cache for the import
/usr/bin/time -f "%e %M" -o "$w/pd.time" /usr/bin/python3 -c "
import time, runpy, sys
import pandas
t = time.time(); sys.argv = ['pd', '$w/in.csv', '$w/pd.csv']; runpy.run_path('$w/pd.py')
print('%.3f' % (time.time() - t))" > "$w/pd.work"
/usr/bin/time -f "%e %M" -o "$w/sp.time" "${BIN:-$top/bin}/window" --resample 60 -a < "$w/in.csv" > "$w/sp.csv"
pd_work=$(cat "$w/pd.work"); pd_wall=$(cut -d' ' -f1 "$w/pd.time"); pd_mem=$(cut -d' ' -f2 "$w/pd.time")
sp_wall=$(cut -d' ' -f1 "$w/sp.time"); sp_mem=$(cut -d' ' -f2 "$w/sp.time")
same=$(awk -F, 'NR==FNR { a[FNR]=$0; next } { split(a[FNR], x, ","); for (i = 1; i <= NF; i++) {
	d = x[i] - $i; if (d < 0) d = -d; if (d > 1e-6 * (1 + (x[i] < 0 ? -x[i] : x[i]))) { print "differ at line " FNR; exit } } }
	END { }' "$w/pd.csv" "$w/sp.csv")
echo "pandas read_csv+resample+to_csv: ${pd_work}s (process ${pd_wall}s incl. import), peak RSS $((pd_mem / 1024)) MB"
echo "window --resample 60 -a:         ${sp_wall}s, peak RSS $((sp_mem / 1024)) MB"
echo "speed-up vs pandas work time:    $(awk -v a="$pd_work" -v b="$sp_wall" 'BEGIN { printf "%.1fx", a / b }')"
echo "outputs: $(wc -l < "$w/sp.csv") rows; ${same:-identical to 1e-6}"
done
