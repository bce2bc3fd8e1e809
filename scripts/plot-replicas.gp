# Capacity against load, one panel per policy over the same span.
#   gnuplot -e "d='dir'; out='replicas.png'; ttl='...'; wstar=80.68; ylab='load (requests/s)'" scripts/plot-replicas.gp
# d:     holds simulate's per-step output, <policy>.slice.csv for each policy
#        in pols; columns read by name: timestamp, workload, ready
# out:   the PNG to write
# ttl:   the title (the span of the rows and the time zone are added below it)
# wstar: the load one ready replica serves at the SLO (w*, in the load's unit)
# ylab:  what the load is, with its unit [load]
# pols:  the policies, space-separated file stems [hpa threshold forecast burst]
# names: their names in the panels, space-separated, one per policy
#        [hpa-exact(80%) threshold ar-forecast burst-aware]
# colours: their colours, space-separated, taken in turn
#        ["#a6611a #737373 #4393c3 #1b7837"]
# Each panel: the load, the capacity of the ready replicas (ready x w*), and
# the steps where the load was above the capacity, shaded red between the two
# and marked in a red strip along the bottom.  The right axis counts ready
# replicas (capacity / w*).  The keys are in the right margin, off the
# data.
# Needs plot-time.gp beside this script, gnuplot 5.4 or later and pngcairo.
if (!exists("ylab")) ylab = "load"
if (!exists("pols")) pols = "hpa threshold forecast burst"
if (!exists("names")) names = "hpa-exact(80%) threshold ar-forecast burst-aware"
i = strlen(ARG0); while (i > 0 && ARG0[i:i] ne "/") { i = i - 1 }
here = i > 0 ? ARG0[1:i] : ""
np = words(pols)
if (!exists("colours")) colours = "#a6611a #737373 #4393c3 #1b7837"
file(k) = d . "/" . word(pols, k) . ".slice.csv"
set terminal pngcairo size 1360, 170 + 220 * np font ",10" noenhanced
set output out
set datafile separator ","
set datafile columnheaders

# one span and one load scale for every panel; the steps short of capacity
ymax = 0
array short[np]
do for [k = 1 : np] {
	stats file(k) using (column("workload") > column("ready") * wstar ? 1 : 0) nooutput
	short[k] = int(STATS_sum)
	stats file(k) using (column("timestamp")) nooutput
	tmin = STATS_min; tmax = STATS_max; n = STATS_records
	stats file(k) using (column("workload")) nooutput
	ymax = STATS_max > ymax ? STATS_max : ymax
	stats file(k) using (column("ready") * wstar) nooutput
	ymax = STATS_max > ymax ? STATS_max : ymax
}
ymax = ymax * 1.05
step = n > 1 ? (tmax - tmin) / (n - 1) : 60
load here . "plot-time.gp"

top = 1 - 90. / (170 + 220 * np)        # below the title
bot = 80. / (170 + 220 * np)            # above the time axis
h = (top - bot) / np
set multiplot title ttl . "\n" . span . sprintf("\ncapacity = ready replicas x w* (w* = %g per replica, the load one replica serves at the SLO)", wstar)
set lmargin at screen 0.07
set rmargin at screen 0.78
set yrange [0 : ymax]
set y2range [0 : ymax / wstar]
set ytics nomirror
set y2tics nomirror
set my2tics 2
set grid ytics lc rgb "#dddddd"
# one label for each axis, down the middle of the panels
set label 1 ylab at screen 0.015, (top + bot) / 2 center rotate by 90
set label 2 "ready replicas (capacity / w*)" at screen 0.815, (top + bot) / 2 center rotate by 90
# the steps short of capacity also as a strip along the bottom, each at least
# a pixel or two wide, so that single steps show at the scale of days
rug = step > t_len / 600 ? step : t_len / 600
set key at screen 0.835, graph 1 left top Left reverse samplen 2 spacing 1.2 nobox
do for [k = 1 : np] {
	set tmargin at screen top - (k - 1) * h - 0.004
	set bmargin at screen top - k * h + 0.004
	if (k < np) { set format x ""; unset xlabel } else { load here . "plot-time.gp" }
	c = word(colours, (k - 1) % words(colours) + 1)
	set key title word(names, k) left
	plot file(k) using (column("timestamp")):(column("workload") > column("ready") * wstar ? column("workload") : 1/0):(column("timestamp")):(column("timestamp") + step):(column("ready") * wstar):(column("workload")) \
	        with boxxyerror lc rgb "#f4a3a4" fs solid 1 border lc rgb "#f4a3a4" title sprintf("load > capacity: %d steps", short[k]), \
	     file(k) using (column("timestamp")):(column("workload") > column("ready") * wstar ? 0 : 1/0):(column("timestamp")):(column("timestamp") + rug):(0):(0.03 * ymax) \
	        with boxxyerror lc rgb "#e31a1c" fs solid 1 notitle, \
	     file(k) using (column("timestamp")):(column("workload")) with lines lc rgb "black" lw 1 title "load", \
	     file(k) using (column("timestamp")):(column("ready") * wstar) with steps lc rgb c lw 2 title "capacity (ready x w*)"
	unset label 1; unset label 2
}
unset multiplot
