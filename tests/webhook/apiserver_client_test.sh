#!/usr/bin/env bash
# Calls a `serve` with its default flags the way kube-apiserver and Karmada do (issue 15):
# ../shared/tools/apiserver-client sends bursts of 8 x 20 POSTs with idle gaps around 5 s over Go's
# transport (90 s idle connections, no replay of a written POST). Passes when every call
# succeeded and serve exits 0 on SIGTERM.
#   apiserver_client_test.sh CELL0_WEBHOOK APISERVER_CLIENT REQUEST.json
set -euo pipefail
bin=$1 client=$2 body=$3
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" serve --listen 127.0.0.1:0 --state-dir "$tmp/state" >"$tmp/serve.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(grep -o '"listen":"127.0.0.1:[0-9]*"' "$tmp/serve.log" 2>/dev/null | head -1 | grep -o '[0-9]*"$' | tr -d '"' || true)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log"; echo "serve exited" >&2; exit 1; }
  sleep 0.1
done
if [ -z "$port" ]; then
  cat "$tmp/serve.log"
  echo "serve did not report its port" >&2
  exit 1
fi

status=0
"$client" -url "https://127.0.0.1:$port/interpreter" -ca "$tmp/state/ca.crt" -body "$body" || status=$?
kill -TERM "$pid"
serve_status=0
wait "$pid" || serve_status=$?
pid=""
if [ "$serve_status" -ne 0 ]; then
  cat "$tmp/serve.log"
  echo "serve exited $serve_status after SIGTERM" >&2
  exit 1
fi
exit "$status"
