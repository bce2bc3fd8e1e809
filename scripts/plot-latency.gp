# Mean latency per step against the SLO (log scale).
#   gnuplot -e "d='dir'; out='latency.png'; ttl='...'; slo=16" scripts/plot-latency.gp
set terminal pngcairo size 1200,450 font ",10" noenhanced
set output out
set datafile separator ","
set key top left
set title ttl
set xdata time
set timefmt "%s"
set format x "%m-%d\n%H:%M"
set ylabel "latency (ms)"
set logscale y
plot d."/hpa.slice.csv" every ::1 using 1:5 with lines lc rgb "#d6604d" title "HPA exact (80 %)", \
     d."/threshold.slice.csv" every ::1 using 1:5 with lines lc rgb "#999999" title "threshold", \
     d."/forecast.slice.csv" every ::1 using 1:5 with lines lc rgb "#4393c3" title "AR forecast", \
     d."/burst.slice.csv" every ::1 using 1:5 with lines lc rgb "#1b7837" lw 1.5 title "burst-aware", \
     slo with lines lc rgb "black" dt 2 title "SLO"
