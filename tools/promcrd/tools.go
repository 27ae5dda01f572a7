//go:build tools

// Package tools pins controller-gen and the prometheus-operator API types that tools/build generates the
// monitoring.coreos.com CRDs from.
package tools

import (
	_ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
