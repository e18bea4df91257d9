#!/usr/bin/env bash
# Shows scripts/check-layering failing: on a copy of the modules it passes; with one include that
# crosses a missing edge (kube/ -> webhook/) added, it must fail and name that line.
set -euo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for m in common lua policies certs interpreters kube controllers webhook cli; do
  cp -r "$src/$m" "$tmp/$m"
done
"$src/scripts/check-layering" "$tmp" >/dev/null || { echo "the unchanged copy should pass" >&2; exit 1; }
echo '#include "webhook/server.h"' >> "$tmp/kube/kubeconfig.cc"
if out=$("$src/scripts/check-layering" "$tmp" 2>&1); then
  echo "check-layering passed with a forbidden include:" >&2
  echo "$out" >&2
  exit 1
fi
grep -q 'kube/kubeconfig.cc:[0-9]*: kube/ may not include "webhook/server.h"' <<<"$out" || {
  echo "the failure does not name the forbidden include:" >&2
  echo "$out" >&2
  exit 1
}
echo "#include <httplib.h>" >> "$tmp/webhook/server.cc"  # the server is Beast: only kube/ may
sed -i '$d' "$tmp/kube/kubeconfig.cc"
if "$src/scripts/check-layering" "$tmp" >/dev/null 2>&1; then
  echo "check-layering passed with httplib.h in webhook/" >&2
  exit 1
fi
echo "check-layering fails on a forbidden include, as it should"
