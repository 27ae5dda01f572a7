package workload

import (
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

const (
	// DefaultReplicas is the number of pods: two, so that one can be drained or updated while the other
	// keeps the tunnel up (each cloudflared replica holds 4 connections to at least 2 data centres).
	DefaultReplicas = 2
	// DefaultMaxUnavailable is the PodDisruptionBudget's maxUnavailable when neither MaxUnavailable nor
	// MinAvailable is set: drains evict one pod at a time.
	DefaultMaxUnavailable = 1
	// DefaultNodeSpread is how strictly pods spread over nodes: "DoNotSchedule" (two replicas never share
	// a node while another node is eligible; tainted nodes the pods do not tolerate are not counted).
	DefaultNodeSpread = "DoNotSchedule"
	// TunnelIDAnnotation is the pod-template annotation that carries the tunnel id (never the token):
	// a new tunnel (a rotated secret) changes it and rolls the pods, which then read the new token.
	TunnelIDAnnotation = "tunnelgate.dev/tunnel-id"
	// ManagedBy is the app.kubernetes.io/managed-by label value.
	ManagedBy = "pulumi"
	// PartOf is the app.kubernetes.io/part-of label value.
	PartOf = "tunnelgate"
)

// Pods shapes the Deployment and its pods in both layouts: how many, how they spread and tolerate
// disruption, their metadata, placement and service account. The zero value gives the defaults.
type Pods struct {
	// Name is the Kubernetes name of the PodDisruptionBudget and of the Deployment, which is
	// "<name>-<generation>" when the component's Generation is set (see DeploymentName), and the value
	// of the app.kubernetes.io/instance selector label. Default: the component's name.
	Name string `pulumi:"name,optional"`
	// Replicas is the number of pods, 0 or more (0 scales the Deployment to zero). Default (nil)
	// DefaultReplicas (2). A PodDisruptionBudget is created whenever Replicas >= 2. Not with Autoscaling,
	// which owns the count.
	Replicas *int `pulumi:"replicas,optional"`
	// Autoscaling adds a HorizontalPodAutoscaler (own-pod connector only) and leaves the Deployment's
	// replica count to it; the PodDisruptionBudget then applies to its minimum. nil: Replicas.
	Autoscaling *Autoscaling `pulumi:"autoscaling,optional"`
	// MaxUnavailable is the PodDisruptionBudget's maxUnavailable, 1 to Replicas-1 (only with 2 or more
	// replicas). Default DefaultMaxUnavailable (1) unless MinAvailable is set.
	MaxUnavailable *int `pulumi:"maxUnavailable,optional"`
	// MinAvailable is the PodDisruptionBudget's minAvailable, 1 to Replicas-1 (instead of MaxUnavailable).
	MinAvailable *int `pulumi:"minAvailable,optional"`
	// NodeSpread is the topology spread across nodes: "DoNotSchedule" (default) or "ScheduleAnyway".
	// Pods also spread across zones (topology.kubernetes.io/zone, ScheduleAnyway) where nodes carry
	// the zone label; unlabelled nodes are not excluded.
	NodeSpread string `pulumi:"nodeSpread,optional"`
	// Labels are added to every object and to the pods (they cannot change the selector labels).
	Labels map[string]string `pulumi:"labels,optional"`
	// Annotations are added to the Deployment (and PodDisruptionBudget).
	Annotations map[string]string `pulumi:"annotations,optional"`
	// PodAnnotations are added to the pod template. They may add injector annotations
	// (e.g. "vault.hashicorp.com/agent-limits-mem") but not change the ones this package sets.
	PodAnnotations map[string]string `pulumi:"podAnnotations,optional"`
	// NodeSelector restricts the nodes the pods run on.
	NodeSelector map[string]string `pulumi:"nodeSelector,optional"`
	// Tolerations let the pods run on tainted nodes.
	Tolerations []Toleration `pulumi:"tolerations,optional"`
	// PriorityClassName is the pods' PriorityClass (e.g. one above your apps: a connector evicted under
	// pressure takes every hostname of the tunnel down).
	PriorityClassName string `pulumi:"priorityClassName,optional"`
	// ServiceAccount runs the pods under a service account of their own (Vault's Kubernetes auth role
	// binds to it). Nil: the namespace's "default" account, which every pod that names no account
	// shares.
	ServiceAccount *ServiceAccount `pulumi:"serviceAccount,optional"`
}

// Toleration is a Kubernetes toleration.
type Toleration struct {
	// Key is the taint key; empty with Operator "Exists" tolerates every taint.
	Key string `pulumi:"key,optional"`
	// Operator is "Equal" (default) or "Exists".
	Operator string `pulumi:"operator,optional"`
	// Value is the taint value (Equal only).
	Value string `pulumi:"value,optional"`
	// Effect is "NoSchedule", "PreferNoSchedule", "NoExecute" or empty (all effects).
	Effect string `pulumi:"effect,optional"`
	// TolerationSeconds bounds how long a NoExecute taint is tolerated.
	TolerationSeconds *int `pulumi:"tolerationSeconds,optional"`
}

// ServiceAccount names the pods' service account and says whether the component creates it.
type ServiceAccount struct {
	// Name is the service account's name: the name a Vault role binds to. Default: Pods.Name (the
	// Deployment's name).
	Name string `pulumi:"name,optional"`
	// Create makes the component create it (child "<name>-serviceaccount"), with its token not
	// auto-mounted. False: it must exist.
	Create bool `pulumi:"create,optional"`
	// Annotations are added to a created service account.
	Annotations map[string]string `pulumi:"annotations,optional"`
}

// podsDefaults returns *p (nil: the zero value) with the defaults applied; component is the default name.
func podsDefaults(p *Pods, component string) Pods {
	if p == nil {
		return Pods{}.withDefaults(component)
	}
	return p.withDefaults(component)
}

func (p Pods) withDefaults(component string) Pods {
	if p.Name == "" {
		p.Name = component
	}
	if p.Autoscaling != nil {
		a := p.Autoscaling.withDefaults()
		p.Autoscaling = &a
	} else if p.Replicas == nil {
		n := DefaultReplicas
		p.Replicas = &n
	}
	if p.MaxUnavailable == nil && p.MinAvailable == nil && p.floor() >= 2 {
		n := DefaultMaxUnavailable
		p.MaxUnavailable = &n
	}
	if p.NodeSpread == "" {
		p.NodeSpread = DefaultNodeSpread
	}
	p.defaultServiceAccount()
	return p
}

// floor is the fewest pods the Deployment runs: Replicas, or the autoscaler's minimum.
func (p Pods) floor() int {
	if p.Autoscaling != nil {
		return p.Autoscaling.MinReplicas
	}
	return *p.Replicas
}

// defaultServiceAccount names the service account after the Deployment when its name is left empty
// (a copy: the caller's struct is not changed).
func (p *Pods) defaultServiceAccount() {
	if sa := p.ServiceAccount; sa != nil && sa.Name == "" && p.Name != "" {
		c := *sa
		c.Name = p.Name
		p.ServiceAccount = &c
	}
}

// validate checks p (after defaults; errors under "pods."); selector are the labels users may not
// override; defaultName says that Name is the component's name.
func (p Pods) validate(es *check.Errors, selector map[string]string, defaultName bool) {
	const f = "pods."
	for _, msg := range validation.IsDNS1123Label(p.Name) {
		if defaultName {
			msg += " (this is the component's name, the default Kubernetes name: name the component in lower case or set pods.name)"
		}
		es.Add(f+"name", p.Name, "%s", msg)
	}
	replicas, count := p.floor(), "replicas"
	if p.Autoscaling != nil {
		count = "autoscaling.minReplicas"
		if p.Replicas != nil {
			es.Add(f+"replicas", *p.Replicas, "set, but autoscaling owns the replica count: set autoscaling.minReplicas and maxReplicas instead")
		}
	} else if replicas < 0 {
		es.Add(f+"replicas", replicas, "must be 0 or more")
	}
	budget := p.MaxUnavailable != nil || p.MinAvailable != nil
	switch {
	case p.MaxUnavailable != nil && p.MinAvailable != nil:
		es.Add(f+"minAvailable", *p.MinAvailable, "set either maxUnavailable or minAvailable, not both")
	case replicas < 2 && budget:
		es.Add(f+count, replicas, "no PodDisruptionBudget below 2 replicas (for one it could never allow an eviction, node drains would hang): use 2 or more replicas or leave maxUnavailable/minAvailable unset")
	case p.MaxUnavailable != nil && *p.MaxUnavailable < 1:
		es.Add(f+"maxUnavailable", *p.MaxUnavailable, "must be at least 1: a budget that never allows an eviction makes node drains hang")
	case p.MaxUnavailable != nil && *p.MaxUnavailable >= replicas:
		es.Add(f+"maxUnavailable", *p.MaxUnavailable, "must be below %s (%d): a drain could evict every connector at once", count, replicas)
	case p.MinAvailable != nil && *p.MinAvailable >= replicas:
		es.Add(f+"minAvailable", *p.MinAvailable, "must be below %s (%d): a budget that never allows an eviction makes node drains hang", count, replicas)
	case p.MinAvailable != nil && *p.MinAvailable < 1:
		es.Add(f+"minAvailable", *p.MinAvailable, "must be at least 1: a drain could evict every connector at once")
	}
	oneOf(es, f+"nodeSpread", p.NodeSpread, []string{"DoNotSchedule", "ScheduleAnyway"})
	es.Labels(f+"labels", p.Labels)
	for _, k := range sortedKeys(p.Labels) {
		if v, ok := selector[k]; ok && p.Labels[k] != v {
			es.Add(check.Join(f+"labels", k), p.Labels[k], "is a selector label (%q): changing it would orphan the pods", v)
		}
	}
	annotationKeys(es, f+"annotations", p.Annotations)
	annotationKeys(es, f+"podAnnotations", p.PodAnnotations)
	es.Labels(f+"nodeSelector", p.NodeSelector)
	for i, t := range p.Tolerations {
		t.validate(es, check.Index(f+"tolerations", i))
	}
	if p.PriorityClassName != "" {
		es.DNSSubdomain(f+"priorityClassName", p.PriorityClassName)
	}
	if sa := p.ServiceAccount; sa != nil {
		es.DNSSubdomain(f+"serviceAccount.name", sa.Name)
		annotationKeys(es, f+"serviceAccount.annotations", sa.Annotations)
	}
}

func annotationKeys(es *check.Errors, field string, m map[string]string) {
	for _, k := range sortedKeys(m) {
		for _, msg := range validation.IsQualifiedName(k) {
			es.Add(check.Join(field, k), k, "invalid annotation key: %s", msg)
		}
	}
}

func (t Toleration) validate(es *check.Errors, prefix string) {
	op := t.Operator
	if op == "" {
		op = "Equal"
	}
	oneOf(es, check.Join(prefix, "operator"), op, []string{"Equal", "Exists"})
	oneOf(es, check.Join(prefix, "effect"), t.Effect, []string{"NoSchedule", "PreferNoSchedule", "NoExecute"})
	if t.Key != "" {
		for _, msg := range validation.IsQualifiedName(t.Key) {
			es.Add(check.Join(prefix, "key"), t.Key, "invalid taint key: %s", msg)
		}
	} else if op != "Exists" {
		es.Add(check.Join(prefix, "key"), t.Key, "an empty key needs operator Exists")
	}
	if op == "Exists" && t.Value != "" {
		es.Add(check.Join(prefix, "value"), t.Value, "must be empty with operator Exists")
	}
	if t.TolerationSeconds != nil && t.Effect != "NoExecute" {
		es.Add(check.Join(prefix, "tolerationSeconds"), *t.TolerationSeconds, "only applies to effect NoExecute")
	}
}

// podAnnotations merges the package's pod annotations (ours), the user's (no overrides of ours) and the
// tunnel id. Conflicts are reported under field.
func podAnnotations(es *check.Errors, field string, ours, user map[string]string, tunnelID pulumi.StringInput) pulumi.StringMap {
	out := pulumi.StringMap{}
	for k, v := range ours {
		out[k] = pulumi.String(v)
	}
	for _, k := range sortedKeys(user) {
		if v, ok := ours[k]; ok && v != user[k] {
			es.Add(check.Join(field, k), user[k], "conflicts with the value this package sets (%q)", v)
			continue
		}
		if k == TunnelIDAnnotation {
			es.Add(check.Join(field, k), user[k], "is set from tunnelId")
			continue
		}
		out[k] = pulumi.String(user[k])
	}
	if tunnelID != nil {
		out[TunnelIDAnnotation] = tunnelID
	}
	return out
}

// placement is what the Deployment builder adds to a pod spec: scheduling and service account.
func (p Pods) placement(selector map[string]string) (corev1.TolerationArray, corev1.TopologySpreadConstraintArray) {
	var tols corev1.TolerationArray
	for _, t := range p.Tolerations {
		ta := corev1.TolerationArgs{Effect: strOrNil(t.Effect), Key: strOrNil(t.Key), Operator: strOrNil(t.Operator), Value: strOrNil(t.Value)}
		if t.TolerationSeconds != nil {
			ta.TolerationSeconds = pulumi.IntPtr(*t.TolerationSeconds)
		}
		tols = append(tols, ta)
	}
	spread := func(key, when string) corev1.TopologySpreadConstraintArgs {
		return corev1.TopologySpreadConstraintArgs{
			MaxSkew:           pulumi.Int(1),
			TopologyKey:       pulumi.String(key),
			WhenUnsatisfiable: pulumi.String(when),
			LabelSelector:     &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(selector)},
			// Count only the pods of the same ReplicaSet, so that a rolling update is not blocked by
			// the old pods it is about to replace.
			MatchLabelKeys:   pulumi.StringArray{pulumi.String("pod-template-hash")},
			NodeTaintsPolicy: pulumi.String("Honor"),
		}
	}
	return tols, corev1.TopologySpreadConstraintArray{
		spread("kubernetes.io/hostname", p.NodeSpread),
		spread("topology.kubernetes.io/zone", "ScheduleAnyway"),
	}
}

