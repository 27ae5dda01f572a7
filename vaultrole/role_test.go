package vaultrole_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/optcheck"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/vaultrole"
)

func baseArgs() *vaultrole.Args {
	return &vaultrole.Args{
		Secret: vaultkv.Location{Path: "apps/web/cloudflared"},
		Reader: vaultkv.Reader{Namespace: pulumi.String("apps"), ServiceAccount: pulumi.String("web"), Role: "web"},
	}
}

func run(t *testing.T, args *vaultrole.Args, opts ...pulumi.ResourceOption) (*dryrun.Result, *vaultrole.Role) {
	t.Helper()
	var comp *vaultrole.Role
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		var err error
		if comp, err = vaultrole.NewRole(ctx, "web", args, opts...); err != nil {
			return err
		}
		return dryrun.Capture(ctx, "outputs", pulumi.Map{"roleName": comp.RoleName, "authPath": comp.AuthPath, "policyName": comp.PolicyName})
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, comp
}

func eqJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	var g any
	_ = json.Unmarshal(b, &g)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got  %s\n want %s", what, b, want)
	}
}

// TestDefaults: the exact inputs, ids, parents and order of both children with the defaults.
func TestDefaults(t *testing.T) {
	res, comp := run(t, baseArgs())
	policy := res.Must(t, vaultrole.PolicyType, "web-policy")
	role := res.Must(t, vaultrole.AuthRoleType, "web-role")
	c := res.Must(t, vaultrole.Type, "web")
	if policy.Parent != c.URN || role.Parent != c.URN {
		t.Errorf("parents %s, %s; want the component %s", policy.Parent, role.Parent, c.URN)
	}
	eqJSON(t, "policy", dryrun.Plain(policy.Inputs), `{"name":"web","policy":"# tunnelgate: read the tunnel token, nothing else\npath \"secret/data/apps/web/cloudflared\" {\n  capabilities = [\"read\"]\n}\n"}`)
	eqJSON(t, "role", dryrun.Plain(role.Inputs), `{"backend":"kubernetes","boundServiceAccountNames":["web"],"boundServiceAccountNamespaces":["apps"],"roleName":"web","tokenMaxTtl":3600,"tokenPolicies":["web"],"tokenTtl":300}`)
	if policy.ID != "web" || role.ID != "auth/kubernetes/role/web" {
		t.Errorf("ids %q, %q; want the real provider's: web, auth/kubernetes/role/web", policy.ID, role.ID)
	}
	// The role names the policy's output: it is created after the policy and deleted before it.
	if !slices.Contains(role.PropertyDependencies["tokenPolicies"], policy.URN) {
		t.Errorf("the role's tokenPolicies do not come from the policy: %v", role.PropertyDependencies)
	}
	eqJSON(t, "outputs", dryrun.Plain(res.Must(t, dryrun.CaptureType, "outputs").Inputs), `{"authPath":"auth/kubernetes","policyName":"web","roleName":"web"}`)
	if len(comp.Children) != 2 || comp.Policy == nil || comp.AuthRole == nil {
		t.Errorf("children %v", comp.Children)
	}
}

// TestEveryInputReachesTheRole: settings, the reader's login and the Vault Enterprise namespace.
func TestEveryInputReachesTheRole(t *testing.T) {
	a := &vaultrole.Args{
		Secret: vaultkv.Location{Mount: "kv", Path: "team/edge", Namespace: "team/prod"},
		Reader: vaultkv.Reader{
			Namespace: pulumi.String("edge"), ServiceAccount: pulumi.String("cloudflared"),
			AuthPath: "auth/k8s-prod", Role: "Edge-Tunnel", TokenAudience: "vault.example.com",
		},
		Settings: &vaultrole.Settings{TTLSeconds: 60, MaxTTLSeconds: 600},
	}
	res, _ := run(t, a)
	eqJSON(t, "policy", dryrun.Plain(res.Must(t, vaultrole.PolicyType, "web-policy").Inputs), `{"name":"edge-tunnel","namespace":"team/prod","policy":"# tunnelgate: read the tunnel token, nothing else\npath \"kv/data/team/edge\" {\n  capabilities = [\"read\"]\n}\n"}`)
	role := res.Must(t, vaultrole.AuthRoleType, "web-role")
	eqJSON(t, "role", dryrun.Plain(role.Inputs), `{"audience":"vault.example.com","backend":"k8s-prod","boundServiceAccountNames":["cloudflared"],"boundServiceAccountNamespaces":["edge"],"namespace":"team/prod","roleName":"Edge-Tunnel","tokenMaxTtl":600,"tokenPolicies":["edge-tunnel"],"tokenTtl":60}`)
	if role.ID != "auth/k8s-prod/role/Edge-Tunnel" {
		t.Errorf("role id %q", role.ID)
	}
	a.Settings.PolicyName = "edge-read"
	res, _ = run(t, a)
	if got := dryrun.Plain(res.Must(t, vaultrole.AuthRoleType, "web-role").Inputs)["tokenPolicies"]; !reflect.DeepEqual(got, []any{"edge-read"}) {
		t.Errorf("tokenPolicies %v, want the named policy", got)
	}
}

