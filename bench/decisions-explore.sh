#!/bin/bash
# bench/decisions-explore.sh: try variants of scalepipe's policy against the
# HPA frontier on every shipped load trace, quickly (simulate directly, no
# plots), to decide what deserves a place among decisions-select.sh's
# candidates.  Choosing a default is decisions-select.sh's job and looks at
# the training spans only; this prints both spans and tallies both, so
# treat its test columns as a preview, never as a selection criterion.
#
#   bash bench/decisions-explore.sh [CANDIDATES] > out
#
# CANDIDATES (a file, or stdin): one per line, "name|band|quantile [more
# burstdetect options]|simulate options", band "KIND:ARFIT-OPTIONS" with KIND
#   lin  arfit --rolling -H 24 --level 0.98 [ARFIT-OPTIONS] on the load
#   log  the same on log(1 + load), the band's columns mapped back by
#        exp(x) - 1 after burstdetect (a multiplicative band)
#   rel  lin, each row's half-widths scaled by its forecast over the mean
#        horizon-1 forecast of the last 500 rows (noise proportional to the
#        level)
#   volNN  lin, each origin's half-widths scaled by sqrt(s2) / sigma, s2 an
#        exponentially weighted mean (weight 0.NN on the past) of the squared
#        horizon-1 errors so far, sigma the band's own (its horizon-1
#        half-width / z_0.99), the ratio within 0.3..3: a band that widens
#        when the errors cluster (volatility), e.g. vol90
#   lstmw  an LSTM (lstmtrain ARFIT-OPTIONS --horizon 24, then forecast
#        --long) trained on the rows before each week's first origin, the
#        first week's after max(a week, a fifth of the rows), and lin
#        before that: causal everywhere, both spans out of sample
#   lstmd  as deploy/lstm runs it: the first training as lstmw's, then a
#        warm-started retrain (lstmtrain --init --epochs 10) every day on
#        the rows so far, forecast --long --adapt 0.1
#        (lstmw and lstmd: scripts/lstm-replay.sh's lstm_replay, scratch
#        and warm, as scalepipe-frontier --forecaster lstm runs the latter)
#   seld  per origin, lin's band or lstmd's (ARFIT-OPTIONS its LSTM options),
#        whichever has the lower mean absolute horizon-1 error so far,
#        weighted over about a day: bandselect, as
#        scalepipe-frontier --forecaster select and scalepipe-tick
#        (SELECT=true) run it
#   seas  arfit --season auto ARFIT-OPTIONS, the period found on the first
#        week's rows (the lag of a day at most whose autocorrelation is the
#        highest of its local peaks, if it is 0.5 or more; none: lin
#        throughout), and lin before those rows: scalepipe-tick's SEASON
#   selseas  per origin, lin's band or seas's, as seld chooses
#   sellin  selseas with ARFIT-OPTIONS given to lin's band (seas's its
#        own), e.g. sellin:-d 1 (the AR on the differences)
#   sel3mT  sel3 with bandselect --memory T (1d: sel3), one bandselect
#        of two --alt (the same choices in a row)
#   sel3  per origin, seld's band (ARFIT-OPTIONS its LSTM options) or
#        seas's, as seld chooses: the best of arfit, the LSTM and the
#        seasonal band by their recent calibration, two choices in a row
#   orNN  ANALYSIS ONLY, IT READS THE FUTURE: sellin's band with
#        ARFIT-OPTIONS (orNN:-p 8: the shipped default's; orNN: selseas's)
#        with its errors scaled by NN %: at each origin and
#        horizon the forecast moved to truth + 0.NN x (forecast - truth),
#        each half-width times 0.NN (at least 0.5), truth the load at the
#        row's timestamp (rows past the trace's end unchanged): or100 is
#        the default's band, or0 a perfect forecast
#        (bench/decisions-oracle.sh; never a candidate for a default)
#   ipK  ANALYSIS ONLY, IT READS THE FUTURE: sellin's band (ARFIT-OPTIONS as
#        orNN's) with horizons 1..4 forecast by a rolling linear
#        interpolation that also knows the K rows after each target
#        (bench/interp-band.awk; its errors and the band's in BAND.mae):
#        what no forecaster can beat by much (bench/decisions-bound.sh;
#        never a candidate for a default)
# then burstdetect --quantile and simulate --policy scalepipe [options].
# The HPA frontier: simulate --policy hpa --target 40, 41, ..., 95 (every
# target an HPA can have), as scalepipe-frontier sweeps it, interpolated at
# the candidate's cost.
# Output: per trace and candidate one line; then per candidate the counts of
# traces >= 30 % better than the HPA frontier, no worse, churn no higher
# (a trace within TOL percentage points of a bar's line counts 1/2), and
# the mean change in violations, ranked by the training span's
# (bench/decisions-rank.awk).
# Environment: BIN (the tools), STARTUPS (pod start-ups, s: each trace once
# per start-up, the counts over all of them) [$STARTUP, else 60], TOL [2],
# WORK (a directory kept between runs: the bands are cached there) [a
# temporary one], SIMOPTS (simulate options for every run, the HPA's too,
# e.g. "--interp linear"; the HPA's points cached in WORK are for the
# SIMOPTS they were made with: another SIMOPTS wants a WORK of its own, or
# the HPA's points removed from it) [none].
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BIN:-$top/bin}
STARTUPS=${STARTUPS:-${STARTUP:-60}}
TOL=${TOL:-2}
SIMOPTS=${SIMOPTS:-}
keep=${WORK:-}
W=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/sp-explore.XXXXXX")}
mkdir -p "$W"
[ -n "$keep" ] || trap 'rm -rf "$W"' EXIT
cands=$(grep -v '^#' "${1:-/dev/stdin}")
prog=decisions-explore
. "$top/scripts/lstm-replay.sh"   # lstm_replay, season_band
. "$top/bench/explorelib"         # band_of

