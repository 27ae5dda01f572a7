package workload

import (
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

// Autoscaling defaults and limits. See the package doc for how they follow from cloudflared's connections.
const (
	// DefaultMinReplicas is the autoscaler's minimum: two connectors, Cloudflare's baseline for
	// availability (one can be drained or updated while the other serves).
	DefaultMinReplicas = 2
	// DefaultMaxReplicas is the autoscaler's maximum: 4 connectors, 16 edge connections, a quarter of
	// what one tunnel may hold (MaxReplicasPerTunnel), leaving room for a rolling update's surge and for
	// replicas of the same tunnel elsewhere.
	DefaultMaxReplicas = 4
	// DefaultCPUUtilization is the target average CPU use of the cloudflared containers, in percent of
	// their CPU request.
	DefaultCPUUtilization = 75
	// MaxReplicasPerTunnel is the most connectors one tunnel takes: Cloudflare accepts 100 connections per
	// tunnel and each cloudflared opens 4.
	MaxReplicasPerTunnel = 25
	// ConnectionsPerReplica are the edge connections each cloudflared opens (to at least two data centres).
	ConnectionsPerReplica = 4
)

// Autoscaling is a HorizontalPodAutoscaler (autoscaling/v2) for the connector's Deployment (own-pod layout
// only): it scales on the cloudflared container's CPU, and memory if asked, relative to the container's
// requests. The Deployment then leaves its replica count to the autoscaler. The zero value gives the
// defaults.
type Autoscaling struct {
	// MinReplicas is the fewest connectors, at least 2. Default DefaultMinReplicas. The
	// PodDisruptionBudget must allow an eviction at this count.
	MinReplicas int `pulumi:"minReplicas,optional"`
	// MaxReplicas is the most connectors, MinReplicas to MaxReplicasPerTunnel (25). Default
	// DefaultMaxReplicas (4), or MinReplicas when that is larger.
	MaxReplicas int `pulumi:"maxReplicas,optional"`
	// CPUUtilization is the target average CPU use of the cloudflared containers in percent of their
	// request (Cloudflared.Requests["cpu"], which must be set). Default DefaultCPUUtilization (75).
	CPUUtilization int `pulumi:"cpuUtilization,optional"`
	// MemoryUtilization, when above 0, also scales on memory: the target average in percent of the memory
	// request (Cloudflared.Requests["memory"], which must be set). Default 0: CPU only.
	MemoryUtilization int `pulumi:"memoryUtilization,optional"`
}

func (a Autoscaling) withDefaults() Autoscaling {
	if a.MinReplicas == 0 {
		a.MinReplicas = DefaultMinReplicas
	}
	if a.MaxReplicas == 0 {
		a.MaxReplicas = max(DefaultMaxReplicas, a.MinReplicas)
	}
	if a.CPUUtilization == 0 {
		a.CPUUtilization = DefaultCPUUtilization
	}
	return a
}

// validate checks a (after defaults) for pods whose cloudflared container has cf's requests; ownPod is
// false in the sidecar layout, where the autoscaler would scale the app.
func (a Autoscaling) validate(es *check.Errors, cf Cloudflared, ownPod bool) {
	const f = "pods.autoscaling"
	if !ownPod {
		es.Add(f, nil, "only for the own-pod connector: in the sidecar layout the Deployment is the app's, which the app's own autoscaler scales (cloudflared follows its pods)")
		return
	}
	if a.MinReplicas < 2 {
		es.Add(f+".minReplicas", a.MinReplicas, "must be at least 2: one connector is a single point of failure, and its PodDisruptionBudget could never allow an eviction")
	}
	switch {
	case a.MaxReplicas < a.MinReplicas:
		es.Add(f+".maxReplicas", a.MaxReplicas, "must be at least minReplicas (%d)", a.MinReplicas)
	case a.MaxReplicas > MaxReplicasPerTunnel:
		es.Add(f+".maxReplicas", a.MaxReplicas, "at most %d: Cloudflare accepts 100 connections per tunnel and each connector opens %d", MaxReplicasPerTunnel, ConnectionsPerReplica)
	}
	if a.CPUUtilization < 1 {
		es.Add(f+".cpuUtilization", a.CPUUtilization, "must be a percentage of the CPU request above 0")
	}
	if a.MemoryUtilization < 0 {
		es.Add(f+".memoryUtilization", a.MemoryUtilization, "must be 0 (CPU only) or a percentage of the memory request")
	}
	if _, ok := cf.Requests["cpu"]; !ok {
		es.Add("cloudflared.requests.cpu", nil, "required with autoscaling: the autoscaler's CPU utilization is relative to the request")
	}
	if _, ok := cf.Requests["memory"]; !ok && a.MemoryUtilization > 0 {
		es.Add("cloudflared.requests.memory", nil, "required with autoscaling.memoryUtilization: the autoscaler's memory utilization is relative to the request")
	}
}

// hpaSpec is the autoscaler's spec for the Deployment named deployment.
func (a Autoscaling) hpaSpec(deployment string) autoscalingv2.HorizontalPodAutoscalerSpecArgs {
	metric := func(resource string, percent int) autoscalingv2.MetricSpecArgs {
		// ContainerResource: the cloudflared container's own use, not the pod's (a long-running Vault
		// Agent sidecar would count in a Resource metric).
		return autoscalingv2.MetricSpecArgs{
			Type: pulumi.String("ContainerResource"),
			ContainerResource: &autoscalingv2.ContainerResourceMetricSourceArgs{
				Container: pulumi.String(ContainerName),
				Name:      pulumi.String(resource),
				Target:    autoscalingv2.MetricTargetArgs{Type: pulumi.String("Utilization"), AverageUtilization: pulumi.Int(percent)},
			},
		}
	}
	metrics := autoscalingv2.MetricSpecArray{metric("cpu", a.CPUUtilization)}
	if a.MemoryUtilization > 0 {
		metrics = append(metrics, metric("memory", a.MemoryUtilization))
	}
	return autoscalingv2.HorizontalPodAutoscalerSpecArgs{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReferenceArgs{
			ApiVersion: pulumi.String("apps/v1"), Kind: pulumi.String("Deployment"), Name: pulumi.String(deployment),
		},
		MinReplicas: pulumi.Int(a.MinReplicas),
		MaxReplicas: pulumi.Int(a.MaxReplicas),
		Metrics:     metrics,
	}
}
