#!/bin/sh
# bench/decisions.sh: scalepipe's default policy against the frontiers of the
# HPA and the predictive peers, at matched cost, on every shipped load trace.
#
# For each trace (resampled to 5 minutes where finer), scripts/scalepipe-frontier
# sweeps every policy over its knob on the test span (the last 40 % of the
# rows; nothing is tuned on it), for pod start-up times of 60 s and 180 s.
# The row of a trace: scalepipe's default setting (the burst-aware policy at
# its default knob) -- its cost, violation steps, churn and pods started --
# against the HPA frontier's interpolated at the same cost, and the
# change in violations against each predictive peer's frontier.  Then the
# bars of the issue, counted over the traces.  Outside the reference's swept
# cost range (never extrapolated): (c) our default is cheaper than its
# cheapest setting with no more violations, compared with that setting;
# (d) dearer than its dearest with no fewer, compared with that; else n/a.
#
#   sh bench/decisions.sh            (POLICIES, STARTUPS, SIMOPTS, KNOBS, BIN to vary)
#
# FRONTIER_OPTS: more scalepipe-frontier options for every trace, e.g.
# "--forecaster lstm" (scalepipe's policy on deploy/lstm's forecaster).
#
# POINTS_FROM=DIR: the other policies' points from an earlier run, as
# scalepipe-frontier -o wrote them (DIR/TRACE.STARTUP/points.csv, same
# traces, knobs and simulate options; their code unchanged since): only
# scalepipe's policy runs again (scalepipe-frontier --points), and the
# policies RERUN names (comma-separated, e.g. "burst" after a change that
# touches it too).
# OURS_FROM=1: with POINTS_FROM, ours too from there (points of several runs
# put together): nothing runs but RERUN (scalepipe-frontier --policies none).
# KEEP=DIR: keep each trace's scalepipe-frontier outputs in DIR/TRACE.STARTUP
# (points.csv, frontier.csv, matched.csv: a later POINTS_FROM).
# Prints the tables; bench/run puts them into bench/decisions.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/bin}
POLICIES=${POLICIES:-hpa,scalepipe,burst,forecast,keda,kpa,crane,aws,ahpa}
STARTUPS=${STARTUPS:-60 180}
SIMOPTS=${SIMOPTS:-}
OURS=${OURS:-scalepipe}
KNOBS=${KNOBS:-}   # e.g. "ahpa=40:60:80:95": scripts/scalepipe-frontier --knob, space-separated
POINTS_FROM=${POINTS_FROM:-}
RERUN=${RERUN:-}
OURS_FROM=${OURS_FROM:-}
FRONTIER_OPTS=${FRONTIER_OPTS:-}
w=$(mktemp -d "${TMPDIR:-/tmp}/sp-decisions.XXXXXX")
trap 'rm -rf "$w"' EXIT

# The load traces and why the others are left out: bench/decisions.traces.
traces=$(grep -v '^#' "$top/bench/decisions.traces")
peers=$(echo "$POLICIES" | tr ',' '\n' | grep -vx -e hpa -e "$OURS" -e forecast -e threshold -e kpa -e keda || :)

echo "policies: $POLICIES; ours: $OURS at its default knob; simulate options: ${SIMOPTS:-none}; frontier options: ${FRONTIER_OPTS:-none}"
for su in $STARTUPS; do
	echo
	echo "### Pod start-up $su s, test span (last 40 %)"
	echo
	hdr="| trace | cost (replica-h) | violations | HPA frontier at that cost | change | churn | HPA churn at that cost | pods started | HPA's at that cost |"
	sep="|---|---|---|---|---|---|---|---|---|"
	for p in $peers; do hdr="$hdr vs $p |"; sep="$sep---|"; done
	echo "$hdr"; echo "$sep"
	: > "$w/bars.$su"
	echo "$traces" | while IFS=: read -r t step; do
		o=${KEEP:-$w}/$t.$su
		kn=; for k in $KNOBS; do kn="$kn --knob $k"; done
		# shellcheck disable=SC2086
		pol=$POLICIES
		if [ -n "$POINTS_FROM" ]; then
			[ -s "$POINTS_FROM/$t.$su/points.csv" ] || { echo "decisions: no $POINTS_FROM/$t.$su/points.csv" >&2; exit 1; }
			pol=$OURS${RERUN:+,$RERUN} kn="$kn --points $POINTS_FROM/$t.$su/points.csv"
			[ -z "$OURS_FROM" ] || pol=${RERUN:-none}
		fi
		sh "$top/scripts/scalepipe-frontier" --bin "$BIN" --step "$step" --startup "$su" --policies "$pol" $kn $FRONTIER_OPTS \
			${SIMOPTS:+--simulate-opts "$SIMOPTS"} --no-plot -o "$o" "$top/data/$t.csv" 2> "$w/err" ||
			{ cat "$w/err" >&2; exit 1; }
		awk -F, -v t="$t" -v ours="$OURS" -v peers="$peers" -v bars="$w/bars.$su" '
		function mark(m) { return m == "cheaper" ? " (c)" : m == "dearer" ? " (d)" : "" }
		NR == 1 { next }
		$1 == ours && $3 == 1 {
			cost = $4; v = $5; ch = $6
			if ($7 == "hpa") { hv = $8; hc = $9; hch = $10; hm = $11; ps = $12; hps = $13 } else { pv[$7] = $9; pm[$7] = $11 }
		}
		END {
			if (ps == "") ps = hps = "n/a"
			line = sprintf("| %s | %.1f | %d | %s | %s%s%s | %d | %s | %s | %s |", t, cost, v, hv,
			    hc, hc == "n/a" || hc == "inf" ? "" : " %", mark(hm), ch, hch, ps, hps)
			np = split(peers, P, " ")
			for (i = 1; i <= np; i++)
				line = line " " (P[i] in pv ? pv[P[i]] (pv[P[i]] == "n/a" ? "" : " %") mark(pm[P[i]]) : "-") " |"
			print line
			# bars: 30 % fewer than HPA; never more; churn; fewer than each
			# peer; and pods started no more than the HPA does (churn in pods)
			b30 = hc != "n/a" && hc != "inf" && hc + 0 <= -30
			nomore = hc != "n/a" && hc != "inf" && hc + 0 <= 0
			churn = hch != "n/a" && ch <= hch + 0
			started = ps != "n/a" && hps != "n/a" && ps + 0 <= hps + 0
			printf "%s %d %d %d %d", t, b30, nomore, churn, started >> bars
			for (i = 1; i <= np; i++) printf " %d", (P[i] in pv && pv[P[i]] != "n/a" && pv[P[i]] != "inf" && pv[P[i]] + 0 < 0) >> bars
			printf "\n" >> bars
		}' "$o/matched.csv"
	done
	n=$(wc -l < "$w/bars.$su")
	echo
	awk -v n="$n" -v peers="$peers" '
	{ b30 += $2; nomore += $3; churn += $4; started += $5; for (i = 6; i <= NF; i++) pc[i] += $i }
	END {
		printf "Bars over %d traces: >= 30 %% fewer violations than the HPA frontier on %d (%.0f %%; bar: 80 %%); ", n, b30, 100 * b30 / n
		printf "no more than the HPA frontier on %d (bar: all); churn no higher than the HPA at the same cost on %d", nomore, churn
		printf ", in pods started on %d", started
		np = split(peers, P, " ")
		for (i = 1; i <= np; i++) printf "; fewer than %s'\''s frontier on %d (%.0f %%; bar: 80 %%)", P[i], pc[i + 5], 100 * pc[i + 5] / n
		printf ".\n"
	}' "$w/bars.$su"
done
