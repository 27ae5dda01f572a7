package network

import (
	"encoding/json"
	"strconv"
)

// The CiliumNetworkPolicy spec as typed Go values: the subset of cilium.io/v2 that tunnelgate emits,
// with the schema's field names, so that a misspelt field cannot reach the API server (where, without
// strict validation, it would be dropped and widen the rule).
type (
	cnpSpec struct {
		EndpointSelector cnpSelector  `json:"endpointSelector"`
		Ingress          []cnpIngress `json:"ingress"`
		Egress           []cnpEgress  `json:"egress"`
	}
	cnpSelector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	}
	cnpIngress struct {
		FromEndpoints []cnpSelector `json:"fromEndpoints,omitempty"`
		FromCIDRSet   []cnpCIDR     `json:"fromCIDRSet,omitempty"`
		ToPorts       []cnpPortRule `json:"toPorts,omitempty"`
	}
	cnpEgress struct {
		ToEndpoints []cnpSelector `json:"toEndpoints,omitempty"`
		ToCIDRSet   []cnpCIDR     `json:"toCIDRSet,omitempty"`
		ToFQDNs     []cnpName     `json:"toFQDNs,omitempty"`
		ToPorts     []cnpPortRule `json:"toPorts,omitempty"`
	}
	cnpCIDR struct {
		CIDR string `json:"cidr"`
	}
	cnpName struct {
		MatchName string `json:"matchName"`
	}
	cnpPortRule struct {
		Ports []cnpPort `json:"ports"`
		Rules *cnpRules `json:"rules,omitempty"`
	}
	cnpPort struct {
		Port     string `json:"port"`
		Protocol string `json:"protocol"`
	}
	cnpRules struct {
		DNS []cnpName `json:"dns"`
	}
)

// namespaceLabel is the label Cilium gives every endpoint for its pod's namespace. A selector without
// it matches only the policy's own namespace.
const namespaceLabel = "k8s:io.kubernetes.pod.namespace"

// ciliumSpec builds the spec of the CiliumNetworkPolicy from defaulted, validated args.
func ciliumSpec(a Args) map[string]any {
	spec := cnpSpec{EndpointSelector: cnpSelector{MatchLabels: ciliumLabels("", a.PodSelector)}}

	dns := cnpEgress{ToPorts: []cnpPortRule{{Ports: ciliumPorts(a.DNS.Ports), Rules: &cnpRules{DNS: names(a.DNSNames())}}}}
	setEgressPeer(&dns, *a.DNS)
	spec.Egress = append(spec.Egress, dns, cnpEgress{
		ToFQDNs: names(a.Region.EdgeHosts()),
		ToPorts: []cnpPortRule{{Ports: []cnpPort{edgePort(TCP), edgePort(UDP)}}},
	})
	if hosts := a.HTTPSHosts(); len(hosts) > 0 {
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
	return plainMap(spec)
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
		out[i] = cnpPort{Port: strconv.Itoa(p.Port), Protocol: string(p.Protocol)}
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

// plainMap renders v as the plain JSON-shaped map the Kubernetes SDK's CustomResource takes.
func plainMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only strings, slices and maps: cannot fail
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
