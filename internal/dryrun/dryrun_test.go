package dryrun_test

import (
	"encoding/base64"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi-vault/sdk/v6/go/vault"
	vaultk8s "github.com/pulumi/pulumi-vault/sdk/v6/go/vault/kubernetes"
	"github.com/pulumi/pulumi-vault/sdk/v6/go/vault/kv"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
)

func TestRunRecordsSecretsAndManifests(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		b, err := random.NewRandomBytes(ctx, "secret", &random.RandomBytesArgs{Length: pulumi.Int(32)})
		if err != nil {
			return err
		}
		_, err = corev1.NewConfigMap(ctx, "cm", &corev1.ConfigMapArgs{
			Metadata: &metav1.ObjectMetaArgs{Namespace: pulumi.String("apps")},
			Data:     pulumi.StringMap{"leak": b.Base64},
		}, pulumi.Parent(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rb := res.Get("random:index/randomBytes:RandomBytes", "secret")
	if rb == nil || !rb.Outputs["base64"].IsSecret() {
		t.Fatalf("random bytes output not secret: %+v", rb)
	}
	secret := dryrun.Plain(rb.Outputs)["base64"].(string)
	if len(secret) != 44 {
		t.Fatalf("base64 of 32 bytes has 44 chars, got %q", secret)
	}
	// pulumi-random uses a RandomBytes' base64 as its id, in plain text in the state: the mock does the
	// same, so SecretLeaks must find exactly that leak (and no other: the config map's input is wrapped).
	if rb.ID != secret {
		t.Errorf("RandomBytes id %q, want its base64 value as pulumi-random gives it", rb.ID)
	}
	if leaks := res.SecretLeaks(secret); len(leaks) != 1 || !strings.Contains(leaks[0], "randomBytes:RandomBytes::secret: name or id") {
		t.Fatalf("want exactly the RandomBytes id leak, got %v", leaks)
	}
	ms := res.Manifests()
	if len(ms) != 1 || ms[0]["kind"] != "ConfigMap" {
		t.Fatalf("manifests: %v", ms)
	}
	md := ms[0]["metadata"].(map[string]any)
	if md["namespace"] != "apps" || len(md["name"].(string)) != len("cm-")+8 {
		t.Fatalf("metadata: %v", md)
	}
	cm := res.Get("kubernetes:core/v1:ConfigMap", "cm")
	if cm.Parent != rb.URN {
		t.Fatalf("parent %q != %q", cm.Parent, rb.URN)
	}
	if got := res.Tree(); got != "random:index/randomBytes:RandomBytes secret\n  kubernetes:core/v1:ConfigMap cm\n" {
		t.Fatalf("tree:\n%s", got)
	}
}

func TestRandomPasswordAnswersAsTheProvider(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := random.NewRandomPassword(ctx, "pw", &random.RandomPasswordArgs{
			Length: pulumi.Int(44), Special: pulumi.Bool(false),
			Keepers: pulumi.StringMap{"rotation": pulumi.String("r1")},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	pw := res.Must(t, "random:index/randomPassword:RandomPassword", "pw")
	if pw.ID != "none" {
		t.Errorf("RandomPassword id %q, want \"none\" as pulumi-random gives it", pw.ID)
	}
	for _, k := range []resource.PropertyKey{"result", "bcryptHash"} {
		if !pw.Outputs[k].IsSecret() {
			t.Errorf("output %s is not secret", k)
		}
	}
	s := dryrun.Plain(pw.Outputs)["result"].(string)
	if raw, err := base64.StdEncoding.DecodeString(s); len(s) != 44 || err != nil || len(raw) != 33 {
		t.Errorf("result %q: %d characters, decodes to %d bytes (%v); want 44 letters and digits, 33 bytes", s, len(s), len(raw), err)
	}
	if leaks := res.SecretLeaks(s); len(leaks) != 0 {
		t.Errorf("leaks: %v", leaks)
	}
}

func TestSecretV2IDIsItsPath(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := kv.NewSecretV2(ctx, "s", &kv.SecretV2Args{
			Mount: pulumi.String("secret"), Name: pulumi.String("apps/web"), DataJson: pulumi.String("{}"),
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Must(t, "vault:kv/secretV2:SecretV2", "s").ID; got != "secret/data/apps/web" {
		t.Errorf("id %q, want secret/data/apps/web", got)
	}
}

// TestAccessAnswersAsTheProvider: the Access resources get the provider's id forms, the application an
// audience tag that an in-place update keeps, and the service token a client id and a secret client
// secret (the SDK marks clientSecret secret; the mock honours it).
func TestAccessAnswersAsTheProvider(t *testing.T) {
	program := func(name string) pulumi.RunFunc {
		return func(ctx *pulumi.Context) error {
			tok, err := cloudflare.NewZeroTrustAccessServiceToken(ctx, "tok", &cloudflare.ZeroTrustAccessServiceTokenArgs{
				AccountId: pulumi.String("0123456789abcdef0123456789abcdef"), Name: pulumi.String("ci"),
			})
			if err != nil {
				return err
			}
			pol, err := cloudflare.NewZeroTrustAccessPolicy(ctx, "pol", &cloudflare.ZeroTrustAccessPolicyArgs{
				Name: pulumi.String("p"), Decision: pulumi.String("non_identity"),
				Includes: cloudflare.ZeroTrustAccessPolicyIncludeArray{cloudflare.ZeroTrustAccessPolicyIncludeArgs{
					ServiceTokens: pulumi.StringArray{tok.ID().ToStringOutput()},
				}},
			})
			if err != nil {
				return err
			}
			_, err = cloudflare.NewZeroTrustAccessApplication(ctx, "app", &cloudflare.ZeroTrustAccessApplicationArgs{
				AccountId: pulumi.String("0123456789abcdef0123456789abcdef"), Name: pulumi.String(name),
				Domain: pulumi.String("app.example.com"), Policies: pulumi.StringArray{pol.ID().ToStringOutput()},
			})
			return err
		}
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	var auds []any
	for _, name := range []string{"before", "after"} {
		res, err := dryrun.Run(program(name))
		if err != nil {
			t.Fatal(err)
		}
		tok := res.Must(t, "cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken", "tok")
		out := dryrun.Plain(tok.Outputs)
		if !uuid.MatchString(tok.ID) || !regexp.MustCompile(`^[0-9a-f]{32}\.access$`).MatchString(out["clientId"].(string)) ||
			len(out["clientSecret"].(string)) != 64 || !tok.Outputs["clientSecret"].IsSecret() || out["duration"] != "8760h" {
			t.Errorf("service token %s %v", tok.ID, out)
		}
		pol := res.Must(t, "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy", "pol")
		app := res.Must(t, "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication", "app")
		aud, _ := dryrun.Plain(app.Outputs)["aud"].(string)
		if !uuid.MatchString(pol.ID) || !uuid.MatchString(app.ID) || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(aud) {
			t.Errorf("policy %s, application %s, aud %q", pol.ID, app.ID, aud)
		}
		auds = append(auds, aud)
	}
	if auds[0] != auds[1] {
		t.Errorf("a renamed application (an update in place) got a new audience tag: %v", auds)
	}
}

// The ids of a Vault policy and a Kubernetes auth role are what terraform-provider-vault sets (and what
// the e2e test reads back from a real engine's state): the policy's name; "auth/<backend>/role/<role>",
// the backend trimmed of slashes and defaulting to "kubernetes".
func TestVaultPolicyAndRoleIDs(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		if _, err := vault.NewPolicy(ctx, "p", &vault.PolicyArgs{Name: pulumi.String("web-read"), Policy: pulumi.String("")}); err != nil {
			return err
		}
		for name, backend := range map[string]pulumi.StringPtrInput{"r1": nil, "r2": pulumi.String("/team/k8s/")} {
			if _, err := vaultk8s.NewAuthBackendRole(ctx, name, &vaultk8s.AuthBackendRoleArgs{
				Backend: backend, RoleName: pulumi.String("web"),
				BoundServiceAccountNames: pulumi.ToStringArray([]string{"web"}), BoundServiceAccountNamespaces: pulumi.ToStringArray([]string{"apps"}),
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ typ, name, id string }{
		{"vault:index/policy:Policy", "p", "web-read"},
		{"vault:kubernetes/authBackendRole:AuthBackendRole", "r1", "auth/kubernetes/role/web"},
		{"vault:kubernetes/authBackendRole:AuthBackendRole", "r2", "auth/team/k8s/role/web"},
	} {
		if got := res.Must(t, want.typ, want.name).ID; got != want.id {
			t.Errorf("%s %s: id %q, want %q", want.typ, want.name, got, want.id)
		}
	}
}

// A Service's outputs are the object as the API server completes it and the kubernetes provider
// returns it: namespace "default", type ClusterIP, a cluster IP, each port's protocol and targetPort
// (defaulted to the port; a named one kept), and the defaulted fields; a headless Service keeps
// "None". What the program sent (Manifests) stays the inputs.
func TestServiceAnswersAsTheAPIServer(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		for name, ip := range map[string]pulumi.StringPtrInput{"web": nil, "db": pulumi.String("None")} {
			_, err := corev1.NewService(ctx, name, &corev1.ServiceArgs{
				Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(name)},
				Spec: &corev1.ServiceSpecArgs{
					ClusterIP: ip,
					Selector:  pulumi.StringMap{"app": pulumi.String(name)},
					Ports: corev1.ServicePortArray{
						corev1.ServicePortArgs{Name: pulumi.String("http"), Port: pulumi.Int(80)},
						corev1.ServicePortArgs{Name: pulumi.String("admin"), Port: pulumi.Int(81), TargetPort: pulumi.String("admin"), Protocol: pulumi.String("TCP")},
					},
				},
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	web := dryrun.Plain(res.Must(t, "kubernetes:core/v1:Service", "web").Outputs)
	ip := web["spec"].(map[string]any)["clusterIP"]
	want := map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": "web", "namespace": "default"},
		"spec": map[string]any{
			"clusterIP": ip, "clusterIPs": []any{ip}, "internalTrafficPolicy": "Cluster",
			"ipFamilies": []any{"IPv4"}, "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None", "type": "ClusterIP",
			"selector": map[string]any{"app": "web"},
			"ports": []any{
				map[string]any{"name": "http", "port": 80.0, "protocol": "TCP", "targetPort": 80.0},
				map[string]any{"name": "admin", "port": 81.0, "protocol": "TCP", "targetPort": "admin"},
			},
		},
		"status": map[string]any{"loadBalancer": map[string]any{}},
	}
	if s, _ := ip.(string); !strings.HasPrefix(s, "10.0.0.") || !reflect.DeepEqual(web, want) {
		t.Errorf("Service outputs:\n%v\nwant\n%v", web, want)
	}
	db := dryrun.Plain(res.Must(t, "kubernetes:core/v1:Service", "db").Outputs)["spec"].(map[string]any)
	if db["clusterIP"] != "None" || !reflect.DeepEqual(db["clusterIPs"], []any{"None"}) {
		t.Errorf("headless Service: clusterIP %v, clusterIPs %v", db["clusterIP"], db["clusterIPs"])
	}
	for _, m := range res.Manifests() {
		spec := m["spec"].(map[string]any)
		if _, ok := spec["clusterIP"]; ok && m["metadata"].(map[string]any)["name"] == "web" {
			t.Errorf("manifest carries what the server assigns: %v", spec)
		}
		if _, ok := m["status"]; ok {
			t.Errorf("manifest carries a status: %v", m)
		}
	}
}
