package network

import (
	"slices"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/component"
)

// Child roles: a child's Pulumi name is "<component name>-<role>".
const (
	// RoleCilium names the CiliumNetworkPolicy child (KindCilium).
	RoleCilium = "cnp"
	// RoleKubernetes names the NetworkPolicy child (KindKubernetes).
	RoleKubernetes = "netpol"
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

	switch a.kind {
	case KindKubernetes:
		np, err := networkingv1.NewNetworkPolicy(ctx, name+"-"+RoleKubernetes, &networkingv1.NetworkPolicyArgs{
			Metadata: meta,
			Spec:     kubernetesSpec(&a),
		}, child...)
		if err != nil {
			return nil, err
		}
		comp.Kubernetes = np
		comp.ObjectName = component.ObjectName[metav1.ObjectMeta](np.Metadata)
	default:
		cnp, err := apiextensions.NewCustomResource(ctx, name+"-"+RoleCilium, &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String("cilium.io/v2"),
			Kind:        pulumi.String("CiliumNetworkPolicy"),
			Metadata:    meta,
			OtherFields: kubernetes.UntypedArgs{"spec": ciliumSpecInput(&a, ns)},
		}, child...)
		if err != nil {
			return nil, err
		}
		comp.Cilium = cnp
		comp.ObjectName = component.ObjectName[*metav1.ObjectMeta](cnp.Metadata)
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

// ciliumSpecInput is the Cilium spec as a plain value, or, when bare origin names wait for a namespace
// that is an output, an output that qualifies them once the namespace is known.
func ciliumSpecInput(a *policy, ns pulumi.StringInput) any {
	if len(a.bare) == 0 {
		return ciliumSpec(a, a.dnsNames)
	}
	return ns.ToStringOutput().ApplyT(func(ns string) cnpSpec {
		q := *a
		return ciliumSpec(&q, q.qualified(slices.Clone(a.dnsNames), ns))
	})
}
