package origin

import (
	"fmt"
	"reflect"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/literal"
)

// Defaults, applied by Resolve and Known; each can be overridden.
const (
	// DefaultClusterDomain is the cluster's DNS domain the Service's name is qualified with when the
	// caller gives none (tunnel.Args.ClusterDomain, network.Settings.ClusterDomain).
	DefaultClusterDomain = "cluster.local"
	// DefaultScheme is the URL scheme of a route to a Service (Service.Scheme).
	DefaultScheme = "http"
	// ServiceType is the Pulumi type of a Service, also of the read of an existing one (Read).
	ServiceType = "kubernetes:core/v1:Service"
)

// errorsType names the errors of Service.Validate (callers merge them under their own field).
const errorsType = "tunnelgate:origin:Service"

// Service is a Kubernetes Service that a tunnel route sends its requests to. Namespace and Name are
// required; the port is Port, PortName or (neither) the Service's only port. Selector, Ports and
// ClusterIP describe the Service as the API server holds it: give them for a Service of the same program
// (FromService, or its outputs from another language), or leave all three unset for an existing Service,
// which is then read from the cluster (Read).
type Service struct {
	// Namespace of the Service (required). It may be an output (the Service's metadata.namespace); an
	// existing Service needs a literal.
	Namespace pulumi.StringInput `pulumi:"namespace"`
	// Name of the Service (required). It may be an output (the Service's metadata.name); an existing
	// Service needs a literal.
	Name pulumi.StringInput `pulumi:"name"`
	// Port is the number of the Service port to send requests to (spec.ports[].port, not the target
	// port). Set Port or PortName; with neither, the Service must have exactly one port.
	Port int `pulumi:"port,optional"`
	// PortName is the name of the Service port to send requests to (spec.ports[].name), instead of Port.
	PortName string `pulumi:"portName,optional"`
	// Scheme is DefaultScheme ("http") or "https" (the origin serves TLS; see tunnel.OriginRequest for
	// its certificate's name and CA).
	Scheme string `pulumi:"scheme,optional"`
	// Selector is the Service's spec.selector: the labels of the pods behind it. Empty for a Service
	// without a selector. Set it with Ports, or neither (an existing Service, read from the cluster).
	Selector pulumi.StringMapInput `pulumi:"selector,optional"`
	// Ports are the Service's spec.ports as the API server holds them: objects with "port" and,
	// optionally, "name", "targetPort" (a number or a container port's name; default the port) and
	// "protocol" (default TCP). From another language pass the Service's spec.ports output as it is.
	Ports pulumi.ArrayInput `pulumi:"ports,optional"`
	// ClusterIP is the Service's spec.clusterIP: "None" (a headless Service) is rejected. Optional:
	// FromService and Read fill it in.
	ClusterIP pulumi.StringInput `pulumi:"clusterIp,optional"`
}

// Existing reports whether s names an existing Service (neither Selector nor Ports given), which is
// read from the cluster before it is resolved.
func (s *Service) Existing() bool { return s.Selector == nil && s.Ports == nil }

// FromService is the Service svc of the same program as a route origin: its namespace, name,
// selector, ports and cluster IP as outputs of svc, so that the route and the policy wait for svc and
// follow what the API server made of it (a targetPort left out, a named target port). Set Port,
// PortName or Scheme on the result when the Service has several ports or serves https.
func FromService(svc *corev1.Service) *Service {
	return &Service{
		Namespace: svc.Metadata.Namespace().Elem(),
		Name:      svc.Metadata.Name().Elem(),
		Selector:  svc.Spec.Selector(),
		Ports:     svc.Spec.Ports().ApplyT(portObjects).(pulumi.ArrayOutput),
		ClusterIP: svc.Spec.ClusterIP().Elem(),
	}
}

// portObjects turns typed Service ports into the objects Service.Ports holds.
func portObjects(ps []corev1.ServicePort) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		o := map[string]any{"port": p.Port}
		if p.Name != nil {
			o["name"] = *p.Name
		}
		if p.TargetPort != nil {
			o["targetPort"] = p.TargetPort
		}
		if p.Protocol != nil {
			o["protocol"] = *p.Protocol
		}
		out[i] = o
	}
	return out
}

// Read reads the existing Service s names (namespace and name must be literals) with the kubernetes
// provider (a read resource of type ServiceType named name, id "<namespace>/<name>": it never changes
// or deletes the Service, and `pulumi refresh` reads it again) and returns s with its Selector, Ports and
// ClusterIP from the cluster. opts are the read's (provider, parent, DependsOn). A Service that does not
// exist fails the read.
func Read(ctx *pulumi.Context, name string, s *Service, opts ...pulumi.ResourceOption) (*Service, error) {
	ns, okNS := literal.String(s.Namespace)
	n, okName := literal.String(s.Name)
	if !okNS || !okName {
		return nil, fmt.Errorf("origin.Read %s: the namespace and name of an existing Service must be literals", name)
	}
	svc, err := corev1.GetService(ctx, name, pulumi.ID(ns+"/"+n), nil, opts...)
	if err != nil {
		return nil, err
	}
	read := FromService(svc)
	read.Namespace, read.Name, read.Port, read.PortName, read.Scheme = s.Namespace, s.Name, s.Port, s.PortName, s.Scheme
	return read, nil
}