// TestPolicyDocument: exactly the KV v2 read path of the location after defaults.
func TestPolicyDocument(t *testing.T) {
	for loc, path := range map[vaultkv.Location]string{
		{Path: "apps/web/cloudflared"}:             "secret/data/apps/web/cloudflared",
		{Mount: "kv/team", Path: "edge.prod"}:      "kv/team/data/edge.prod",
		{Path: "p", Namespace: "team", IDKey: "x"}: "secret/data/p",
	} {
		doc := vaultrole.PolicyDocument(loc)
		if want := "path \"" + path + "\" {\n  capabilities = [\"read\"]\n}\n"; !strings.HasSuffix(doc, want) || strings.Count(doc, "path ") != 1 {
			t.Errorf("%+v:\n%s\nwant one rule: %s", loc, doc, want)
		}
	}
}

func TestOptionsReachDescendants(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		opts, err := optcheck.Options(ctx)
		if err != nil {
			return err
		}
		_, err = vaultrole.NewRole(ctx, "web", baseArgs(), opts...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := optcheck.Check(t, res, vaultrole.Type, "web"); n != 2 {
		t.Errorf("checked %d resources, want 2", n)
	}
}

// TestRejectsBadInput: every bad input names its field and value, and nothing is registered.
func TestRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*vaultrole.Args)
		field  string
		value  any
	}{
		{"no path", func(a *vaultrole.Args) { a.Secret.Path = "" }, "secret.path", ""},
		{"path with ..", func(a *vaultrole.Args) { a.Secret.Path = "apps/../other" }, "secret.path", "apps/../other"},
		{"path with a glob", func(a *vaultrole.Args) { a.Secret.Path = "apps/*" }, "secret.path", "apps/*"},
		{"mount with a glob", func(a *vaultrole.Args) { a.Secret.Mount = "secret+" }, "secret.mount", "secret+"},
		{"no namespace", func(a *vaultrole.Args) { a.Reader.Namespace = nil }, "reader.namespace", nil},
		{"namespace", func(a *vaultrole.Args) { a.Reader.Namespace = pulumi.String("Apps") }, "reader.namespace", "Apps"},
		{"no account", func(a *vaultrole.Args) { a.Reader.ServiceAccount = nil }, "reader.serviceAccount", nil},
		{"default account", func(a *vaultrole.Args) { a.Reader.ServiceAccount = pulumi.String("default") }, "reader.serviceAccount", "default"},
		{"every account", func(a *vaultrole.Args) { a.Reader.ServiceAccount = pulumi.String("*") }, "reader.serviceAccount", "*"},
		{"account name", func(a *vaultrole.Args) { a.Reader.ServiceAccount = pulumi.String("Web_SA") }, "reader.serviceAccount", "Web_SA"},
		{"no role", func(a *vaultrole.Args) { a.Reader.Role = "" }, "reader.role", ""},
		{"role with a slash", func(a *vaultrole.Args) { a.Reader.Role = "web/x" }, "reader.role", "web/x"},
		{"role names the default policy", func(a *vaultrole.Args) { a.Reader.Role = "Default" }, "reader.role", "default"},
		{"auth path", func(a *vaultrole.Args) { a.Reader.AuthPath = "kubernetes" }, "reader.authPath", "kubernetes"},
		{"auth path with ..", func(a *vaultrole.Args) { a.Reader.AuthPath = "auth/../sys" }, "reader.authPath", "auth/../sys"},
		{"audience", func(a *vaultrole.Args) { a.Reader.TokenAudience = "a,b" }, "reader.tokenAudience", "a,b"},
		{"policy name upper case", func(a *vaultrole.Args) { a.Settings = &vaultrole.Settings{PolicyName: "Web"} }, "settings.policyName", "Web"},
		{"policy name root", func(a *vaultrole.Args) { a.Settings = &vaultrole.Settings{PolicyName: "root"} }, "settings.policyName", "root"},
		{"policy name with a slash", func(a *vaultrole.Args) { a.Settings = &vaultrole.Settings{PolicyName: "a/b"} }, "settings.policyName", "a/b"},
		{"ttl below zero", func(a *vaultrole.Args) { a.Settings = &vaultrole.Settings{TTLSeconds: -1} }, "settings.ttlSeconds", -1},
		{"max ttl below zero", func(a *vaultrole.Args) { a.Settings = &vaultrole.Settings{MaxTTLSeconds: -1} }, "settings.maxTtlSeconds", -1},
		{"ttl above the default max", func(a *vaultrole.Args) { a.Settings = &vaultrole.Settings{TTLSeconds: 7200} }, "settings.ttlSeconds", 7200},
		{"max ttl below the ttl", func(a *vaultrole.Args) { a.Settings = &vaultrole.Settings{TTLSeconds: 600, MaxTTLSeconds: 60} }, "settings.maxTtlSeconds", 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := baseArgs()
			tc.change(a)
			if err := a.Validate(); err == nil {
				t.Error("Validate accepted it")
			}
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := vaultrole.NewRole(ctx, "web", a)
				return err
			})
			if len(res.Resources) != 0 {
				t.Errorf("registered despite the error:\n%s", res.Tree())
			}
			fes := check.Fields(err)
			if len(fes) != 1 || fes[0].Field != tc.field || !reflect.DeepEqual(fes[0].Value, tc.value) {
				t.Errorf("got %v, want one error for %s = %v", err, tc.field, tc.value)
			}
		})
	}
}

