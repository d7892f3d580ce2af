#!/usr/bin/env bash
# Regenerates the code and manifests derived from the API types in api/:
# zz_generated.deepcopy.go (DeepCopy methods) and the CustomResourceDefinitions
# in api/v1alpha1/crds/, which the api package embeds.
#
# controller-gen runs at a pinned version through `go run pkg@version`, so it
# is fetched from the Go module proxy on first use and go.mod is not changed.
set -euo pipefail

CONTROLLER_GEN_VERSION="${CONTROLLER_GEN_VERSION:-v0.23.0}"
controller_gen=(go run "sigs.k8s.io/controller-tools/cmd/controller-gen@${CONTROLLER_GEN_VERSION}")

cd "$(dirname "$0")/.."

crds=api/v1alpha1/crds
rm -f "${crds}"/*.yaml

"${controller_gen[@]}" \
  object \
  crd:crdVersions=v1 \
  paths=./api/... \
  output:crd:artifacts:config="${crds}"
