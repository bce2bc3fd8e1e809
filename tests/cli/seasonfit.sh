# seasonfit: CLI tests.  The fits are checked against R's prophet 1.0
# (tests/ref/prophet_ref.R writes tests/ref/prophet_<case>.csv and the
# synthetic inputs tests/cli/data/season-*.csv): the last H values of each
# series are blanked, seasonfit fits the rest and forecasts the blanked rows
# (Prophet's future rows), and the trend, every component and the forecast
# must agree within 1 % of the series' largest value; the in-sample coverage
# of the 80 % band within 2 points of Prophet's, and the coverage of the
# held-out rows of all cases together too.  The rest pins outputs worked by
# hand and the error messages.
. "$TOP/tests/cli/lib.sh"
R=$TOP/tests/ref
SYN='usage: seasonfit [-c NAME] [--growth G [--cap NAME] [--floor NAME]] [--mode M]
                 [--changepoints N] [--changepoint-range F] [--changepoint-prior-scale S]
                 [--daily SW] [--weekly SW] [--yearly SW] [--seasonality NAME,PERIOD,ORDER]...
                 [--seasonality-prior-scale S] [--holidays FILE] [--holidays-prior-scale S]
                 [-H H] [--level L | --quantiles LO,HI] [--samples N] [--seed S]
                 [--components] [--long] [--save MODEL [--refit N] | --load MODEL]
                 [--precision N] [-v] [FILE]
Try '"'seasonfit --help'"' for more information.'

# blank IN H OUT: the series with its last H values emptied
blank() {
	n=$(($(wc -l < "$1") - 1))
	awk -F, -v OFS=, -v from=$((n - $2 + 1)) 'NR > 1 && NR - 1 >= from { $2 = "" } { print }' "$1" > "$3"
}

# agree OURS REF H MODE: seasonfit --components -H 0 output against Prophet's;
# prints the figures, appends the held-out hits to $T/heldout, fails beyond
# the bars.  Multiplicative components are fractions of the trend: their
# difference counts times |trend| there.
agree() {
	awk -F, -v H="$3" -v mode="$4" -v name="$(basename "$2" .csv)" -v held="$T/heldout" '
	FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME == ARGV[1], $i] = i; next }
	FILENAME == ARGV[1] { for (i = 1; i <= NF; i++) o[FNR, i] = $i; no = FNR; next }
	{ for (i = 1; i <= NF; i++) p[FNR, i] = $i; np = FNR; nf = NF; if (FNR == 2) hdr = 1 }
	END {
		if (no != np) { print name ": " no - 1 " rows, Prophet " np - 1; exit 1 }
		n = np - 1; hist = n - H
		vc = col[0, "value"]
		for (r = 2; r <= hist + 1; r++) if (p[r, vc] != "") { v = p[r, vc] < 0 ? -p[r, vc] : p[r, vc]; if (v > scale) scale = v }
		bad = 0; line = name ": scale " scale
		# the component columns: those of Prophet between value and yhat_lower
		getline hd < ARGV[2]; k = split(hd, names, ",")
		for (j = 1; j <= k; j++) {
			c = names[j]
			if (c == "timestamp" || c == "value" || c == "yhat_lower" || c == "yhat_upper") continue
			oc = c == "yhat" ? "forecast" : c
			if (!((1, oc) in col)) { print name ": no column " oc; exit 1 }
			io = col[1, oc]; ip = col[0, c]; tc = col[0, "trend"]
			mult = mode == "multiplicative" && c != "trend" && c != "yhat"
			dh = df = 0
			for (r = 2; r <= n + 1; r++) {
				d = o[r, io] - p[r, ip]; if (d < 0) d = -d
				if (mult) d *= (p[r, tc] < 0 ? -p[r, tc] : p[r, tc])
				if (r <= hist + 1) { if (d > dh) dh = d } else if (d > df) df = d
			}
			line = line sprintf(", %s %.3f%%/%.3f%%", c, 100 * dh / scale, 100 * df / scale)
			if (dh >= 0.01 * scale || df >= 0.01 * scale) bad = 1
		}
		lo = col[1, "lower"]; hi = col[1, "upper"]; plo = col[0, "yhat_lower"]; phi = col[0, "yhat_upper"]
		for (r = 2; r <= n + 1; r++) {
			if (p[r, vc] == "") continue
			y = p[r, vc] + 0
			ho = (o[r, lo] <= y && y <= o[r, hi]); hp = (p[r, plo] <= y && y <= p[r, phi])
			if (r <= hist + 1) { ni++; ci += ho; cpi += hp } else { nf2++; cf += ho; cpf += hp }
		}
		line = line sprintf("; 80%% coverage in-sample %.1f%% (Prophet %.1f%%), held out %d/%d (Prophet %d)",
		    100 * ci / ni, 100 * cpi / ni, cf, nf2, cpf)
		print line
		print cf, cpf, nf2 >> held
		d = 100 * (ci - cpi) / ni; if (d < 0) d = -d
		if (d > 2) bad = 1
		exit bad
	}' "$1" "$2"
}