// TestOutputsCheckedOnceKnown: a namespace or account that is another resource's output is checked
// when it is known; a bad one fails the role, which is then not registered.
func TestOutputsCheckedOnceKnown(t *testing.T) {
	late := func(s string) pulumi.StringOutput {
		return pulumi.String(s).ToStringOutput().ApplyT(func(s string) string { return s }).(pulumi.StringOutput)
	}
	for _, tc := range []struct {
		name   string
		change func(*vaultrole.Args)
		want   string
	}{
		{"default account", func(a *vaultrole.Args) { a.Reader.ServiceAccount = late("default") }, `reader.serviceAccount "default"`},
		{"namespace", func(a *vaultrole.Args) { a.Reader.Namespace = late("Apps") }, `reader.namespace "Apps"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := baseArgs()
			tc.change(a)
			if err := a.Validate(); err != nil {
				t.Fatalf("Validate cannot know an output: %v", err)
			}
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := vaultrole.NewRole(ctx, "web", a)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one on %s", err, tc.want)
			}
			if r := res.Get(vaultrole.AuthRoleType, "web-role"); r != nil {
				t.Errorf("the role was registered with a bad %s", tc.name)
			}
		})
	}
	// A good output is bound once known.
	a := baseArgs()
	a.Reader.ServiceAccount = late("web-sa")
	res, _ := run(t, a)
	if got := dryrun.Plain(res.Must(t, vaultrole.AuthRoleType, "web-role").Inputs)["boundServiceAccountNames"]; !reflect.DeepEqual(got, []any{"web-sa"}) {
		t.Errorf("bound names %v", got)
	}
}

// TestDistinctNames: the default names differ per component and are in lower case.
func TestDistinctNames(t *testing.T) {
	if a, b := vaultrole.DefaultName("shop", "prod", "web"), vaultrole.DefaultName("shop", "prod", "api"); a == b || a != "shop-prod-web" {
		t.Errorf("DefaultName: %q and %q", a, b)
	}
	if got := vaultrole.DefaultName("Shop", "Prod", "Web"); got != "shop-prod-web" {
		t.Errorf("DefaultName keeps upper case: %q (Vault stores policy names in lower case)", got)
	}
}
