package workload

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

const (
	// DefaultImage is the cloudflared image: the newest release confirmed in cloudflared's source, pinned
	// by tag (never "latest": a moving tag changes the connector under a running tunnel).
	DefaultImage = "cloudflare/cloudflared:2026.8.2"
	// DefaultMetricsPort is the port of cloudflared's metrics server (`--metrics 0.0.0.0:2000`), which
	// also serves the /ready and /healthcheck probe endpoints. 2000 is the port Cloudflare's own charts use.
	DefaultMetricsPort = 2000
	// DefaultGracePeriodSeconds is cloudflared's `--grace-period` (its own default, 30s): how long it
	// keeps serving in-flight requests after SIGTERM.
	DefaultGracePeriodSeconds = 30
	// TerminationGraceMarginSeconds is added to the grace period to give the pod's
	// terminationGracePeriodSeconds, so that the kubelet never kills cloudflared in the middle of its own
	// graceful shutdown (45s by default).
	TerminationGraceMarginSeconds = 15
	// ContainerName is the name of the cloudflared container in both layouts. It is also the value of
	// the injector's agent-inject-containers annotation (only this container mounts the Vault secrets).
	ContainerName = "cloudflared"
	// UID is the user and group id cloudflared runs as: the distroless image's "nonroot" user (65532).
	UID = 65532
	// MetricsPortName is the name of the metrics port of the cloudflared container.
	MetricsPortName = "cf-metrics"
	// TmpVolume is the name of the in-memory emptyDir mounted at /tmp in the cloudflared container
	// (the root filesystem is read-only).
	TmpVolume = "cloudflared-tmp"
	// TmpSizeLimit caps the /tmp emptyDir (it counts against the container's memory).
	TmpSizeLimit = "16Mi"
)

// DefaultRequests returns the cloudflared container's resource requests. An idle connector uses ~20m
// CPU and ~30-50Mi. Override or remove single keys with Cloudflared.Requests.
func DefaultRequests() map[string]string { return map[string]string{"cpu": "50m", "memory": "64Mi"} }

// DefaultLimits returns the cloudflared container's resource limits: room for bursts of proxied traffic
// while keeping a runaway connector from starving the node. Override or remove single keys with
// Cloudflared.Limits.
func DefaultLimits() map[string]string { return map[string]string{"cpu": "500m", "memory": "256Mi"} }

// Cloudflared configures the cloudflared container; the same container is used in both layouts.
// The zero value is valid and gives the defaults.
type Cloudflared struct {
	// Image is the image reference, by tag or digest ("registry.example.com/cloudflared@sha256:...").
	// Default DefaultImage. A reference without tag or digest (an implicit "latest") or with the moving
	// tag "latest" is rejected.
	Image string `pulumi:"image,optional"`
	// MetricsPort is the metrics and probe port. Default DefaultMetricsPort (2000).
	MetricsPort int `pulumi:"metricsPort,optional"`
	// Protocol is cloudflared's `--protocol`: "auto", "quic" or "http2". Empty: not passed (cloudflared's
	// default, auto). http2 is for networks that block UDP 7844.
	Protocol string `pulumi:"protocol,optional"`
	// LogLevel is `--loglevel`: "debug", "info", "warn", "error" or "fatal". Empty: not passed (info).
	LogLevel string `pulumi:"logLevel,optional"`
	// Region is `--region`: "us" keeps traffic in US data centres. Empty: global. The network policy
	// allows the region's edge.
	Region string `pulumi:"region,optional"`
	// GracePeriodSeconds is `--grace-period`. Default DefaultGracePeriodSeconds (30). The pod's
	// terminationGracePeriodSeconds is this plus TerminationGraceMarginSeconds.
	GracePeriodSeconds int `pulumi:"gracePeriodSeconds,optional"`
	// Requests and Limits override single keys of DefaultRequests() and DefaultLimits() ("cpu", "memory",
	// "ephemeral-storage"); an empty value removes the key (e.g. Limits{"cpu": ""} for no CPU limit).
	Requests map[string]string `pulumi:"requests,optional"`
	// Limits: see Requests.
	Limits map[string]string `pulumi:"limits,optional"`
}

// cloudflaredDefaults returns *c with the defaults applied (nil: all defaults).
func cloudflaredDefaults(c *Cloudflared) Cloudflared {
	if c == nil {
		return Cloudflared{}.withDefaults()
	}
	return c.withDefaults()
}

