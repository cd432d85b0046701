#!/usr/bin/env bash
# Installs the tools that validate k8s/, infra/docker-compose.yml and infra/docker/Dockerfile
# offline (the tests in test/deploy/ run them):
#
#   kustomize        sigs.k8s.io/kustomize/kustomize/v5   } Go module proxy; versions pinned by
#   kubeconform      github.com/yannh/kubeconform         } infra/deploy-tools/checker/go.mod
#   xp-deploy-check  infra/deploy-tools/checker: Compose (compose-go), Strimzi custom
#                    resources (Strimzi API types) and Dockerfile (BuildKit parser and linter)
#   kube-schemas/    Kubernetes JSON schemas from PyPI's kubernetes-validate package,
#                    rewritten for offline use (prepare-kube-schemas.js)
#
# Everything goes to $XP_DEPLOY_TOOLS_DIR (default: ~/.cache/xp-deploy-tools), outside the
# repository. Idempotent: a component whose pinned version (or, for the checker, whose
# sources) did not change is not installed again. The components install in parallel.
#
# usage: bash infra/deploy-tools/install.sh [--force | --check]
#   --force  reinstall everything
#   --check  install nothing; exit 1 (naming what is missing or stale) unless all is current
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS_DIR="${XP_DEPLOY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/xp-deploy-tools}"
BIN="$TOOLS_DIR/bin"

KUBERNETES_VALIDATE_VERSION=1.37.0
# Kubernetes versions the manifests are validated against: the oldest supported and the newest.
KUBE_SCHEMA_VERSIONS=(1.30.0 1.37.0)

force=0
check=0
case "${1:-}" in
  "") ;;
  --force) force=1 ;;
  --check) check=1 ;;
  *) echo "usage: $0 [--force | --check]" >&2; exit 2 ;;
esac

log() { echo "deploy-tools: $*" >&2; }

# Go may be installed without being on PATH.
[[ -x /usr/local/go/bin/go ]] && PATH="$PATH:/usr/local/go/bin"

for tool in go node python3; do
  command -v "$tool" >/dev/null 2>&1 || { log "$tool is required but not on PATH"; exit 1; }
done

# Go settings: use this machine's toolchain (never download another), and keep the module
# and build caches where go keeps them by default so other Go work shares them.
export GOTOOLCHAIN=local
export GOFLAGS="-buildvcs=false"

# up_to_date NAME STAMP: true when component NAME was installed with the same STAMP.
up_to_date() {
  [[ $force -eq 0 && -f "$TOOLS_DIR/.stamp-$1" && "$(cat "$TOOLS_DIR/.stamp-$1")" == "$2" ]]
}
mark() { echo "$2" >"$TOOLS_DIR/.stamp-$1"; }

# What each component is built from: any change reinstalls it.
go_tools_stamp() { (cd "$HERE/checker" && cat go.mod go.sum ./*.go | sha256sum | cut -d' ' -f1); }
kube_schemas_stamp() {
  echo "$KUBERNETES_VALIDATE_VERSION ${KUBE_SCHEMA_VERSIONS[*]} $(sha256sum "$HERE/prepare-kube-schemas.js" | cut -d' ' -f1)"
}

install_go_tools() {
  local stamp
  stamp="$(go_tools_stamp)"
  if up_to_date go-tools "$stamp" && [[ -x "$BIN/kustomize" && -x "$BIN/kubeconform" && -x "$BIN/xp-deploy-check" ]]; then
    return 0
  fi
  # One build for the three binaries: shared packages compile once, and go.sum pins them all.
  local out="$TOOLS_DIR/build-go-tools"
  rm -rf "$out"
  mkdir -p "$out"
  (cd "$HERE/checker" && go build -mod=readonly -trimpath -ldflags='-s -w' -o "$out/" \
    sigs.k8s.io/kustomize/kustomize/v5 github.com/yannh/kubeconform/cmd/kubeconform .)
  mv "$out/kustomize" "$out/kubeconform" "$BIN/"
  mv "$out/checker" "$BIN/xp-deploy-check"
  rm -rf "$out"
  mark go-tools "$stamp"
}

install_kube_schemas() {
  local stamp
  stamp="$(kube_schemas_stamp)"
  if up_to_date kube-schemas "$stamp" && [[ -d "$TOOLS_DIR/kube-schemas" ]]; then return 0; fi
  local work="$TOOLS_DIR/work-kube-schemas"
  rm -rf "$work"
  mkdir -p "$work"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$work" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  local wheel
  wheel="$(ls "$work"/kubernetes_validate-*.whl)"
  # Extract only the schema directories needed (the wheel bundles every Kubernetes version).
  python3 - "$wheel" "$work/extracted" "${KUBE_SCHEMA_VERSIONS[@]}" <<'PY'
import sys, zipfile
wheel, target, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
prefixes = tuple(f"kubernetes_validate/kubernetes-json-schema/v{v}-local-strict/" for v in versions)
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.startswith(prefixes)]
    missing = [p for p in prefixes if not any(n.startswith(p) for n in names)]
    if missing:
        sys.exit(f"kubernetes-validate has no schemas for {missing}")
    z.extractall(target, names)
PY
  mkdir -p "$TOOLS_DIR/kube-schemas"
  for version in "${KUBE_SCHEMA_VERSIONS[@]}"; do
    node "$HERE/prepare-kube-schemas.js" \
      "$work/extracted/kubernetes_validate/kubernetes-json-schema/v$version-local-strict" \
      "$TOOLS_DIR/kube-schemas/v$version-standalone-strict"
  done
  printf '%s\n' "${KUBE_SCHEMA_VERSIONS[@]}" >"$TOOLS_DIR/kube-schemas/versions"
  rm -rf "$work"
  mark kube-schemas "$stamp"
}

if [[ $check -eq 1 ]]; then
  stale=()
  { up_to_date go-tools "$(go_tools_stamp)" && [[ -x "$BIN/kustomize" && -x "$BIN/kubeconform" && -x "$BIN/xp-deploy-check" ]]; } ||
    stale+=("kustomize, kubeconform, xp-deploy-check")
  { up_to_date kube-schemas "$(kube_schemas_stamp)" && [[ -d "$TOOLS_DIR/kube-schemas" ]]; } ||
    stale+=("Kubernetes schemas")
  if ((${#stale[@]} > 0)); then
    log "missing or out of date in $TOOLS_DIR: ${stale[*]} (run: bash infra/deploy-tools/install.sh)"
    exit 1
  fi
  log "up to date in $TOOLS_DIR"
  exit 0
fi

mkdir -p "$BIN" "$TOOLS_DIR/logs"
# One install at a time (parallel test workers may all ask for the tools).
exec 9>"$TOOLS_DIR/.lock"
flock 9
start=$SECONDS
pids=()
names=()
for component in kube_schemas go_tools; do
  "install_$component" >"$TOOLS_DIR/logs/$component.log" 2>&1 &
  pids+=($!)
  names+=("$component")
done
failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    log "installing ${names[$i]} failed:"
    tail -n 30 "$TOOLS_DIR/logs/${names[$i]}.log" >&2
    failed=1
  fi
done
[[ $failed -eq 0 ]] || exit 1

log "ready in $TOOLS_DIR ($((SECONDS - start))s): kustomize $("$BIN/kustomize" version), kubeconform, xp-deploy-check, Kubernetes schemas ${KUBE_SCHEMA_VERSIONS[*]}"