# ---- against R's prophet ------------------------------------------------------------
: > "$T/heldout"
case_ok() {   # name input H mode [seasonfit options]
	name=$1 in=$2 H=$3 mode=$4; shift 4
	blank "$in" "$H" "$T/in-$name.csv"
	t "$name: Prophet's model, the last $H values forecast" 0 seasonfit --components -H 0 --mode "$mode" "$@" "$T/in-$name.csv"
	cp "$T/out" "$T/fit-$name.csv"
	check "$name: within 1 % of Prophet's, coverage within 2 points" agree "$T/fit-$name.csv" "$R/prophet_$name.csv" "$H" "$mode"
	sed 's/^/    /' "$T/check.log"
}
case_ok add "$D/season-add.csv" 24 additive
case_ok mult "$D/season-mult.csv" 48 multiplicative --holidays "$D/season-holidays.csv" --seasonality half,0.5,2
case_ok logistic "$D/season-logistic.csv" 60 additive --growth logistic --floor floor
window --resample 900 --agg sum "$TOP/data/nasa_http_1995_rpm.csv" > "$T/nasa15.csv"
case_ok nasa15 "$T/nasa15.csv" 96 additive
# (under valgrind the three other traces are left out: minutes each)
if [ -z "${SP_VALGRIND:-}" ]; then
	case_ok taxi "$TOP/data/nab_nyc_taxi.csv" 48 additive
	case_ok wikipedia "$TOP/data/wikipedia_peyton_manning_daily.csv" 30 additive
	case_ok worldcup "$TOP/data/worldcup98_19980530_0630_5m.csv" 288 additive
fi
check "held-out coverage of all cases together within 2 points of Prophet's" awk '
	{ o += $1; p += $2; n += $3 }
	END { d = 100 * (o - p) / n; printf "ours %.1f%%, Prophet %.1f%% of %d\n", 100 * o / n, 100 * p / n, n; exit (d < -2 || d > 2) }' "$T/heldout"
sed 's/^/    /' "$T/check.log"

