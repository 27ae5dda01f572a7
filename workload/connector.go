package workload

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/component"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/vaultkv"
)

// ConnectorType is the type token of the own-pod layout.
const ConnectorType = "tunnelgate:workload:Connector"

// ConnectorArgs are the inputs of NewConnector: cloudflared in its own Deployment, reaching origins
// through Services.
type ConnectorArgs struct {
	// Namespace of every object (required). It may be another resource's output.
	Namespace pulumi.StringInput `pulumi:"namespace"`
	// TunnelID feeds the TunnelIDAnnotation pod annotation, so that a new tunnel (a rotated token) rolls
	// the pods. Optional but recommended.
	TunnelID pulumi.StringInput `pulumi:"tunnelId,optional"`
	// Generation is the tunnel's secret generation (tunnel.Args.Rotation) that the pods run. When set,
	// the Deployment's Kubernetes name is "<pods.name>-<generation>" (see DeploymentName), so that a new
	// generation is a new Deployment created next to the old one instead of the old one rolling in
	// place (see the package doc's Rotation section). Empty: "<pods.name>". 1-32 lower-case letters,
	// digits and '-'.
	Generation string `pulumi:"generation,optional"`
	// Token says how the token reaches cloudflared (required: exactly one of Vault or Secret).
	Token TokenSource `pulumi:"token"`
	// Cloudflared configures the container; nil gives the defaults.
	Cloudflared *Cloudflared `pulumi:"cloudflared,optional"`
	// Pods shapes the Deployment: replicas or autoscaling, disruption budget, spread, metadata, placement,
	// service account; nil gives the defaults.
	Pods *Pods `pulumi:"pods,optional"`
	// Metrics publishes cloudflared's metrics: a Service, and a PodMonitor or ServiceMonitor and alert
	// rules when asked. nil: none.
	Metrics *Metrics `pulumi:"metrics,optional"`
}

// Connector is cloudflared in its own Deployment. Its SelectorLabels are app.kubernetes.io/name
// "cloudflared" and app.kubernetes.io/instance = Pods.Name (default: the component name).
type Connector struct {
	pulumi.ResourceState
	Workload
}

// Workload is what both components expose: their children and the plain data that other components
// (the network policy, the root package) compose with.
type Workload struct {
	// Deployment is the child "<name>-deployment".
	Deployment *appsv1.Deployment
	// PodDisruptionBudget is the child "<name>-pdb" (nil below 2 replicas).
	PodDisruptionBudget *policyv1.PodDisruptionBudget
	// HorizontalPodAutoscaler is the child "<name>-hpa" (nil without Pods.Autoscaling).
	HorizontalPodAutoscaler *autoscalingv2.HorizontalPodAutoscaler
	// MetricsService is the child "<name>-metrics" (nil without Metrics).
	MetricsService *corev1.Service
	// Monitor is the child "<name>-podmonitor" or "<name>-servicemonitor" (nil without Metrics.Monitor).
	Monitor *apiextensions.CustomResource
	// AlertRules is the child "<name>-rules", a PrometheusRule (nil without Metrics.Alerts).
	AlertRules *apiextensions.CustomResource
	// ServiceAccount is the child "<name>-serviceaccount" (nil unless Pods.ServiceAccount.Create).
	ServiceAccount *corev1.ServiceAccount
	// TokenSecret is the child "<name>-token" (nil unless Token.Secret.Value is set).
	TokenSecret *corev1.Secret
	// SelectorLabels select the pods that run cloudflared (e.g. for a NetworkPolicy).
	SelectorLabels map[string]string
	// MetricsPort is cloudflared's metrics and probe port.
	MetricsPort int
	// Namespace is the namespace of the objects.
	Namespace pulumi.StringOutput
	// PolicyPods are the pods as a network policy needs them (network.Args.Pods): namespace, selector,
	// layout, metrics port, edge region and, with the Vault source, where the agent connects to.
	PolicyPods network.Pods
	// VaultReader is who reads the token from Vault and how the agent logs in (vaultrole.Args.Reader):
	// the pods' namespace and service account, the auth path, role and token audience. Nil with the
	// Secret source.
	VaultReader *vaultkv.Reader
}

