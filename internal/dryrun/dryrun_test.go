package dryrun_test

import (
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
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
	if leaks := res.SecretLeaks(secret); len(leaks) != 0 {
		t.Fatalf("secret input to the config map is still wrapped, want no leak, got %v", leaks)
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
