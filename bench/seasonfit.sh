#!/bin/sh
# bench/seasonfit.sh: seasonfit against R's prophet 1.0 (Debian's
# r-cran-prophet; `scripts/install-deps --bench`), in one run.
#
#   sh bench/seasonfit.sh [speed] [accuracy]      (both by default)
#
# speed: the fit on whole traces with the defaults of both (25 changepoints,
#   daily/weekly/yearly auto, MAP), and on the multiplicative and logistic
#   synthetic cases of tests/ref/prophet_ref.R, REPS times each [3]: Prophet's
#   fit.prophet() timed inside R (wall and CPU, after one warm-up fit; R's
#   start-up and library(prophet) are timed apart), seasonfit's fit as its
#   -v line reports it (wall and CPU) and the whole seasonfit command.
# accuracy: the last 20 % of each trace is the test part; Prophet and
#   seasonfit are refitted on all rows so far every N rows (a day; a week
#   for the daily Wikipedia series) and forecast the rows up to the next
#   refit plus a day; row i at horizon h is forecast by the last fit made at
#   or before row i - h (causal).  Seasonal naive: the last value one
#   season (m rows) back at or before i - h; arfit: AR(aic, up to 24)
#   fitted on the last gap-free stretch of the training part, applied with
#   forecast -m --horizon h.  MASE divides the test MAE by the in-sample
#   MAE of the one-season naive forecast on the training part; coverage is
#   of the 80 % bands; the last column compares the point forecasts of
#   seasonfit and Prophet (mean and largest absolute difference, as a
#   fraction of the series' largest value).  Horizons 12 rows and one day.
#
# TRACES: the accuracy part's traces [nasa5 taxi worldcup wikipedia_grid].
# Prints Markdown tables.  The accuracy part fits Prophet about 150 times:
# 15-30 minutes on 2 cores.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=${BIN:-$top/bin}:$PATH
REPS=${REPS:-3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/seasonfit-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
parts=${*:-speed accuracy}
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'suppressMessages(library(prophet))' >/dev/null 2>&1; then
	echo "bench/seasonfit.sh: needs Rscript and R's prophet (scripts/install-deps --bench)" >&2
	exit 1
fi
export TZ=UTC

window --resample 900 --agg sum "$top/data/nasa_http_1995_rpm.csv" > "$tmp/nasa15.csv"
window --resample 300 --agg sum "$top/data/nasa_http_1995_rpm.csv" > "$tmp/nasa5.csv"
cp "$top/data/nab_nyc_taxi.csv" "$tmp/taxi.csv"
cp "$top/data/worldcup98_19980530_0630_5m.csv" "$tmp/worldcup.csv"
cp "$top/data/wikipedia_peyton_manning_daily.csv" "$tmp/wikipedia.csv"
# the missing days as empty rows, for arfit's regular grid (accuracy part)
window --resample 86400 "$top/data/wikipedia_peyton_manning_daily.csv" > "$tmp/wikipedia_grid.csv"

echo "# bench/seasonfit.sh $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), R $(Rscript -e 'cat(as.character(getRversion()))')," \
    "prophet $(Rscript -e 'cat(as.character(packageVersion("prophet")))')"

# ---- speed ---------------------------------------------------------------------------
speed() {
	traces="nasa5 nasa15 taxi worldcup wikipedia"
	# R's start-up, bare and with prophet loaded
	/usr/bin/time -f "%e %U %S" -o "$tmp/r0" Rscript -e 'invisible(0)'
	/usr/bin/time -f "%e %U %S" -o "$tmp/r1" Rscript -e 'suppressMessages(library(prophet))'
	Rscript - "$REPS" $(for t in $traces; do echo "$tmp/$t.csv"; done) > "$tmp/prophet-speed.txt" <<'EOF'
suppressMessages(library(prophet))
args <- commandArgs(trailingOnly = TRUE)
reps <- as.integer(args[1]); files <- args[-1]
rd <- function(f) { d <- read.csv(f); data.frame(ds = as.POSIXct(d$timestamp, origin = "1970-01-01", tz = "GMT"), y = d$value) }
invisible(suppressMessages(fit.prophet(prophet(fit = FALSE), rd(files[1]))))   # warm-up
for (f in files) {
	df <- rd(f)
	for (r in seq_len(reps)) {
		m <- prophet(fit = FALSE)
		t0 <- proc.time()
		m <- suppressMessages(fit.prophet(m, df))
		t <- proc.time() - t0
		cat(sprintf("%s %d %.3f %.3f\n", sub("\\.csv$", "", basename(f)), nrow(m$history), t[["elapsed"]],
		    t[["user.self"]] + t[["sys.self"]]))
	}
}
EOF
	for t in $traces; do
		r=1
		while [ $r -le "$REPS" ]; do
			/usr/bin/time -f "%e %U %S" -o "$tmp/tm" seasonfit -v -H 0 "$tmp/$t.csv" 2> "$tmp/err" > /dev/null
			fit=$(sed -n 's/.*, \([0-9.]*\) s (CPU \([0-9.]*\) s)$/\1 \2/p' "$tmp/err")
			rows=$(sed -n 's/.*; \([0-9]*\) rows in the fit.*/\1/p' "$tmp/err")
			echo "$t $rows $fit $(cat "$tmp/tm")" >> "$tmp/ours-speed.txt"
			r=$((r + 1))
		done
	done
	# the multiplicative (holidays, a custom period) and logistic cases of tests/ref/prophet_ref.R
	D=$top/tests/cli/data
	Rscript - "$REPS" "$D" >> "$tmp/prophet-speed.txt" <<'EOF'
suppressMessages(library(prophet))
a <- commandArgs(trailingOnly = TRUE); reps <- as.integer(a[1]); D <- a[2]
rd <- function(f) { d <- read.csv(f); d$ds <- as.POSIXct(d$timestamp, origin = "1970-01-01", tz = "GMT"); d$y <- d$value; d }
hol <- read.csv(file.path(D, "season-holidays.csv"))
b <- rd(file.path(D, "season-mult.csv")); l <- rd(file.path(D, "season-logistic.csv"))
invisible(suppressMessages(fit.prophet(prophet(fit = FALSE), b[, c("ds", "y")])))   # warm-up
for (r in seq_len(reps)) {
	m <- add_seasonality(prophet(holidays = hol, seasonality.mode = "multiplicative", fit = FALSE), name = "half",
	    period = 0.5, fourier.order = 2)
	t0 <- proc.time(); m <- suppressMessages(fit.prophet(m, b[, c("ds", "y")])); t <- proc.time() - t0
	cat(sprintf("mult %d %.3f %.3f\n", nrow(m$history), t[["elapsed"]], t[["user.self"]] + t[["sys.self"]]))
}
for (r in seq_len(reps)) {
	m <- prophet(growth = "logistic", fit = FALSE)
	t0 <- proc.time(); m <- suppressMessages(fit.prophet(m, l[, c("ds", "y", "cap", "floor")])); t <- proc.time() - t0
	cat(sprintf("logistic %d %.3f %.3f\n", nrow(m$history), t[["elapsed"]], t[["user.self"]] + t[["sys.self"]]))
}
EOF
	for c in "mult --mode multiplicative --holidays $D/season-holidays.csv --seasonality half,0.5,2 $D/season-mult.csv" \
	    "logistic --growth logistic --floor floor $D/season-logistic.csv"; do
		set -- $c
		t=$1; shift
		r=1
		while [ $r -le "$REPS" ]; do
			/usr/bin/time -f "%e %U %S" -o "$tmp/tm" seasonfit -v -H 0 "$@" 2> "$tmp/err" > /dev/null
			fit=$(sed -n 's/.*, \([0-9.]*\) s (CPU \([0-9.]*\) s)$/\1 \2/p' "$tmp/err")
			rows=$(sed -n 's/.*; \([0-9]*\) rows in the fit.*/\1/p' "$tmp/err")
			echo "$t $rows $fit $(cat "$tmp/tm")" >> "$tmp/ours-speed.txt"
			r=$((r + 1))
		done
	done
	read -r e u s < "$tmp/r0"
	printf '\nR start-up: Rscript -e invisible(0) %.2f s wall; with library(prophet) %s s wall (%s s user).\n\n' \
	    "$e" "$(cut -d' ' -f1 "$tmp/r1")" "$(cut -d' ' -f2 "$tmp/r1")"
	echo "| trace | rows fitted | Prophet fit s, wall (CPU) | seasonfit fit s, wall (CPU) | ratio wall (CPU) | seasonfit command s, wall (CPU) |"
	echo "|---|---|---|---|---|---|"
	awk 'NR == FNR { pw[$1, ++np[$1]] = $3; pc[$1, np[$1]] = $4; next }
	{ k = ++no[$1]; printf "| %s | %d | %.3f (%.3f) | %.4f (%.4f) | %.0fx (%.0fx) | %.3f (%.3f) |\n", $1, $2, pw[$1, k], pc[$1, k],
	    $3, $4, pw[$1, k] / $3, pc[$1, k] / ($4 > 0 ? $4 : 1e-4), $5, $6 + $7 }' "$tmp/prophet-speed.txt" "$tmp/ours-speed.txt"
}

# ---- accuracy --------------------------------------------------------------------------
# rolling NAME N DAY: both models refitted every N rows on the rows so far
# and forecasting the next N + max(DAY, 12) rows;
# writes $tmp/NAME.prophet and $tmp/NAME.season: f,timestamp,forecast,lower,upper
rolling() {
	name=$1 N=$2 span=$3 in=$tmp/$1.csv
	[ "$span" -lt 12 ] && span=12   # the rows to forecast after each refit: N + the largest horizon
	n=$(($(wc -l < "$in") - 1)); ntr=$((n * 8 / 10))
	f0=$(( (ntr + 1 - span) / N * N ))
	[ "$f0" -lt "$N" ] && f0=$N
	Rscript - "$in" "$f0" "$N" "$span" "$tmp/$name.prophet" > /dev/null <<'EOF'
suppressMessages(library(prophet))
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1]); f0 <- as.integer(a[2]); N <- as.integer(a[3]); day <- as.integer(a[4])
ds <- as.POSIXct(d$timestamp, origin = "1970-01-01", tz = "GMT"); n <- nrow(d)
out <- file(a[5], "w")
for (f in seq(f0, n - 1, by = N)) {
	m <- suppressMessages(fit.prophet(prophet(fit = FALSE), data.frame(ds = ds[1:f], y = d$value[1:f])))
	idx <- (f + 1):min(n, f + N + day)
	set.seed(f)
	p <- predict(m, data.frame(ds = ds[idx]))
	writeLines(sprintf("%d,%d,%.10g,%.10g,%.10g", f, d$timestamp[idx], p$yhat, p$yhat_lower, p$yhat_upper), out)
}
close(out)
EOF
	: > "$tmp/$name.season"
	f=$f0
	while [ "$f" -lt "$n" ]; do
		last=$((f + N + span)); [ "$last" -gt "$n" ] && last=$n
		awk -F, -v OFS=, -v f="$f" -v last="$last" 'NR == 1 { print; next } NR - 1 > last { exit }
		    NR - 1 > f { $2 = "" } { print }' "$in" > "$tmp/pre.csv"
		seasonfit -H 0 --seed "$f" "$tmp/pre.csv" | awk -F, -v OFS=, -v f="$f" 'NR - 1 > f { print f, $1, $3, $4, $5 }' \
		    >> "$tmp/$name.season"
		f=$((f + N))
	done
}

