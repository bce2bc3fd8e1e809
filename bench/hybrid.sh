#!/bin/sh
# bench/hybrid.sh: the seasonfit + LSTM hybrid (lstmtrain --base) against its
# parts and the other forecasters, at horizons 12 rows and one day, on NASA
# HTTP (5 min), NYC taxi (30 min), WorldCup98 (5 min) and the Wikipedia page
# views (daily, missing days as empty rows).
#
#   sh bench/hybrid.sh                         (all four traces)
#   TRACES="nasa5 taxi" HORIZONS=12 NOPROPHET=1 sh bench/hybrid.sh   (the demo's)
# TRACES: a subset of nasa5 taxi worldcup wikipedia; HORIZONS: instead of 12
# and a day (the LSTMs are trained for the largest); NOPROPHET=1: no R;
# EPOCHS: the LSTMs' maximum epochs [10]; BIN: another build; INNER=1: the
# inner split, each trace cut to its first 80 % (the training part) and
# split again 80/20, for choosing a method without the test part;
# HYBRID_OPTS: more lstmtrain options for both hybrids (e.g. --no-mix);
# KEEP=DIR: keep the seasonfit, LSTM and hybrid models there.
#
# Split: chronological.  The first 80 % of the rows train every model (the
# LSTMs keep the last 20 % of that for early stopping and calibration); the
# last 20 % are the test part, scored at every row i from data up to row
# i - h only (forecast -m --horizon h, rolling and causal).
#   seasonal naive  the value k = m * ceil(h / m) rows back (m: the season)
#   arfit           AR(aic, up to 24) fitted on the last gap-free stretch of
#                   the training part, applied with fixed coefficients
#   Prophet         R's prophet 1.0 (defaults) refitted on all rows so far
#                   every N rows (N = a week) from the test start; row i is
#                   forecast by the last fit made at or before row i - h
#   seasonfit       the same (defaults, the same fits as Prophet's), each
#                   fit by seasonfit -H 0 on the rows so far with the
#                   later ones blanked (as forecast -m on a model saved with
#                   --refit N, without its bands at every training row)
#   LSTM            lstmtrain on the training part
#   hybrid          lstmtrain --base on the training part, the base a
#                   seasonfit model fitted on the training part and saved
#                   with --refit N: the LSTM learns the rolling residuals
#                   r(s) = y(s) - yhat(s), yhat the point forecast of the
#                   base's fit in use before row s as forecast -m applies it
#                   (refitted on all rows so far after rows N, 2N, ...; none
#                   before row N + 1), over the training part; forecast -m
#                   does the same over the whole series (the same fits
#                   again) and at origin t adds the seasonal point forecast
#                   of the fit in use to the LSTM's on the window of r; the
#                   LSTM's target for origin t is y(t + h) minus that same
#                   forecast (of the fit in use at t), and its residual
#                   forecast is mixed with the LSTM's (the model of the
#                   column LSTM, given with --alone: what lstmtrain --base
#                   would train again) as w_h LSTM + (1 - w_h) (seasonal +
#                   residual forecast), w_h in [0,1] per horizon fitted by
#                   least absolute error on the validation part
#                   (lstmtrain's defaults; --no-mix: the seasonal +
#                   residual forecast alone, the residual one shrunk)
#   hybrid + input  the same with --base-input: the residual LSTM also sees
#                   yhat(s) of each row of its window
# The LSTMs: --calendar --norm window --window W --hidden 32 --quantiles
# 0.1,0.5,0.9 --horizon max(12, day) (one model serves both horizons),
# --epochs $EPOCHS [10] --patience 3, seed 1, 2 threads.  Every band is a
# central 80 % one; the LSTM and hybrid coverage is given as trained and
# with forecast --adapt 0.1 (online recalibration).  MASE divides the test
# MAE by the in-sample MAE of the one-season naive forecast on the training
# part; RMSE (seasonfit, LSTM, hybrid) in the series' units.  Points: test
# rows where every method has a forecast.
# Prints Markdown tables.  Takes 30-60 minutes on 2 shared cores (most of it
# Prophet's refits and LSTM training at horizon 288); run it niced.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=${BIN:-$top/bin}:$PATH
EPOCHS=${EPOCHS:-10}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hybrid-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export TZ=UTC
prophet=1
if [ -n "${NOPROPHET:-}" ]; then
	prophet=0
