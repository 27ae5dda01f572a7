package workload

import (
	"context"
	"reflect"
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
	// Cloudflared configures the container; nil gives the defaults.
	Cloudflared *Cloudflared `pulumi:"cloudflared,optional"`
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

	// container and volumes are copies of Container and Volumes that callers cannot change.
	container corev1.ContainerArgs
	volumes   corev1.VolumeArray
	// token is the token source after defaults, its Secret's name checked.
	token TokenSource
	// plain are their plain values when they hold no outputs (a Secret name that is an output makes the
	// volumes an output): what the app's pod is merged with at construction.
	plain *plainParts
}

type plainParts struct {
	container corev1.Container
	volumes   []corev1.Volume
}

// Sidecar validates args and returns the parts. It is pure: nothing is registered.
func Sidecar(args SidecarArgs) (*Parts, error) {
	var es check.Errors
	if s := args.Token.Secret; s != nil && s.Value != nil {
		es.Add("token.secret.value", nil, "Sidecar registers nothing, so nothing would write the Secret: create it yourself (and leave value unset), or use NewApp")
	}
	parts := newParts(&es, args.TunnelID, args.Token, cloudflaredDefaults(args.Cloudflared), nil, SidecarType)
	if err := es.Err(SidecarType); err != nil {
		return nil, err
	}
	return parts, nil
}

