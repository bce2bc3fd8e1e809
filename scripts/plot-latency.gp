# Mean latency per step against the SLO, one panel per policy.
#   gnuplot -e "d='dir'; out='latency.png'; ttl='...'; slo=16" scripts/plot-latency.gp
# d:     holds simulate's per-step output, <policy>.slice.csv for each policy
#        in pols; columns read by name: timestamp, latency, violation
# out:   the PNG to write
# ttl:   the title (the span of the rows and the time zone are added below it)
# slo:   the latency SLO in ms
# pols:  the policies, space-separated file stems [hpa threshold forecast burst]
# names: their names in the panels, space-separated, one per policy
#        [hpa-exact(80%) threshold ar-forecast burst-aware]
# colours: their colours, space-separated, taken in turn
#        ["#a6611a #737373 #4393c3 #1b7837"]
# Each panel: the mean latency of each step, the SLO, the 95th percentile of
# the step latencies in the span (interpolated as simulate --summary does),
# and the violation steps (latency > SLO) as red dots on the curve and a red
# strip along the bottom.  The latency axis is linear up to twice the SLO and
# logarithmic above (a dotted line marks the change, the key says so).  The
# keys are in the right margin, off the data.
# Needs plot-time.gp beside this script, gnuplot 5.4 or later and pngcairo.
if (!exists("pols")) pols = "hpa threshold forecast burst"
if (!exists("names")) names = "hpa-exact(80%) threshold ar-forecast burst-aware"
i = strlen(ARG0); while (i > 0 && ARG0[i:i] ne "/") { i = i - 1 }
here = i > 0 ? ARG0[1:i] : ""
np = words(pols)
if (!exists("colours")) colours = "#a6611a #737373 #4393c3 #1b7837"
file(k) = d . "/" . word(pols, k) . ".slice.csv"
set terminal pngcairo size 1360, 170 + 220 * np font ",10" noenhanced
set output out

# per policy: the p95 and the violation steps; one span and one latency
# scale for every panel
array p95[np]
array nviol[np]
array nrows[np]
lmin = 1e300; lmax = 0
do for [k = 1 : np] {
	set datafile separator ","
	set datafile columnheaders
	stats file(k) using (column("timestamp")) nooutput
	tmin = STATS_min; tmax = STATS_max; n = STATS_records
	stats file(k) using (column("violation") != 0 ? 1 : 0) nooutput
	nviol[k] = int(STATS_sum)
	stats file(k) using (column("latency")) nooutput
	nrows[k] = STATS_records
	lmin = STATS_min < lmin ? STATS_min : lmin
	lmax = STATS_max > lmax ? STATS_max : lmax
	# the sorted latencies with their cumulative counts; the quantile
	# between the order statistics, as GSL's (and simulate's) is
	set table $cum
	plot file(k) using (column("latency")):(1) smooth cumulative
	unset table
	set datafile separator whitespace
	set datafile nocolumnheaders
	hq = (nrows[k] - 1) * 0.95
	lo = floor(hq)
	stats $cum using ($2 >= lo + 1 ? $1 : 1/0) nooutput
	xlo = STATS_min
	xhi = xlo
	if (lo + 1 < nrows[k]) {
		stats $cum using ($2 >= lo + 2 ? $1 : 1/0) nooutput
		xhi = STATS_min
	}
	p95[k] = xlo + (hq - lo) * (xhi - xlo)
}
# the latency axis: linear up to twice the SLO, where the SLO, the p95 and
# most steps are, logarithmic above (the spikes of seconds), the linear part
# 55 % of the panel's height; ticks set by hand (gnuplot's do not follow a
# nonlinear axis)
lmin = (slo < lmin ? slo : lmin) * 0.85
brk = 2 * slo
if (lmax * 1.1 <= brk) { lmax = brk; kk = 1 } else {
	lmax = lmax * 1.6
	kk = (brk - lmin) * 0.45 / 0.55 / (brk * log(lmax / brk))
}
lin(y) = y <= brk ? y : brk + brk * kk * log(y / brk)
unlin(u) = u <= brk ? u : brk * exp((u - brk) / (brk * kk))
tstep = brk - lmin > 40 ? 10 : brk - lmin > 16 ? 5 : 2
ticks = ""
do for [j = ceil(lmin / tstep) : floor(brk / tstep)] { ticks = ticks . sprintf("%s%g", ticks eq "" ? "" : ", ", j * tstep) }
do for [j = ceil(log10(brk * 1.5)) : floor(log10(lmax))] { ticks = ticks . sprintf(", %g", 10 ** j) }
step = n > 1 ? (tmax - tmin) / (n - 1) : 60
set datafile separator ","
set datafile columnheaders
load here . "plot-time.gp"

top = 1 - 80. / (170 + 220 * np)        # below the title
bot = 80. / (170 + 220 * np)            # above the time axis
h = (top - bot) / np
set multiplot title ttl . "\n" . span
set lmargin at screen 0.06
set rmargin at screen 0.78
set nonlinear y via lin(y) inverse unlin(y)
set yrange [lmin : lmax]
eval "set ytics (" . ticks . ")"
set mytics 1
set grid ytics lc rgb "#dddddd"
set ylabel "latency (ms)"
# the violation strip: each step at least a pixel or two wide
rug = step > t_len / 600 ? step : t_len / 600
set style fill solid 1 noborder
set key at screen 0.80, graph 1 left top Left reverse samplen 2 spacing 1.2 nobox
do for [k = 1 : np] {
	set tmargin at screen top - (k - 1) * h - 0.004
	set bmargin at screen top - k * h + 0.004
	if (k < np) { set format x ""; unset xlabel } else { load here . "plot-time.gp" }
	c = word(colours, (k - 1) % words(colours) + 1)
	set key title word(names, k) left
	plot file(k) using (column("timestamp")):(column("latency")) with lines lc rgb c lw 1.2 title "mean latency per step", \
	     slo with lines lc rgb "black" dt 2 lw 1.2 title sprintf("SLO %g ms", slo), \
	     p95[k] with lines lc rgb "#6a3d9a" dt 4 lw 1.5 title sprintf("p95 of the span: %.2f ms", p95[k]), \
	     file(k) using (column("timestamp")):(column("violation") != 0 ? column("latency") : 1/0) \
	        with points pt 7 ps 0.35 lc rgb "#e31a1c" \
	        title sprintf("violations: %d steps (%.1f %%)", nviol[k], 100. * nviol[k] / nrows[k]), \
	     file(k) using (column("timestamp")):(column("violation") != 0 ? lmin : 1/0):(column("timestamp")):(column("timestamp") + rug):(lmin):(unlin(lin(lmin) + 0.03 * (lin(lmax) - lin(lmin)))) \
	        with boxxyerror lc rgb "#e31a1c" notitle, \
	     (lmax > brk ? brk : 1/0) with lines lc rgb "#999999" dt 3 title sprintf("linear below %g ms, log above", brk)
}
unset multiplot