elif ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'suppressMessages(library(prophet))' >/dev/null 2>&1; then
	echo "bench/hybrid.sh: skipped: needs Rscript and R's prophet (scripts/install-deps --bench), or NOPROPHET=1"
	exit 0
fi

window --resample 300 --agg sum "$top/data/nasa_http_1995_rpm.csv" > "$tmp/nasa5.csv"
cp "$top/data/nab_nyc_taxi.csv" "$tmp/taxi.csv"
cp "$top/data/worldcup98_19980530_0630_5m.csv" "$tmp/worldcup.csv"
window --resample 86400 "$top/data/wikipedia_peyton_manning_daily.csv" > "$tmp/wikipedia.csv"
if [ -n "${INNER:-}" ]; then   # the training part alone: the inner split
	for f in nasa5 taxi worldcup wikipedia; do
		n=$(($(wc -l < "$tmp/$f.csv") - 1))
		head -n $((n * 8 / 10 + 1)) "$tmp/$f.csv" > "$tmp/x.csv" && mv "$tmp/x.csv" "$tmp/$f.csv"
	done
fi

if [ -z "${NOHEADER:-}" ]; then
	echo "# bench/hybrid.sh $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
	    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), epochs $EPOCHS"
fi

# prophet_rolling NAME N SPAN F0: fits at rows F0, F0 + N, ... forecasting
# the next N + SPAN rows: f,timestamp,forecast,lower,upper
prophet_rolling() {
	Rscript - "$tmp/$1.csv" "$4" "$2" "$3" "$tmp/$1.prophet" > /dev/null <<'EOF'
suppressMessages(library(prophet))
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1]); f0 <- as.integer(a[2]); N <- as.integer(a[3]); span <- as.integer(a[4])
ds <- as.POSIXct(d$timestamp, origin = "1970-01-01", tz = "GMT"); n <- nrow(d)
out <- file(a[5], "w")
for (f in seq(f0, n - 1, by = N)) {
	m <- suppressMessages(fit.prophet(prophet(fit = FALSE), data.frame(ds = ds[1:f], y = d$value[1:f])))
	idx <- (f + 1):min(n, f + N + span)
	set.seed(f)
	p <- predict(m, data.frame(ds = ds[idx]))
	writeLines(sprintf("%d,%d,%.10g,%.10g,%.10g", f, d$timestamp[idx], p$yhat, p$yhat_lower, p$yhat_upper), out)
}
close(out)
EOF
}

# season_rolling NAME N SPAN F0: seasonfit the same way (the rows after each
# fit blanked, -H 0): f,timestamp,forecast,lower,upper
season_rolling() {
	n=$(($(wc -l < "$tmp/$1.csv") - 1))
	: > "$tmp/$1.srolling"
	f=$4
	while [ "$f" -lt "$n" ]; do
		awk -F, -v OFS=, -v f="$f" -v last=$((f + $2 + $3)) 'NR == 1 { print; next } NR - 1 > last { exit }
		    NR - 1 > f { $2 = "" } { print }' "$tmp/$1.csv" > "$tmp/pre.csv"
		seasonfit -H 0 --seed "$f" "$tmp/pre.csv" | awk -F, -v OFS=, -v f="$f" 'NR - 1 > f { print f, $1, $3, $4, $5 }' \
		    >> "$tmp/$1.srolling"
		f=$((f + $2))
	done
}