func (c Cloudflared) withDefaults() Cloudflared {
	if c.Image == "" {
		c.Image = DefaultImage
	}
	if c.MetricsPort == 0 {
		c.MetricsPort = DefaultMetricsPort
	}
	if c.GracePeriodSeconds == 0 {
		c.GracePeriodSeconds = DefaultGracePeriodSeconds
	}
	c.Requests = overlay(DefaultRequests(), c.Requests)
	c.Limits = overlay(DefaultLimits(), c.Limits)
	return c
}

// overlay returns base, which it owns, with over's keys set (empty values delete the key).
func overlay(base, over map[string]string) map[string]string {
	out := base
	for k, v := range over {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

var (
	protocols = []string{"auto", "quic", "http2"}
	logLevels = []string{"debug", "info", "warn", "error", "fatal"}
	regions   = []string{"us"}
)

// validate checks c (after defaults) and adds errors under prefix.
func (c Cloudflared) validate(es *check.Errors, prefix string) {
	if named := es.Image(check.Join(prefix, "image"), c.Image); named != nil {
		_, tagged := named.(reference.Tagged)
		_, digested := named.(reference.Digested)
		switch t, _ := named.(reference.Tagged); {
		case !tagged && !digested:
			es.Add(check.Join(prefix, "image"), c.Image, "has neither tag nor digest: it would pull whatever \"latest\" is at the time; pin a version")
		case tagged && !digested && t.Tag() == "latest":
			es.Add(check.Join(prefix, "image"), c.Image, "the tag \"latest\" moves: it would change the connector under a running tunnel; pin a version or a digest")
		}
	}
	es.Port(check.Join(prefix, "metricsPort"), c.MetricsPort)
	oneOf(es, check.Join(prefix, "protocol"), c.Protocol, protocols)
	oneOf(es, check.Join(prefix, "logLevel"), c.LogLevel, logLevels)
	oneOf(es, check.Join(prefix, "region"), c.Region, regions)
	if c.GracePeriodSeconds < 1 {
		es.Add(check.Join(prefix, "gracePeriodSeconds"), c.GracePeriodSeconds, "must be at least 1 second")
	}
	for _, side := range []struct {
		field string
		m     map[string]string
	}{{"requests", c.Requests}, {"limits", c.Limits}} {
		for _, k := range sortedKeys(side.m) {
			if _, ok := quantity(side.m[k]); !ok {
				es.Add(check.Join(prefix, side.field+"."+k), side.m[k], "not a Kubernetes quantity such as \"100m\", \"0.5\" or \"128Mi\"")
			}
		}
	}
	for _, k := range sortedKeys(c.Requests) {
		req, ok1 := quantity(c.Requests[k])
		lim, ok2 := quantity(c.Limits[k])
		if ok1 && ok2 && req > lim {
			es.Add(check.Join(prefix, "requests."+k), c.Requests[k], "exceeds the limit %s: the API server rejects the pod", c.Limits[k])
		}
	}
}

// quantityMul are the multipliers of the quantity suffixes Kubernetes accepts.
var quantityMul = map[string]float64{
	"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
	"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60,
}

// quantity parses the common forms of a Kubernetes resource quantity (a decimal number, "1", "0.5" or
// ".5", with an optional SI or binary suffix; no exponent forms) into a number, for validation and for
// comparing requests with limits.
func quantity(s string) (float64, bool) {
	num, suffix := s, ""
	if i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }); i >= 0 {
		num, suffix = s[:i], s[i:]
	}
	mul, ok := quantityMul[suffix]
	// ParseFloat rejects a second dot but accepts "1.", which Kubernetes does not.
	if !ok || num == "" || strings.HasSuffix(num, ".") {
		return 0, false
	}
	n, err := strconv.ParseFloat(num, 64)
	return n * mul, err == nil
}

func oneOf(es *check.Errors, field, v string, allowed []string) {
	if v == "" {
		return
	}
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	es.Add(field, v, "must be one of %v", allowed)
}

// args is cloudflared's command line after the image's entrypoint. The token is never in it: only the
// path of the file that holds it.
func (c Cloudflared) args(tokenFile string) []string {
	a := []string{"tunnel", "--no-autoupdate", "--metrics", fmt.Sprintf("0.0.0.0:%d", c.MetricsPort)}
	if c.Protocol != "" {
		a = append(a, "--protocol", c.Protocol)
	}
	if c.LogLevel != "" {
		a = append(a, "--loglevel", c.LogLevel)
	}
	if c.Region != "" {
		a = append(a, "--region", c.Region)
	}
	a = append(a, "--grace-period", fmt.Sprintf("%ds", c.GracePeriodSeconds))
	return append(a, "run", "--token-file", tokenFile)
}

