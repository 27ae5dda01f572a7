package tunnelgate_test

// The Vault side of the Ingress (issue 14): with the Vault token source the Ingress creates the policy
// and the Kubernetes auth role for exactly the token and the pods, with names, audience and service
// account that agree with the injector's annotations by construction.

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/vaultrole"
	"github.com/tunnelgate/tunnelgate/workload"
)

const (
	tPolicy = vaultrole.PolicyType
	tRole   = vaultrole.AuthRoleType
	tSA     = "kubernetes:core/v1:ServiceAccount"
)

func ingress(t *testing.T, args *tunnelgate.IngressArgs, opts ...dryrun.Option) *dryrun.Result {
	t.Helper()
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "web", args)
		return err
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func plainJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// podVault returns the pod template's role annotation, service account and projected token audience.
func podVault(t *testing.T, res *dryrun.Result) (role, account, audience any) {
	t.Helper()
	tmpl := path(dryrun.Plain(res.Must(t, tDeployment, "web-deployment").Inputs), "spec", "template")
	spec := path(tmpl, "spec")
	for _, v := range path(spec, "volumes").([]any) {
		if path(v, "name") == workload.VaultServiceAccountVolume {
			audience = path(v, "projected", "sources", 0, "serviceAccountToken", "audience")
		}
	}
	return path(tmpl, "metadata", "annotations", workload.VaultAnnotationPrefix+"role"), path(spec, "serviceAccountName"), audience
}

// TestVaultSideByDefault: in both layouts, a role named "<project>-<stack>-<name>" bound to the pods'
// own account (created, named like the Deployment) in the namespace, for tokens with audience "vault",
// carrying a policy that reads exactly the tunnel's secret; the pods' annotation, account and token
// audience are the role's; the Deployment waits for the policy and the role.
func TestVaultSideByDefault(t *testing.T) {
	for _, tc := range []struct {
		name string
		args *tunnelgate.IngressArgs
	}{{"inpod", seedArgs()}, {"ownpod", ownPodArgs()}} {
		t.Run(tc.name, func(t *testing.T) {
			tc.args.Token.Vault.Role = ""
			res := ingress(t, tc.args, dryrun.Stack("Shop", "prod"))
			comp := res.Must(t, vaultrole.Type, "web")
			if comp.Parent != res.Must(t, tIngress, "web").URN {
				t.Errorf("the role's parent is %s, want the Ingress", comp.Parent)
			}
			policy := res.Must(t, tPolicy, "web-policy")
			role := res.Must(t, tRole, "web-role")
			if got, want := plainJSON(t, dryrun.Plain(policy.Inputs)), `{"name":"shop-prod-web","policy":"# tunnelgate: read the tunnel token, nothing else\npath \"secret/data/apps/web/cloudflared\" {\n  capabilities = [\"read\"]\n}\n"}`; got != want {
				t.Errorf("policy %s\nwant %s", got, want)
			}
			if got, want := plainJSON(t, dryrun.Plain(role.Inputs)), `{"audience":"vault","backend":"kubernetes","boundServiceAccountNames":["web"],"boundServiceAccountNamespaces":["apps"],"roleName":"shop-prod-web","tokenMaxTtl":3600,"tokenPolicies":["shop-prod-web"],"tokenTtl":300}`; got != want {
				t.Errorf("role %s\nwant %s", got, want)
			}
			sa := dryrun.Plain(res.Must(t, tSA, "web-serviceaccount").Inputs)
			if path(sa, "metadata", "name") != "web" || path(sa, "metadata", "namespace") != "apps" || sa["automountServiceAccountToken"] != false {
				t.Errorf("service account %v", sa)
			}
			annotation, account, audience := podVault(t, res)
			if annotation != "shop-prod-web" || account != "web" || audience != "vault" {
				t.Errorf("pods: role annotation %v, account %v, token audience %v; want the role's shop-prod-web, web, vault", annotation, account, audience)
			}
			dep := res.Must(t, tDeployment, "web-deployment")
			for _, r := range []*dryrun.Resource{policy, role} {
				if !slices.Contains(dep.Dependencies, r.URN) {
					t.Errorf("the Deployment does not wait for %s", r.Name)
				}
			}
		})
	}
}

// TestVaultSideSettings: the role's name and audience are the agent's; the settings reach the role;
// the Vault Enterprise namespace of the secret is the policy's and the role's.
func TestVaultSideSettings(t *testing.T) {
	a := seedArgs()
	a.Token.Vault.Role = "web-tunnel"
	a.Token.Vault.TokenAudience = "https://vault.example.com"
	a.Token.Vault.AuthPath = "auth/k8s-prod"
	a.Tunnel.Vault.Namespace = "team"
	a.VaultRole = &vaultrole.Settings{PolicyName: "web-token-read", TTLSeconds: 120, MaxTTLSeconds: 240}
	res := ingress(t, a)
	if got, want := plainJSON(t, dryrun.Plain(res.Must(t, tRole, "web-role").Inputs)), `{"audience":"https://vault.example.com","backend":"k8s-prod","boundServiceAccountNames":["web"],"boundServiceAccountNamespaces":["apps"],"namespace":"team","roleName":"web-tunnel","tokenMaxTtl":240,"tokenPolicies":["web-token-read"],"tokenTtl":120}`; got != want {
		t.Errorf("role %s\nwant %s", got, want)
	}
	policy := dryrun.Plain(res.Must(t, tPolicy, "web-policy").Inputs)
	if policy["name"] != "web-token-read" || policy["namespace"] != "team" {
		t.Errorf("policy %v", policy)
	}
	if annotation, _, audience := podVault(t, res); annotation != "web-tunnel" || audience != "https://vault.example.com" {
		t.Errorf("pods: role %v, audience %v", annotation, audience)
	}
}

