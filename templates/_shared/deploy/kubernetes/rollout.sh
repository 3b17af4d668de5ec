#!/usr/bin/env bash
# Rolls out an overlay: the migration Job first, to completion, then the API; a failed migration
# stops the rollout with its log, and the running pods keep serving the old release.
#   bash deploy/kubernetes/rollout.sh [OVERLAY]     (default: deploy/kubernetes/overlays/production)
#   MIGRATION_TIMEOUT_SECONDS=900 ROLLOUT_TIMEOUT=5m
set -euo pipefail

overlay=${1:-deploy/kubernetes/overlays/production}
migration_timeout=${MIGRATION_TIMEOUT_SECONDS:-900}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One rendering, split by kind: the Job, the Deployments, and everything else.
kubectl kustomize "$overlay" >"$work/all.yaml"
awk -v dir="$work" '
  /^---$/ { flush(); next }
  { doc = doc $0 "\n"; if ($0 ~ /^kind: /) kind = $2 }
  function flush() {
    if (doc == "") return
    file = kind == "Job" ? "job" : "rest"
    printf "---\n%s", doc >> (dir "/" file ".yaml")
    if (kind == "Deployment") printf "---\n%s", doc >> (dir "/deployments.yaml")
    doc = ""; kind = ""
  }
  END { flush() }
' "$work/all.yaml"
[ -s "$work/job.yaml" ] || { echo "rollout: $overlay has no migration Job (add ../../migrate to its resources)" >&2; exit 2; }

# A Job's pod template cannot change: the previous release's Job goes before this one is created.
# The namespace (and the rest of what is not the API) first, so the Job has somewhere to run.
kubectl apply -f "$work/rest.yaml" --selector '!app.kubernetes.io/component'
kubectl delete -f "$work/job.yaml" --ignore-not-found --wait=true
kubectl apply -f "$work/job.yaml"

echo "rollout: waiting for the migration (at most ${migration_timeout} s)" >&2
deadline=$((SECONDS + migration_timeout))
while :; do
  conditions=$(kubectl get -f "$work/job.yaml" -o jsonpath='{.status.conditions[?(@.status=="True")].type}')
  case " $conditions " in
    *" Complete "*) break ;;
    *" Failed "*)
      echo "rollout: the migration failed; the API was not rolled out. Its log:" >&2
      kubectl logs --namespace "$(kubectl get -f "$work/job.yaml" -o jsonpath='{.metadata.namespace}')" \
        "$(kubectl get -f "$work/job.yaml" -o name)" --tail=100 >&2 || true
      exit 1
      ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "rollout: the migration did not finish in ${migration_timeout} s; the API was not rolled out" >&2
    exit 1
  fi
  sleep 2
done

kubectl apply -f "$work/rest.yaml"
kubectl rollout status -f "$work/deployments.yaml" --timeout="${ROLLOUT_TIMEOUT:-5m}"
