# Actual load vs the forecast band, burst steps shaded.
#   gnuplot -e "in='bd.csv'; out='band.png'; ttl='...'" scripts/plot-band.gp
# in: burstdetect output (timestamp,load,forecast,lower,upper,state,demand)
set terminal pngcairo size 1200,450 font ",10" noenhanced
set output out
set datafile separator ","
stats in using 2 nooutput
ymax = STATS_max * 1.15
# one box per burst step, as wide as the step (not stretched over the gaps)
stats in every ::1::2 using 1 nooutput
step = STATS_max - STATS_min
set key top left
set title ttl
set xdata time
set timefmt "%s"
set format x "%m-%d\n%H:%M"
set ylabel "requests/s"
set style fill transparent solid 0.25 noborder
plot in every ::1 using 1:(strcol(6) eq "burst" ? ymax : 1/0):(step) with boxes lc rgb "#f4a582" title "burst", \
     in every ::1 using 1:4:5 with filledcurves lc rgb "#92c5de" title "forecast band", \
     in every ::1 using 1:3 with lines lc rgb "#2166ac" title "forecast", \
     in every ::1 using 1:2 with lines lc rgb "black" lw 1 title "actual", \
     in every ::1 using 1:7 with lines lc rgb "#b2182b" dt 2 title "demand"
