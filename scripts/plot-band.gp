# Actual load against the forecast band, burst steps shaded.
#   gnuplot -e "in='bd.csv'; out='band.png'; ttl='...'; ylab='load (requests/s)'" scripts/plot-band.gp
# in:   burstdetect output, columns read by name: timestamp, value, forecast,
#       lower, upper, state, demand (one row per step, timestamps in Unix s)
# out:  the PNG to write
# ttl:  the title (the span of the rows and the time zone are added below it)
# ylab: what the load is, with its unit [load]
# The band is clipped at zero (a load below zero is meaningless); the key is
# in the right margin, off the data.
# Needs plot-time.gp beside this script, gnuplot 5.4 or later and pngcairo.
if (!exists("ylab")) ylab = "load"
i = strlen(ARG0); while (i > 0 && ARG0[i:i] ne "/") { i = i - 1 }
here = i > 0 ? ARG0[1:i] : ""
set terminal pngcairo size 1360,500 font ",10" noenhanced
set output out
set datafile separator ","
set datafile columnheaders
pos(x) = x < 0 ? 0 : x
stats in using (column("timestamp")) nooutput
tmin = STATS_min; tmax = STATS_max; n = STATS_records
step = n > 1 ? (tmax - tmin) / (n - 1) : 60
stats in using (column("value")) nooutput
ymax = STATS_max
stats in using (column("upper")) nooutput
ymax = STATS_max > ymax ? STATS_max : ymax
stats in using (column("demand")) nooutput
ymax = 1.05 * (STATS_max > ymax ? STATS_max : ymax)
load here . "plot-time.gp"
set title ttl . "\n" . span
set ylabel ylab
set yrange [0 : ymax]
set grid ytics lc rgb "#dddddd"
set lmargin at screen 0.06
set rmargin at screen 0.78
set key at screen 0.80, graph 1 left top Left reverse samplen 2 spacing 1.3 nobox
set style fill transparent solid 0.35 noborder
# (the burst boxes are drawn first and opaque, so that overlapping ones do not
# darken)
# one box per burst step over [t, t + step) (not stretched over the gaps),
# at least a pixel or two wide so that single steps show at the scale of days
bw = step > t_len / 600 ? step : t_len / 600
plot in using (column("timestamp") + bw / 2):(strcol("state") eq "burst" ? ymax : 1/0):(bw) \
        with boxes lc rgb "#fbd3bd" fs solid 1 border lc rgb "#fbd3bd" title "burst step (burstdetect)", \
     in using (column("timestamp")):(pos(column("lower"))):(pos(column("upper"))) \
        with filledcurves lc rgb "#92c5de" title "forecast band (clipped at 0)", \
     in using (column("timestamp")):(column("value")) with lines lc rgb "#404040" lw 0.8 title "actual load", \
     in using (column("timestamp")):(column("demand")) with lines lc rgb "#b2182b" dt 2 title "demand planned for", \
     in using (column("timestamp")):(column("forecast")) with lines lc rgb "#08519c" lw 1.2 title "forecast"
