#!/usr/bin/env bash
# The demo: the user's Application (examples/application-web.yaml, unchanged
# but for repoURL) on a local control plane, served from a local Git server.
# It narrates what Tether reports at each step: Synced/Healthy, manual
# scaling reverted, a commit rolled out, and `git revert` rolling it back.
#
# Usage: hack/demo.sh [--keep]   (--keep leaves everything running)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

keep=false
for arg in "$@"; do
  case "$arg" in
    --keep) keep=true ;;
    *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
  esac
done

tether="$top/bin/tether"
dir="${TETHER_DEMO_DIR:-$(mktemp -d -t tether-demo-XXXXXX)}"
mkdir -p "$dir"
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\e[1m'; dim=$'\e[2m'; reset=$'\e[0m'; else bold=; dim=; reset=; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
say() { printf '%s    %s%s\n' "$dim" "$*" "$reset"; }
pids=()

cleanup() {
  status=$?
  if [ "$status" -ne 0 ] && [ -f "$dir/controller.log" ]; then
    echo "The demo failed; the controller's last log lines:" >&2
    tail -n 20 "$dir/controller.log" >&2 || true
  fi
  if [ "$keep" = true ] && [ "$status" -eq 0 ]; then
    step "Keeping everything running"
    echo "    export KUBECONFIG=$dir/kubeconfig"
    echo "    GitOps work tree: $dir/work (push to deploy)"
    echo "    controller log:   $dir/controller.log"
    echo "    stop with:        kill ${pids[*]}; $tether dev down --dir $dir"
    return
  fi
  step "Cleaning up"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$tether" dev down --dir "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT

# wait_for DESCRIPTION COMMAND...: polls COMMAND until it succeeds (60 s).
wait_for() {
  local what=$1; shift
  local deadline=$((SECONDS + 60))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}
app_field() { kubectl get application web -n argocd -o "jsonpath={$1}" 2>/dev/null; }
app_is() { [ "$(app_field .status.sync.status)/$(app_field .status.health.status)" = "$1" ] && [ "$(app_field .status.sync.revision)" = "$2" ]; }
replicas_are() { [ "$(kubectl get deployment web -n prod -o 'jsonpath={.spec.replicas}')" = "$1" ]; }
image_is() { [ "$(kubectl get deployment web -n prod -o 'jsonpath={.spec.template.spec.containers[0].image}')" = "$1" ]; }
summary() {
  say "sync=$(app_field .status.sync.status) health=$(app_field .status.health.status) revision=$(app_field .status.sync.revision | cut -c1-7) images=$(app_field .status.summary.images[*])"
}
git_user() { git -c user.name="Demo User" -c user.email=demo@example.com "$@"; }
# push_hook BEFORE AFTER FILE...: what a Git host sends after a push.
push_hook() {
  local before=$1 after=$2; shift 2
  local files
  files=$(printf '"%s",' "$@"); files="[${files%,}]"
  curl -fsS -o /dev/null -X POST "http://127.0.0.1:$hook_port/api/webhook" \
    -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
    -d "{\"ref\":\"refs/heads/main\",\"before\":\"$before\",\"after\":\"$after\",\"repository\":{\"clone_url\":\"$repo\",\"html_url\":\"$repo\",\"default_branch\":\"main\"},\"commits\":[{\"modified\":$files}]}"
  say "push webhook sent for ${after:0:7}"
}

step "Starting a local Kubernetes control plane in $dir"
eval "$("$tether" dev up --dir "$dir")"
"$tether" dev status --dir "$dir"

step "Creating the GitOps repository (examples/gitops: charts/web with values-prod.yaml)"
mkdir -p "$dir/git"
git init -q --bare -b main "$dir/git/gitops.git"
"$tether" dev git-server --root "$dir/git" --listen 127.0.0.1:0 > "$dir/git-server.url" 2> "$dir/git-server.log" &
pids+=($!)
wait_for "the git server" test -s "$dir/git-server.url"
repo="$(head -n1 "$dir/git-server.url")/gitops.git"
git clone -q "$repo" "$dir/work" 2>/dev/null
cp -R examples/gitops/. "$dir/work/"
git_user -C "$dir/work" add -A
git_user -C "$dir/work" commit -q -m "web: first release"
git -C "$dir/work" push -q origin HEAD:main
say "repository: $repo"

step "tether install: CRDs, the argocd namespace and the default AppProject"
"$tether" install

hook_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18082)
step "Starting the controller (push webhooks on 127.0.0.1:$hook_port/api/webhook)"
"$tether" controller --namespace argocd --leader-elect=false --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
  --webhook-addr "127.0.0.1:$hook_port" --log-format text > "$dir/controller.log" 2>&1 &
pids+=($!)

step "Applying the user's Application (examples/application-web.yaml, repoURL pointed at the local server)"
sed "s#https://github.com/your-org/gitops.git#$repo#" examples/application-web.yaml | tee "$dir/application-web.yaml" | sed 's/^/    /'
kubectl apply -f "$dir/application-web.yaml"
first=$(git -C "$dir/work" rev-parse HEAD)
"$tether" app wait web --sync --health --timeout 60s >/dev/null
wait_for "web to be Synced and Healthy" app_is Synced/Healthy "$first"
"$tether" app get web

step "Someone scales by hand: kubectl scale deployment/web --replicas=10 -n prod"
kubectl scale deployment/web --replicas=10 -n prod
wait_for "the replica count to return to Git's 2" replicas_are 2
say "selfHeal reverted it: replicas=$(kubectl get deployment web -n prod -o 'jsonpath={.spec.replicas}')"
kubectl get events -n argocd --field-selector reason=DriftReverted -o custom-columns=REASON:.reason,MESSAGE:.message --no-headers 2>/dev/null | tail -n1 | sed 's/^/    /' || true

step "A deploy is a commit: the pipeline runs tether bump, the Git host sends a push webhook"
say "tether bump --repo $repo --file charts/web/values-prod.yaml --set image.tag=1.27.1"
"$tether" bump --repo "$repo" --file charts/web/values-prod.yaml --set image.tag=1.27.1 \
  --message "web: deploy 1.27.1" --author "Pipeline <ci@example.com>" | sed 's/^/    /'
git -C "$dir/work" pull -q --ff-only origin main
bump=$(git -C "$dir/work" rev-parse HEAD)
push_hook "$first" "$bump" charts/web/values-prod.yaml
wait_for "the new image to roll out" image_is nginx:1.27.1
wait_for "web to be Synced at the new commit" app_is Synced/Healthy "$bump"
summary

step "A rollback is git revert"
git_user -C "$dir/work" revert --no-edit HEAD >/dev/null
git -C "$dir/work" push -q origin HEAD:main
revert=$(git -C "$dir/work" rev-parse HEAD)
push_hook "$bump" "$revert" charts/web/values-prod.yaml
wait_for "the previous image to come back" image_is nginx:1.27.0
wait_for "web to be Synced at the revert" app_is Synced/Healthy "$revert"
summary

step "What is deployed, from which commit, and why: tether app history web"
"$tether" app history web

step "Previewing a change before it is pushed: tether app diff web --local"
sed -i 's/replicaCount: 2/replicaCount: 3/' "$dir/work/charts/web/values-prod.yaml"
"$tether" app diff web --local "$dir/work/charts/web" || true
git -C "$dir/work" checkout -q -- charts/web/values-prod.yaml

step "Done: Git is the source of truth"