span() {   # file span: the rows of the span (header kept)
	awk -F, -v t="$(cat "$d/tcut")" -v s="$2" 'NR == 1 || (s == "test" && $1 >= t) || (s == "train" && $1 < t)' "$1"
}
summ() {   # cost (replica-h), violations, churn of a simulate summary on stdin
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ print $c["cost"] / 3600, $c["violations"], $c["replica_changes"] }'
}
prepare() {   # trace step: load, bands and the HPA points of both spans (for SIMOPTS)
	if [ -s "$d/hpa.test" ]; then
		[ "$(cat "$d/simopts" 2>/dev/null)" = "$SIMOPTS" ] && return 0
		echo "decisions-explore: $d: the HPA's points were made with other SIMOPTS ('$(cat "$d/simopts" 2>/dev/null)'): use a WORK of its own" >&2
		exit 1
	fi
	mkdir -p "$d"
	train=$("$B/window" --resample "$2" < "$1" | awk -F, -v s="$2" 'NR > 1 { n++ }
		END { wk = int(7 * 86400 / s); d = int(86400 / s); h = int(n * 0.6 / 2); t = h > d ? h : d; print (wk < t) ? wk : t }')
	echo "$train" > "$d/train"
	"$B/window" --resample "$2" --fill linear --normalize robust --to 500,175 --clip 0,4000 \
		--train-rows "$train" < "$1" > "$d/load.csv"
	awk -F, -v OFS=, 'NR == 1 { print; next } { print $1, log(1 + $2) }' "$d/load.csv" > "$d/lload.csv"
	"$B/arfit" --rolling -H 24 --level 0.98 < "$d/load.csv" | "$B/burstdetect" --train "$train" --quantile 0.75 > "$d/bd75.csv"
	awk 'END { print int((NR - 1) * 0.6) }' "$d/load.csv" > "$d/cut"
	awk -F, -v k="$(cat "$d/cut")" 'NR == k + 2 { print $1 }' "$d/load.csv" > "$d/tcut"
	for s in train test; do
		for k in $(seq 40 95); do   # every integer target, as scalepipe-frontier sweeps it
			# shellcheck disable=SC2086
			echo "$k $(span "$d/bd75.csv" $s | "$B/simulate" --startup "$STARTUP" $SIMOPTS --policy hpa --target $k --summary | summ)"
		done | sort -k2,2g > "$d/hpa.$s"
	done
	printf '%s\n' "$SIMOPTS" > "$d/simopts"
}
band() {   # kind arfit-options: the burstdetect input, cached
	local f
	f=$(band_of "$d" "$1:$2")
	if [ ! -s "$f" ]; then
		case $1 in
		log) "$B/arfit" --rolling -H 24 --level 0.98 $2 < "$d/lload.csv" > "$f.tmp" ;;
		rel) "$B/arfit" --rolling -H 24 --level 0.98 $2 < "$d/load.csv" | awk -F, -v OFS=, '
			NR == 1 { print; next }
			{ if ($3 == 1) { q[++n] = $5; s += $5; if (n > 500) s -= q[n - 500]; m = s / (n > 500 ? 500 : n) }
			  f = $5; if (m > 0 && f > 0) { r = f / m; $6 = f - (f - $6) * r; $7 = f + ($7 - f) * r } print }' > "$f.tmp" ;;
		vol*) lam=${1#vol}; "$B/arfit" --rolling -H 24 --level 0.98 $2 < "$d/load.csv" | awk -F, -v OFS=, -v lam="0.$lam" -v z=2.326347874 '
			NR == 1 { print; next }
			$3 == 1 { if (havef) { e = $4 - f1; s2 = n ? lam * s2 + (1 - lam) * e * e : e * e; n++ } f1 = $5; havef = 1
				sw = ($7 - $5) / z; r = (n >= 5 && sw > 0) ? sqrt(s2) / sw : 1; if (r > 3) r = 3; if (r < 0.3) r = 0.3 }
			{ f = $5; $6 = f - (f - $6) * r; $7 = f + ($7 - f) * r; print }' > "$f.tmp" ;;
		lstmw|lstmd) lin=$(band lin "") || exit 1
			n=$(($(wc -l < "$d/load.csv") - 1))
			st=$(awk -F, 'NR == 2 { a = $1 } NR == 3 { print $1 - a; exit }' "$d/load.csv")
			P=$((7 * 86400 / st)); r=$((n / 5)); [ "$r" -ge "$P" ] || r=$P
			if [ "$1" = lstmw ]; then every=$P mode=scratch; else every=$((86400 / st)) mode=warm; fi
			mkdir -p "$f.d"
			# shellcheck disable=SC2086
			PATH=$B:$PATH lstm_replay "$d/load.csv" "$lin" "$r" "$every" "$mode" "$f.d" $2 > "$f.tmp" ;;
		or[0-9]*) a=${1#or} b=$(band sellin "$2") || exit 1
			awk -F, -v OFS=, -v a="$a" 'FNR == NR { if (FNR > 1) tv[$1] = $2; next }
				FNR == 1 { print; next }
				$2 in tv { t = tv[$2]; al = a / 100; f = t + al * ($5 - t); hl = ($5 - $6) * al; hu = ($7 - $5) * al
					if (hl < 0.5) hl = 0.5; if (hu < 0.5) hu = 0.5; $5 = f; $6 = f - hl; $7 = f + hu }
				{ print }' "$d/load.csv" "$b" > "$f.tmp" ;;
		ip[0-9]*) b=$(band sellin "$2") || exit 1
			awk -v K="${1#ip}" -v G=4 -v W=500 -v tcut="$(cat "$d/tcut")" -v maeout="$f.mae" \
				-f "$top/bench/interp-band.awk" "$d/load.csv" "$b" > "$f.tmp" ;;
		seas) # shellcheck disable=SC2086
			PATH=$B:$PATH season_band "$d/load.csv" $2 > "$f.tmp" 2> "$d/period" ;;
		selseas) a=$(band lin "") && b=$(band seas "$2") || exit 1
			"$B/bandselect" --alt "$b" "$a" > "$f.tmp" ;;
		sellin) a=$(band lin "$2") && b=$(band seas "") || exit 1
			"$B/bandselect" --alt "$b" "$a" > "$f.tmp" ;;
		sel3) a=$(band seld "$2") && b=$(band seas "") || exit 1
			"$B/bandselect" --alt "$b" "$a" > "$f.tmp" ;;
		sel3m*) a=$(band lin "") && b=$(band lstmd "$2") && c=$(band seas "") || exit 1
			"$B/bandselect" --memory "${1#sel3m}" --alt "$b" --alt "$c" "$a" > "$f.tmp" ;;
		seld) a=$(band lin "") && b=$(band lstmd "$2") || exit 1
			"$B/bandselect" --alt "$b" "$a" > "$f.tmp" ;;
		*) "$B/arfit" --rolling -H 24 --level 0.98 $2 < "$d/load.csv" > "$f.tmp" ;;
		esac || { rm -f "$f.tmp"; echo "decisions-explore: the band $1:$2 failed on $d" >&2; exit 1; }
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}
hpa_at() {   # span cost: the HPA frontier's violations and churn at that cost, or "n/a n/a"
	awk -v c="$2" -f "$top/bench/frontier-at.awk" "$d/hpa.$1"
}

