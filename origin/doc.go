// Package origin is a Kubernetes Service as the origin of a tunnel route: where the tunnel package
// points the route (its URL) and what the network package lets the connector reach (the pods behind
// the Service, on the target port behind the chosen Service port). One type, Service, with one
// validator and one resolution, so that the route and the policy always agree on which pods and which
// port a route reaches.
//
// # Forms
//
// A Service is given by namespace and name, plus the Service port the route uses (Port, PortName, or
// neither for a Service with one port):
//
//   - A Service of the same program: FromService(svc) takes its namespace, name, selector, ports and
//     cluster IP as outputs of the *corev1.Service; from another language, pass the same outputs
//     (metadata.namespace, metadata.name, spec.selector, spec.ports, spec.clusterIP). Selector and
//     Ports may also be written out by hand (pulumi.StringMap and pulumi.Array of pulumi.Map with
//     "name", "port", "targetPort" and "protocol"), as the API server would hold them.
//   - An existing Service: namespace and name (literals) without Selector and Ports. It is read from
//     the cluster (Read; tunnel.NewTunnel does it for its routes, as the child
//     "<component>-service-<namespace>.<name>" of type kubernetes:core/v1:Service, a read that never
//     changes or deletes the Service).
//
// # What a Service resolves to (Target)
//
// URL "<scheme>://<name>.<namespace>.svc.<cluster domain>:<port>" (Scheme "http" by default, "https"
// when asked; the cluster domain DefaultClusterDomain unless the caller's is given), the fully
// qualified host name, the Service port, the Service's selector, and the target port behind the chosen
// Service port: its number, or its name when the Service names a container port ("http"), which the
// network policy then names too (Kubernetes and Cilium resolve a named port in each pod). A targetPort
// left out is the port itself, as the API server defaults it.
//
// # Rules (errors, never a route or a policy that silently misses the app)
//
// Validate checks every literal before anything is registered, and everything else (the outputs of a
// Service of the program, or of a read) is checked once known, inside an apply, before a resource
// uses it (Resolve); errors name the field path and the value:
//
//   - the chosen port must be one of the Service's ports (by number or name; with neither, the Service
//     must have exactly one), and TCP: cloudflared reaches origins over TCP;
//   - a headless Service (clusterIP "None") is rejected: its name resolves to the pods themselves,
//     where the Service port is not translated to the target port (an empty cluster IP is not an
//     error: the kubernetes provider reports it so for a Service it has not created yet, in a preview);
//   - a Service without a selector (its endpoints managed by hand, or ExternalName) has no pods a
//     network policy could name: the network package rejects it (Target.Selector is empty). Route to
//     such a destination with a URL and describe it in network.Settings.Origins, or disable the policy.
//
// The package registers nothing by itself; Read registers one read of an existing object.
package origin