// Facts are what other components need to know about the pods of a Connector or an App, known
// before anything is registered (ConnectorArgs.Facts, AppArgs.Facts) as after (the Workload fields
// of the same names).
type Facts struct {
	// PolicyPods are the pods as a network policy needs them (network.Args.Pods).
	PolicyPods network.Pods
	// VaultReader is who reads the token from Vault and how (vaultrole.Args.Reader); nil with the
	// Secret source. Its ServiceAccount is Pods.ServiceAccount's name, the pod spec's
	// serviceAccountName (App), or "default" when neither is set.
	VaultReader *vaultkv.Reader
}

// plan is the validated, defaulted input of a Connector or an App.
type plan struct {
	pods       Pods
	deployment string // the Deployment's Kubernetes name
	namespace  pulumi.StringInput
	parts      *Parts
	selector   map[string]string
	labels     map[string]string
	facts      Facts
	metrics    *Metrics // defaults applied; nil without
}

// Validate checks the arguments without Pulumi (the Kubernetes name defaults to the component name,
// which Facts and NewConnector check).
func (a *ConnectorArgs) Validate() error {
	_, err := a.plan("")
	return err
}

// Facts validates a as NewConnector(ctx, name, a) does (nothing is registered) and returns what other
// components need to know about the pods (the network policy's pods, the Vault reader), so that a
// caller can check those components before registering anything too.
func (a *ConnectorArgs) Facts(name string) (Facts, error) {
	p, err := a.plan(name)
	return p.facts, err
}

func (a *ConnectorArgs) plan(name string) (*plan, error) {
	var es check.Errors
	cf := cloudflaredDefaults(a.Cloudflared)
	p := newPlan(&es, planInput{
		component: ConnectorType, name: name, placeholder: "connector", app: "cloudflared", layout: network.LayoutOwnPod,
		namespace: a.Namespace, tunnelID: a.TunnelID, generation: a.Generation, token: a.Token, cloudflared: cf, pods: a.Pods, metrics: a.Metrics,
		labels: map[string]string{"app.kubernetes.io/component": "connector", "app.kubernetes.io/version": cf.version()},
	})
	return p, es.Err(ConnectorType)
}

// planInput is what newPlan needs from either component's args.
type planInput struct {
	component, name string
	placeholder     string // the Kubernetes name when Validate runs without a component name
	app             string // app.kubernetes.io/name; "" for the Deployment's name
	layout          network.Layout
	namespace       pulumi.StringInput
	tunnelID        pulumi.StringInput
	generation      string
	token           TokenSource
	cloudflared     Cloudflared // defaults applied
	pods            *Pods
	metrics         *Metrics
	labels          map[string]string // descriptive labels besides the selector
}

// newPlan applies defaults and validates what both components share, adding errors to es.
func newPlan(es *check.Errors, in planInput) *plan {
	pods := podsDefaults(in.pods, in.name)
	defaultName := in.pods == nil || in.pods.Name == ""
	if pods.Name == "" { // Validate without a name: nothing to check the name against yet
		pods.Name = in.placeholder
		pods.defaultServiceAccount()
	}
	app := in.app
	if app == "" {
		app = pods.Name
	}
	selector := map[string]string{"app.kubernetes.io/name": app, "app.kubernetes.io/instance": pods.Name}
	pods.validate(es, selector, defaultName)
	if a := pods.Autoscaling; a != nil {
		a.validate(es, in.cloudflared, in.layout == network.LayoutOwnPod)
	}
	es.Generation("generation", in.generation, "the Deployment's name")
	in.labels["app.kubernetes.io/part-of"] = PartOf
	p := &plan{
		pods:       pods,
		deployment: DeploymentName(pods.Name, in.generation),
		namespace:  check.StringInput(es, "namespace", in.namespace, in.component, (*check.Errors).DNSLabel),
		parts:      newParts(es, in.tunnelID, in.token, in.cloudflared, pods.PodAnnotations, in.component),
		selector:   selector,
		labels:     recommendedLabels(selector, in.labels, pods.Labels),
	}
	p.facts.PolicyPods = network.Pods{
		Namespace: p.namespace, Selector: selector, Layout: in.layout,
		MetricsPort: in.cloudflared.MetricsPort, Region: network.Region(in.cloudflared.Region),
	}
	if v := in.token.Vault; v != nil {
		p.facts.PolicyPods.Vault = v.Agent.client()
		ag := v.withDefaults().Agent
		sa := "default" // the account of pods that name none
		if pods.ServiceAccount != nil {
			sa = pods.ServiceAccount.Name
		}
		p.facts.VaultReader = &vaultkv.Reader{
			Namespace: p.namespace, ServiceAccount: pulumi.String(sa),
			AuthPath: ag.AuthPath, Role: ag.Role, TokenAudience: ag.TokenAudience,
		}
	}
	if in.metrics != nil {
		m := in.metrics.withDefaults()
		m.validate(es, selector)
		p.metrics, p.facts.PolicyPods.Scraped = &m, m.Monitor != ""
	}
	return p
}

