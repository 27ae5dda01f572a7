package network

import (
	"strconv"

	"github.com/tunnelgate/tunnelgate/origin"
)

// The CiliumNetworkPolicy spec as typed Go values: the subset of cilium.io/v2 that tunnelgate emits,
// with the schema's field names, so that a misspelt field cannot reach the API server (where, without
// strict validation, it would be dropped and widen the rule). The Pulumi SDK marshals them by their
// pulumi tags (nil slices and pointers are left out, like JSON's omitempty), with no JSON round trip.
type (
	cnpSpec struct {
		EndpointSelector cnpSelector  `pulumi:"endpointSelector"`
		Ingress          []cnpIngress `pulumi:"ingress"`
		Egress           []cnpEgress  `pulumi:"egress,optional"`
	}
	cnpSelector struct {
		MatchLabels map[string]string `pulumi:"matchLabels"`
	}
	cnpIngress struct {
		FromEndpoints []cnpSelector `pulumi:"fromEndpoints,optional"`
		FromCIDRSet   []cnpCIDR     `pulumi:"fromCIDRSet,optional"`
		ToPorts       []cnpPortRule `pulumi:"toPorts,optional"`
	}
	cnpEgress struct {
		ToEndpoints []cnpSelector `pulumi:"toEndpoints,optional"`
		ToCIDRSet   []cnpCIDR     `pulumi:"toCIDRSet,optional"`
		ToFQDNs     []cnpName     `pulumi:"toFQDNs,optional"`
		ToPorts     []cnpPortRule `pulumi:"toPorts,optional"`
	}
	cnpCIDR struct {
		CIDR string `pulumi:"cidr"`
	}
	cnpName struct {
		MatchName string `pulumi:"matchName"`
	}
	cnpPortRule struct {
		Ports []cnpPort `pulumi:"ports"`
		Rules *cnpRules `pulumi:"rules,optional"`
	}
	cnpPort struct {
		Port     string `pulumi:"port"`
		Protocol string `pulumi:"protocol"`
	}
	cnpRules struct {
		DNS []cnpName `pulumi:"dns"`
	}
)

// namespaceLabel is the label Cilium gives every endpoint for its pod's namespace. A selector without
// it matches only the policy's own namespace.
const namespaceLabel = "k8s:io.kubernetes.pod.namespace"

// ciliumSpec builds the spec of the CiliumNetworkPolicy from the validated, resolved policy (its
// dnsNames with the bare origin names qualified).
func ciliumSpec(a *policy) cnpSpec {
	spec := cnpSpec{EndpointSelector: cnpSelector{MatchLabels: ciliumLabels("", a.selector)}}

	dns := cnpEgress{ToPorts: []cnpPortRule{{Ports: ciliumPorts(a.dns.Ports), Rules: &cnpRules{DNS: names(a.dnsNames)}}}}
	setEgressPeer(&dns, a.dns)
	spec.Egress = append(spec.Egress, dns, cnpEgress{
		ToFQDNs: names(a.region.EdgeHosts()),
		ToPorts: []cnpPortRule{{Ports: []cnpPort{edgePort(TCP), edgePort(UDP)}}},
	})
	if hosts := a.httpsHosts; len(hosts) > 0 {
		spec.Egress = append(spec.Egress, cnpEgress{
			ToFQDNs: names(hosts),
			ToPorts: []cnpPortRule{{Ports: ciliumPorts([]Port{{Port: HTTPSPort, Protocol: TCP}})}},
		})
	}
	for _, p := range a.egressPeers() {
		e := cnpEgress{ToPorts: portRules(p.Ports)}
		setEgressPeer(&e, p)
		spec.Egress = append(spec.Egress, e)
	}
	if len(a.privateCIDRs) > 0 {
		// No toPorts: Cloudflare One clients reach the private ranges on every port and protocol.
		spec.Egress = append(spec.Egress, cnpEgress{ToCIDRSet: cidrSet(a.privateCIDRs)})
	}

	for _, p := range a.ingressPeers() {
		in := cnpIngress{ToPorts: portRules(p.Ports)}
		if len(p.CIDRs) > 0 {
			in.FromCIDRSet = cidrSet(p.CIDRs)
		} else {
			in.FromEndpoints = []cnpSelector{{MatchLabels: ciliumLabels(p.Namespace, p.Labels)}}
		}
		spec.Ingress = append(spec.Ingress, in)
	}
	if len(spec.Ingress) == 0 {
		// An ingress section is what puts the pods in default-deny for ingress; one empty rule allows
		// nothing (Cilium's documented "deny all ingress" form).
		spec.Ingress = []cnpIngress{{}}
	}
	return spec
}

// ciliumOriginSpec is the ingress policy of a route Service t: its pods accept the policy's pods (in
// the policy's namespace, a.ns) on the target port, and nothing else. It has no egress section, so
// their egress stays as it was.
func ciliumOriginSpec(a *policy, t origin.Target) cnpSpec {
	return cnpSpec{
		EndpointSelector: cnpSelector{MatchLabels: ciliumLabels("", t.Selector)},
		Ingress: []cnpIngress{{
			FromEndpoints: []cnpSelector{{MatchLabels: ciliumLabels(a.ns, a.selector)}},
			ToPorts:       portRules(servicePeers([]origin.Target{t})[0].Ports),
		}},
	}
}

func setEgressPeer(e *cnpEgress, p Peer) {
	if len(p.CIDRs) > 0 {
		e.ToCIDRSet = cidrSet(p.CIDRs)
		return
	}
	e.ToEndpoints = []cnpSelector{{MatchLabels: ciliumLabels(p.Namespace, p.Labels)}}
}

// ciliumLabels turns pod labels into endpoint labels of the k8s source, plus the namespace label when
// namespace is set.
func ciliumLabels(namespace string, labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		out["k8s:"+k] = v
	}
	if namespace != "" {
		out[namespaceLabel] = namespace
	}
	return out
}

func edgePort(proto Protocol) cnpPort {
	return cnpPort{Port: strconv.Itoa(EdgePort), Protocol: string(proto)}
}

// portRules is one port rule with ports, or none (every port) when ports is empty.
func portRules(ports []Port) []cnpPortRule {
	if len(ports) == 0 {
		return nil
	}
	return []cnpPortRule{{Ports: ciliumPorts(ports)}}
}

func ciliumPorts(ports []Port) []cnpPort {
	out := make([]cnpPort, len(ports))
	for i, p := range ports {
		port := p.Name
		if port == "" {
			port = strconv.Itoa(p.Port)
		}
		out[i] = cnpPort{Port: port, Protocol: string(p.Protocol)}
	}
	return out
}

func cidrSet(cidrs []string) []cnpCIDR {
	out := make([]cnpCIDR, len(cidrs))
	for i, c := range cidrs {
		out[i] = cnpCIDR{CIDR: c}
	}
	return out
}

func names(hosts []string) []cnpName {
	out := make([]cnpName, len(hosts))
	for i, h := range hosts {
		out[i] = cnpName{MatchName: h}
	}
	return out
}
