package network

import (
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/origin"
)

// namespaceNameLabel is the label the API server sets on every namespace to its name.
const namespaceNameLabel = "kubernetes.io/metadata.name"

// kubernetesSpec builds the spec of the fallback NetworkPolicy from the validated policy.
func kubernetesSpec(a *policy) *networkingv1.NetworkPolicySpecArgs {
	egress := networkingv1.NetworkPolicyEgressRuleArray{
		networkingv1.NetworkPolicyEgressRuleArgs{To: npPeers(a.dns), Ports: npPorts(a.dns.Ports)},
		networkingv1.NetworkPolicyEgressRuleArgs{
			To:    ipBlocks(a.edgeCIDRs),
			Ports: npPorts([]Port{{Port: EdgePort, Protocol: TCP}, {Port: EdgePort, Protocol: UDP}}),
		},
	}
	if len(a.httpsHosts) > 0 {
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{
			To:    ipBlocks(a.httpsCIDRs),
			Ports: npPorts([]Port{{Port: HTTPSPort, Protocol: TCP}}),
		})
	}
	for _, p := range a.egressPeers() {
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{To: npPeers(p), Ports: npPorts(p.Ports)})
	}
	if len(a.privateCIDRs) > 0 {
		// No ports: every port of the private ranges.
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{To: ipBlocks(a.privateCIDRs)})
	}
	var ingress networkingv1.NetworkPolicyIngressRuleArray
	for _, p := range a.ingressPeers() {
		ingress = append(ingress, networkingv1.NetworkPolicyIngressRuleArgs{From: npPeers(p), Ports: npPorts(p.Ports)})
	}
	spec := &networkingv1.NetworkPolicySpecArgs{
		PodSelector: metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(a.selector)},
		// Both types are listed, so that no ingress rule means no ingress at all.
		PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
		Egress:      egress,
	}
	if len(ingress) > 0 {
		spec.Ingress = ingress
	}
	return spec
}

// npPeers is one ipBlock peer per CIDR, or one peer selecting pods by namespace and labels.
func npPeers(p Peer) networkingv1.NetworkPolicyPeerArray {
	if len(p.CIDRs) > 0 {
		return ipBlocks(p.CIDRs)
	}
	peer := networkingv1.NetworkPolicyPeerArgs{}
	if p.Namespace != "" {
		peer.NamespaceSelector = metav1.LabelSelectorArgs{
			MatchLabels: pulumi.StringMap{namespaceNameLabel: pulumi.String(p.Namespace)},
		}
	}
	if len(p.Labels) > 0 {
		peer.PodSelector = metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(p.Labels)}
	}
	return networkingv1.NetworkPolicyPeerArray{peer}
}

func ipBlocks(cidrs []string) networkingv1.NetworkPolicyPeerArray {
	out := make(networkingv1.NetworkPolicyPeerArray, len(cidrs))
	for i, c := range cidrs {
		out[i] = networkingv1.NetworkPolicyPeerArgs{IpBlock: networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}}
	}
	return out
}

// npPorts is nil (every port) for no ports.
func npPorts(ports []Port) networkingv1.NetworkPolicyPortArrayInput {
	if len(ports) == 0 {
		return nil
	}
	out := make(networkingv1.NetworkPolicyPortArray, len(ports))
	for i, p := range ports {
		var port pulumi.Input = pulumi.Int(p.Port)
		if p.Name != "" {
			port = pulumi.String(p.Name)
		}
		out[i] = networkingv1.NetworkPolicyPortArgs{Port: port, Protocol: pulumi.String(string(p.Protocol))}
	}
	return out
}

// kubernetesOriginSpec is the ingress policy of a route Service t: its pods accept the policy's pods
// (in the policy's namespace, a.ns) on the target port, and nothing else; Ingress is its only policy
// type, so their egress stays as it was.
func kubernetesOriginSpec(a *policy, t origin.Target) *networkingv1.NetworkPolicySpecArgs {
	from := npPeers(Peer{Namespace: a.ns, Labels: a.selector})
	return &networkingv1.NetworkPolicySpecArgs{
		PodSelector: metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(t.Selector)},
		PolicyTypes: pulumi.StringArray{pulumi.String("Ingress")},
		Ingress: networkingv1.NetworkPolicyIngressRuleArray{networkingv1.NetworkPolicyIngressRuleArgs{
			From: from, Ports: npPorts(servicePeers([]origin.Target{t})[0].Ports),
		}},
	}
}
