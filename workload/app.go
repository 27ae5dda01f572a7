package workload

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

// AppType is the type token of the sidecar layout's app Deployment.
const AppType = "tunnelgate:workload:App"

// AppArgs are the inputs of NewApp: the app's own Deployment with cloudflared as a sidecar, reaching
// the app on localhost (ingress rules such as "http://localhost:8080").
type AppArgs struct {
	// Namespace of every object (required). It may be another resource's output.
	Namespace pulumi.StringInput `pulumi:"namespace"`
	// TunnelID feeds the TunnelIDAnnotation pod annotation (pods roll when the tunnel changes).
	TunnelID pulumi.StringInput `pulumi:"tunnelId,optional"`
	// Token says how the token reaches cloudflared (required: exactly one of Vault or Secret).
	Token TokenSource `pulumi:"token"`
	// Cloudflared configures the sidecar container.
	Cloudflared Cloudflared `pulumi:"cloudflared,optional"`
	// Containers are the app's containers (set this or PodSpec). The elements may hold outputs.
	Containers corev1.ContainerArray `pulumi:"containers,optional"`
	// PodSpec is the app's whole pod spec (set this or Containers). Placement set here (nodeSelector,
	// tolerations, priorityClassName, serviceAccountName) must not also be set in Pods;
	// topologySpreadConstraints set here replace the default spread.
	PodSpec *corev1.PodSpecArgs `pulumi:"podSpec,optional"`
	// Pods shapes the Deployment: replicas, disruption budget, spread, metadata, placement, service account.
	Pods
}

// App is an app's Deployment with cloudflared as a sidecar. Its SelectorLabels are
// app.kubernetes.io/name and app.kubernetes.io/instance, both the Deployment's name.
type App struct {
	pulumi.ResourceState
	Workload
}

type appPlan struct {
	connectorPlan
	spec corev1.PodSpecArgs
	// merged is spec with cloudflared added, when spec is literal (mergeLiteral); nil: merged in an apply.
	merged *corev1.PodSpecArgs
}

// Validate checks the arguments without Pulumi, including clashes between literal app containers and
// the sidecar (outputs are checked once known).
func (a *AppArgs) Validate() error {
	_, err := a.plan("")
	return err
}

func (a *AppArgs) plan(name string) (*appPlan, error) {
	var es check.Errors
	p := &appPlan{connectorPlan: *newPlan(&es, planInput{
		component: AppType, name: name, placeholder: "app",
		namespace: a.Namespace, tunnelID: a.TunnelID, token: a.Token, cloudflared: a.Cloudflared, pods: a.Pods,
		labels: map[string]string{},
	})}
	field := "" // where the app's containers are, for clash errors
	switch {
	case a.PodSpec != nil && a.Containers != nil:
		es.Add("containers", nil, "set either containers or podSpec, not both")
	case a.PodSpec != nil:
		p.spec, field = *a.PodSpec, "podSpec"
		if p.spec.Containers == nil {
			es.Add("podSpec.containers", nil, "required: the app's containers")
		}
	case len(a.Containers) == 0:
		es.Add("containers", nil, "required (or podSpec): the app that cloudflared sits next to")
	default:
		p.spec = corev1.PodSpecArgs{Containers: a.Containers}
	}
	p.place(&es)
	if p.parts != nil && p.spec.Containers != nil {
		if merged, ok := p.parts.mergeLiteral(&es, field, p.spec); ok {
			p.merged = &merged
		} else {
			checkClashes(&es, field, literalContainers(p.spec.Containers), nil, p.parts)
		}
	}
	return p, es.Err(AppType)
}

// place moves the Pods placement into the app's pod spec, reporting settings made in both places.
func (p *appPlan) place(es *check.Errors) {
	pods, s := p.pods, &p.spec
	tols, spread := pods.placement(p.selector)
	conflict := func(field string, inSpec, inPods bool) bool {
		if inSpec && inPods {
			es.Add(field, nil, "set both here and in podSpec: set it in one place")
		}
		return !inSpec && inPods
	}
	if conflict("nodeSelector", s.NodeSelector != nil, len(pods.NodeSelector) > 0) {
		s.NodeSelector = pulumi.ToStringMap(pods.NodeSelector)
	}
	if conflict("tolerations", s.Tolerations != nil, len(tols) > 0) {
		s.Tolerations = tols
	}
	if conflict("priorityClassName", s.PriorityClassName != nil, pods.PriorityClassName != "") {
		s.PriorityClassName = pulumi.String(pods.PriorityClassName)
	}
	if conflict("serviceAccount", s.ServiceAccountName != nil, pods.ServiceAccount != nil) {
		s.ServiceAccountName = pulumi.String(pods.ServiceAccount.Name)
	}
	if s.TopologySpreadConstraints == nil {
		s.TopologySpreadConstraints = spread
	}
}

// NewApp validates args (before registering anything) and registers the component with its children:
// "<name>-serviceaccount" (optional), "<name>-deployment" and "<name>-pdb" (replicas >= 2).
func NewApp(ctx *pulumi.Context, name string, args *AppArgs, opts ...pulumi.ResourceOption) (*App, error) {
	if args == nil {
		args = &AppArgs{}
	}
	plan, err := args.plan(name)
	if err != nil {
		return nil, err
	}
	comp := &App{}
	var spec corev1.PodSpecPtrInput = plan.merged
	if plan.merged == nil {
		spec = plan.parts.podSpec(plan.spec, AppType).ToPodSpecPtrOutput()
	}
	if err := plan.register(ctx, AppType, name, comp, &comp.Workload, spec, opts); err != nil {
		return nil, err
	}
	return comp, nil
}
