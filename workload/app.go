package workload

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/network"
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
	// Generation is the tunnel's secret generation (tunnel.Args.Rotation) that the pods run: as
	// ConnectorArgs.Generation, a new generation is a new Deployment of the app (with its sidecar)
	// created next to the old one. Empty: the Deployment is named "<pods.name>".
	Generation string `pulumi:"generation,optional"`
	// Token says how the token reaches cloudflared (required: exactly one of Vault or Secret).
	Token TokenSource `pulumi:"token"`
	// Cloudflared configures the sidecar container; nil gives the defaults.
	Cloudflared *Cloudflared `pulumi:"cloudflared,optional"`
	// Containers are the app's containers (set this or PodSpec). The elements may hold outputs.
	Containers corev1.ContainerArray `pulumi:"containers,optional"`
	// PodSpec is the app's whole pod spec (set this or Containers). Placement set here (nodeSelector,
	// tolerations, priorityClassName, serviceAccountName) must not also be set in Pods;
	// topologySpreadConstraints set here replace the default spread.
	PodSpec *corev1.PodSpecArgs `pulumi:"podSpec,optional"`
	// Pods shapes the Deployment: replicas, disruption budget, spread, metadata, placement, service
	// account; nil gives the defaults.
	Pods *Pods `pulumi:"pods,optional"`
	// Metrics publishes cloudflared's metrics from the app's pods: a Service, and a PodMonitor or
	// ServiceMonitor and alert rules when asked. nil: none.
	Metrics *Metrics `pulumi:"metrics,optional"`
}

// App is an app's Deployment with cloudflared as a sidecar. Its SelectorLabels are
// app.kubernetes.io/name and app.kubernetes.io/instance, both Pods.Name (default: the component name).
type App struct {
	pulumi.ResourceState
	Workload
}

type appPlan struct {
	plan
	// podSpec is the app's pod spec merged with cloudflared and hardened (Parts.appPodSpec); known says
	// that it was merged at construction (no apply).
	podSpec corev1.PodSpecPtrInput
	known   bool
}

// Validate checks the arguments without Pulumi, including clashes between literal app containers and
// the sidecar (outputs are checked once known).
func (a *AppArgs) Validate() error {
	_, err := a.plan("")
	return err
}

// Facts validates a as NewApp(ctx, name, a) does (nothing is registered) and returns what other
// components need to know about the pods (the network policy's pods, the Vault reader).
func (a *AppArgs) Facts(name string) (Facts, error) {
	p, err := a.plan(name)
	return p.facts, err
}

func (a *AppArgs) plan(name string) (*appPlan, error) {
	var es check.Errors
	p := &appPlan{plan: *newPlan(&es, planInput{
		component: AppType, name: name, placeholder: "app", layout: network.LayoutSidecar,
		namespace: a.Namespace, tunnelID: a.TunnelID, generation: a.Generation, token: a.Token, cloudflared: cloudflaredDefaults(a.Cloudflared), pods: a.Pods,
		metrics: a.Metrics,
		labels:  map[string]string{},
	})}
	var spec corev1.PodSpecArgs
	field := "" // where the app's containers are, for errors
	switch {
	case a.PodSpec != nil && a.Containers != nil:
		es.Add("containers", nil, "set either containers or podSpec, not both")
	case a.PodSpec != nil:
		spec, field = *a.PodSpec, "podSpec"
		if spec.Containers == nil {
			es.Add("podSpec.containers", nil, "required: the app's containers")
		}
	case len(a.Containers) == 0:
		es.Add("containers", nil, "required (or podSpec): the app that cloudflared sits next to")
	default:
		spec = corev1.PodSpecArgs{Containers: a.Containers}
	}
	p.place(&es, &spec)
	if r := p.facts.VaultReader; r != nil && spec.ServiceAccountName != nil && p.pods.ServiceAccount == nil {
		// The app's own pod spec names the account (maybe as an output).
		r.ServiceAccount = spec.ServiceAccountName.ToStringPtrOutput().Elem()
		if in, ok := spec.ServiceAccountName.(pulumi.StringInput); ok { // a String (literal) or a StringOutput
			r.ServiceAccount = in
		}
	}
	if p.parts != nil && spec.Containers != nil {
		p.podSpec, p.known = p.parts.appPodSpec(&es, field, spec, AppType)
	}
	return p, es.Err(AppType)
}

// place moves the Pods placement into the app's pod spec s, reporting settings made in both places.
func (p *appPlan) place(es *check.Errors, s *corev1.PodSpecArgs) {
	pods := p.pods
	tols, spread := pods.placement(p.selector)
	conflict := func(field string, inSpec, inPods bool) bool {
		if inSpec && inPods {
			es.Add("pods."+field, nil, "set both here and in podSpec: set it in one place")
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
// "<name>-serviceaccount" (optional), "<name>-deployment" and "<name>-pdb" (replicas >= 2). opts are
// the component's: explicit providers reach the children through the parent, and DependsOn,
// RetainOnDelete, DeletedWith and custom timeouts are passed to them (see component.ChildOptions).
func NewApp(ctx *pulumi.Context, name string, args *AppArgs, opts ...pulumi.ResourceOption) (*App, error) {
	if args == nil {
		args = &AppArgs{}
	}
	plan, err := args.plan(name)
	if err != nil {
		return nil, err
	}
	comp := &App{}
	if err := plan.register(ctx, AppType, name, comp, &comp.Workload, plan.podSpec, opts); err != nil {
		return nil, err
	}
	return comp, nil
}