// terminationGracePeriod is the pod's terminationGracePeriodSeconds for this connector.
func (c Cloudflared) terminationGracePeriod() int {
	return c.GracePeriodSeconds + TerminationGraceMarginSeconds
}

// version is the image tag when it is a valid label value ("" otherwise), for app.kubernetes.io/version.
func (c Cloudflared) version() string {
	named, err := reference.ParseNormalizedNamed(c.Image)
	if err != nil {
		return ""
	}
	t, ok := named.(reference.Tagged)
	if !ok || len(validation.IsValidLabelValue(t.Tag())) > 0 {
		return ""
	}
	return t.Tag()
}

// container builds the cloudflared container: the one code path for both layouts.
func (c Cloudflared) container(tok tokenFile) corev1.ContainerArgs {
	probe := func(path string, period, failures int) *corev1.ProbeArgs {
		return &corev1.ProbeArgs{
			HttpGet: &corev1.HTTPGetActionArgs{
				Path: pulumi.String(path), Port: pulumi.Int(c.MetricsPort),
			},
			PeriodSeconds:    pulumi.Int(period),
			TimeoutSeconds:   pulumi.Int(3),
			FailureThreshold: pulumi.Int(failures),
		}
	}
	mounts := corev1.VolumeMountArray{
		corev1.VolumeMountArgs{Name: pulumi.String(TmpVolume), MountPath: pulumi.String("/tmp")},
	}
	if tok.volume != "" {
		mounts = append(mounts, corev1.VolumeMountArgs{
			Name: pulumi.String(tok.volume), MountPath: pulumi.String(tok.dir), ReadOnly: pulumi.Bool(true),
		})
	}
	return corev1.ContainerArgs{
		Name:            pulumi.String(ContainerName),
		Image:           pulumi.String(c.Image),
		ImagePullPolicy: pulumi.String("IfNotPresent"),
		Args:            pulumi.ToStringArray(c.args(tok.path)),
		Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
			Name: pulumi.String(MetricsPortName), ContainerPort: pulumi.Int(c.MetricsPort), Protocol: pulumi.String("TCP"),
		}},
		// Startup: up to 2 minutes to reach the edge. Readiness: /ready is 200 only while at least one
		// edge connection is up. Liveness: /healthcheck answers whenever the process is alive, so a
		// short DNS or edge outage makes the pod unready, never restarts it.
		StartupProbe:   probe("/ready", 5, 24),
		ReadinessProbe: probe("/ready", 10, 3),
		LivenessProbe:  probe("/healthcheck", 10, 6),
		Resources: corev1.ResourceRequirementsArgs{
			Requests: pulumi.ToStringMap(c.Requests),
			Limits:   pulumi.ToStringMap(c.Limits),
		},
		SecurityContext:          cloudflaredSecurityContext(),
		VolumeMounts:             mounts,
		TerminationMessagePolicy: pulumi.String("FallbackToLogsOnError"),
	}
}

// cloudflaredSecurityContext is the cloudflared container's security context: it meets the restricted
// Pod Security Standard on its own (it does not rely on the pod's, which the app may set).
func cloudflaredSecurityContext() *corev1.SecurityContextArgs {
	return &corev1.SecurityContextArgs{
		RunAsNonRoot:             pulumi.Bool(true),
		RunAsUser:                pulumi.Int(UID),
		RunAsGroup:               pulumi.Int(UID),
		ReadOnlyRootFilesystem:   pulumi.Bool(true),
		AllowPrivilegeEscalation: pulumi.Bool(false),
		Privileged:               pulumi.Bool(false),
		Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
		SeccompProfile:           &corev1.SeccompProfileArgs{Type: pulumi.String(seccompRuntimeDefault)},
	}
}

// tmpVolume is the in-memory /tmp of the cloudflared container.
func tmpVolume() corev1.VolumeArgs {
	return corev1.VolumeArgs{
		Name:     pulumi.String(TmpVolume),
		EmptyDir: &corev1.EmptyDirVolumeSourceArgs{Medium: pulumi.String("Memory"), SizeLimit: pulumi.String(TmpSizeLimit)},
	}
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func itoa(i int) string { return strconv.Itoa(i) }
