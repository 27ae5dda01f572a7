# tunnelgate — the two set-up commands on a fresh machine are `make demo` and `make test`.
# Every target builds or installs what it needs; `tools/build` skips work that is already done.

SHELL := /bin/bash
GO ?= go
TOOLS ?= $(CURDIR)/.tools
export TUNNELGATE_TOOLS := $(TOOLS)
# What the demo's local control plane needs (a subset of `make tools`).
KUBE_TOOLS := cilium-crd etcd kube-apiserver kube-controller-manager kube-scheduler kwok

.PHONY: all demo test unit e2e tools check vet fmt tidy examples bench clean

all: check test

## demo: the quickstart with no cloud account — resource tree, ingress rules, DNS, Vault, Kubernetes YAML in ./out,
## then the manifests applied to a local kube-apiserver with strict validation.
demo:
	$(GO) run ./cmd/tunnelgate-demo -out out
	tools/build $(KUBE_TOOLS)
	cd e2e && $(GO) run ./cmd/apply ../out/inpod ../out/ownpod

## test: everything — formatting, vet, unit tests (Pulumi mocks), examples, and the real-parts tests in e2e/.
test: check unit examples e2e

unit:
	$(GO) test -count=1 ./...

examples:
	$(GO) build -o /dev/null ./examples/...

e2e: tools
	cd e2e && $(GO) test -count=1 -timeout 40m ./...

## tools: build kube-apiserver, controller-manager, scheduler, etcd, kwok, pulumi, the kubernetes provider and
## vault from the Go module proxy into .tools/bin (idempotent).
tools:
	tools/build

check: fmt vet tidy

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd e2e && $(GO) vet ./...

## tidy: go.mod and go.sum of the root module say exactly what the code imports (go mod tidy changes nothing).
## (e2e/ is not checked yet: its go.mod marks k8s.io/klog/v2 indirect although cmd/apply imports it.)
tidy:
	$(GO) mod tidy -diff

## bench: registration cost, real-engine cost and build weight against hand-written equivalents.
bench: tools
	$(GO) run ./bench/cmd/benchtable

clean:
	rm -rf out
