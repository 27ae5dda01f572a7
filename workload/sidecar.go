package workload

import (
	"slices"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/literal"
)

// SidecarType names the errors of Sidecar (it registers nothing).
const SidecarType = "tunnelgate:workload:Sidecar"

// injectorVolumes are the volume names the Vault Agent Injector adds to a pod; an app volume with one of
// these names would make the injection fail.
var injectorVolumes = []string{"vault-secrets", "home-init", "home-sidecar", "vault-tls-secrets", "vault-config", "extra-secrets", "vault-agent-cache"}

// SidecarArgs are the inputs of Sidecar.
type SidecarArgs struct {
	// TunnelID feeds the TunnelIDAnnotation pod annotation (pods roll when the tunnel changes). Optional
	// but recommended: without it a rotated token is only picked up when the pods restart for another reason.
	TunnelID pulumi.StringInput `pulumi:"tunnelId,optional"`
	// Token says how the token reaches cloudflared (required: exactly one source).
	Token TokenSource `pulumi:"token"`
	// Cloudflared configures the container.
	Cloudflared Cloudflared `pulumi:"cloudflared,optional"`
}

// Parts are the pieces that put cloudflared into a pod: for callers who build pod specs themselves
// (a StatefulSet, a Job, a Helm chart's values), and what NewConnector and NewApp use. Add Container to the pod's
// containers, Volumes to its volumes and PodAnnotations to the pod template's annotations, or let
// PodSpec merge a whole pod spec.
type Parts struct {
	// Container is the cloudflared container.
	Container corev1.ContainerArgs
	// Volumes are the pod volumes the container and the injected Vault Agent need: /tmp, and the Secret
	// (Secret source) or the agent's projected service-account token (Vault source).
	Volumes corev1.VolumeArray
	// PodAnnotations are the injector annotations (Vault source) and the tunnel id annotation.
	PodAnnotations pulumi.StringMap
	// TerminationGracePeriodSeconds is the minimum terminationGracePeriodSeconds of the pod.
	TerminationGracePeriodSeconds int
	// MetricsPort is the metrics port (for a NetworkPolicy or a ServiceMonitor).
	MetricsPort int
	// VolumeNames are the volume names the parts use or the injector adds: keep them free in the pod.
	VolumeNames []string

	container corev1.ContainerArgs
	volumes   corev1.VolumeArray
}

// Sidecar validates args and returns the parts. It is pure: nothing is registered.
func Sidecar(args SidecarArgs) (*Parts, error) {
	var es check.Errors
	parts := newParts(&es, args.TunnelID, args.Token, args.Cloudflared, nil, SidecarType)
	if err := es.Err(SidecarType); err != nil {
		return nil, err
	}
	return parts, nil
}

// newParts validates and builds the parts; errors land in es (under "token", "cloudflared" and
// "podAnnotations"); values known only later are checked in applies that fail with component's name.
// It is the one code path for the cloudflared container, its volumes and annotations in both layouts.
func newParts(es *check.Errors, tunnelID pulumi.StringInput, tok TokenSource, cf Cloudflared, userPodAnnotations map[string]string, component string) *Parts {
	tok = tok.withDefaults()
	cf = cf.withDefaults()
	tok.validate(es, "token")
	cf.validate(es, "cloudflared")
	if tok.Secret != nil && tok.Secret.Name != nil {
		tok.Secret.Name = check.StringInput(es, "token.secret.name", tok.Secret.Name, component, dnsSubdomain)
	}
	if es.Len() > 0 {
		return nil
	}
	file, vols, annotations := tok.delivery()
	vols = append(corev1.VolumeArray{tmpVolume()}, vols...)
	names := []string{TmpVolume}
	if tok.Vault != nil {
		names = append(names, VaultServiceAccountVolume)
		names = append(names, injectorVolumes...)
	} else {
		names = append(names, SecretVolume)
	}
	c := cf.container(file)
	return &Parts{
		Container:                     c,
		Volumes:                       vols,
		PodAnnotations:                podAnnotations(es, "podAnnotations", annotations, userPodAnnotations, tunnelID),
		TerminationGracePeriodSeconds: cf.terminationGracePeriod(),
		MetricsPort:                   cf.MetricsPort,
		VolumeNames:                   names,
		container:                     c,
		volumes:                       vols,
	}
}

