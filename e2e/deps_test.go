package e2e

import (
	_ "github.com/hashicorp/consul-template/template"
	_ "github.com/hashicorp/vault-k8s/agent-inject/agent"
	_ "github.com/hashicorp/vault/api"
	_ "github.com/pulumi/pulumi/sdk/v3/go/auto"
	_ "github.com/tunnelgate/tunnelgate/internal/dryrun"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/pod-security-admission/policy"
)
