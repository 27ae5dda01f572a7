package workload_test

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/workload"
)

const hpaType = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"

func autoscaled(a *workload.Autoscaling) pulumi.RunFunc {
	return connector(func(args *workload.ConnectorArgs) { args.Pods.Autoscaling = a })
}

// TestAutoscalingDefaults: an autoscaler on the cloudflared container's CPU from 2 to 4 connectors, the
// Deployment without a replica count (the autoscaler's), a budget for its minimum.
func TestAutoscalingDefaults(t *testing.T) {
	res := run(t, autoscaled(&workload.Autoscaling{}))
	eqJSON(t, "hpa", inputs(t, res, hpaType, "edge-hpa"), `{
		"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
		"metadata": {"name": "edge", "namespace": "apps", "labels": {
			"app.kubernetes.io/component": "connector", "app.kubernetes.io/instance": "edge",
			"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/name": "cloudflared",
			"app.kubernetes.io/part-of": "tunnelgate", "app.kubernetes.io/version": "2026.8.2"}},
		"spec": {
			"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "edge"},
			"minReplicas": 2, "maxReplicas": 4,
			"metrics": [{"type": "ContainerResource", "containerResource": {
				"container": "cloudflared", "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 75}}}]
		}}`)
	dep := inputs(t, res, deploymentType, "edge-deployment")
	if r, ok := dep["spec"].(map[string]any)["replicas"]; ok {
		t.Errorf("deployment replicas %v: with an autoscaler every update would reset its count", r)
	}
	eqJSON(t, "pdb spec", at(t, inputs(t, res, pdbType, "edge-pdb"), "spec"), `{
		"maxUnavailable": 1, "unhealthyPodEvictionPolicy": "AlwaysAllow",
		"selector": {"matchLabels": {"app.kubernetes.io/instance": "edge", "app.kubernetes.io/name": "cloudflared"}}}`)
	hpa, d := res.Must(t, hpaType, "edge-hpa"), res.Must(t, deploymentType, "edge-deployment")
	if hpa.Parent != res.Must(t, workload.ConnectorType, "edge").URN || !slices.Contains(hpa.Dependencies, d.URN) {
		t.Errorf("hpa parent %s dependencies %v: want the component and the Deployment", hpa.Parent, hpa.Dependencies)
	}
}

func TestAutoscalingCustom(t *testing.T) {
	res := run(t, autoscaled(&workload.Autoscaling{MinReplicas: 3, MaxReplicas: 10, CPUUtilization: 60, MemoryUtilization: 80}))
	eqJSON(t, "hpa spec", at(t, inputs(t, res, hpaType, "edge-hpa"), "spec"), `{
		"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "edge"},
		"minReplicas": 3, "maxReplicas": 10,
		"metrics": [
			{"type": "ContainerResource", "containerResource": {"container": "cloudflared", "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
			{"type": "ContainerResource", "containerResource": {"container": "cloudflared", "name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}}
		]}`)
	// The maximum follows a larger minimum.
	res = run(t, autoscaled(&workload.Autoscaling{MinReplicas: 6}))
	if got := at(t, inputs(t, res, hpaType, "edge-hpa"), "spec", "maxReplicas"); got != 6.0 {
		t.Errorf("maxReplicas %v, want the minimum 6", got)
	}
}

func TestNoAutoscaling(t *testing.T) {
	res := run(t, autoscaled(nil))
	if n := len(res.OfType(hpaType)); n != 0 {
		t.Errorf("%d autoscalers without Autoscaling", n)
	}
	if got := at(t, inputs(t, res, deploymentType, "edge-deployment"), "spec", "replicas"); got != 2.0 {
		t.Errorf("replicas %v", got)
	}
}
