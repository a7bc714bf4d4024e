#!/usr/bin/env bash
# Draws rtm-bench results as one PNG with gnuplot (Debian package gnuplot-nox): throughput
# (W2 msgs/s, W3 deliveries/s) on the left, W1 round-trip percentiles on the right, one bar
# per input file, with the targets of issue #8 as dashed lines.
# Usage: core/tools/bench_plot.sh OUT.png LABEL=FILE [LABEL=FILE]...
#   FILE holds rtm-bench's stdout (lines "peer=rtmd workload=W metric=NAME value=V unit=U");
#   LABEL names its bars (no spaces), e.g. before=base.txt after=final.txt
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: bench_plot.sh OUT.png LABEL=FILE [LABEL=FILE]..." >&2
  exit 2
fi
out=$1
shift
command -v gnuplot >/dev/null || { echo "bench_plot.sh: gnuplot is not installed (apt-get install gnuplot-nox)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# value of workload $2 metric $3 in file $1 ("NaN" when missing: gnuplot leaves the bar out)
value() {
  awk -v w="$2" -v m="$3" '
    $1 == "peer=rtmd" && $2 == "workload=" w && $3 == "metric=" m { sub("value=", "", $4); v = $4 }
    END { print (v == "" ? "NaN" : v) }' "$1"
}

: >"$tmp/throughput.dat"
: >"$tmp/latency.dat"
for arg in "$@"; do
  label=${arg%%=*}
  file=${arg#*=}
  if [ "$label" = "$arg" ] || [ -z "$label" ] || [ ! -r "$file" ]; then
    echo "bench_plot.sh: expected LABEL=FILE with a readable FILE, got '$arg'" >&2
    exit 2
  fi
  w2=$(value "$file" W2 msgs_per_s)
  w3=$(value "$file" W3 deliveries_per_s)
  echo "$label $(awk -v a="$w2" -v b="$w3" 'BEGIN { printf "%s %s", (a == "NaN" ? a : a / 1000), (b == "NaN" ? b : b / 1000) }')" >>"$tmp/throughput.dat"
  echo "$label $(value "$file" W1 rtt_p50_us) $(value "$file" W1 rtt_p90_us) $(value "$file" W1 rtt_p99_us) $(value "$file" W1 rtt_p999_us)" >>"$tmp/latency.dat"
done

# room above the highest bar, the 600k target line and the key
ymax=$(awk '{ for (i = 2; i <= 3; i++) if ($i != "NaN" && $i > m) m = $i } END { m = m * 1.35; print (m < 850 ? 850 : m) }' "$tmp/throughput.dat")

gnuplot <<EOF
set terminal pngcairo size 1200,500 font "sans,10"
set output "$out"
set multiplot layout 1,2 title "rtm-bench on $(nproc) cores, loopback (64-byte messages)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top right

set title "Throughput (thousands per second)"
set ylabel "k/s"
set yrange [0:$ymax]
plot "$tmp/throughput.dat" using 2:xtic(1) title "W2 msgs/s (delivery ack)" lc rgb "#1f77b4", \
     "" using 3 title "W3 deliveries/s (fan-out)" lc rgb "#ff7f0e", \
     400 with lines dt 2 lw 1.5 lc rgb "#1f77b4" title "W2 target 400k", \
     600 with lines dt 2 lw 1.5 lc rgb "#ff7f0e" title "W3 target 600k"

set title "W1 round trip A->B->A, percentiles (microseconds)"
set ylabel "us"
set logscale y
set yrange [10:*]
plot "$tmp/latency.dat" using 2:xtic(1) title "p50" lc rgb "#2ca02c", \
     "" using 3 title "p90" lc rgb "#9467bd", \
     "" using 4 title "p99" lc rgb "#d62728", \
     "" using 5 title "p99.9" lc rgb "#8c564b", \
     140 with lines dt 2 lw 1.5 lc rgb "#2ca02c" title "p50 target 140", \
     220 with lines dt 2 lw 1.5 lc rgb "#d62728" title "p99 target 220"
unset multiplot
EOF
echo "wrote $out"
