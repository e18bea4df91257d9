#!/usr/bin/env bash
# Prints a kubeconfig for the pure-control taint reconciler: the token of ServiceAccount
# karmada-system/cell0-webhook-reconciler on karmada-apiserver (created by the karmada-apiserver
# half of an overlay) and the CA that signed karmada-apiserver's certificate.
#
#   deploy/make-reconciler-kubeconfig.sh KARMADA_KUBECONFIG [SERVER_URL] |
#     kubectl --kubeconfig HOST_KUBECONFIG -n karmada-system create secret generic \
#       cell0-webhook-karmada-kubeconfig --from-file=kubeconfig=/dev/stdin
#
# SERVER_URL is how the webhook pods reach karmada-apiserver from the host cluster (default
# https://karmada-apiserver.karmada-system.svc:5443, the Service that karmadactl init and the
# karmada-operator create).
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
karmada_kubeconfig="$1"
server="${2:-https://karmada-apiserver.karmada-system.svc:5443}"
secret=cell0-webhook-reconciler-token

field() {
  kubectl --kubeconfig "$karmada_kubeconfig" -n karmada-system get secret "$secret" -o "jsonpath={.data.$1}"
}
# The token controller fills the Secret shortly after it is created.
for _ in $(seq 30); do
  token="$(field token 2>/dev/null || true)"
  [ -n "$token" ] && break
  sleep 1
done
[ -n "${token:-}" ] || { echo "error: Secret karmada-system/$secret has no token yet (is the karmada-apiserver half applied?)" >&2; exit 1; }
ca="$(field 'ca\.crt')"

cat <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: karmada-apiserver
    cluster:
      server: $server
      certificate-authority-data: $ca
users:
  - name: cell0-webhook-reconciler
    user:
      token: $(printf '%s' "$token" | base64 -d)
contexts:
  - name: cell0-webhook-reconciler
    context: {cluster: karmada-apiserver, user: cell0-webhook-reconciler}
current-context: cell0-webhook-reconciler
KUBECONFIG