func strOrNil(s string) pulumi.StringPtrInput {
	if s == "" {
		return nil
	}
	return pulumi.String(s)
}

// deployInput is everything deploy needs, after validation.
type deployInput struct {
	name           string // component name (child names are "<name>-<role>")
	deployment     string // the Deployment's Kubernetes name
	namespace      pulumi.StringInput
	pods           Pods
	selector       map[string]string
	labels         map[string]string // selector + recommended + user labels
	podAnnotations pulumi.StringMap
	podSpec        corev1.PodSpecPtrInput
	strategy       *appsv1.DeploymentStrategyArgs
	token          *SecretToken // a Secret the component writes (SecretToken.Value set), else nil
}

// deploy registers the service account (if created), the Deployment and the PodDisruptionBudget into
// out. opts are the children's options (component.ChildOptions: the component as parent, plus the caller's
// DependsOn and the like, so that "after the Vault secret" holds for the Deployment itself).
func deploy(ctx *pulumi.Context, opts []pulumi.ResourceOption, in deployInput, out *Workload) error {
	meta := func(name string, annotations map[string]string) *metav1.ObjectMetaArgs {
		m := &metav1.ObjectMetaArgs{
			Name: pulumi.String(name), Namespace: in.namespace, Labels: pulumi.ToStringMap(in.labels),
		}
		if len(annotations) > 0 {
			m.Annotations = pulumi.ToStringMap(annotations)
		}
		return m
	}
	var err error
	if sa := in.pods.ServiceAccount; sa != nil && sa.Create {
		out.ServiceAccount, err = corev1.NewServiceAccount(ctx, in.name+"-serviceaccount", &corev1.ServiceAccountArgs{
			Metadata:                     meta(sa.Name, sa.Annotations),
			AutomountServiceAccountToken: pulumi.Bool(false),
		}, opts...)
		if err != nil {
			return err
		}
	}
	if tok := in.token; tok != nil {
		m := meta("", nil)
		m.Name = tok.Name
		out.TokenSecret, err = corev1.NewSecret(ctx, in.name+"-token", &corev1.SecretArgs{
			Metadata:   m,
			Type:       pulumi.String("Opaque"),
			StringData: pulumi.StringMap{tok.Key: pulumi.ToSecret(tok.Value).(pulumi.StringOutput)},
		}, opts...)
		if err != nil {
			return err
		}
	}
	// The pods start once their service account and token exist.
	var before []pulumi.Resource
	if out.ServiceAccount != nil {
		before = append(before, out.ServiceAccount)
	}
	if out.TokenSecret != nil {
		before = append(before, out.TokenSecret)
	}
	depOpts := opts
	if len(before) > 0 {
		depOpts = append(opts[:len(opts):len(opts)], pulumi.DependsOn(before))
	}
	spec := appsv1.DeploymentSpecArgs{
		RevisionHistoryLimit: pulumi.Int(5),
		Selector:             &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(in.selector)},
		Strategy:             in.strategy,
		Template: corev1.PodTemplateSpecArgs{
			Metadata: &metav1.ObjectMetaArgs{Labels: pulumi.ToStringMap(in.labels), Annotations: in.podAnnotations},
			Spec:     in.podSpec,
		},
	}
	// With an autoscaler the count is its own: a Deployment that named one would reset it on every update.
	if in.pods.Autoscaling == nil {
		spec.Replicas = pulumi.Int(*in.pods.Replicas)
	}
	out.Deployment, err = appsv1.NewDeployment(ctx, in.name+"-deployment", &appsv1.DeploymentArgs{
		Metadata: meta(in.deployment, in.pods.Annotations),
		Spec:     spec,
	}, depOpts...)
	if err != nil {
		return err
	}
	if in.pods.floor() >= 2 {
		spec := policyv1.PodDisruptionBudgetSpecArgs{
			Selector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(in.selector)},
			// A crash-looping pod must not block node drains.
			UnhealthyPodEvictionPolicy: pulumi.String("AlwaysAllow"),
		}
		if in.pods.MinAvailable != nil {
			spec.MinAvailable = pulumi.Int(*in.pods.MinAvailable)
		} else {
			spec.MaxUnavailable = pulumi.Int(*in.pods.MaxUnavailable)
		}
		out.PodDisruptionBudget, err = policyv1.NewPodDisruptionBudget(ctx, in.name+"-pdb", &policyv1.PodDisruptionBudgetArgs{
			Metadata: meta(in.pods.Name, in.pods.Annotations),
			Spec:     spec,
		}, opts...)
		if err != nil {
			return err
		}
	}
	if a := in.pods.Autoscaling; a != nil {
		out.HorizontalPodAutoscaler, err = autoscalingv2.NewHorizontalPodAutoscaler(ctx, in.name+"-hpa", &autoscalingv2.HorizontalPodAutoscalerArgs{
			Metadata: meta(in.pods.Name, in.pods.Annotations),
			Spec:     a.hpaSpec(in.deployment),
		}, append(opts[:len(opts):len(opts)], pulumi.DependsOn([]pulumi.Resource{out.Deployment}))...)
	}
	return err
}

// DeploymentName is the Kubernetes name of the Deployment for the Pods.Name name and the tunnel
// generation: "<name>", or "<name>-<generation>" when generation is set. The PodDisruptionBudget and
// the selector labels keep name, so that they cover the pods of every generation.
func DeploymentName(name, generation string) string {
	if generation == "" {
		return name
	}
	return name + "-" + generation
}

// recommendedLabels are the app.kubernetes.io labels of the objects and pods: selector plus the
// descriptive ones, then the user's.
func recommendedLabels(selector map[string]string, extra, user map[string]string) map[string]string {
	out := map[string]string{"app.kubernetes.io/managed-by": ManagedBy}
	for _, m := range []map[string]string{extra, user, selector} {
		for k, v := range m {
			if v != "" {
				out[k] = v
			}
		}
	}
	return out
}
