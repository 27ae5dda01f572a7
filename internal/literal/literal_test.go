package literal_test

import (
	"reflect"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/literal"
)

func TestInto(t *testing.T) {
	in := corev1.ContainerArgs{
		Name: pulumi.String("api"), Image: pulumi.String("a:1"),
		Args:      pulumi.StringArray{pulumi.String("-v")},
		Ports:     corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(80), Name: pulumi.StringPtr("http")}},
		Resources: &corev1.ResourceRequirementsArgs{Limits: pulumi.StringMap{"cpu": pulumi.String("1")}},
		ReadinessProbe: &corev1.ProbeArgs{
			HttpGet:   &corev1.HTTPGetActionArgs{Port: pulumi.Int(80)},
			TcpSocket: &corev1.TCPSocketActionArgs{Port: pulumi.String("http")},
		},
		SecurityContext: &corev1.SecurityContextArgs{ReadOnlyRootFilesystem: pulumi.BoolPtr(true)},
	}
	var out corev1.Container
	if !literal.Into(in, &out) {
		t.Fatal("a literal container was not read")
	}
	str := func(s string) *string { return &s }
	yes := true
	want := corev1.Container{
		Name: "api", Image: str("a:1"), Args: []string{"-v"},
		Ports:     []corev1.ContainerPort{{ContainerPort: 80, Name: str("http")}},
		Resources: &corev1.ResourceRequirements{Limits: map[string]string{"cpu": "1"}},
		ReadinessProbe: &corev1.Probe{
			HttpGet:   &corev1.HTTPGetAction{Port: 80},
			TcpSocket: &corev1.TCPSocketAction{Port: "http"},
		},
		SecurityContext: &corev1.SecurityContext{ReadOnlyRootFilesystem: &yes},
	}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got  %+v\nwant %+v", out, want)
	}

	for name, in := range map[string]pulumi.Input{
		"output field":          corev1.ContainerArgs{Name: pulumi.String("api").ToStringOutput()},
		"nested output":         corev1.ContainerArgs{Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(1).ToIntOutput()}}},
		"output in an array":    corev1.ContainerArgs{Args: pulumi.StringArray{pulumi.String("x").ToStringOutput()}},
		"output as the element": corev1.ContainerArgs{}.ToContainerOutput(),
	} {
		var out corev1.Container
		if literal.Into(in, &out) {
			t.Errorf("%s: read as a literal", name)
		}
	}
}