# one NAME M N DAY W LABEL
one() {
	name=$1 m=$2 N=$3 day=$4 W=$5; shift 5
	label=$*
	in=$tmp/$name.csv
	n=$(($(wc -l < "$in") - 1)); ntr=$((n * 8 / 10))
	H=0   # the LSTMs' horizon: the largest asked for
	for h in ${HORIZONS:-12 $day}; do [ "$h" -gt "$H" ] && H=$h; done
	head -n $((ntr + 1)) "$in" > "$tmp/train.csv"
	awk -F, 'NR == 1 { h = $0; next } $2 == "" { n = 0; next } { r[++n] = $0 }
	    END { print h; for (i = 1; i <= n; i++) print r[i] }' "$tmp/train.csv" > "$tmp/artrain.csv"
	arfit --ic aic --max-order 24 --save "$tmp/ar.m" "$tmp/artrain.csv" > /dev/null
	s0=$(date +%s)
	seasonfit --refit "$N" --save "$tmp/$name.season" -H 0 "$tmp/train.csv" > /dev/null
	s1=$(date +%s)
	lopts="-q --calendar --norm window --window $W --hidden 32 --quantiles 0.1,0.5,0.9 --horizon $H --epochs $EPOCHS --patience 3 --threads 2"
	lstmtrain $lopts -o "$tmp/$name.lstm" "$tmp/train.csv"
	# the hybrids' LSTM alone (the mix): the LSTM column's model, the one
	# lstmtrain --base would train again (same options and seed)
	case " ${HYBRID_OPTS:-} " in
	*" --no-mix "*) HOPTS=$HYBRID_OPTS ;;
	*) HOPTS="--alone $tmp/$name.lstm ${HYBRID_OPTS:-}" ;;
	esac
	s2=$(date +%s)
	lstmtrain $lopts --base "$tmp/$name.season" $HOPTS -o "$tmp/$name.hybrid" "$tmp/train.csv"
	s3=$(date +%s)
	lstmtrain $lopts --base "$tmp/$name.season" --base-input $HOPTS -o "$tmp/$name.hybridin" "$tmp/train.csv"
	if [ -n "${KEEP:-}" ]; then
		mkdir -p "$KEEP" && cp "$tmp/$name.season" "$tmp/$name.lstm" "$tmp/$name.hybrid" "$tmp/$name.hybridin" "$KEEP/"
	fi
	f0=$(( (ntr + 1 - H) / N * N )); [ "$f0" -lt "$N" ] && f0=$N
	season_rolling "$name" "$N" "$H" "$f0"
	s4=$(date +%s)
	if [ $prophet = 1 ]; then
		prophet_rolling "$name" "$N" "$H" "$f0"
	else
		: > "$tmp/$name.prophet"
	fi
	s5=$(date +%s)
	for h in ${HORIZONS:-12 $day}; do
		forecast -m "$tmp/ar.m" --horizon "$h" "$in" > "$tmp/ar.csv"
		forecast -m "$tmp/$name.lstm" --horizon "$h" "$in" > "$tmp/lstm.csv"
		forecast -m "$tmp/$name.hybrid" --horizon "$h" "$in" > "$tmp/hybrid.csv"
		forecast -m "$tmp/$name.lstm" --horizon "$h" --adapt 0.1 "$in" | cut -d, -f4,5 > "$tmp/lstma.csv"
		forecast -m "$tmp/$name.hybrid" --horizon "$h" --adapt 0.1 "$in" | cut -d, -f4,5 > "$tmp/hybrida.csv"
		forecast -m "$tmp/$name.hybridin" --horizon "$h" "$in" > "$tmp/hybridin.csv"
		forecast -m "$tmp/$name.hybridin" --horizon "$h" --adapt 0.1 "$in" | cut -d, -f4,5 > "$tmp/hybridina.csv"
		# columns: 1 t, 2 y, 3-5 ar, 8-10 lstm, 13-15 hybrid, 16-17 lstm adapted, 18-19 hybrid adapted,
		# 22-24 hybrid + input, 25-26 hybrid + input adapted
		paste -d, "$tmp/ar.csv" "$tmp/lstm.csv" "$tmp/hybrid.csv" "$tmp/lstma.csv" \
		    "$tmp/hybrida.csv" "$tmp/hybridin.csv" "$tmp/hybridina.csv" > "$tmp/all.csv"
		awk -F, -v ntr="$ntr" -v m="$m" -v N="$N" -v h="$h" -v label="$label" -v prophet=$prophet \
		    -v tt="$((s1 - s0)) / $((s2 - s1)) / $((s3 - s2)) / $((s4 - s3)) / $((s5 - s4))" '
		FILENAME == ARGV[1] { pf[$1, $2] = $3; pl[$1, $2] = $4; pu[$1, $2] = $5; next }
		FILENAME == ARGV[2] { sf[$1, $2] = $3; sl[$1, $2] = $4; su[$1, $2] = $5; next }
		FNR == 1 { next }
		{ i = FNR - 1; t[i] = $1; y[i] = $2; row[i] = $0 }
		function ab(x) { return x < 0 ? -x : x }
		function pct(c) { return sprintf("%.1f%%", 100 * c / np) }
		END {
			for (i = m + 1; i <= ntr; i++) if (y[i] != "" && y[i - m] != "") { sc += ab(y[i] - y[i - m]); ns++ }
			s = sc / ns; k = m * int((h + m - 1) / m)
			for (i = ntr + 1; i in y; i++) {
				split(row[i], c, ",")
				f = int((i - h) / N) * N
				if (y[i] == "" || i - k < 1 || y[i - k] == "" || c[3] == "" || c[8] == "" || c[13] == "" || c[16] == "" || c[18] == "" || c[22] == "" || c[25] == "")
					continue
				if (!((f, t[i]) in sf) || (prophet && !((f, t[i]) in pf))) continue
				np++; v = y[i]
				en += ab(v - y[i - k]); ea += ab(v - c[3]); es += ab(v - sf[f, t[i]]); el += ab(v - c[8]); eh += ab(v - c[13])
				qs += (v - sf[f, t[i]])^2; ql += (v - c[8])^2; qh += (v - c[13])^2
				ei += ab(v - c[22]); qi += (v - c[22])^2; ci += c[23] <= v && v <= c[24]; cia += c[25] <= v && v <= c[26]
				ca += c[4] <= v && v <= c[5]; cs += sl[f, t[i]] <= v && v <= su[f, t[i]]
				cl += c[9] <= v && v <= c[10]; ch += c[14] <= v && v <= c[15]
				cla += c[16] <= v && v <= c[17]; cha += c[18] <= v && v <= c[19]
				if (prophet) { ep += ab(v - pf[f, t[i]]); cp += pl[f, t[i]] <= v && v <= pu[f, t[i]] }
			}
			best = (eh < es && eh < el) ? "yes" : "no"
			rbest = (qh < qs && qh < ql) ? "yes" : "no"
			ibest = (ei < es && ei < el) ? "yes" : "no"
			ribest = (qi < qs && qi < ql) ? "yes" : "no"
			printf "| %s | %d | %d | %.3f | %.3f | %s | %.3f | %.3f | **%.3f** | **%.3f** | %.4g / %.4g / **%.4g** / **%.4g** | %s / %s | %s / %s | %s / %s / %s / %s / %s / %s / %s / %s / %s | %s |\n",
			    label, h, np, en / np / s, ea / np / s, prophet ? sprintf("%.3f", ep / np / s) : "-", es / np / s,
			    el / np / s, eh / np / s, ei / np / s, sqrt(qs / np), sqrt(ql / np), sqrt(qh / np), sqrt(qi / np),
			    best, rbest, ibest, ribest,
			    pct(ca), prophet ? pct(cp) : "-", pct(cs), pct(cl), pct(cla), pct(ch), pct(cha), pct(ci), pct(cia), tt
		}' "$tmp/$name.prophet" "$tmp/$name.srolling" "$tmp/all.csv"
	done
}

echo
echo "| trace | horizon (rows) | test points | MASE seasonal naive | arfit | Prophet | seasonfit | LSTM | hybrid | hybrid + input | RMSE seasonfit / LSTM / hybrid / hybrid + input | hybrid beats both parts: MASE / RMSE | hybrid + input beats both: MASE / RMSE | 80 % coverage: arfit / Prophet / seasonfit / LSTM / LSTM --adapt / hybrid / hybrid --adapt / hybrid + input / hybrid + input --adapt | time s: seasonfit fit / LSTM / hybrid training / seasonfit refits / Prophet refits |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for spec in "nasa5 288 2016 288 48 NASA HTTP, 5 min" "taxi 48 336 48 48 NYC taxi, 30 min" \
    "worldcup 288 2016 288 48 WorldCup98, 5 min" "wikipedia 7 7 1 28 Wikipedia, daily"; do
	set -- $spec
	case " ${TRACES:-nasa5 taxi worldcup wikipedia} " in *" $1 "*) one "$@" ;; esac
done