for STARTUP in $STARTUPS; do
grep -v '^#' "$top/bench/decisions.traces" | while IFS=: read -r t step; do
	d=$W/$t.$step.$STARTUP
	prepare "$top/data/$t.csv" "$step"
	echo "$cands" | while IFS='|' read -r name bt q so; do
		[ -n "$name" ] || continue
		kind=${bt%%:*} aopts=${bt#*:} cap=
		case $kind in *cap[0-9]*) cap=${kind##*cap} kind=${kind%cap*} ;; esac
		f=$(band "$kind" "$aopts")
		# shellcheck disable=SC2086
		if [ "$kind" = log ]; then
			"$B/burstdetect" --train "$(cat "$d/train")" --quantile $q < "$f" |
				awk -F, -v OFS=, 'NR == 1 { print; next } { for (i = 2; i <= NF; i++) if (i != 6) $i = exp($i) - 1; print }'
		else
			"$B/burstdetect" --train "$(cat "$d/train")" --quantile $q < "$f"
		fi | if [ -n "$cap" ]; then
			awk -F, -v OFS=, -v c="$cap" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^demand/) dc[++n] = i; print; next }
				{ if (p != "") { m = p * (1 + c / 100); for (j = 1; j <= n; j++) if ($dc[j] > m) $dc[j] = m }
				  p = $2; print }'
		else cat; fi > "$d/bd.csv"
		line="$t $name"
		for s in train test; do
			# shellcheck disable=SC2086
			set -- $(span "$d/bd.csv" $s | "$B/simulate" --startup "$STARTUP" $SIMOPTS --policy scalepipe $so --summary | summ)
			set -- "$@" $(hpa_at $s "$1")
			line="$line $s $1 $2 $3 $4 $5"
		done
		echo "$line"
	done