// newParts validates and builds the parts; errors land in es (under "token", "cloudflared" and
// "podAnnotations"); values known only later are checked in applies that fail with component's name.
// It is the one code path for the cloudflared container, its volumes and annotations in both layouts.
// cf has its defaults applied.
func newParts(es *check.Errors, tunnelID pulumi.StringInput, tok TokenSource, cf Cloudflared, userPodAnnotations map[string]string, component string) *Parts {
	tok = tok.withDefaults()
	tok.validate(es, "token")
	cf.validate(es, "cloudflared")
	if tok.Secret != nil && tok.Secret.Name != nil {
		tok.Secret.Name = check.StringInput(es, "token.secret.name", tok.Secret.Name, component, (*check.Errors).DNSSubdomain)
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
	p := &Parts{
		Container:                     c,
		Volumes:                       vols,
		PodAnnotations:                podAnnotations(es, "pods.podAnnotations", annotations, userPodAnnotations, tunnelID),
		TerminationGracePeriodSeconds: cf.terminationGracePeriod(),
		MetricsPort:                   cf.MetricsPort,
		VolumeNames:                   names,
		container:                     c,
		volumes:                       vols,
		token:                         tok,
	}
	var plain plainParts
	if literal.Into(c, &plain.container) && literal.Into(vols, &plain.volumes) {
		p.plain = &plain
	}
	return p
}

// writtenSecret is the token's Secret when the component writes it (SecretToken.Value), else nil.
func (p *Parts) writtenSecret() *SecretToken {
	if s := p.token.Secret; s != nil && s.Value != nil {
		return s
	}
	return nil
}

// podSecurityContext is the pod-level security context of the connector's own pods.
func podSecurityContext() *corev1.PodSecurityContextArgs {
	return &corev1.PodSecurityContextArgs{
		RunAsNonRoot:   pulumi.Bool(true),
		RunAsUser:      pulumi.Int(UID),
		RunAsGroup:     pulumi.Int(UID),
		SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String(seccompRuntimeDefault)},
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
// unconfined seccomp profile). Errors name fields under "podSpec".
func (p *Parts) PodSpec(app corev1.PodSpecInput) corev1.PodSpecOutput {
	return p.mergeOutput(app, "podSpec", SidecarType).ApplyT(func(s *corev1.PodSpec) corev1.PodSpec { return *s }).(corev1.PodSpecOutput)
}

// appPodSpec is the one path that merges an app's pod spec with the parts and hardens it: at
// construction when the spec and the parts hold no outputs (errors in es, before anything is
// registered), else once known, in one apply (the literal containers are checked now all the same).
// field is where the caller's containers are ("" for AppArgs.Containers, "podSpec").
// known reports whether it merged at construction.
func (p *Parts) appPodSpec(es *check.Errors, field string, app corev1.PodSpecArgs, component string) (spec corev1.PodSpecPtrInput, known bool) {
	var plain corev1.PodSpec
	if p.plain != nil && literal.Into(app, &plain) {
		merged := knownPodSpec(p.merge(es, field, plain, p.plain.container, p.plain.volumes))
		return &merged, true
	}
	p.checkLiteralContainers(es, field, "containers", app.Containers)
	p.checkLiteralContainers(es, field, "initContainers", app.InitContainers)
	return p.mergeOutput(app, field, component), false
}

// knownPodSpec is a pod spec known at construction, given to the Deployment as it is: an input that is
// not an output, which the SDK marshals as the plain struct it is (unset fields left out, as with an
// apply's result), without the goroutine and the walk of pulumi.ToOutput (which would also turn unset
// lists into empty ones, a diff against state written by the apply).
type knownPodSpec corev1.PodSpec

// ElementType is the type of the value: a pod spec.
func (*knownPodSpec) ElementType() reflect.Type { return reflect.TypeFor[*corev1.PodSpec]() }

// ToPodSpecPtrOutput returns the spec as an output.
func (s *knownPodSpec) ToPodSpecPtrOutput() corev1.PodSpecPtrOutput {
	return s.ToPodSpecPtrOutputWithContext(context.Background())
}

// ToPodSpecPtrOutputWithContext returns the spec as an output (resolved by an apply, so that it is not
// walked).
func (s *knownPodSpec) ToPodSpecPtrOutputWithContext(ctx context.Context) corev1.PodSpecPtrOutput {
	return pulumi.Bool(true).ToBoolOutputWithContext(ctx).ApplyT(func(bool) *corev1.PodSpec {
		return (*corev1.PodSpec)(s)
	}).(corev1.PodSpecPtrOutput)
}

// mergeOutput is merge once app and the parts are known; the output fails with component's name.
func (p *Parts) mergeOutput(app corev1.PodSpecInput, field, component string) corev1.PodSpecPtrOutput {
	return pulumi.All(app.ToPodSpecOutput(), p.container.ToContainerOutput(), p.volumes.ToVolumeArrayOutput()).
		ApplyT(func(xs []any) (*corev1.PodSpec, error) {
			var es check.Errors
			merged := p.merge(&es, field, xs[0].(corev1.PodSpec), xs[1].(corev1.Container), xs[2].([]corev1.Volume))
			return &merged, es.Err(component)
		}).(corev1.PodSpecPtrOutput)
}

// checkLiteralContainers checks the containers of kind that hold no outputs, so that their mistakes
// are reported before anything is registered even when other parts of the spec are outputs.
func (p *Parts) checkLiteralContainers(es *check.Errors, field, kind string, in corev1.ContainerArrayInput) {
	arr, ok := in.(corev1.ContainerArray)
	if !ok {
		return
	}
	for i, ci := range arr {
		var c corev1.Container
		if literal.Into(ci, &c) {
			f := check.Index(check.Join(field, kind), i)
			if kind == "containers" {
				p.checkClash(es, f, c)
			}
			checkContainer(es, f, c)
		}
	}
}

// merge checks the app's spec (errors under field: clashes with the parts, explicit breaks of the
// restricted standard) and returns it hardened, with cloudflared's container and volumes added. spec
// is a copy the caller owns.
func (p *Parts) merge(es *check.Errors, field string, spec corev1.PodSpec, cf corev1.Container, vols []corev1.Volume) corev1.PodSpec {
	if len(spec.Containers) == 0 {
		es.Add(check.Join(field, "containers"), nil, "required: the app that cloudflared sits next to (without it the pod would run cloudflared alone)")
	}
	for i, c := range spec.Containers {
		p.checkClash(es, check.Index(check.Join(field, "containers"), i), c)
	}
	for i, v := range spec.Volumes {
		if slices.Contains(p.VolumeNames, v.Name) {
			es.Add(check.Join(check.Index(check.Join(field, "volumes"), i), "name"), v.Name, "is reserved for cloudflared or the Vault Agent Injector")
		}
	}
	checkRestricted(es, field, spec)
	if es.Len() > 0 {
		return spec
	}
	harden(&spec)
	spec.Containers = append(spec.Containers, cf)
	spec.Volumes = append(spec.Volumes, vols...)
	if spec.AutomountServiceAccountToken == nil {
		no := false
		spec.AutomountServiceAccountToken = &no
	}
	if g := spec.TerminationGracePeriodSeconds; g == nil || *g < p.TerminationGracePeriodSeconds {
		v := p.TerminationGracePeriodSeconds
		spec.TerminationGracePeriodSeconds = &v
	}
	return spec
}

// checkClash reports an app container (at field) that collides with the cloudflared container.
func (p *Parts) checkClash(es *check.Errors, field string, c corev1.Container) {
	if c.Name == ContainerName {
		es.Add(check.Join(field, "name"), c.Name, "is the cloudflared container's name")
	}
	for j, port := range c.Ports {
		pf := check.Index(check.Join(field, "ports"), j)
		if port.ContainerPort == p.MetricsPort && (port.Protocol == nil || *port.Protocol == "TCP") {
			es.Add(check.Join(pf, "containerPort"), port.ContainerPort, "clashes with cloudflared's metrics port (set cloudflared.metricsPort to another port)")
		}
		if port.Name != nil && *port.Name == MetricsPortName {
			es.Add(check.Join(pf, "name"), *port.Name, "is the cloudflared metrics port's name")
		}
	}
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
		for i, c := range group.cs {
			checkContainer(es, check.Index(check.Join(field, group.kind), i), c)
		}
	}
}

// checkContainer reports explicit settings of one app container (at field) that break the restricted
// Pod Security Standard.
func checkContainer(es *check.Errors, field string, c corev1.Container) {
	for j, port := range c.Ports {
		if port.HostPort != nil && *port.HostPort != 0 {
			es.Add(check.Join(check.Index(check.Join(field, "ports"), j), "hostPort"), *port.HostPort, "host ports are not allowed by the restricted Pod Security Standard")
		}
	}
	sc := c.SecurityContext
	if sc == nil {
		return
	}
	f := check.Join(field, "securityContext")
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

func rootUser(es *check.Errors, field string, nonRoot *bool, uid *int) {
	if nonRoot != nil && !*nonRoot {
		es.Add(check.Join(field, "runAsNonRoot"), false, "must not be false under the restricted Pod Security Standard")
	}
	if uid != nil && *uid == 0 {
		es.Add(check.Join(field, "runAsUser"), 0, "root is not allowed by the restricted Pod Security Standard")
	}
}

// seccompRuntimeDefault is the seccomp profile of every pod and of the cloudflared container.
const seccompRuntimeDefault = "RuntimeDefault"

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
		psc.SeccompProfile = &corev1.SeccompProfile{Type: seccompRuntimeDefault}
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
