#!/usr/bin/env bash
# The main job, for now (the daemon comes next): the log — create a topic, produce sample
# orders keyed by customer, read them back — then every example query script run on its
# sample data until caught up, printing what each query writes.
# Uses its own data directory (data/quickstart, whatever CEP_DATA says), emptied first, so it
# can be run again and again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CEP_DATA="$root/data/quickstart"
rm -rf "$CEP_DATA"
cep="$root/cep"

"$cep" topics create orders --partitions 3 --config retention.ms=-1
"$cep" produce orders --file "$root/examples/data/orders.txt" --key-separator '|'
"$cep" topics describe orders
echo "--- alice's orders (key alice always lands in the same partition) ---"
"$cep" consume orders --print-key --print-offset | grep '^[0-9]*:[0-9]*	alice	' | head -5
echo "--- the first 3 records of partition 0 ---"
"$cep" consume orders --partition 0 --max-messages 3 --print-offset
"$cep" log verify orders

for example in fraud:payments sensors:readings sessions:clicks v-shape:ticks auctions:bids; do
    script="${example%%:*}"
    input="${example##*:}"
    echo "--- examples/$script.csx on examples/data/$input.jsonl ---"
    "$cep" run "$root/examples/$script.csx" --input "$input=$root/examples/data/$input.jsonl" --exit-when-caught-up
done