// TestVaultSideAccounts: an account the pods name (Pods.ServiceAccount, or an App's own pod spec) is
// the one bound, and none is created.
func TestVaultSideAccounts(t *testing.T) {
	named := ownPodArgs()
	named.Connector.ServiceAccount = &workload.ServiceAccount{Name: "cloudflared"}
	spec := seedArgs()
	spec.App = &tunnelgate.App{PodSpec: &corev1.PodSpecArgs{Containers: spec.App.Containers, ServiceAccountName: pulumi.String("web-app")}}
	created := seedArgs()
	created.App.Pods = &workload.Pods{Name: "frontend", ServiceAccount: &workload.ServiceAccount{Create: true}}
	for _, tc := range []struct {
		name    string
		args    *tunnelgate.IngressArgs
		account string
		create  bool
	}{{"Pods.ServiceAccount", named, "cloudflared", false}, {"pod spec", spec, "web-app", false}, {"created, named like the Deployment", created, "frontend", true}} {
		t.Run(tc.name, func(t *testing.T) {
			res := ingress(t, tc.args)
			if got := path(dryrun.Plain(res.Must(t, tRole, "web-role").Inputs), "boundServiceAccountNames"); !reflect.DeepEqual(got, []any{tc.account}) {
				t.Errorf("bound %v, want [%s]", got, tc.account)
			}
			if _, account, _ := podVault(t, res); account != tc.account {
				t.Errorf("pods run as %v, want %s", account, tc.account)
			}
			if n := len(res.OfType(tSA)); n != map[bool]int{true: 1, false: 0}[tc.create] {
				t.Errorf("%d service accounts created", n)
			}
		})
	}
}

// TestVaultSideDisabled: nothing of the Vault side is created, and nothing is defaulted: the pods keep
// the namespace's account and the API server's audience.
func TestVaultSideDisabled(t *testing.T) {
	a := seedArgs()
	a.DisableVaultRole = true
	res := ingress(t, a)
	for _, typ := range []string{vaultrole.Type, tPolicy, tRole, tSA} {
		if n := len(res.OfType(typ)); n != 0 {
			t.Errorf("%d %s with DisableVaultRole", n, typ)
		}
	}
	if annotation, account, audience := podVault(t, res); annotation != "web" || account != nil || audience != nil {
		t.Errorf("pods: role %v, account %v, audience %v; want web and no account or audience", annotation, account, audience)
	}
}

// TestTwoIngressesDistinctRoles: two Ingresses with default role names in one program get distinct
// roles and policies (and distinct service accounts, named like their Deployments).
func TestTwoIngressesDistinctRoles(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		for _, name := range []string{"web", "api"} {
			a := seedArgs()
			a.Token.Vault.Role = ""
			a.Tunnel.Vault.Path = "apps/" + name + "/cloudflared"
			a.Tunnel.Routes[0].Hostname = name + ".example.com"
			if _, err := tunnelgate.NewIngress(ctx, name, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	roles, policies := map[any]bool{}, map[any]bool{}
	for _, r := range res.OfType(tRole) {
		roles[dryrun.Plain(r.Inputs)["roleName"]] = true
	}
	for _, r := range res.OfType(tPolicy) {
		policies[dryrun.Plain(r.Inputs)["name"]] = true
	}
	want := map[any]bool{"tunnelgate-dev-web": true, "tunnelgate-dev-api": true}
	if !reflect.DeepEqual(roles, want) || !reflect.DeepEqual(policies, want) {
		t.Errorf("roles %v, policies %v; want %v for both", roles, policies, want)
	}
}

// TestRotationKeepsTheVaultSide: a rotation (a new tunnel and token, written at the same path)
// registers the service account, policy and role with exactly the same inputs: the engine changes none
// of them.
func TestRotationKeepsTheVaultSide(t *testing.T) {
	before := ingress(t, seedArgs())
	a := seedArgs()
	a.Tunnel.Rotation = "2026-12"
	after := ingress(t, a)
	for _, r := range []struct{ typ, name string }{{tPolicy, "web-policy"}, {tRole, "web-role"}, {tSA, "web-serviceaccount"}} {
		b, c := plainJSON(t, dryrun.Plain(before.Must(t, r.typ, r.name).Inputs)), plainJSON(t, dryrun.Plain(after.Must(t, r.typ, r.name).Inputs))
		if b != c {
			t.Errorf("%s changes with a rotation:\n%s\n%s", r.name, b, c)
		}
	}
	if before.Must(t, tTunnel, "web-tunnel").ID == after.Must(t, tTunnel, "web-tunnel").ID {
		t.Fatal("the rotation made no new tunnel: the test shows nothing")
	}
}