# score NAME M N H LABEL: the table row of horizon H
score() {
	name=$1 m=$2 N=$3 h=$4 label=$5 in=$tmp/$1.csv
	n=$(($(wc -l < "$in") - 1)); ntr=$((n * 8 / 10))
	head -n $((ntr + 1)) "$in" | awk -F, 'NR == 1 { h = $0; next } $2 == "" { n = 0; next } { r[++n] = $0 }
	    END { print h; for (i = 1; i <= n; i++) print r[i] }' > "$tmp/artrain.csv"
	arfit --ic aic --max-order 24 --save "$tmp/ar.m" "$tmp/artrain.csv" > /dev/null
	forecast -m "$tmp/ar.m" --horizon "$h" "$in" > "$tmp/ar.csv"
	awk -F, -v ntr="$ntr" -v m="$m" -v N="$N" -v h="$h" -v label="$label" '
	FILENAME == ARGV[1] { pf[$1, $2] = $3; pl[$1, $2] = $4; pu[$1, $2] = $5; next }
	FILENAME == ARGV[2] { sf[$1, $2] = $3; sl[$1, $2] = $4; su[$1, $2] = $5; next }
	FNR == 1 { next }
	{ i = FNR - 1; t[i] = $1; y[i] = $2; af[i] = $3; al[i] = $4; au[i] = $5 }
	END {
		for (i = m + 1; i <= ntr; i++) if (y[i] != "" && y[i - m] != "") { d = y[i] - y[i - m]; sc += d < 0 ? -d : d; ns++ }
		for (i = 1; i in y; i++) if (y[i] != "") { d = y[i] < 0 ? -y[i] : y[i]; if (d > ymax) ymax = d }
		s = sc / ns; k = m * int((h + m - 1) / m)
		for (i = ntr + 1; i in y; i++) {
			f = int((i - h) / N) * N
			if (y[i] == "" || i - k < 1 || y[i - k] == "" || af[i] == "" || !((f, t[i]) in pf) || !((f, t[i]) in sf)) continue
			np++; v = y[i]
			e = v - y[i - k]; en += e < 0 ? -e : e
			e = v - af[i]; ea += e < 0 ? -e : e
			e = v - pf[f, t[i]]; ep += e < 0 ? -e : e
			e = v - sf[f, t[i]]; es += e < 0 ? -e : e
			e = sf[f, t[i]] - pf[f, t[i]]; e = e < 0 ? -e : e; if (e > dmax) dmax = e; dsum += e
			ca += al[i] <= v && v <= au[i]
			cp += pl[f, t[i]] <= v && v <= pu[f, t[i]]
			cs += sl[f, t[i]] <= v && v <= su[f, t[i]]
		}
		printf "| %s | %d | %d | %.3f | %.3f | %.3f | %.3f | %.1f%% | %.1f%% | %.1f%% | %.3f%% / %.3f%% |\n", label, h, np,
		    en / np / s, ea / np / s, ep / np / s, es / np / s, 100 * ca / np, 100 * cp / np, 100 * cs / np,
		    100 * dsum / np / ymax, 100 * dmax / ymax
	}' "$tmp/$name.prophet" "$tmp/$name.season" "$tmp/ar.csv"
}

accuracy() {
	echo
	echo "| trace | horizon (rows) | test points | MASE seasonal naive | MASE arfit AR(aic) | MASE Prophet | MASE seasonfit | 80 % coverage arfit | Prophet | seasonfit | seasonfit - Prophet, mean / max, % of the largest value |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	set -- "nasa5 288 288 288 NASA HTTP, 5 min" "taxi 48 48 48 NYC taxi, 30 min" \
	    "worldcup 288 288 288 WorldCup98, 5 min" "wikipedia_grid 7 7 1 Wikipedia, daily"
	for spec in "$@"; do
		set -- $spec
		name=$1 m=$2 N=$3 day=$4; shift 4
		case " ${TRACES:-nasa5 taxi worldcup wikipedia_grid} " in *" $name "*) ;; *) continue ;; esac
		rolling "$name" "$N" "$day"
		score "$name" "$m" "$N" 12 "$*"
		score "$name" "$m" "$N" "$day" "$*"
	done
}

for p in $parts; do
	case $p in
	speed) speed ;;
	accuracy) accuracy ;;
	*) echo "bench/seasonfit.sh: unknown part '$p' (speed, accuracy)" >&2; exit 2 ;;
	esac
done