// Validate checks every field of s that is known without Pulumi (errors name the fields, "port",
// "ports[1].targetPort"); when Selector and Ports are literals too, it also checks that the port is
// one of the Service's, as Resolve does once outputs are known.
func (s *Service) Validate() error {
	var es check.Errors
	s.validate(&es)
	return es.Err(errorsType)
}

func (s *Service) validate(es *check.Errors) {
	es.Literal("namespace", s.Namespace, (*check.Errors).DNSLabel)
	es.Literal("name", s.Name, (*check.Errors).DNS1035Label)
	switch {
	case s.Port != 0 && s.PortName != "":
		es.Add("portName", s.PortName, "set port or portName, not both")
	case s.Port != 0:
		es.Port("port", s.Port)
	case s.PortName != "":
		es.PortName("portName", s.PortName)
	}
	switch s.Scheme {
	case "", "http", "https":
	default:
		es.Add("scheme", s.Scheme, "must be \"http\" or \"https\"")
	}
	switch {
	case s.Existing():
		_, okNS := literal.String(s.Namespace)
		_, okName := literal.String(s.Name)
		if s.Namespace != nil && !okNS {
			es.Add("namespace", nil, "an existing Service (no selector and ports given) is read from the cluster by its namespace and name, which must be literals; for a Service of this program give its selector and ports too (origin.FromService)")
		} else if s.Name != nil && !okName {
			es.Add("name", nil, "an existing Service (no selector and ports given) is read from the cluster by its namespace and name, which must be literals; for a Service of this program give its selector and ports too (origin.FromService)")
		}
		if s.ClusterIP != nil {
			es.Add("clusterIp", nil, "only with selector and ports: an existing Service's is read from the cluster")
		}
	case s.Selector == nil:
		es.Add("selector", nil, "required with ports (a Service without a selector has an empty one): give both, as origin.FromService does, or neither for an existing Service, read from the cluster")
	case s.Ports == nil:
		es.Add("ports", nil, "required with selector: give both, as origin.FromService does, or neither for an existing Service, read from the cluster")
	}
	var sel map[string]string
	if s.Selector != nil && literal.Into(s.Selector, &sel) {
		es.Labels("selector", sel)
	}
	if v, ok := s.literal(); ok {
		s.target(es, v, DefaultClusterDomain)
	}
}

// values are the Service's inputs once known.
type values struct {
	namespace, name string
	selector        map[string]string
	ports           []any
	clusterIP       *string // nil: not given
}

// literal returns the values of s when every input it has is a literal (and Ports are given).
func (s *Service) literal() (values, bool) {
	var v values
	var ok bool
	if v.namespace, ok = literal.String(s.Namespace); !ok {
		return v, false
	}
	if v.name, ok = literal.String(s.Name); !ok {
		return v, false
	}
	if s.Ports == nil || s.Selector == nil {
		return v, false
	}
	var ports []map[string]any
	if !literal.Into(s.Selector, &v.selector) || !literal.Into(s.Ports, &ports) {
		return v, false
	}
	for _, p := range ports {
		v.ports = append(v.ports, p)
	}
	if s.ClusterIP != nil {
		ip, ok := literal.String(s.ClusterIP)
		if !ok {
			return v, false
		}
		v.clusterIP = &ip
	}
	return v, true
}

// port is one Service port, decoded.
type port struct {
	name, protocol string
	port           int
	target         any // int or string; nil: the port
}

func (p port) String() string {
	if p.name == "" {
		return fmt.Sprint(p.port)
	}
	return fmt.Sprintf("%d (%s)", p.port, p.name)
}

// decodePort reads one element of Service.Ports: an object as the API server and the providers'
// SDKs hold it, or a typed corev1.ServicePort.
func decodePort(v any) (port, bool) {
	var m map[string]any
	switch x := v.(type) {
	case map[string]any:
		m = x
	case corev1.ServicePort:
		return decodePort(portObjects([]corev1.ServicePort{x})[0])
	default:
		return port{}, false
	}
	var p port
	var ok bool
	if p.port, ok = number(m["port"]); !ok {
		return p, false
	}
	if p.name, ok = optString(m["name"]); !ok {
		return p, false
	}
	if p.protocol, ok = optString(m["protocol"]); !ok {
		return p, false
	}
	switch t := m["targetPort"].(type) {
	case nil:
	case string:
		p.target = t
	default:
		n, ok := number(t)
		if !ok {
			return p, false
		}
		p.target = n
	}
	return p, true
}

func optString(v any) (string, bool) {
	if v == nil {
		return "", true
	}
	s, ok := v.(string)
	return s, ok
}

// number reads a whole number of any numeric kind (JSON and the SDKs give float64).
func number(v any) (int, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int()), true
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if f != float64(int(f)) {
			return 0, false
		}
		return int(f), true
	}
	return 0, false
}