// NewConnector validates args (before registering anything) and registers the component with its
// children: "<name>-serviceaccount" (optional), "<name>-deployment" and "<name>-pdb" (replicas >= 2).
// opts are the component's: explicit providers reach the children through the parent, and DependsOn,
// RetainOnDelete, DeletedWith and custom timeouts are passed to them (see component.ChildOptions).
func NewConnector(ctx *pulumi.Context, name string, args *ConnectorArgs, opts ...pulumi.ResourceOption) (*Connector, error) {
	if args == nil {
		args = &ConnectorArgs{}
	}
	plan, err := args.plan(name)
	if err != nil {
		return nil, err
	}
	comp := &Connector{}
	tols, spread := plan.pods.placement(plan.selector)
	spec := corev1.PodSpecArgs{
		Containers:                    corev1.ContainerArray{plan.parts.container},
		Volumes:                       plan.parts.volumes,
		SecurityContext:               podSecurityContext(),
		AutomountServiceAccountToken:  pulumi.Bool(false),
		EnableServiceLinks:            pulumi.Bool(false),
		TerminationGracePeriodSeconds: pulumi.Int(plan.parts.TerminationGracePeriodSeconds),
		Tolerations:                   tols,
		TopologySpreadConstraints:     spread,
		PriorityClassName:             strOrNil(plan.pods.PriorityClassName),
	}
	if len(plan.pods.NodeSelector) > 0 {
		spec.NodeSelector = pulumi.ToStringMap(plan.pods.NodeSelector)
	}
	if sa := plan.pods.ServiceAccount; sa != nil {
		spec.ServiceAccountName = pulumi.String(sa.Name)
	}
	if err := plan.register(ctx, ConnectorType, name, comp, &comp.Workload, spec, opts); err != nil {
		return nil, err
	}
	return comp, nil
}

// register registers the component, then its children (deploy), fills w and registers the outputs.
func (plan *plan) register(ctx *pulumi.Context, typ, name string, comp pulumi.ComponentResource, w *Workload, spec corev1.PodSpecPtrInput, opts []pulumi.ResourceOption) error {
	if err := ctx.RegisterComponentResource(typ, name, comp, opts...); err != nil {
		return err
	}
	child, err := component.ChildOptions(comp, opts)
	if err != nil {
		return err
	}
	if err := deploy(ctx, child, deployInput{
		name: name, deployment: plan.deployment, namespace: plan.namespace, pods: plan.pods, selector: plan.selector, labels: plan.labels,
		podAnnotations: plan.parts.PodAnnotations, podSpec: spec, strategy: rollingStrategy(), token: plan.parts.writtenSecret(),
	}, w); err != nil {
		return err
	}
	if plan.metrics != nil {
		if err := publishMetrics(ctx, child, metricsInput{
			name: name, namespace: plan.namespace, pods: plan.pods, selector: plan.selector, labels: plan.labels,
			port: plan.parts.MetricsPort, metrics: *plan.metrics,
		}, w); err != nil {
			return err
		}
	}
	w.SelectorLabels, w.MetricsPort = plan.selector, plan.parts.MetricsPort
	w.PolicyPods, w.VaultReader = plan.facts.PolicyPods, plan.facts.VaultReader
	w.Namespace = component.ObjectNamespace[metav1.ObjectMeta](w.Deployment.Metadata)
	return ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"deploymentName": pulumi.String(plan.deployment),
		"namespace":      w.Namespace,
		"selectorLabels": pulumi.ToStringMap(plan.selector),
		"metricsPort":    pulumi.Int(plan.parts.MetricsPort),
	})
}

// rollingStrategy surges one new pod before an old one goes: the tunnel keeps its replicas during updates.
func rollingStrategy() *appsv1.DeploymentStrategyArgs {
	return &appsv1.DeploymentStrategyArgs{
		Type: pulumi.String("RollingUpdate"),
		RollingUpdate: &appsv1.RollingUpdateDeploymentArgs{
			MaxSurge: pulumi.Int(1), MaxUnavailable: pulumi.Int(0),
		},
	}
}
