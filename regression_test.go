package tunnelgate_test

// Regression tests of issue 13 ("one typed contract between tunnel, workload and network"), one per
// bug as a new user met it. Each failed on the code before the fix (5547717), written there against
// the API of that time (only the field names of the new API differ).

import (
	"encoding/json"
	"slices"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/optcheck"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/workload"
)

// fieldError returns the field error on field, or nil.
func fieldError(err error, field string) *check.FieldError {
	for _, fe := range check.Fields(err) {
		if fe.Field == field {
			return fe
		}
	}
	return nil
}

// Bug 1: the Ingress's DependsOn and RetainOnDelete (and DeletedWith, timeouts) reached none of its
// descendants. Now every option reaches all 11 resources, in both layouts.
func TestIssue13OptionsReachEveryDescendant(t *testing.T) {
	for _, tc := range []struct {
		name string
		args *tunnelgate.IngressArgs
	}{{"inpod", seedArgs()}, {"ownpod", ownPodArgs()}} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				opts, err := optcheck.Options(ctx)
				if err != nil {
					return err
				}
				_, err = tunnelgate.NewIngress(ctx, "web", tc.args, opts...)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			// secret, tunnel, config, record, vault secret, vault policy and role, service account,
			// deployment, pdb, policy object
			if n := optcheck.Check(t, res, tunnelgate.IngressType, "web"); n != 11 {
				t.Errorf("checked %d custom resources, want 11", n)
			}
		})
	}
}

// Bug 2: a NetworkPolicy fallback with update checks (or a route that requires Cloudflare Access)
// needs HTTPSCIDRs, which IngressArgs.NetworkPolicy did not have. It is network.Settings now: every
// setting is reachable.
func TestIssue13FallbackHTTPSCIDRsReachable(t *testing.T) {
	a := ownPodArgs()
	a.NetworkPolicy.Kind = network.KindKubernetes
	a.NetworkPolicy.UpdateChecks = true
	if fe := fieldError(a.Validate(), "networkPolicy.httpsCidrs"); fe == nil {
		t.Fatalf("without httpsCidrs: no error on networkPolicy.httpsCidrs: %v", a.Validate())
	}
	a.NetworkPolicy.HTTPSCIDRs = []string{"104.16.0.0/13"}
	a.NetworkPolicy.EdgeCIDRs = []string{"198.41.192.0/24"}
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "web", a)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	spec := path(dryrun.Plain(res.Must(t, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "web-netpol").Inputs), "spec")
	if got := path(spec, "egress", 1, "to", 0, "ipBlock", "cidr"); got != "198.41.192.0/24" {
		t.Errorf("edge block %v, want the EdgeCIDRs given", got)
	}
	if got := path(spec, "egress", 2, "to", 0, "ipBlock", "cidr"); got != "104.16.0.0/13" {
		t.Errorf("HTTPS block %v, want the HTTPSCIDRs given", got)
	}
}

// Bug 3: the moving tag "latest" was accepted for the cloudflared image.
func TestIssue13LatestTagRejected(t *testing.T) {
	a := seedArgs()
	a.Cloudflared = &workload.Cloudflared{Image: "cloudflare/cloudflared:latest"}
	fe := fieldError(a.Validate(), "cloudflared.image")
	if fe == nil || fe.Value != "cloudflare/cloudflared:latest" {
		t.Fatalf("no error on cloudflared.image: %v", a.Validate())
	}
	a.Cloudflared.Image = "cloudflare/cloudflared:latest@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if err := a.Validate(); err != nil {
		t.Errorf("a digest pins the image whatever the tag: %v", err)
	}
}

// Bug 4: a Vault path with a ".." segment was accepted by the tunnel (which writes there) and by the
// workload (which reads there). Both use vaultkv.Location.Validate now.
func TestIssue13VaultPathTraversalRejected(t *testing.T) {
	a := seedArgs()
	a.Tunnel.Vault.Path = "apps/../web/cloudflared"
	if fe := fieldError(a.Validate(), "tunnel.vault.path"); fe == nil || fe.Value != "apps/../web/cloudflared" {
		t.Errorf("Ingress: no error on tunnel.vault.path: %v", a.Validate())
	}
	if fe := fieldError(a.Tunnel.Validate(), "vault.path"); fe == nil {
		t.Errorf("tunnel: no error on vault.path: %v", a.Tunnel.Validate())
	}
	c := workload.ConnectorArgs{Namespace: pulumi.String("apps"), Token: workload.TokenSource{Vault: &workload.VaultToken{
		Agent: workload.VaultAgent{Role: "web"}, Secret: *a.Tunnel.Vault,
	}}}
	if fe := fieldError(c.Validate(), "token.vault.secret.path"); fe == nil {
		t.Errorf("workload: no error on token.vault.secret.path: %v", c.Validate())
	}
}

