//go:build tools

// Package kubelab only records the main packages build.sh builds, so that
// go mod tidy keeps their dependencies in go.mod and go.sum.
package kubelab

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