done > "$W/rows.$STARTUP"
echo "# start-up $STARTUP s; trace candidate | train: cost violations churn hpa_violations hpa_churn | test: the same"
cat "$W/rows.$STARTUP"
echo
done
rows=; for s in $STARTUPS; do rows="$rows $W/rows.$s"; done
echo "# per candidate, over the traces (and start-ups: $STARTUPS s) where the HPA has violations at its cost: >= 30 % fewer violations than the HPA frontier at the same cost, no more, churn no higher (1 each, 1/2 within TOL=$TOL points of the line); the mean change in violations against the HPA frontier"
echo "# ranked by the training span: the three counts, then the mean change (bench/decisions-rank.awk)"
awk '{ for (o = 3; o <= 9; o += 6) { v = $(o + 2); ch = $(o + 3); hv = $(o + 4); hch = $(o + 5)
	print $2, $o, (hv != "n/a" && hv > 0 ? 100 * (v - hv) / hv : "n/a"),
	    (hch == "n/a" ? "n/a" : hch > 0 ? 100 * (ch - hch) / hch : ch > 0 ? 1e9 : 0) } }' $rows |
	awk -v tol="$TOL" -f "$top/bench/decisions-rank.awk" | sort -k3,3gr -k4,4gr -k5,5gr -k6,6g