// podSecurityContext is the pod-level security context of the connector's own pods.
func podSecurityContext() *corev1.PodSecurityContextArgs {
	return &corev1.PodSecurityContextArgs{
		RunAsNonRoot:   pulumi.Bool(true),
		RunAsUser:      pulumi.Int(UID),
		RunAsGroup:     pulumi.Int(UID),
		SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

// PodSpec returns app with cloudflared added: the container and volumes appended, then the pod
// hardened to the restricted Pod Security Standard where the app leaves settings unset (pod
// runAsNonRoot and seccomp RuntimeDefault; per container allowPrivilegeEscalation false and every
// capability dropped), automountServiceAccountToken false unless the app sets it, and
// terminationGracePeriodSeconds raised to the connector's. The output fails (and with it the resource
// that uses it) when the app clashes with the parts (container name, metrics port, volume names) or
// explicitly breaks the restricted standard (privileged, host namespaces or ports, hostPath volumes,
// added capabilities other than NET_BIND_SERVICE, running as root, privilege escalation, an
// unconfined seccomp profile).
func (p *Parts) PodSpec(app corev1.PodSpecInput) corev1.PodSpecOutput {
	return p.podSpec(app, SidecarType)
}

// podSpec is PodSpec with errors named after component.
func (p *Parts) podSpec(app corev1.PodSpecInput, component string) corev1.PodSpecOutput {
	return pulumi.All(app.ToPodSpecOutput(), p.container.ToContainerOutput(), p.volumes.ToVolumeArrayOutput()).
		ApplyT(func(xs []any) (corev1.PodSpec, error) {
			var es check.Errors
			merged := p.merge(&es, "podSpec", xs[0].(corev1.PodSpec), xs[1].(corev1.Container), xs[2].([]corev1.Volume))
			return merged, es.Err(component)
		}).(corev1.PodSpecOutput)
}

// merge checks the app's spec (errors under field: clashes with the parts, explicit breaks of the
// restricted standard) and returns it hardened, with cloudflared's container and volumes added. spec
// is a copy the caller owns.
func (p *Parts) merge(es *check.Errors, field string, spec corev1.PodSpec, cf corev1.Container, vols []corev1.Volume) corev1.PodSpec {
	checkClashes(es, field, spec.Containers, spec.Volumes, p)
	checkRestricted(es, field, spec)
	if es.Len() > 0 {
		return spec
	}
	noAutomount, grace := p.podFills(spec)
	harden(&spec)
	spec.Containers = append(spec.Containers, cf)
	spec.Volumes = append(spec.Volumes, vols...)
	if noAutomount {
		no := false
		spec.AutomountServiceAccountToken = &no
	}
	if grace != nil {
		spec.TerminationGracePeriodSeconds = grace
	}
	return spec
}

// podFills is what merge sets in the app's pod besides hardening it: automountServiceAccountToken false
// when the app leaves it unset, and terminationGracePeriodSeconds raised to the connector's (nil: keep).
func (p *Parts) podFills(spec corev1.PodSpec) (noAutomount bool, grace *int) {
	if g := spec.TerminationGracePeriodSeconds; g == nil || *g < p.TerminationGracePeriodSeconds {
		v := p.TerminationGracePeriodSeconds
		grace = &v
	}
	return spec.AutomountServiceAccountToken == nil, grace
}

// mergeLiteral is merge without an apply, for the usual case: an app spec that holds no outputs and sets
// no security contexts (which harden would have to fill field by field). It returns the merged arguments,
// or ok false when app is not such a spec (then podSpec merges it once known). Errors land in es.
func (p *Parts) mergeLiteral(es *check.Errors, field string, app corev1.PodSpecArgs) (merged corev1.PodSpecArgs, ok bool) {
	var spec corev1.PodSpec
	if !literal.Into(app, &spec) || spec.SecurityContext != nil {
		return merged, false
	}
	containers, ok := hardenArgs(app.Containers, spec.Containers)
	if !ok {
		return merged, false
	}
	inits, ok := hardenArgs(app.InitContainers, spec.InitContainers)
	if !ok {
		return merged, false
	}
	vols, ok := app.Volumes.(corev1.VolumeArray)
	if !ok && app.Volumes != nil {
		return merged, false
	}
	checkClashes(es, field, spec.Containers, spec.Volumes, p)
	checkRestricted(es, field, spec)
	merged = app
	merged.SecurityContext = restrictedPodArgs()
	merged.Containers = append(containers, p.container)
	if inits != nil {
		merged.InitContainers = inits
	}
	merged.Volumes = append(append(corev1.VolumeArray{}, vols...), p.volumes...)
	noAutomount, grace := p.podFills(spec)
	if noAutomount {
		merged.AutomountServiceAccountToken = pulumi.Bool(false)
	}
	if grace != nil {
		merged.TerminationGracePeriodSeconds = pulumi.Int(*grace)
	}
	return merged, true
}

// hardenArgs returns the literal containers in with harden's container security context; plain are
// their values. ok is false when a container sets its own security context or is not a ContainerArgs.
func hardenArgs(in corev1.ContainerArrayInput, plain []corev1.Container) (corev1.ContainerArray, bool) {
	if in == nil {
		return nil, true
	}
	arr, ok := in.(corev1.ContainerArray)
	if !ok {
		return nil, false
	}
	out := make(corev1.ContainerArray, 0, len(arr)+1)
	for i, ci := range arr {
		c, ok := containerArgs(ci)
		if !ok {
			return nil, false
		}
		if plain[i].SecurityContext != nil {
			return nil, false
		}
		c.SecurityContext = restrictedContainerArgs()
		out = append(out, c)
	}
	return out, true
}

// containerArgs is a container array element as ContainerArgs, when it is one (or a pointer to one).
func containerArgs(in corev1.ContainerInput) (corev1.ContainerArgs, bool) {
	switch c := in.(type) {
	case corev1.ContainerArgs:
		return c, true
	case *corev1.ContainerArgs:
		return *c, true
	}
	return corev1.ContainerArgs{}, false
}

// restrictedPodArgs is what harden sets in a pod without a security context.
func restrictedPodArgs() *corev1.PodSecurityContextArgs {
	return &corev1.PodSecurityContextArgs{
		RunAsNonRoot:   pulumi.Bool(true),
		SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

// restrictedContainerArgs is what harden sets in a container without a security context.
func restrictedContainerArgs() *corev1.SecurityContextArgs {
	return &corev1.SecurityContextArgs{
		AllowPrivilegeEscalation: pulumi.Bool(false),
		Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
	}
}

// checkClashes reports app containers or volumes that collide with the parts.
func checkClashes(es *check.Errors, field string, containers []corev1.Container, volumes []corev1.Volume, p *Parts) {
	for i, c := range containers {
		f := check.Index(check.Join(field, "containers"), i)
		if c.Name == ContainerName {
			es.Add(check.Join(f, "name"), c.Name, "is the cloudflared container's name")
		}
		for j, port := range c.Ports {
			pf := check.Index(check.Join(f, "ports"), j)
			if port.ContainerPort == p.MetricsPort && (port.Protocol == nil || *port.Protocol == "TCP") {
				es.Add(check.Join(pf, "containerPort"), port.ContainerPort, "clashes with cloudflared's metrics port (set cloudflared.metricsPort to another port)")
			}
			if port.Name != nil && *port.Name == MetricsPortName {
				es.Add(check.Join(pf, "name"), *port.Name, "is the cloudflared metrics port's name")
			}
		}
	}
	for i, v := range volumes {
		for _, n := range p.VolumeNames {
			if v.Name == n {
				es.Add(check.Join(check.Index(check.Join(field, "volumes"), i), "name"), v.Name, "is reserved for cloudflared or the Vault Agent Injector")
			}
		}
	}
}

// literalContainers returns the names and ports of a literal container array, as far as they are
// literals, so that clashes are found before anything is registered. Values that are outputs are
// checked by PodSpec once known.
func literalContainers(in corev1.ContainerArrayInput) []corev1.Container {
	arr, ok := in.(corev1.ContainerArray)
	if !ok {
		return nil
	}
	var out []corev1.Container
	for _, ci := range arr {
		args, ok := containerArgs(ci)
		if !ok {
			continue
		}
		var lc corev1.Container
		if n, ok := args.Name.(pulumi.String); ok {
			lc.Name = string(n)
		}
		if ports, ok := args.Ports.(corev1.ContainerPortArray); ok {
			for _, pi := range ports {
				pa, ok := pi.(corev1.ContainerPortArgs)
				if !ok {
					continue
				}
				var lp corev1.ContainerPort
				if n, ok := pa.ContainerPort.(pulumi.Int); ok {
					lp.ContainerPort = int(n)
				}
				if n, ok := pa.Name.(pulumi.String); ok {
					s := string(n)
					lp.Name = &s
				}
				if n, ok := pa.Protocol.(pulumi.String); ok {
					s := string(n)
					lp.Protocol = &s
				}
				lc.Ports = append(lc.Ports, lp)
			}
		}
		out = append(out, lc)
	}
	return out
}

// allowedVolume reports whether the restricted Pod Security Standard allows the volume's type.
func allowedVolume(v corev1.Volume) bool {
	return v.ConfigMap != nil || v.Csi != nil || v.DownwardAPI != nil || v.EmptyDir != nil ||
		v.Ephemeral != nil || v.PersistentVolumeClaim != nil || v.Projected != nil || v.Secret != nil
}

// checkRestricted reports explicit settings of the app's pod spec that break the restricted Pod
// Security Standard (unset settings are filled in by harden).
func checkRestricted(es *check.Errors, field string, spec corev1.PodSpec) {
	for _, hn := range []struct {
		name string
		v    *bool
	}{{"hostNetwork", spec.HostNetwork}, {"hostPID", spec.HostPID}, {"hostIPC", spec.HostIPC}} {
		if hn.v != nil && *hn.v {
			es.Add(check.Join(field, hn.name), true, "not allowed by the restricted Pod Security Standard")
		}
	}
	if sc := spec.SecurityContext; sc != nil {
		f := check.Join(field, "securityContext")
		rootUser(es, f, sc.RunAsNonRoot, sc.RunAsUser)
		if sc.SeccompProfile != nil && sc.SeccompProfile.Type == "Unconfined" {
			es.Add(check.Join(f, "seccompProfile.type"), "Unconfined", "not allowed by the restricted Pod Security Standard")
		}
	}
	for i, v := range spec.Volumes {
		if !allowedVolume(v) {
			es.Add(check.Join(check.Index(check.Join(field, "volumes"), i), "name"), v.Name, "volume type not allowed by the restricted Pod Security Standard (only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)")
		}
	}
	for _, group := range []struct {
		kind string
		cs   []corev1.Container
	}{{"containers", spec.Containers}, {"initContainers", spec.InitContainers}} {
		kind := group.kind
		for i, c := range group.cs {
			f := check.Index(check.Join(field, kind), i)
			for j, port := range c.Ports {
				if port.HostPort != nil && *port.HostPort != 0 {
					es.Add(check.Join(check.Index(check.Join(f, "ports"), j), "hostPort"), *port.HostPort, "host ports are not allowed by the restricted Pod Security Standard")
				}
			}
			sc := c.SecurityContext
			if sc == nil {
				continue
			}
			f = check.Join(f, "securityContext")
			rootUser(es, f, sc.RunAsNonRoot, sc.RunAsUser)
			if sc.Privileged != nil && *sc.Privileged {
				es.Add(check.Join(f, "privileged"), true, "not allowed by the restricted Pod Security Standard")
			}
			if sc.AllowPrivilegeEscalation != nil && *sc.AllowPrivilegeEscalation {
				es.Add(check.Join(f, "allowPrivilegeEscalation"), true, "not allowed by the restricted Pod Security Standard")
			}
			if sc.Capabilities != nil {
				for _, capa := range sc.Capabilities.Add {
					if capa != "NET_BIND_SERVICE" {
						es.Add(check.Join(f, "capabilities.add"), capa, "only NET_BIND_SERVICE may be added under the restricted Pod Security Standard")
					}
				}
			}
			if sc.SeccompProfile != nil && sc.SeccompProfile.Type == "Unconfined" {
				es.Add(check.Join(f, "seccompProfile.type"), "Unconfined", "not allowed by the restricted Pod Security Standard")
			}
		}
	}
}

func rootUser(es *check.Errors, field string, nonRoot *bool, uid *int) {
	if nonRoot != nil && !*nonRoot {
		es.Add(check.Join(field, "runAsNonRoot"), false, "must not be false under the restricted Pod Security Standard")
	}
	if uid != nil && *uid == 0 {
		es.Add(check.Join(field, "runAsUser"), 0, "root is not allowed by the restricted Pod Security Standard")
	}
}

// harden fills the restricted Pod Security Standard's settings where the app leaves them unset.
func harden(spec *corev1.PodSpec) {
	if spec.SecurityContext == nil {
		spec.SecurityContext = &corev1.PodSecurityContext{}
	}
	psc := spec.SecurityContext
	if psc.RunAsNonRoot == nil {
		yes := true
		psc.RunAsNonRoot = &yes
	}
	if psc.SeccompProfile == nil {
		psc.SeccompProfile = &corev1.SeccompProfile{Type: "RuntimeDefault"}
	}
	for _, cs := range [][]corev1.Container{spec.Containers, spec.InitContainers} {
		for i := range cs {
			if cs[i].SecurityContext == nil {
				cs[i].SecurityContext = &corev1.SecurityContext{}
			}
			sc := cs[i].SecurityContext
			if sc.AllowPrivilegeEscalation == nil {
				no := false
				sc.AllowPrivilegeEscalation = &no
			}
			if sc.Capabilities == nil {
				sc.Capabilities = &corev1.Capabilities{}
			}
			if !slices.Contains(sc.Capabilities.Drop, "ALL") {
				sc.Capabilities.Drop = append(sc.Capabilities.Drop, "ALL")
			}
		}
	}
}
