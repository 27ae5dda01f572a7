package workload

import (
	"maps"
	"reflect"
	"slices"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/literal"
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
	// Containers are the app's containers (set this or PodSpec): a corev1.ContainerArray, whose
	// elements may hold outputs, or an output of a container list. Containers given as literals are
	// checked at construction, outputs once known.
	Containers corev1.ContainerArrayInput `pulumi:"containers,optional" provider:"type=kubernetes@4.25.0:core/v1:Container"`
	// PodSpec is the app's whole pod spec (set this or Containers): a *corev1.PodSpecArgs, whose fields
	// may hold outputs, or an output of a pod spec (checked and merged once known). Placement set here
	// (nodeSelector, tolerations, priorityClassName, serviceAccountName) must not also be set in Pods;
	// topologySpreadConstraints set here replace the default spread.
	PodSpec corev1.PodSpecPtrInput `pulumi:"podSpec,optional" provider:"type=kubernetes@4.25.0:core/v1:PodSpec"`
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
	literalSpec, isLiteral := podSpecArgs(a.PodSpec)
	switch {
	case !isNil(a.PodSpec) && !isNil(a.Containers):
		es.Add("containers", nil, "set either containers or podSpec, not both")
	case !isNil(a.PodSpec) && !isLiteral:
		// An output: placed, checked and merged once known.
		if p.parts != nil {
			p.podSpec = p.parts.mergeOutput(p.placeOutput(a.PodSpec), "podSpec", AppType)
		}
		if r := p.facts.VaultReader; r != nil && p.pods.ServiceAccount == nil {
			r.ServiceAccount = a.PodSpec.ToPodSpecPtrOutput().ApplyT(func(s *corev1.PodSpec) string {
				if s != nil && s.ServiceAccountName != nil && *s.ServiceAccountName != "" {
					return *s.ServiceAccountName
				}
				return "default"
			}).(pulumi.StringOutput)
		}
		return p, es.Err(AppType)
	case isLiteral:
		spec, field = literalSpec, "podSpec"
		if isNil(spec.Containers) {
			es.Add("podSpec.containers", nil, "required: the app's containers")
		}
	case isNil(a.Containers) || isEmpty(a.Containers):
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
	if p.parts != nil && !isNil(spec.Containers) {
		p.podSpec, p.known = p.parts.appPodSpec(&es, field, spec, AppType)
	}
	return p, es.Err(AppType)
}

// podSpecArgs returns the pod spec in when it is a literal (a PodSpecArgs, whose fields may hold
// outputs), and false when it is nil or an output.
func podSpecArgs(in corev1.PodSpecPtrInput) (corev1.PodSpecArgs, bool) {
	switch s := in.(type) {
	case *corev1.PodSpecArgs:
		if s != nil {
			return *s, true
		}
	case corev1.PodSpecArgs:
		return s, true
	}
	return corev1.PodSpecArgs{}, false
}

// isNil reports whether in is nil or holds a nil pointer, slice or map (e.g. a nil
// corev1.ContainerArray): what a Go caller means by "unset".
func isNil(in pulumi.Input) bool {
	if in == nil {
		return true
	}
	switch v := reflect.ValueOf(in); v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// isEmpty reports whether in is a literal list without elements.
func isEmpty(in corev1.ContainerArrayInput) bool {
	arr, ok := in.(corev1.ContainerArray)
	return ok && len(arr) == 0
}

// placement says which of the Pods' placement settings a pod spec sets, or which go into it.
type placement struct {
	nodeSelector, tolerations, priorityClassName, serviceAccount, spread bool
}

// placing returns which settings of Pods go into a pod spec that sets inSpec itself (tolerations:
// Pods has some), reporting settings made in both places.
func (p *appPlan) placing(es *check.Errors, inSpec placement, tolerations bool) placement {
	pods := p.pods
	conflict := func(field string, inSpec, inPods bool) bool {
		if inSpec && inPods {
			es.Add("pods."+field, nil, "set both here and in podSpec: set it in one place")
		}
		return !inSpec && inPods
	}
	return placement{
		nodeSelector:      conflict("nodeSelector", inSpec.nodeSelector, len(pods.NodeSelector) > 0),
		tolerations:       conflict("tolerations", inSpec.tolerations, tolerations),
		priorityClassName: conflict("priorityClassName", inSpec.priorityClassName, pods.PriorityClassName != ""),
		serviceAccount:    conflict("serviceAccount", inSpec.serviceAccount, pods.ServiceAccount != nil),
		spread:            !inSpec.spread,
	}
}

// place moves the Pods placement into the app's pod spec s, reporting settings made in both places.
func (p *appPlan) place(es *check.Errors, s *corev1.PodSpecArgs) {
	pods := p.pods
	tols, spread := pods.placement(p.selector)
	set := p.placing(es, placement{
		nodeSelector: s.NodeSelector != nil, tolerations: s.Tolerations != nil, priorityClassName: s.PriorityClassName != nil,
		serviceAccount: s.ServiceAccountName != nil, spread: s.TopologySpreadConstraints != nil,
	}, len(tols) > 0)
	if set.nodeSelector {
		s.NodeSelector = pulumi.ToStringMap(pods.NodeSelector)
	}
	if set.tolerations {
		s.Tolerations = tols
	}
	if set.priorityClassName {
		s.PriorityClassName = pulumi.String(pods.PriorityClassName)
	}
	if set.serviceAccount {
		s.ServiceAccountName = pulumi.String(pods.ServiceAccount.Name)
	}
	if set.spread {
		s.TopologySpreadConstraints = spread
	}
}

// placeOutput is place for a pod spec that is an output, once known; its errors fail the output
// with the component's name.
func (p *appPlan) placeOutput(in corev1.PodSpecPtrInput) corev1.PodSpecOutput {
	pods := p.pods
	tolArgs, spreadArgs := pods.placement(p.selector)
	var tols []corev1.Toleration
	var spread []corev1.TopologySpreadConstraint
	literal.Into(tolArgs, &tols)      // literal: built from plain data
	literal.Into(spreadArgs, &spread) // likewise
	return in.ToPodSpecPtrOutput().ApplyT(func(s *corev1.PodSpec) (corev1.PodSpec, error) {
		var es check.Errors
		if s == nil {
			es.Add("podSpec", nil, "required: the app's pod spec (the output resolved to none)")
			return corev1.PodSpec{}, es.Err(AppType)
		}
		spec := *s
		set := p.placing(&es, placement{
			nodeSelector: spec.NodeSelector != nil, tolerations: spec.Tolerations != nil, priorityClassName: spec.PriorityClassName != nil,
			serviceAccount: spec.ServiceAccountName != nil, spread: spec.TopologySpreadConstraints != nil,
		}, len(tols) > 0)
		if set.nodeSelector {
			spec.NodeSelector = maps.Clone(pods.NodeSelector)
		}
		if set.tolerations {
			spec.Tolerations = slices.Clone(tols)
		}
		if set.priorityClassName {
			name := pods.PriorityClassName
			spec.PriorityClassName = &name
		}
		if set.serviceAccount {
			name := pods.ServiceAccount.Name
			spec.ServiceAccountName = &name
		}
		if set.spread {
			spec.TopologySpreadConstraints = slices.Clone(spread)
		}
		return spec, es.Err(AppType)
	}).(corev1.PodSpecOutput)
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
