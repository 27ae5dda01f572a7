// Package optcheck checks that a component passes the caller's resource options on to every resource
// it registers. Tests of every component use it (tunnelgate.NewIngress, tunnel.NewTunnel,
// workload.NewConnector and NewApp, network.NewPolicy), so that they all assert the same contract.
//
// What every descendant must carry: DependsOn (on each resource doing the work, not only on the
// component), RetainOnDelete, DeletedWith, Protect, custom timeouts, and the explicit provider of its
// package. A read of an existing object (the tunnel's read of a route's Service) carries DependsOn and
// the provider: it never updates nor deletes the object, and Pulumi's ReadResource takes none of the
// other options. What no component passes on, by design (Pulumi applies them to the component only, or they
// mean nothing on a child): Aliases (they name the component's own earlier address; children follow it
// through their parent), IgnoreChanges, ReplaceOnChanges and HideDiffs (property names of the
// component), DeleteBeforeReplace and ReplaceWith/ReplacementTrigger (a component is never replaced),
// Import and URN (one resource's identity), AdditionalSecretOutputs (not supported on components;
// secret outputs are wrapped with pulumi.ToSecret instead), Version and PluginDownloadURL (one
// provider's plugin), Hooks and EnvVarMappings (bound to one resource). Transforms and
// Transformations are applied by Pulumi to the component's children itself.
package optcheck

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi-vault/sdk/v6/go/vault"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
)

// Names and values of what Options registers and sets.
const (
	// DepType and DepName are the resource every descendant must depend on.
	DepType, DepName = "test:index:Dependency", "dependency"
	// OwnerType and OwnerName are the resource every descendant is deleted with.
	OwnerType, OwnerName = "test:index:Owner", "owner"
	// Create, Update and Delete are the custom timeouts.
	Create, Update, Delete = "7m", "8m", "9m"
)

// Options registers a dependency, a resource to be deleted with and one explicit provider per package
// (cloudflare, kubernetes, random and vault, each named "explicit-<package>"), and returns the options under test: DependsOn, RetainOnDelete, DeletedWith, Protect, Timeouts and
// Providers.
func Options(ctx *pulumi.Context) ([]pulumi.ResourceOption, error) {
	var dep, owner pulumi.CustomResourceState
	if err := ctx.RegisterResource(DepType, DepName, pulumi.Map{}, &dep); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResource(OwnerType, OwnerName, pulumi.Map{}, &owner); err != nil {
		return nil, err
	}
	cf, err := cloudflare.NewProvider(ctx, "explicit-cloudflare", &cloudflare.ProviderArgs{ApiToken: pulumi.StringPtr("t")})
	if err != nil {
		return nil, err
	}
	k8s, err := kubernetes.NewProvider(ctx, "explicit-kubernetes", &kubernetes.ProviderArgs{})
	if err != nil {
		return nil, err
	}
	rnd, err := random.NewProvider(ctx, "explicit-random", &random.ProviderArgs{})
	if err != nil {
		return nil, err
	}
	vp, err := vault.NewProvider(ctx, "explicit-vault", &vault.ProviderArgs{
		Address: pulumi.String("https://vault:8200"), Token: pulumi.String("t"), MaxLeaseTtlSeconds: pulumi.Int(60),
		MaxRetries: pulumi.Int(1), MaxRetriesCcc: pulumi.Int(1),
	})
	if err != nil {
		return nil, err
	}
	return []pulumi.ResourceOption{
		pulumi.DependsOn([]pulumi.Resource{&dep}),
		pulumi.RetainOnDelete(true),
		pulumi.DeletedWith(&owner),
		pulumi.Protect(true),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: Create, Update: Update, Delete: Delete}),
		pulumi.Providers(cf, k8s, rnd, vp),
	}, nil
}

// Check asserts that every descendant of the component typ/name carries the options of Options, and
// returns how many custom resources it checked.
func Check(t testing.TB, res *dryrun.Result, typ, name string) int {
	t.Helper()
	dep := res.Must(t, DepType, DepName).URN
	owner := res.Must(t, OwnerType, OwnerName).URN
	comp := res.Must(t, typ, name)
	if !comp.Protect {
		t.Errorf("%s %s: not protected", typ, name)
	}
	n := 0
	var walk func(urn string)
	walk = func(urn string) {
		for _, r := range res.Children(urn) {
			walk(r.URN)
			if r.Read {
				n++
				pkg, _, _ := strings.Cut(r.Type, ":")
				if !slices.Contains(r.Dependencies, dep) || !strings.Contains(r.Provider, "::explicit-"+pkg+"::") {
					t.Errorf("read %s %s: dependencies %v, provider %q", r.Type, r.Name, r.Dependencies, r.Provider)
				}
				continue
			}
			if !r.Protect {
				t.Errorf("%s %s: protect not inherited", r.Type, r.Name)
			}
			if !r.Custom {
				continue
			}
			n++
			pkg, _, _ := strings.Cut(r.Type, ":")
			switch {
			case !slices.Contains(r.Dependencies, dep):
				t.Errorf("%s %s: does not depend on the caller's dependency (%v)", r.Type, r.Name, r.Dependencies)
			case !r.RetainOnDelete:
				t.Errorf("%s %s: retainOnDelete not passed", r.Type, r.Name)
			case r.DeletedWith != owner:
				t.Errorf("%s %s: deletedWith %q, want %q", r.Type, r.Name, r.DeletedWith, owner)
			case r.CustomTimeouts != [3]string{Create, Update, Delete}:
				t.Errorf("%s %s: custom timeouts %v", r.Type, r.Name, r.CustomTimeouts)
			case !strings.Contains(r.Provider, "::explicit-"+pkg+"::"):
				t.Errorf("%s %s: provider %q, want explicit-%s", r.Type, r.Name, r.Provider, pkg)
			}
		}
	}
	walk(comp.URN)
	if n == 0 {
		t.Errorf("%s %s: no descendants", typ, name)
	}
	return n
}
