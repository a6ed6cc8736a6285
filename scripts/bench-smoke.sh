#!/usr/bin/env bash
# Every load-generator scenario at a small scale, against fresh release servers: fails when a
# scenario reports an error, a lost or reordered message or a refused connection. Not a
# performance test (no timing is judged); it keeps the benchmarks runnable. `make bench-smoke`.
set -euo pipefail
cd "$(dirname "$0")/.."
R=${CARGO_TARGET_DIR:-$HOME/.cache/chatbot-socket/target}/release
[ -x "$R/chatbot" ] && [ -x "$R/chatbot-loadgen" ] || { echo "bench-smoke: build first: make build (and cargo build --release --bin chatbot-loadgen)" >&2; exit 1; }
failed=0
check() { # name, then the scenario's JSON on stdin; the Python expression must hold
  local name=$1 rule=$2 json
  json=$(tail -n 1)
  if python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if ($rule) else 1)" "$json" 2>/dev/null; then
    echo "ok   $name"
  else
    echo "FAIL $name: $json" >&2; failed=1
  fi
}
ORDER='d["order"]["socketsOutOfOrder"] == 0 and d["order"]["duplicates"] == 0 and d["order"]["seqDisagreements"] == 0'
for backend in sqlite postgres; do
  scripts/bench.sh $backend sends --senders 20 --duration 3s 2>/dev/null | check "sends [$backend]" 'd["errors"] == 0 and d["acked"] > 0'
  scripts/bench.sh $backend fanout --members 60 --users 3 --messages 30 --interval 10ms 2>/dev/null \
    | check "fanout [$backend]" "d['delivered'] == d['expected'] and $ORDER"
  scripts/bench.sh $backend connect --sockets 200 --users 4 2>/dev/null | check "connect [$backend]" 'd["failures"] == 0'
  scripts/bench.sh $backend requests --requests 100 2>/dev/null | check "requests [$backend]" 'd["errors"] == 0 and len(d["paths"]) == 2'
  scripts/bench.sh $backend chat --sockets 20 --users 4 --questions 2 --tokens 20 2>/dev/null \
    | check "chat [$backend]" 'd["errors"] == 0 and d["answers"] == 40 and d["tokensLost"] == 0 and d["answersFailed"] == 0 and d["answersNotEnded"] == 0'
  scripts/bench.sh $backend soak --duration 6s --window 2s --chatters 5 --senders 10 --users 2 --tokens 20 2>/dev/null \
    | check "soak [$backend]" 'd["errors"] == 0 and d["sendErrors"] == 0 and d["tokensLost"] == 0 and d["answersFailed"] == 0 and d["answers"] > 0'
done
"$R/chatbot-loadgen" tcp-floor --sockets 50 --messages 20 2>/dev/null | check "tcp-floor" 'd["delivered"] == d["expected"]'
scripts/bench-cluster.sh 3 fanout --members 60 --users 3 --messages 30 --interval 10ms 2>/dev/null \
  | check "fanout over 3 instances" "d['delivered'] == d['expected'] and $ORDER"
scripts/bench-cluster.sh 3 sends --senders 30 --duration 3s 2>/dev/null | check "sends over 3 instances" 'd["errors"] == 0 and d["acked"] > 0'
scripts/bench-cluster.sh 2 relay-probe --duration 3s --interval 100ms 2>/dev/null \
  | check "relay-probe" 'd["sendErrors"] == 0 and d["received"] == d["sent"] and d["missed"] == []'
exit $failed
