package workload_test

import (
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/literal"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

// reader is a Reader with its inputs read as plain strings ("<output>" when not literal).
type reader struct {
	Namespace, ServiceAccount, AuthPath, Role, TokenAudience string
}

func plainReader(r *vaultkv.Reader) reader {
	str := func(in pulumi.StringInput) string {
		if s, ok := literal.String(in); ok {
			return s
		}
		return "<output>"
	}
	return reader{str(r.Namespace), str(r.ServiceAccount), r.AuthPath, r.Role, r.TokenAudience}
}

// TestFactsVaultReader: the reader is the pods' namespace and the account they run as, and the
// agent's login after defaults; it is nil with the Secret source.
func TestFactsVaultReader(t *testing.T) {
	vault := func(ag workload.VaultAgent) workload.TokenSource {
		return workload.TokenSource{Vault: &workload.VaultToken{Agent: ag, Secret: vaultkv.Location{Path: "p"}}}
	}
	for _, tc := range []struct {
		name string
		args workload.ConnectorArgs
		want reader
	}{
		{"no account: the namespace's default", workload.ConnectorArgs{
			Namespace: pulumi.String("apps"), Token: vault(workload.VaultAgent{Role: "web"}),
		}, reader{"apps", "default", "auth/kubernetes", "web", ""}},
		{"named account", workload.ConnectorArgs{
			Namespace: pulumi.String("apps"), Token: vault(workload.VaultAgent{Role: "web", AuthPath: "auth/k8s", TokenAudience: "vault"}),
			Pods: &workload.Pods{ServiceAccount: &workload.ServiceAccount{Name: "cf"}},
		}, reader{"apps", "cf", "auth/k8s", "web", "vault"}},
		{"created account named after the Deployment", workload.ConnectorArgs{
			Namespace: pulumi.String("apps"), Token: vault(workload.VaultAgent{Role: "web"}),
			Pods: &workload.Pods{Name: "tunnel", ServiceAccount: &workload.ServiceAccount{Create: true}},
		}, reader{"apps", "tunnel", "auth/kubernetes", "web", ""}},
		{"account named after the component", workload.ConnectorArgs{
			Namespace: pulumi.String("apps"), Token: vault(workload.VaultAgent{Role: "web"}),
			Pods: &workload.Pods{ServiceAccount: &workload.ServiceAccount{}},
		}, reader{"apps", "edge", "auth/kubernetes", "web", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.args.Facts("edge")
			if err != nil {
				t.Fatal(err)
			}
			if f.VaultReader == nil {
				t.Fatal("no Vault reader with the Vault source")
			}
			if got := plainReader(f.VaultReader); got != tc.want {
				t.Errorf("reader %+v, want %+v", got, tc.want)
			}
		})
	}
	secret := workload.ConnectorArgs{Namespace: pulumi.String("apps"), Token: workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("tok")}}}
	if f, err := secret.Facts("edge"); err != nil || f.VaultReader != nil {
		t.Errorf("Secret source: reader %+v, err %v; want none", f.VaultReader, err)
	}
}

// TestAppFactsAccountFromPodSpec: an App whose own pod spec names the account reports it, literal or
// output; Pods.ServiceAccount wins where it is set.
func TestAppFactsAccountFromPodSpec(t *testing.T) {
	app := func(sa pulumi.StringPtrInput, pods *workload.Pods) *workload.AppArgs {
		return &workload.AppArgs{
			Namespace: pulumi.String("apps"),
			Token:     workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "web"}, Secret: vaultkv.Location{Path: "p"}}},
			PodSpec: &corev1.PodSpecArgs{
				Containers:         corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("web"), Image: pulumi.String("web:1")}},
				ServiceAccountName: sa,
			},
			Pods: pods,
		}
	}
	f, err := app(pulumi.String("web-sa"), nil).Facts("web")
	if err != nil {
		t.Fatal(err)
	}
	if got := plainReader(f.VaultReader).ServiceAccount; got != "web-sa" {
		t.Errorf("literal pod spec account: reader account %q, want web-sa", got)
	}
	f, err = app(nil, &workload.Pods{ServiceAccount: &workload.ServiceAccount{Name: "pods-sa"}}).Facts("web")
	if err != nil {
		t.Fatal(err)
	}
	if got := plainReader(f.VaultReader).ServiceAccount; got != "pods-sa" {
		t.Errorf("Pods.ServiceAccount: reader account %q, want pods-sa", got)
	}
	// An output: the reader carries it, resolved once known.
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		out := pulumi.String("late-sa").ToStringOutput().ApplyT(func(s string) string { return s }).(pulumi.StringOutput)
		a, err := app(out.ToStringPtrOutput(), nil).Facts("web")
		if err != nil {
			return err
		}
		if _, ok := literal.String(a.VaultReader.ServiceAccount); ok {
			t.Error("an output account was reported as a literal")
		}
		return dryrun.Capture(ctx, "reader", pulumi.Map{"sa": a.VaultReader.ServiceAccount})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := dryrun.Plain(res.Must(t, dryrun.CaptureType, "reader").Inputs)["sa"]; got != "late-sa" {
		t.Errorf("output pod spec account: reader account resolved to %v, want late-sa", got)
	}
}

// TestServiceAccountNamedAfterDeployment: Create without a name creates the account under the
// Deployment's name and runs the pods as it; the Workload reports the same reader as Facts did.
func TestServiceAccountNamedAfterDeployment(t *testing.T) {
	args := &workload.ConnectorArgs{
		Namespace: pulumi.String("apps"),
		Token:     workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "r"}, Secret: vaultkv.Location{Path: "p"}}},
		Pods:      &workload.Pods{Name: "tunnel", ServiceAccount: &workload.ServiceAccount{Create: true}},
	}
	var comp *workload.Connector
	res := run(t, func(ctx *pulumi.Context) error {
		var err error
		comp, err = workload.NewConnector(ctx, "edge", args)
		return err
	})
	if name := at(t, inputs(t, res, saType, "edge-serviceaccount"), "metadata", "name"); name != "tunnel" {
		t.Errorf("ServiceAccount name %v, want tunnel (the Deployment's)", name)
	}
	if _, pod := podTemplate(t, res, "edge-deployment"); pod["serviceAccountName"] != "tunnel" {
		t.Errorf("serviceAccountName %v, want tunnel", pod["serviceAccountName"])
	}
	if args.Pods.ServiceAccount.Name != "" {
		t.Errorf("the caller's ServiceAccount was changed: %+v", args.Pods.ServiceAccount)
	}
	if comp.VaultReader == nil || plainReader(comp.VaultReader) != (reader{"apps", "tunnel", "auth/kubernetes", "r", ""}) {
		t.Errorf("Workload.VaultReader %+v", comp.VaultReader)
	}
}