// Bug 5: an invalid component name was found only after the tunnel's children were registered.
func TestIssue13BadNameRegistersNothing(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "Web", seedArgs())
		return err
	})
	if fe := fieldError(err, "app.pods.name"); fe == nil || fe.Value != "Web" {
		t.Fatalf("no error on app.pods.name (the default, the component's name): %v", err)
	}
	if len(res.Resources) != 0 {
		t.Errorf("registered %d resources before the error:\n%s", len(res.Resources), res.Tree())
	}
}

// Bug 6: an app container with its own securityContext left the construction path: the restricted
// check ran in an apply after 13 registrations, under "podSpec.containers[0]".
func TestIssue13ContainerSecurityContextCheckedFirst(t *testing.T) {
	a := seedArgs()
	c := a.App.Containers.(corev1.ContainerArray)[0].(corev1.ContainerArgs)
	c.SecurityContext = &corev1.SecurityContextArgs{Privileged: pulumi.Bool(true)}
	a.App.Containers = corev1.ContainerArray{c}
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "web", a)
		return err
	})
	if fe := fieldError(err, "app.containers[0].securityContext.privileged"); fe == nil {
		t.Fatalf("no error on app.containers[0].securityContext.privileged: %v", err)
	}
	if len(res.Resources) != 0 {
		t.Errorf("registered %d resources before the error", len(res.Resources))
	}
	// An allowed security context is kept and hardened where it leaves settings unset.
	c.SecurityContext = &corev1.SecurityContextArgs{ReadOnlyRootFilesystem: pulumi.Bool(true), RunAsUser: pulumi.Int(1000)}
	a.App.Containers = corev1.ContainerArray{c}
	res = runSeed(t, func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "web", a)
		return err
	})
	sc := path(dryrun.Plain(res.Must(t, tDeployment, "web-deployment").Inputs), "spec", "template", "spec", "containers", 0, "securityContext")
	want := map[string]any{"readOnlyRootFilesystem": true, "runAsUser": 1000.0, "allowPrivilegeEscalation": false,
		"capabilities": map[string]any{"drop": []any{"ALL"}}}
	if !equalJSON(sc, want) {
		t.Errorf("app security context %v, want %v", sc, want)
	}
}

// Bug 7: Replicas 0 meant 2. Now nil means 2 and 0 scales the connector to zero (no PDB).
func TestIssue13ZeroReplicas(t *testing.T) {
	a := ownPodArgs()
	a.Connector.Replicas = pulumi.IntRef(0)
	res := runSeed(t, func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "web", a)
		return err
	})
	if r := path(dryrun.Plain(res.Must(t, tDeployment, "web-deployment").Inputs), "spec", "replicas"); r != 0.0 {
		t.Errorf("replicas %v, want 0", r)
	}
	if res.Get("kubernetes:policy/v1:PodDisruptionBudget", "web-pdb") != nil {
		t.Error("a PodDisruptionBudget for zero replicas")
	}
}

// Bug 8: a bare origin name ("http://web:8080") stayed unqualified in the DNS rules when the namespace
// was an output.
func TestIssue13BareOriginQualifiedWithOutputNamespace(t *testing.T) {
	a := ownPodArgs()
	a.Namespace = pulumi.String("apps").ToStringOutput()
	a.Tunnel.Routes = []tunnel.Route{{Hostname: "app.example.com", Service: "http://web:8080"}}
	res := runSeed(t, func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "web", a)
		return err
	})
	var names []string
	for _, d := range asSlice(path(dryrun.Plain(res.Must(t, tCNP, "web-cnp").Inputs), "spec", "egress", 0, "toPorts", 0, "rules", "dns")) {
		names = append(names, path(d, "matchName").(string))
	}
	if !slices.Contains(names, "web.apps.svc.cluster.local") || slices.Contains(names, "web") {
		t.Errorf("DNS names %v, want web.apps.svc.cluster.local and not the bare name", names)
	}
}

// equalJSON compares two plain values as JSON documents (map order and number types aside).
func equalJSON(got, want any) bool {
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	return err1 == nil && err2 == nil && string(g) == string(w)
}