# ---- outputs worked by hand ----------------------------------------------------------
# A hand-written model (the one of test_season): trend 10 (t' + 2 - 2 (t' - 0.5)+)
# with t' = t / 86400, daily 10 (0.5 sin 2 pi t' + 0.25 cos 2 pi t'), a holiday on
# day 1 (3) and the day after (1); sigma 0.1 * 10: band yhat -/+ 1.2815515655
# (t' = 0.25: trend 22.5, daily 5; t' = 0.75: 22.5, -5; t' = 1: 20, 2.5, 3)
cat > "$T/hand.season" <<'EOF'
scalepipe-model season 1
column value
refit 0
samples 1000
seed 1
growth linear
mode additive
changepoints 25
changepoint-range 0.8
changepoint-prior-scale 0.05
seasonality-prior-scale 10
holidays-prior-scale 10
daily -1
weekly -1
yearly -1
custom 0
holidays 1
holiday.0.name new year
holiday.0 1 0 1 0
nobs 100
start 0
t-scale 86400
y-scale 10
logistic-floor 0
step 3600
seasonalities 1
season.0.name daily
season.0 1 1 10 0
changepoint-t 0.5
k 1
m 2
sigma 0.1
delta -2
beta 0.5 0.25 0.3 0.1
end
EOF
printf 'timestamp,value,note\n0,22.5,a\n21600,,b\n64800,30,"c,d"\n86400,24,e\n' > "$T/hand.csv"
t "--load: fitted values and the band by hand" 0 seasonfit --load "$T/hand.season" -H 0 --components "$T/hand.csv"
out_is <<'EOF'
timestamp,value,note,forecast,lower,upper,trend,daily,holidays
0,22.5,a,22.5,21.21844843,23.78155157,20,2.5,0
21600,,b,27.5,26.21844843,28.78155157,22.5,5,0
64800,30,"c,d",17.5,16.21844843,18.78155157,22.5,-5,0
86400,24,e,25.5,24.21844843,26.78155157,20,2.5,3
EOF
err_empty
t "--long: the forecasts from the last row" 0 seasonfit --load "$T/hand.season" -H 2 --long --seed 3 "$T/hand.csv"
out_has 'origin,timestamp,horizon,value,note,forecast,lower,upper'
# the steps after the last row are the input's smallest spacing (6 h) apart
out_has '86400,108000,1,24,e,25.5,'
out_has '86400,129600,2,24,e,15.5,'
check "--long: 3 lines" sh -c "[ \$(wc -l < '$T/out') -eq 3 ]"
# by hand: t' = 1.25: trend 17.5, daily 5, holiday 3 (day 1); t' = 1.5: 15, -2.5, 3
check "--long: the band around the forecast, wider at horizon 2" awk -F, 'NR == 2 { w1 = $8 - $7; ok = $7 < $6 && $6 < $8 }
	NR == 3 { exit !(ok && $7 < $6 && $6 < $8 && $8 - $7 > w1) }' "$T/out"
t "the same seed, the same band" 0 seasonfit --load "$T/hand.season" -H 2 --long --seed 3 "$T/hand.csv"
cp "$T/out" "$T/long1.csv"
t "another seed, another band" 0 seasonfit --load "$T/hand.season" -H 2 --long --seed 4 "$T/hand.csv"
check "seed 3 twice: identical; seed 4: not" sh -c "! cmp -s '$T/out' '$T/long1.csv'"
t "--quantiles 0.5,0.975 and --precision 4" 0 seasonfit --load "$T/hand.season" -H 0 --quantiles 0.5,0.975 --precision 4 "$T/hand.csv"
out_is <<'EOF'
timestamp,value,note,forecast,lower,upper
0,22.5,a,22.5,22.5,24.46
21600,,b,27.5,27.5,29.46
64800,30,"c,d",17.5,17.5,19.46
86400,24,e,25.5,25.5,27.46
EOF

# ---- save and load ------------------------------------------------------------------
t "--save: a fit and its model" 0 seasonfit -H 5 --save "$T/add.season" --refit 24 "$D/season-add.csv"
cp "$T/out" "$T/saved.csv"
check "the model records the refit" grep -qx 'refit 24' "$T/add.season"
t "--load: the same rows" 0 seasonfit -H 5 --load "$T/add.season" "$D/season-add.csv"
check "--save and --load agree" cmp "$T/out" "$T/saved.csv"
t "-v: the fit on stderr" 0 seasonfit -v -H 0 "$D/season-add.csv"
err_has 'seasonfit: linear trend, additive; 501 rows in the fit, y scale 143.886, 25 changepoints'
err_has 'seasonfit: yearly seasonality off: the history spans 20.96 days, rows 1 hours apart (auto)'
err_has 'seasonfit: seasonality weekly: period 7 days, order 3, prior scale 10, additive'
err_has 'seasonfit: L-BFGS '
t "--weekly off --daily 2: one seasonality, order 2" 0 seasonfit -v -H 0 --weekly off --daily 2 --components "$D/season-add.csv"
err_has 'seasonality daily: period 1 days, order 2'
check "components: trend and daily only" sh -c "head -n 1 '$T/out' | grep -qx 'timestamp,value,forecast,lower,upper,trend,daily'"
t "--growth flat" 0 seasonfit --growth flat --components -H 2 "$D/season-add.csv"
check "flat: one trend value" sh -c "[ \$(sed 1d '$T/out' | cut -d, -f6 | sort -u | wc -l) -eq 1 ]"

