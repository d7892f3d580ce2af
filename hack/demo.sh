#!/usr/bin/env bash
# The demo: a local control plane, and a Deployment that becomes Available.
# Usage: hack/demo.sh [--keep]   (--keep leaves the control plane running)
set -euo pipefail
cd "$(dirname "$0")/.."

keep=false
for arg in "$@"; do
  case "$arg" in
    --keep) keep=true ;;
    *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
  esac
done

tether=./bin/tether
dir="${TETHER_DEMO_DIR:-$(mktemp -d -t tether-demo-XXXXXX)}"
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\e[1m'; reset=$'\e[0m'; else bold=; reset=; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }

cleanup() {
  if [ "$keep" = true ]; then
    step "Keeping the control plane. Use it with:  export KUBECONFIG=$dir/kubeconfig"
    echo "Stop it with:  $tether dev down --dir $dir"
  else
    step "Stopping the control plane"
    "$tether" dev down --dir "$dir"
    rm -rf "$dir"
  fi
}
trap cleanup EXIT

step "Starting a local control plane in $dir"
eval "$("$tether" dev up --dir "$dir")"
"$tether" dev status --dir "$dir"

step "kubectl get nodes"
kubectl get nodes -o wide

step "Creating a Deployment with 2 replicas"
kubectl create deployment web --image=nginx:1.27 --replicas=2
kubectl rollout status deployment/web --timeout=60s
kubectl get deployment web
kubectl get pods -l app=web -o wide
