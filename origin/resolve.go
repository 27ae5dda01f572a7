package origin

import (
	"cmp"
	"reflect"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

// Target is what a Service resolves to, once everything about it is known.
type Target struct {
	// Namespace and Name are the Service's.
	Namespace, Name string
	// Host is the Service's fully qualified name, "<name>.<namespace>.svc.<cluster domain>".
	Host string
	// URL is the route's service, "<scheme>://<Host>:<Port>".
	URL string
	// Port is the chosen Service port.
	Port int
	// TargetPort is the number of the pods' port behind Port; 0 when the Service names it
	// (TargetPortName).
	TargetPort int
	// TargetPortName is the name of the pods' container port behind Port when the Service gives a name
	// ("http"); "" when it gives a number.
	TargetPortName string
	// Selector are the labels of the pods behind the Service; empty for a Service without a selector.
	Selector map[string]string
}

// TargetOutput is an output of a Target (Resolve).
type TargetOutput struct{ *pulumi.OutputState }

// ElementType is Target.
func (TargetOutput) ElementType() reflect.Type { return reflect.TypeFor[Target]() }

// URL is the output's URL.
func (o TargetOutput) URL() pulumi.StringOutput {
	return o.ApplyT(func(t Target) string { return t.URL }).(pulumi.StringOutput)
}

func init() { pulumi.RegisterOutputType(TargetOutput{}) }

// Known returns the Target of s when every input it has is a literal and valid (domain "" is
// DefaultClusterDomain); false otherwise (Resolve then resolves it once known).
func (s *Service) Known(domain string) (Target, bool) {
	v, ok := s.literal()
	if !ok {
		return Target{}, false
	}
	var es check.Errors
	t := s.target(&es, v, domain)
	return t, es.Len() == 0
}

// Resolve returns the Target of s once its inputs are known (domain "" is DefaultClusterDomain),
// after the checks of Validate on the values it could not check before (the port among the Service's,
// headless, the names' syntax). A failed check fails the output with a field error under field (the
// path of s in the caller's args, "routes[2].kubernetesService") reported as component's, so that no
// resource using it is registered. s must have its Selector and Ports (read an existing Service first).
func (s *Service) Resolve(field, component, domain string) TargetOutput {
	c := *s
	ins := []any{c.Namespace, c.Name, c.Selector, c.Ports, c.ClusterIP}
	for i, in := range ins {
		if reflect.ValueOf(in).Kind() == reflect.Invalid {
			ins[i] = pulumi.String("") // not given: decoded as absent below
		}
	}
	return pulumi.All(ins...).ApplyT(func(vs []any) (Target, error) {
		v := values{namespace: vs[0].(string), name: vs[1].(string)}
		if c.Selector != nil {
			v.selector, _ = vs[2].(map[string]string)
		}
		if c.Ports != nil {
			v.ports, _ = vs[3].([]any)
		}
		if c.ClusterIP != nil {
			ip := vs[4].(string)
			v.clusterIP = &ip
		}
		var es check.Errors
		es.DNSLabel("namespace", v.namespace)
		es.DNS1035Label("name", v.name)
		if c.Ports == nil {
			es.Add("ports", nil, "unknown: read the existing Service first (origin.Read)")
		}
		t := c.target(&es, v, domain)
		var out check.Errors
		out.Merge(field, es.Err(errorsType))
		return t, out.Err(component)
	}).(TargetOutput)
}

// target checks the known values of s and returns its Target; errors go to es with the fields of s.
func (s *Service) target(es *check.Errors, v values, domain string) Target {
	t := Target{Namespace: v.namespace, Name: v.name, Selector: v.selector}
	t.Host = t.Name + "." + t.Namespace + ".svc." + strings.TrimSuffix(cmp.Or(domain, DefaultClusterDomain), ".")
	svc := t.Namespace + "/" + t.Name
	if ip := v.clusterIP; ip != nil {
		// "" is not an error: it is what the kubernetes provider reports, in a preview, for a Service
		// it has not created yet.
		if *ip == "None" {
			es.Add("clusterIp", *ip, "Service %s is headless: its name resolves to the pods themselves, where the Service port is not translated to the target port; route to a Service with a cluster IP", svc)
		}
	}
	var ports []port
	for i, raw := range v.ports {
		p, ok := decodePort(raw)
		if !ok {
			es.Add(check.Index("ports", i), raw, "not a Service port: an object with a whole \"port\" and optionally \"name\", \"targetPort\" and \"protocol\"")
			return t
		}
		ports = append(ports, p)
	}
	chosen, ok := s.choose(es, svc, ports)
	if !ok {
		return t
	}
	t.Port = chosen.port
	t.URL = cmp.Or(s.Scheme, DefaultScheme) + "://" + t.Host + ":" + strconv.Itoa(chosen.port)
	field, value := s.portField()
	if p := cmp.Or(chosen.protocol, "TCP"); p != "TCP" {
		es.Add(field, value, "port %s of Service %s is %s: cloudflared reaches origins over TCP", chosen, svc, p)
	}
	switch target := chosen.target.(type) {
	case nil:
		t.TargetPort = chosen.port
	case int:
		t.TargetPort = target
		if target < 1 || target > 65535 {
			es.Add(field, value, "the target port %d of port %s of Service %s is not a port number", target, chosen, svc)
		}
	case string:
		t.TargetPortName = target
		var names check.Errors
		names.PortName(field, target)
		if names.Len() > 0 {
			es.Add(field, value, "the target port %q of port %s of Service %s is not a port name (IANA_SVC_NAME)", target, chosen, svc)
		}
	}
	return t
}

// portField is the field that chose the port, and its value, for errors about the chosen port.
func (s *Service) portField() (string, any) {
	switch {
	case s.Port != 0:
		return "port", s.Port
	case s.PortName != "":
		return "portName", s.PortName
	}
	return "ports", nil
}

// choose returns the Service port that Port or PortName names, or the only one.
func (s *Service) choose(es *check.Errors, svc string, ports []port) (port, bool) {
	list := make([]string, len(ports))
	for i, p := range ports {
		list[i] = p.String()
	}
	for _, p := range ports {
		if (s.Port != 0 && p.port == s.Port) || (s.PortName != "" && p.name == s.PortName) {
			return p, true
		}
	}
	switch {
	case s.Port != 0:
		es.Add("port", s.Port, "not a port of Service %s, whose ports are %s", svc, strings.Join(list, ", "))
	case s.PortName != "":
		es.Add("portName", s.PortName, "not a port name of Service %s, whose ports are %s", svc, strings.Join(list, ", "))
	case len(ports) == 1:
		return ports[0], true
	case len(ports) == 0:
		es.Add("ports", nil, "Service %s has no ports", svc)
	default:
		es.Add("port", nil, "required: Service %s has several ports (%s); name one with port or portName", svc, strings.Join(list, ", "))
	}
	return port{}, false
}
