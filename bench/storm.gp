# Fleet storm plot for bench/bench.py.  Called as
#   gnuplot -e "dat='storm.dat'; png='storm.png'; down=5; fleet=200" storm.gp
# storm.dat: t (s since the NMS stopped), arrivals per 100 ms for the three
# configurations (columns 2-4), then devices back so far (columns 5-7).
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size 1100,800 font ",10"
} else {
	set terminal png size 1100,800
}
set output png
set multiplot layout 2,1 title sprintf("Fleet storm: %d sshd-callhome devices; the NMS stops at t = 0 and is back at t = %.1f s (dashed)", fleet, down)
set grid
set key top right
set xlabel "seconds since the NMS stopped"
set arrow 1 from down, graph 0 to down, graph 1 nohead dt 2 lc rgb "gray40"
set ylabel "calls arriving per 100 ms"
plot dat using 1:2 with steps lw 2 lc rgb "#1f77b4" title "default: --backoff-max=120, full jitter", \
     dat using 1:3 with steps lw 2 lc rgb "#2ca02c" title "--backoff-max=1: full jitter in windows <= 1 s", \
     dat using 1:4 with steps lw 2 lc rgb "#d62728" title "no jitter (constant random source): waits 1, 1, 2, 4 ... s"
set ylabel "devices back"
set yrange [0:fleet * 1.05]
set key bottom right
plot dat using 1:5 with steps lw 2 lc rgb "#1f77b4" title "default", \
     dat using 1:6 with steps lw 2 lc rgb "#2ca02c" title "--backoff-max=1", \
     dat using 1:7 with steps lw 2 lc rgb "#d62728" title "no jitter"
unset multiplot
