package workload

import (
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/vaultkv"
)

// TestMergeLiteralPath: which app specs NewApp merges at construction (no apply) and which it leaves to
// the apply; TestAppLiteralAndOutputSpecsAgree checks that both give the same spec. Security contexts
// the app sets itself stay on the construction path (issue 13: they used to force the apply).
func TestMergeLiteralPath(t *testing.T) {
	c := func(mod func(*corev1.ContainerArgs)) corev1.ContainerArray {
		args := corev1.ContainerArgs{Name: pulumi.String("api"), Image: pulumi.String("a:1")}
		if mod != nil {
			mod(&args)
		}
		return corev1.ContainerArray{args}
	}
	for _, tc := range []struct {
		name    string
		spec    corev1.PodSpecArgs
		literal bool
	}{
		{"literal containers", corev1.PodSpecArgs{Containers: c(nil)}, true},
		{"pointer container", corev1.PodSpecArgs{Containers: corev1.ContainerArray{&corev1.ContainerArgs{Name: pulumi.String("api")}}}, true},
		{"output image", corev1.PodSpecArgs{Containers: c(func(a *corev1.ContainerArgs) { a.Image = pulumi.String("a:1").ToStringOutput() })}, false},
		{"container security context", corev1.PodSpecArgs{Containers: c(func(a *corev1.ContainerArgs) {
			a.SecurityContext = &corev1.SecurityContextArgs{RunAsUser: pulumi.Int(1000)}
		})}, true},
		{"pod security context", corev1.PodSpecArgs{Containers: c(nil), SecurityContext: &corev1.PodSecurityContextArgs{FsGroup: pulumi.Int(1)}}, true},
		{"containers as an output", corev1.PodSpecArgs{Containers: c(nil).ToContainerArrayOutput()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			plan, err := (&AppArgs{Namespace: pulumi.String("apps"), PodSpec: &spec,
				Token: TokenSource{Vault: &VaultToken{Agent: VaultAgent{Role: "r"}, Secret: vaultkv.Location{Path: "p"}}}}).plan("api")
			if err != nil {
				t.Fatal(err)
			}
			if got := plan.known; got != tc.literal {
				t.Errorf("merged at construction: %v, want %v", got, tc.literal)
			}
		})
	}
}
