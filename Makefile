# tunnelgate — the two set-up commands on a fresh machine are `make demo` and `make test`.
# Every target builds or installs what it needs; `tools/build` skips work that is already done.

SHELL := /bin/bash
GO ?= go
# Built tools live in the user's cache folder, shared by every clone (override with TOOLS= or TUNNELGATE_TOOLS=).
TOOLS ?= $(or $(TUNNELGATE_TOOLS),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tunnelgate/tools)
export TUNNELGATE_TOOLS := $(TOOLS)
# What the demo's local control plane needs (a subset of `make tools`).
KUBE_TOOLS := cilium-crd etcd kube-apiserver kube-controller-manager kube-scheduler kwok

.PHONY: all demo test unit e2e tools plugin check vet fmt tidy examples bench clean

all: check test

## demo: the quickstart with no cloud account — resource tree, ingress rules, DNS, Vault, Kubernetes YAML in ./out,
## then the manifests applied to a local kube-apiserver with strict validation.
demo:
	@echo "demo: compiling the quickstart and running it on Pulumi's mock engine (the first compile takes a few minutes)"
	$(GO) run ./cmd/tunnelgate-demo -out out
	@echo "demo: next, a local control plane to apply those objects to; tools/build says what it builds and for how long (once)"
	tools/build $(KUBE_TOOLS)
	cd e2e && $(GO) run ./cmd/apply ../out/inpod ../out/ownpod

## test: everything — formatting, vet, unit tests (Pulumi mocks), examples, and the real-parts tests in e2e/.
test: check unit examples e2e

# The Pulumi plugin (cmd/pulumi-resource-tunnelgate) is a Go module of its own, so that the library's go.mod
# stays free of pulumi-go-provider and the engine's packages.
PLUGIN := cmd/pulumi-resource-tunnelgate

unit:
	$(GO) test -count=1 ./...
	cd $(PLUGIN) && $(GO) test -count=1 ./...

examples:
	$(GO) build -o /dev/null ./examples/...

e2e: tools
	cd e2e && $(GO) test -count=1 -timeout 40m ./...

## tools: build kube-apiserver, controller-manager, scheduler, etcd, kwok, pulumi, the kubernetes provider and
## vault from the Go module proxy into $(TOOLS)/bin, and install the upstream Pulumi plugins (cloudflare, random,
## vault, language hosts) from shared/plugins or $$TUNNELGATE_PLUGINS (idempotent; says up front what it builds).
tools:
	tools/build

## plugin: the Pulumi plugin of this checkout, for TypeScript, YAML and the other languages, into .tools/bin.
plugin:
	tools/build pulumi-resource-tunnelgate

check: fmt vet tidy

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd e2e && $(GO) vet ./...
	cd $(PLUGIN) && $(GO) vet ./...

## tidy: go.mod and go.sum of the three modules say exactly what the code imports (go mod tidy changes nothing).
tidy:
	$(GO) mod tidy -diff
	cd e2e && $(GO) mod tidy -diff
	cd $(PLUGIN) && $(GO) mod tidy -diff

## bench: registration cost, real-engine cost and build weight against hand-written equivalents.
bench: tools
	$(GO) run ./bench/cmd/benchtable

clean:
	rm -rf out
