package quickstart_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/examples/quickstart"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
)

func config(extra map[string]string) dryrun.Option {
	cfg := maps.Clone(quickstart.DemoConfig)
	for k, v := range extra {
		if v == "" {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	return dryrun.Config(cfg)
}

func TestConfigKeys(t *testing.T) {
	for _, tc := range []struct {
		name    string
		program pulumi.RunFunc
		extra   map[string]string
		check   func(t *testing.T, res *dryrun.Result)
	}{
		{"no policy", quickstart.InPod, map[string]string{"tunnelgate:networkPolicy": "none"}, func(t *testing.T, res *dryrun.Result) {
			if n := len(res.OfType("tunnelgate:network:Policy")); n != 0 {
				t.Errorf("%d policies with networkPolicy=none", n)
			}
		}},
		{"kubernetes policy", quickstart.OwnPod, map[string]string{"tunnelgate:networkPolicy": "kubernetes"}, func(t *testing.T, res *dryrun.Result) {
			if n := len(res.OfType("kubernetes:networking.k8s.io/v1:NetworkPolicy")); n != 1 {
				t.Errorf("%d NetworkPolicies, want 1:\n%s", n, res.Tree())
			}
		}},
		{"access", quickstart.OwnPod, map[string]string{"tunnelgate:access": `{"teamName": "acme", "emailDomains": ["example.com"], "serviceTokens": ["ci"]}`}, func(t *testing.T, res *dryrun.Result) {
			// Both routes of the hostname: "/api/v0/" and the rest, each its own application.
			var apps []string
			for _, r := range res.OfType("cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication") {
				apps = append(apps, dryrun.Plain(r.Inputs)["domain"].(string))
			}
			slices.Sort(apps)
			if !slices.Equal(apps, []string{"app.example.com", "app.example.com/api/v0"}) {
				t.Errorf("Access applications for %v", apps)
			}
			if n := len(res.OfType("cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken")); n != 1 {
				t.Errorf("%d service tokens, want one shared by both routes", n)
			}
			cnp := dryrun.Plain(res.Get("kubernetes:cilium.io/v2:CiliumNetworkPolicy", "site-cnp").Inputs)
			if !strings.Contains(fmtJSON(cnp), "acme.cloudflareaccess.com") {
				t.Errorf("the policy does not reach the team's domain: %v", cnp)
			}
		}},
		{"zone by name", quickstart.InPod, map[string]string{"tunnelgate:zoneId": "", "tunnelgate:zoneName": "example.com"}, func(t *testing.T, res *dryrun.Result) {
			if len(res.Calls) != 1 || res.Calls[0].Token != "cloudflare:index/getZone:getZone" {
				t.Errorf("calls %v, want one getZone", res.Calls)
			}
		}},
		{"namespace, vault path, app port", quickstart.InPod, map[string]string{"tunnelgate:namespace": "shop", "tunnelgate:vaultPath": "x/y", "tunnelgate:appPort": "8080"}, func(t *testing.T, res *dryrun.Result) {
			v := dryrun.Plain(res.Get("vault:kv/secretV2:SecretV2", "web-vault").Inputs)
			if v["name"] != "x/y" {
				t.Errorf("vault path %v", v["name"])
			}
			rules := dryrun.Plain(res.Get("cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig", "web-config").Inputs)["config"].(map[string]any)["ingressRules"].([]any)
			if got := rules[0].(map[string]any)["service"]; got != "http://localhost:8080" {
				t.Errorf("service %v", got)
			}
			md := dryrun.Plain(res.Get("kubernetes:apps/v1:Deployment", "web-deployment").Inputs)["metadata"].(map[string]any)
			if md["namespace"] != "shop" {
				t.Errorf("namespace %v", md["namespace"])
			}
		}},
		{"namespace created", quickstart.OwnPod, nil, func(t *testing.T, res *dryrun.Result) {
			ns := res.Must(t, "kubernetes:core/v1:Namespace", "namespace")
			if got := dryrun.Plain(ns.Inputs)["metadata"].(map[string]any)["name"]; got != "apps" {
				t.Errorf("namespace name %v", got)
			}
			dep := res.Must(t, "kubernetes:apps/v1:Deployment", "site-deployment")
			if !slices.Contains(dep.PropertyDependencies["metadata"], ns.URN) {
				t.Errorf("the Deployment does not wait for the namespace: %v", dep.PropertyDependencies["metadata"])
			}
		}},
		{"existing namespace", quickstart.InPod, map[string]string{"tunnelgate:createNamespace": "false"}, func(t *testing.T, res *dryrun.Result) {
			if n := len(res.OfType("kubernetes:core/v1:Namespace")); n != 0 {
				t.Errorf("%d namespaces with createNamespace=false", n)
			}
			md := dryrun.Plain(res.Must(t, "kubernetes:apps/v1:Deployment", "web-deployment").Inputs)["metadata"].(map[string]any)
			if md["namespace"] != "apps" {
				t.Errorf("namespace %v", md["namespace"])
			}
		}},
		{"vault role created by default", quickstart.InPod, nil, func(t *testing.T, res *dryrun.Result) {
			role := dryrun.Plain(res.Must(t, "vault:kubernetes/authBackendRole:AuthBackendRole", "web-role").Inputs)
			if role["roleName"] != "tunnelgate-dev-web" || !slices.Equal(role["boundServiceAccountNames"].([]any), []any{"web"}) {
				t.Errorf("role %v, want tunnelgate-dev-web bound to the service account web", role)
			}
			res.Must(t, "kubernetes:core/v1:ServiceAccount", "web-serviceaccount")
		}},
		{"vault role named", quickstart.OwnPod, map[string]string{"tunnelgate:vaultRole": "shop"}, func(t *testing.T, res *dryrun.Result) {
			role := dryrun.Plain(res.Must(t, "vault:kubernetes/authBackendRole:AuthBackendRole", "site-role").Inputs)
			ann := dryrun.Plain(res.Must(t, "kubernetes:apps/v1:Deployment", "site-deployment").Inputs)["spec"].(map[string]any)["template"].(map[string]any)["metadata"].(map[string]any)["annotations"].(map[string]any)
			if role["roleName"] != "shop" || ann["vault.hashicorp.com/role"] != "shop" {
				t.Errorf("role %v, annotation %v; want shop for both", role["roleName"], ann["vault.hashicorp.com/role"])
			}
		}},
		{"vault role managed elsewhere", quickstart.InPod, map[string]string{"tunnelgate:createVaultRole": "false", "tunnelgate:vaultRole": "web"}, func(t *testing.T, res *dryrun.Result) {
			for _, typ := range []string{"tunnelgate:vaultrole:Role", "vault:index/policy:Policy", "vault:kubernetes/authBackendRole:AuthBackendRole", "kubernetes:core/v1:ServiceAccount"} {
				if n := len(res.OfType(typ)); n != 0 {
					t.Errorf("%d %s with createVaultRole=false", n, typ)
				}
			}
		}},
		{"frontend override", quickstart.OwnPod, map[string]string{"tunnelgate:frontend": `{"service":"http://web.apps.svc.cluster.local:8000","labels":{"tier":"web"},"port":8000}`}, func(t *testing.T, res *dryrun.Result) {
			rules := dryrun.Plain(res.Get("cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig", "site-config").Inputs)["config"].(map[string]any)["ingressRules"].([]any)
			if got := rules[1].(map[string]any)["service"]; got != "http://web.apps.svc.cluster.local:8000" {
				t.Errorf("frontend service %v", got)
			}
		}},
		{"shared: no origin ingress", quickstart.Shared, map[string]string{"tunnelgate:originIngress": "false"}, func(t *testing.T, res *dryrun.Result) {
			if n := len(res.OfType("kubernetes:cilium.io/v2:CiliumNetworkPolicy")); n != 1 {
				t.Errorf("%d Cilium policies with originIngress=false, want the connector's only:\n%s", n, res.Tree())
			}
		}},
		{"shared: kubernetes policies in the apps' namespaces", quickstart.Shared, map[string]string{"tunnelgate:networkPolicy": "kubernetes", "tunnelgate:shopNamespace": "store"}, func(t *testing.T, res *dryrun.Result) {
			var where []string
			for _, r := range res.OfType("kubernetes:networking.k8s.io/v1:NetworkPolicy") {
				where = append(where, r.Name+" "+dryrun.Plain(r.Inputs)["metadata"].(map[string]any)["namespace"].(string))
			}
			slices.Sort(where) // objects whose inputs are outputs register in the order they resolve
			if want := []string{"edge-netpol apps", "edge-origin-0 blog", "edge-origin-1 store"}; !slices.Equal(where, want) {
				t.Errorf("NetworkPolicies %v, want %v", where, want)
			}
		}},
		{"shared: hostnames and namespaces", quickstart.Shared, map[string]string{"tunnelgate:blogHostname": "news.example.com", "tunnelgate:createNamespace": "false", "tunnelgate:namespace": ""}, func(t *testing.T, res *dryrun.Result) {
			if n := len(res.OfType("kubernetes:core/v1:Namespace")); n != 0 {
				t.Errorf("%d namespaces with createNamespace=false", n)
			}
			if res.Get("cloudflare:index/record:Record", "edge-dns-news.example.com") == nil {
				t.Errorf("no record for blogHostname:\n%s", res.Tree())
			}
			md := dryrun.Plain(res.Must(t, "kubernetes:apps/v1:Deployment", "edge-deployment").Inputs)["metadata"].(map[string]any)
			if md["namespace"] != "cloudflared" {
				t.Errorf("connector namespace %v, want the default cloudflared", md["namespace"])
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := dryrun.Run(tc.program, config(tc.extra))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, res)
		})
	}
}

// A bad config of the shared program registers nothing, not even the namespaces and the apps.
func TestSharedCheckedFirst(t *testing.T) {
	res, err := dryrun.Run(quickstart.Shared, config(map[string]string{"tunnelgate:blogNamespace": "Blog"}))
	if err == nil || len(res.Resources) != 0 {
		t.Fatalf("err %v, %d resources", err, len(res.Resources))
	}
	if want := `tunnel.routes[0].kubernetesService.namespace "Blog"`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
}

// A preview of a fresh stack: the apps' Services are not created yet, so the provider reports them
// with their inputs only (no cluster IP); the routes and the policy follow them without an error.
// (The real preview, e2e TestProductShared, failed on an empty cluster IP taken for an ExternalName.)
func TestSharedPreview(t *testing.T) {
	res, err := dryrun.Run(quickstart.Shared, config(nil), dryrun.Preview())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.OfType("kubernetes:cilium.io/v2:CiliumNetworkPolicy")); n != 3 {
		t.Errorf("%d Cilium policies in the preview, want 3", n)
	}
}

func TestMissingConfigIsAFieldError(t *testing.T) {
	res, err := dryrun.Run(quickstart.InPod, config(map[string]string{"tunnelgate:accountId": ""}))
	if err == nil || len(res.Resources) != 0 {
		t.Fatalf("err %v, %d resources", err, len(res.Resources))
	}
	if want := "tunnel.accountId"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
	// A role managed elsewhere must be named.
	res, err = dryrun.Run(quickstart.InPod, config(map[string]string{"tunnelgate:createVaultRole": "false"}))
	if err == nil || len(res.Resources) != 0 || !strings.Contains(err.Error(), "token.vault.role") {
		t.Errorf("createVaultRole=false without vaultRole: err %v, %d resources; want an error on token.vault.role", err, len(res.Resources))
	}
}

func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
