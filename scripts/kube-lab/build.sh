#!/usr/bin/env bash
# Build the pinned kube-lab control plane (issue 11): etcd, kube-apiserver,
# kube-controller-manager and kwok, from Go modules only (no git clones, no
# release downloads). Binaries go to a cache dir keyed by the versions and the
# hash of the wrapper modules' go.mod/go.sum; a complete cache dir is reused.
#
#   scripts/kube-lab/build.sh          # prints the bin dir on stdout
#   KUBE_LAB_TIMING_DIR=/tmp/t scripts/kube-lab/build.sh   # also /usr/bin/time -v per binary
#   KUBE_LAB_FORCE=1 scripts/kube-lab/build.sh             # rebuild even if cached
#   KUBE_LAB_NO_BUILD=1 scripts/kube-lab/build.sh          # exit 3 unless already built
#
# Needs only Go 1.26.x (every pinned module says go 1.26.0; no GOTOOLCHAIN needed)
# and the Go module proxy. .ci/run calls it before the tests; the tests never build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

K8S_VERSION=v1.37.2   # k8s.io/kubernetes; staging modules at v0.37.2 (see go.mod)
ETCD_VERSION=v3.7.3   # go.etcd.io/etcd/server/v3 (its root package is the etcd main)
KWOK_VERSION=v0.8.0   # sigs.k8s.io/kwok (own module: built against k8s.io/* v0.36.1)

gover="$(go env GOVERSION)"
sum="$(cat "$here/go.mod" "$here/go.sum" "$here/kwok/go.mod" "$here/kwok/go.sum" | sha256sum | cut -c1-12)"
key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_${gover}_${sum}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/calico-pcap/kube-lab/${key}"
bin="$cache/bin"

bins=(etcd kube-apiserver kube-controller-manager kwok)

complete=1
for b in "${bins[@]}"; do [[ -x "$bin/$b" ]] || complete=0; done
if [[ $complete == 1 && -z "${KUBE_LAB_FORCE:-}" ]]; then
  echo "kube-lab: reusing $bin" >&2
  echo "$bin"
  exit 0
fi

if [[ -n "${KUBE_LAB_NO_BUILD:-}" ]]; then
  echo "kube-lab: not built yet ($bin); run scripts/kube-lab/build.sh (about 12 minutes cold on 2 cores)" >&2
  exit 3
fi
command -v go >/dev/null || { echo "kube-lab: go is not installed; it builds the control plane" >&2; exit 3; }

mkdir -p "$bin"
export CGO_ENABLED=0   # static binaries, as upstream builds the control plane
export GOFLAGS="${GOFLAGS:-} -mod=readonly -trimpath"

k8s_minor="${K8S_VERSION#v1.}"; k8s_minor="${k8s_minor%%.*}"
k8s_ldflags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done

build() { # name dir pkg ldflags
  local name="$1" dir="$2" pkg="$3" ldflags="$4"
  if [[ -x "$bin/$name" && -z "${KUBE_LAB_FORCE:-}" ]]; then
    echo "kube-lab: $name already built" >&2; return
  fi
  echo "kube-lab: building $name ($pkg)" >&2
  local cmd=(go build -ldflags "$ldflags" -o "$bin/$name.tmp" "$pkg")
  if [[ -n "${KUBE_LAB_TIMING_DIR:-}" ]]; then
    mkdir -p "$KUBE_LAB_TIMING_DIR"
    (cd "$dir" && /usr/bin/time -v -o "$KUBE_LAB_TIMING_DIR/$name.time" "${cmd[@]}")
  else
    (cd "$dir" && "${cmd[@]}")
  fi
  mv "$bin/$name.tmp" "$bin/$name"
}

build etcd "$here" go.etcd.io/etcd/server/v3 "-s -w"
build kube-apiserver "$here" k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build kube-controller-manager "$here" k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
build kwok "$here/kwok" sigs.k8s.io/kwok/cmd/kwok "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}"

echo "$bin"
