//go:build tools

// Package main lists what the copied provider command (main.go, generate.go) imports, so that go.mod and go.sum
// stay complete without committing a copy of the provider's sources.
package main

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
