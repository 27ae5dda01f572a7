package network

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/component"
	"github.com/tunnelgate/tunnelgate/internal/literal"
)

// Child roles: a child's Pulumi name is "<component name>-<role>".
const (
	// RoleCilium names the CiliumNetworkPolicy child (KindCilium).
	RoleCilium = "cnp"
	// RoleKubernetes names the NetworkPolicy child (KindKubernetes).
	RoleKubernetes = "netpol"
	// RoleOrigin names the ingress policy of the k-th route Service ("<name>-origin-<k>",
	// Settings.OriginIngress), of the same kind as the main one.
	RoleOrigin = "origin"
)

// Type tokens of the children.
const (
	// CiliumType is the Pulumi type of the CiliumNetworkPolicy child.
	CiliumType = "kubernetes:cilium.io/v2:CiliumNetworkPolicy"
	// KubernetesType is the Pulumi type of the NetworkPolicy child.
	KubernetesType = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
)

// Policy is the component: one policy object, a CiliumNetworkPolicy or a NetworkPolicy.
type Policy struct {
	pulumi.ResourceState

	// Kind is the kind of the emitted object (Settings.Kind after defaults).
	Kind Kind
	// Namespace is the namespace of the policy object (Args.Namespace, validated).
	Namespace pulumi.StringOutput
	// ObjectName is the policy object's Kubernetes name, "<component name>-<role>-<suffix>" as
	// assigned by the Kubernetes provider's auto-naming.
	ObjectName pulumi.StringOutput
	// Cilium is the CiliumNetworkPolicy child; nil with KindKubernetes.
	Cilium *apiextensions.CustomResource
	// Kubernetes is the NetworkPolicy child; nil with KindCilium.
	Kubernetes *networkingv1.NetworkPolicy
	// OriginIngress are the ingress policies of the routes' Services ("<name>-origin-<k>", in
	// Routes.Services order; Settings.OriginIngress), of Kind's type; nil without.
	OriginIngress []pulumi.CustomResource
}

// NewPolicy validates args and, only when they are valid, registers the component and its one policy
// object. The Kubernetes provider comes from opts (pulumi.Provider or pulumi.Providers on the
// component); the child inherits it through its parent, and gets the caller's DependsOn, RetainOnDelete,
// DeletedWith and timeouts (see component.ChildOptions).
func NewPolicy(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Policy, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := args.resolve()
	comp := &Policy{Kind: a.kind}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	// Validate checked a literal namespace; one that is an output is checked once known, before the
	// object uses it.
	var es check.Errors
	ns := check.StringInput(&es, "pods.namespace", a.namespace, Type, (*check.Errors).DNSLabel)
	comp.Namespace = ns.ToStringOutput()
	meta := metav1.ObjectMetaArgs{Namespace: ns}
	child, err := component.ChildOptions(comp, opts)
	if err != nil {
		return nil, err
	}

	// What waits for outputs (the routes' Services, bare names and the namespace) is built once they
	// are known, from one resolution of the policy.
	var final pulumi.AnyOutput
	waits := a.waits()
	if waits || (a.originIngress && a.ns == "") {
		a.namespace = ns
		final = a.final()
	}
	switch a.kind {
	case KindKubernetes:
		var spec networkingv1.NetworkPolicySpecPtrInput = kubernetesSpec(&a)
		if waits {
			spec = plainSpec(final, kubernetesSpec)
		}
		np, err := networkingv1.NewNetworkPolicy(ctx, name+"-"+RoleKubernetes, &networkingv1.NetworkPolicyArgs{
			Metadata: meta,
			Spec:     spec,
		}, child...)
		if err != nil {
			return nil, err
		}
		comp.Kubernetes = np
		comp.ObjectName = component.ObjectName[metav1.ObjectMeta](np.Metadata)
	default:
		var spec any = ciliumSpec(&a)
		if waits {
			spec = final.ApplyT(func(q any) cnpSpec { return ciliumSpec(q.(*policy)) })
		}
		cnp, err := newCiliumPolicy(ctx, name+"-"+RoleCilium, meta, spec, child)
		if err != nil {
			return nil, err
		}
		comp.Cilium = cnp
		comp.ObjectName = component.ObjectName[*metav1.ObjectMeta](cnp.Metadata)
	}
	if a.originIngress {
		if comp.OriginIngress, err = originIngress(ctx, name, &a, final, child); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"kind":       pulumi.String(string(comp.Kind)),
		"namespace":  comp.Namespace,
		"objectName": comp.ObjectName,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

// newCiliumPolicy registers a CiliumNetworkPolicy with spec (a cnpSpec or an output of one).
func newCiliumPolicy(ctx *pulumi.Context, name string, meta metav1.ObjectMetaArgs, spec any, child []pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String("cilium.io/v2"),
		Kind:        pulumi.String("CiliumNetworkPolicy"),
		Metadata:    meta,
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, child...)
}

// plainSpec is the NetworkPolicy spec that build makes of the final policy, as a plain value (it
// holds no outputs: the final policy is known).
func plainSpec(final pulumi.AnyOutput, build func(*policy) *networkingv1.NetworkPolicySpecArgs) networkingv1.NetworkPolicySpecOutput {
	return final.ApplyT(func(q any) (networkingv1.NetworkPolicySpec, error) {
		var out networkingv1.NetworkPolicySpec
		if !literal.Into(build(q.(*policy)), &out) {
			return out, errors.New("network: the NetworkPolicy spec holds an output")
		}
		return out, nil
	}).(networkingv1.NetworkPolicySpecOutput)
}

// originIngress registers the ingress policy of each route Service, "<name>-origin-<k>" in the
// Service's namespace: its pods, from the policy's pods, on the target port. final is the resolved
// policy when anything was an output (nil otherwise).
func originIngress(ctx *pulumi.Context, name string, a *policy, final pulumi.AnyOutput, child []pulumi.ResourceOption) ([]pulumi.CustomResource, error) {
	var out []pulumi.CustomResource
	for k := range a.services {
		objName := fmt.Sprintf("%s-%s-%d", name, RoleOrigin, k)
		var ns pulumi.StringInput
		var cilium any
		var np networkingv1.NetworkPolicySpecPtrInput
		if final.OutputState == nil {
			t := a.targets[k]
			ns = pulumi.String(t.Namespace)
			cilium, np = ciliumOriginSpec(a, t), kubernetesOriginSpec(a, t)
		} else {
			ns = final.ApplyT(func(q any) string { return q.(*policy).targets[k].Namespace }).(pulumi.StringOutput)
			cilium = final.ApplyT(func(q any) cnpSpec { return ciliumOriginSpec(q.(*policy), q.(*policy).targets[k]) })
			np = plainSpec(final, func(q *policy) *networkingv1.NetworkPolicySpecArgs { return kubernetesOriginSpec(q, q.targets[k]) })
		}
		meta := metav1.ObjectMetaArgs{Namespace: ns}
		var res pulumi.CustomResource
		var err error
		if a.kind == KindKubernetes {
			res, err = networkingv1.NewNetworkPolicy(ctx, objName, &networkingv1.NetworkPolicyArgs{Metadata: meta, Spec: np}, child...)
		} else {
			res, err = newCiliumPolicy(ctx, objName, meta, cilium, child)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}
