#!/usr/bin/env bash
# The main job: the log — create a topic, produce sample orders keyed by customer, read them
# back — then the engine daemon running every example query on its sample data, printing what
# each query writes. Without --exit-when-caught-up the daemon would keep running (Ctrl+C stops
# it, every query checkpointing first).
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

# The engine: feed each example's sample data to its input topic, then start the daemon on the
# examples folder. It deploys every script, prints what the queries write as they write it, and
# (with --exit-when-caught-up, for this demo) stops once they have read all of their input.
for input in payments readings clicks ticks bids; do
    "$cep" topics create "$input" >/dev/null
    "$cep" produce "$input" --file "$root/examples/data/$input.jsonl"
done
echo "--- cep daemon: deploying examples/*.csx; admin API on http://127.0.0.1:8420 (/queries, /topics, /groups, /metrics); Kafka clients on ${CEP_KAFKA:-127.0.0.1:9092} ---"
"$cep" daemon --queries "$root/examples" --http http://127.0.0.1:8420 --print --exit-when-caught-up
