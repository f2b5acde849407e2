#!/usr/bin/env bash
# The main job, for now: create a topic, produce sample orders keyed by customer, read them back.
# Uses its own data directory so it can be run again and again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CEP_DATA="${CEP_DATA:-$root/data/quickstart}"
cep="$root/cep"

"$cep" topics delete orders >/dev/null 2>&1 || true
"$cep" topics create orders --partitions 3 --config retention.ms=-1
"$cep" produce orders --file "$root/examples/data/orders.txt" --key-separator '|'
"$cep" topics describe orders
echo "--- alice's orders (key alice always lands in the same partition) ---"
"$cep" consume orders --print-key --print-offset | grep '^[0-9]*:[0-9]*	alice	' | head -5
echo "--- the first 3 records of partition 0 ---"
"$cep" consume orders --partition 0 --max-messages 3 --print-offset
"$cep" log verify orders
