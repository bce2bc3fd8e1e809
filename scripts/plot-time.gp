# The time axis shared by plot-band.gp, plot-replicas.gp and plot-latency.gp
# (loaded by them, not run on its own).
# in:  tmin, tmax  the first and last timestamp plotted (Unix seconds)
#      step        seconds per row
# out: the x axis in UTC over [tmin, tmax + step], ticks every 3 h, 6 h, 1 day
#      or 1 week by the span, "time (UTC)" as its label; the string span
#      ("1998-06-26 06:21 to 1998-06-28 06:21 UTC, 2.0 days, 60 s steps")
#      for the title.  gnuplot reads "%s" timestamps as UTC.
set xdata time
set timefmt "%s"
set xrange [tmin : tmax + step]
t_len = tmax + step - tmin
if (t_len <= 1.5 * 86400) {
	set xtics 3 * 3600; set mxtics 3; set format x "%d %b\n%H:%M"
} else { if (t_len <= 4 * 86400) {
	set xtics 6 * 3600; set mxtics 6; set format x "%d %b\n%H:%M"
} else { if (t_len <= 15 * 86400) {
	set xtics 86400; set mxtics 4; set format x "%a\n%d %b"
} else {
	set xtics 7 * 86400; set mxtics 7; set format x "%d %b\n%Y"
} } }
set xlabel "time (UTC)"
span = sprintf("%s to %s UTC, %s, %g s steps", \
	strftime("%Y-%m-%d %H:%M", tmin), strftime("%Y-%m-%d %H:%M", tmax + step), \
	t_len < 2 * 86400 ? sprintf("%.1f h", t_len / 3600.) : sprintf("%.1f days", t_len / 86400.), step)