# ---- errors -------------------------------------------------------------------------
t "a capacity below the data" 1 seasonfit --growth logistic "$D/season-logistic.csv" --cap floor
err_is <<EOF
seasonfit: $D/season-logistic.csv: row 1, column floor: capacity 50 is below the value 55.623
EOF
t "no capacity column" 1 seasonfit --growth logistic "$D/season-add.csv"
err_is <<'EOF'
seasonfit: no capacity column 'cap'
EOF
printf 'holiday,ds\nlaunch,2023-11-23\nlaunch,23/11/2023\n' > "$T/badhol.csv"
t "a holiday file with a date that does not parse" 1 seasonfit --holidays "$T/badhol.csv" "$D/season-add.csv"
err_is <<EOF
seasonfit: $T/badhol.csv: row 2, column ds: not a date (YYYY-MM-DD or a timestamp): '23/11/2023'
EOF
head -n 97 "$D/season-add.csv" > "$T/4days.csv"
t "weekly asked for on 4 days" 1 seasonfit --weekly on "$T/4days.csv"
err_is <<'EOF'
seasonfit: --weekly: the history spans 3.958 days, less than one period (7 days); leave it auto to switch it off
EOF
t "auto: weekly off on 4 days, as Prophet" 0 seasonfit -v --components -H 0 "$T/4days.csv"
err_has 'weekly seasonality off: the history spans 3.958 days, rows 1 hours apart (auto)'
t "daily asked for on daily rows" 1 seasonfit --daily 4 "$TOP/data/wikipedia_peyton_manning_daily.csv"
err_is <<'EOF'
seasonfit: --daily: rows 1 days apart cannot show a period of 1 days
EOF
printf 'timestamp,value\n60,1\n120,\n' > "$T/one.csv"
t "one value" 1 seasonfit "$T/one.csv"
err_is <<'EOF'
seasonfit: need at least 2 rows with a value to fit, have 1
EOF
printf 'timestamp,value\n60,1\n120,x\n' > "$T/bad.csv"
t "not a number" 1 seasonfit "$T/bad.csv"
err_is <<EOF
seasonfit: $T/bad.csv: row 2, column value: not a finite number: 'x'
EOF
t "no column" 2 seasonfit -c nope "$D/season-add.csv"
err_has "season-add.csv: no column 'nope' (have: timestamp, value)"
t "--load with a specification option" 2 seasonfit --load "$T/hand.season" --weekly off "$T/hand.csv"
err_is <<EOF
seasonfit: --load uses the model's own specification (no --growth, --weekly, --holidays, ...)
$SYN
EOF
t "--refit without --save" 2 seasonfit --refit 3 "$T/hand.csv"
err_has 'seasonfit: --refit goes with --save (it is recorded in the model for forecast -m)'
t "--level and --quantiles" 2 seasonfit --level 0.9 --quantiles 0.1,0.9 "$T/hand.csv"
err_has 'seasonfit: --level and --quantiles are exclusive'
t "--long -H 0" 2 seasonfit --long -H 0 "$T/hand.csv"
err_has 'seasonfit: --long needs --horizon 1 or more'
t "--cap without logistic" 2 seasonfit --cap cap "$T/hand.csv"
err_has 'seasonfit: --cap and --floor go with --growth logistic'
t "a bad custom seasonality" 2 seasonfit --seasonality half,0,2 "$T/hand.csv"
err_has "seasonfit: --seasonality: period '0': want days > 0"
t "a bad switch" 2 seasonfit --weekly sometimes "$T/hand.csv"
err_has "seasonfit: --weekly: want auto, on, off or an order 1..200, not 'sometimes'"
printf 'scalepipe-model season 1\ncolumn value\n' > "$T/trunc.season"
t "a truncated model" 1 seasonfit --load "$T/trunc.season" "$T/hand.csv"
err_has "trunc.season"
t "unexpected argument" 2 seasonfit a b
err_is <<EOF
seasonfit: unexpected argument 'b'
$SYN
EOF
# ---- forecast -m: the model applied causally (lib/sp_fc_season) ---------------------
# refit 0: the saved fit at every origin; the forecast of a row is the fitted
# value of its time, the one seasonfit --load writes for it
t "--save, refit 0" 0 seasonfit -H 0 --save "$T/add0.season" "$D/season-add.csv"
t "forecast -m, refit 0: one step ahead" 0 forecast -m "$T/add0.season" "$D/season-add.csv"
cp "$T/out" "$T/fc0.csv"
t "seasonfit --load: the fitted values" 0 seasonfit --load "$T/add0.season" -H 0 "$D/season-add.csv"
check "forecast -m = the fitted values (rows 2..)" sh -c "[ \"\$(sed 1,2d '$T/fc0.csv' | cut -d, -f1-3)\" = \"\$(sed 1,2d '$T/out' | cut -d, -f1-3)\" ]"
# causal: a prefix of the input gives a prefix of the output, bands included
head -n 301 "$D/season-add.csv" > "$T/add300.csv"
t "forecast -m, refit 0, on the first 300 rows" 0 forecast -m "$T/add0.season" "$T/add300.csv"
check "refit 0: prefix in, prefix out" sh -c "head -n 301 '$T/fc0.csv' | cmp -s - '$T/out'"
# refit every 24 rows on all rows so far, 3 steps ahead: not ready before row 24
t "forecast -m, refit 24, horizon 3" 0 forecast -m "$T/add.season" --horizon 3 "$D/season-add.csv"
cp "$T/out" "$T/fc24.csv"
check "refit 24: the first forecast is for row 27 (origin 24)" sh -c "[ \"\$(awk -F, 'NR > 1 && \$3 != \"\" { print NR - 1; exit }' '$T/fc24.csv')\" = 27 ]"
t "forecast -m, refit 24, on the first 300 rows" 0 forecast -m "$T/add.season" --horizon 3 "$T/add300.csv"
check "refit 24: prefix in, prefix out" sh -c "head -n 301 '$T/fc24.csv' | cmp -s - '$T/out'"
# origins 240..263 use the fit on rows 1..240: the point forecasts of rows
# 243..266 are those of seasonfit fitted on the first 240 rows
awk -F, -v OFS=, 'NR > 241 { $2 = "" } NR <= 267 { print }' "$D/season-add.csv" > "$T/add240.csv"
t "seasonfit on rows 1..240, rows 241..266 blank" 0 seasonfit -H 0 "$T/add240.csv"
check "refit 24 at row 240 = seasonfit on rows 1..240" sh -c "[ \"\$(sed -n 244,267p '$T/fc24.csv' | cut -d, -f1,3)\" = \"\$(sed -n 244,267p '$T/out' | cut -d, -f1,3)\" ]"
t "forecast -m --long: horizons 1..4 from every origin" 0 forecast -m "$T/add.season" --long --horizon 4 --level 0.9 "$T/add300.csv"
out_has 'origin,timestamp,horizon,value,forecast,lower,upper'
check "--long: 4 rows per origin from row 24" sh -c "[ \$(sed 1d '$T/out' | wc -l) -eq \$(( (300 - 23) * 4 )) ]"
# a logistic model reads its capacity and floor columns
t "forecast -m, logistic: capacity and floor" 0 seasonfit --growth logistic --floor floor --save "$T/log.season" -H 0 "$D/season-logistic.csv"
t "forecast -m, logistic" 0 forecast -m "$T/log.season" "$D/season-logistic.csv"
out_has 'timestamp,value,cap,floor,forecast,lower,upper'
cut -d, -f1,2 "$D/season-logistic.csv" > "$T/nocap.csv"
t "forecast -m, logistic, no capacity column" 1 forecast -m "$T/log.season" "$T/nocap.csv"
err_has "reads column 'cap' and the input has no such column"
t "--help" 0 seasonfit --help
out_has 'Fit Prophet'"'"'s model'
t "--version" 0 seasonfit --version
out_has 'seasonfit (scalepipe)'
# Issue 13: --save that cannot be written fails before the fit
t "--save in a missing directory: an error before the fit" 1 seasonfit -H 5 --save "$T/nodir/m.season" "$D/season-add.csv"
err_is <<EOF
seasonfit: $T/nodir/m.season: cannot create: No such file or directory
EOF
out_is /dev/null
finish
