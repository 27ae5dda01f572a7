package workload_test

import (
	"fmt"
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

func intp(i int) *int { return &i }

// validConnector is a valid starting point that each bad case changes in one place.
func validConnector() workload.ConnectorArgs {
	return workload.ConnectorArgs{
		Namespace:   pulumi.String("apps"),
		Token:       workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "cloudflared"}, Secret: vaultkv.Location{Path: "prod/web/cloudflared"}}},
		Pods:        &workload.Pods{},
		Cloudflared: &workload.Cloudflared{},
	}
}

func TestConnectorRejectsBadInput(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*workload.ConnectorArgs)
		field  string
		value  any
	}{
		{"zero replicas", func(a *workload.ConnectorArgs) { a.Pods.Replicas = intp(-1) }, "pods.replicas", -1},
		{"pdb never evicts (maxUnavailable 0)", func(a *workload.ConnectorArgs) { a.Pods.MaxUnavailable = intp(0) }, "pods.maxUnavailable", 0},
		{"pdb never evicts (minAvailable = replicas)", func(a *workload.ConnectorArgs) { a.Pods.MinAvailable = intp(2) }, "pods.minAvailable", 2},
		{"pdb evicts all", func(a *workload.ConnectorArgs) { a.Pods.MaxUnavailable = intp(2) }, "pods.maxUnavailable", 2},
		{"pdb both fields", func(a *workload.ConnectorArgs) {
			a.Pods.Replicas, a.Pods.MaxUnavailable, a.Pods.MinAvailable = intp(3), intp(1), intp(1)
		}, "pods.minAvailable", 1},
		{"pdb on one replica", func(a *workload.ConnectorArgs) { a.Pods.Replicas, a.Pods.MinAvailable = intp(1), intp(1) }, "pods.replicas", 1},
		{"metrics port 0 is the default, 70000 is not", func(a *workload.ConnectorArgs) { a.Cloudflared.MetricsPort = 70000 }, "cloudflared.metricsPort", 70000},
		{"negative metrics port", func(a *workload.ConnectorArgs) { a.Cloudflared.MetricsPort = -5 }, "cloudflared.metricsPort", -5},
		{"empty vault role", func(a *workload.ConnectorArgs) { a.Token.Vault.Agent.Role = "" }, "token.vault.agent.role", ""},
		{"empty vault path", func(a *workload.ConnectorArgs) { a.Token.Vault.Secret.Path = "" }, "token.vault.secret.path", ""},
		{"vault path with data/", func(a *workload.ConnectorArgs) { a.Token.Vault.Secret.Path = "data/prod/web" }, "token.vault.secret.path", "data/prod/web"},
		{"vault path with the mount", func(a *workload.ConnectorArgs) { a.Token.Vault.Secret.Path = "secret/prod" }, "token.vault.secret.path", "secret/prod"},
		{"vault key not an identifier", func(a *workload.ConnectorArgs) { a.Token.Vault.Secret.TokenKey = "tunnel-token" }, "token.vault.secret.tokenKey", "tunnel-token"},
		{"vault auth path", func(a *workload.ConnectorArgs) { a.Token.Vault.Agent.AuthPath = "kubernetes" }, "token.vault.agent.authPath", "kubernetes"},
		{"vault address", func(a *workload.ConnectorArgs) { a.Token.Vault.Agent.Address = "vault:8200" }, "token.vault.agent.address", "vault:8200"},
		{"vault skip-verify with CA", func(a *workload.ConnectorArgs) {
			a.Token.Vault.Agent.TLSSkipVerify, a.Token.Vault.Agent.CACert = true, "/ca.crt"
		}, "token.vault.agent.tlsSkipVerify", true},
		{"both token sources", func(a *workload.ConnectorArgs) {
			a.Token.Secret = &workload.SecretToken{Name: pulumi.String("tok")}
		}, "token", nil},
		{"no token source", func(a *workload.ConnectorArgs) { a.Token = workload.TokenSource{} }, "token", nil},
		{"secret without name", func(a *workload.ConnectorArgs) {
			a.Token = workload.TokenSource{Secret: &workload.SecretToken{}}
		}, "token.secret.name", nil},
		{"secret name invalid", func(a *workload.ConnectorArgs) {
			a.Token = workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("Bad_Name")}}
		}, "token.secret.name", "Bad_Name"},
		{"secret key invalid", func(a *workload.ConnectorArgs) {
			a.Token = workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("tok"), Key: "a/b"}}
		}, "token.secret.key", "a/b"},
		{"image does not parse", func(a *workload.ConnectorArgs) { a.Cloudflared.Image = "Cloudflare/Cloudflared:latest" }, "cloudflared.image", "Cloudflare/Cloudflared:latest"},
		{"image without tag", func(a *workload.ConnectorArgs) { a.Cloudflared.Image = "cloudflare/cloudflared" }, "cloudflared.image", "cloudflare/cloudflared"},
		{"image tag latest", func(a *workload.ConnectorArgs) { a.Cloudflared.Image = "cloudflare/cloudflared:latest" }, "cloudflared.image", "cloudflare/cloudflared:latest"},
		{"vault path with ..", func(a *workload.ConnectorArgs) { a.Token.Vault.Secret.Path = "prod/../web" }, "token.vault.secret.path", "prod/../web"},
		{"vault namespace with ..", func(a *workload.ConnectorArgs) { a.Token.Vault.Secret.Namespace = "team/.." }, "token.vault.secret.namespace", "team/.."},
		{"vault auth path with ..", func(a *workload.ConnectorArgs) { a.Token.Vault.Agent.AuthPath = "auth/../sys" }, "token.vault.agent.authPath", "auth/../sys"},
		{"budget without replicas", func(a *workload.ConnectorArgs) { a.Pods.Replicas, a.Pods.MaxUnavailable = intp(0), intp(1) }, "pods.replicas", 0},
		{"vault address port", func(a *workload.ConnectorArgs) { a.Token.Vault.Agent.Address = "https://vault:99999" }, "token.vault.agent.address", 99999},
		{"protocol", func(a *workload.ConnectorArgs) { a.Cloudflared.Protocol = "udp" }, "cloudflared.protocol", "udp"},
		{"log level", func(a *workload.ConnectorArgs) { a.Cloudflared.LogLevel = "verbose" }, "cloudflared.logLevel", "verbose"},
		{"region", func(a *workload.ConnectorArgs) { a.Cloudflared.Region = "eu" }, "cloudflared.region", "eu"},
		{"generation upper case", func(a *workload.ConnectorArgs) { a.Generation = "R2" }, "generation", "R2"},
		{"generation with a dot", func(a *workload.ConnectorArgs) { a.Generation = "2026.11" }, "generation", "2026.11"},
		{"generation too long", func(a *workload.ConnectorArgs) { a.Generation = strings.Repeat("g", 33) }, "generation", strings.Repeat("g", 33)},
		{"quantity", func(a *workload.ConnectorArgs) { a.Cloudflared.Requests = map[string]string{"memory": "lots"} }, "cloudflared.requests.memory", "lots"},
		{"request above limit", func(a *workload.ConnectorArgs) { a.Cloudflared.Requests = map[string]string{"memory": "1Gi"} }, "cloudflared.requests.memory", "1Gi"},
		{"namespace", func(a *workload.ConnectorArgs) { a.Namespace = pulumi.String("Apps") }, "namespace", "Apps"},
		{"no namespace", func(a *workload.ConnectorArgs) { a.Namespace = nil }, "namespace", nil},
		{"selector label override", func(a *workload.ConnectorArgs) {
			a.Pods.Labels = map[string]string{"app.kubernetes.io/name": "other"}
		}, "pods.labels.app.kubernetes.io/name", "other"},
		{"label value", func(a *workload.ConnectorArgs) { a.Pods.Labels = map[string]string{"team": "a b"} }, "pods.labels.team", "a b"},
		{"pod annotation overrides the package", func(a *workload.ConnectorArgs) {
			a.Pods.PodAnnotations = map[string]string{"vault.hashicorp.com/agent-inject-perms-tunnel-token": "0644"}
		}, "pods.podAnnotations.vault.hashicorp.com/agent-inject-perms-tunnel-token", "0644"},
		{"pod annotation sets the tunnel id", func(a *workload.ConnectorArgs) {
			a.Pods.PodAnnotations = map[string]string{workload.TunnelIDAnnotation: "x"}
		}, "pods.podAnnotations." + workload.TunnelIDAnnotation, "x"},
		{"node selector", func(a *workload.ConnectorArgs) { a.Pods.NodeSelector = map[string]string{"-bad": "x"} }, "pods.nodeSelector.-bad", "-bad"},
		{"toleration operator", func(a *workload.ConnectorArgs) {
			a.Pods.Tolerations = []workload.Toleration{{Key: "k", Operator: "In"}}
		}, "pods.tolerations[0].operator", "In"},
		{"toleration seconds without NoExecute", func(a *workload.ConnectorArgs) {
			a.Pods.Tolerations = []workload.Toleration{{Key: "k", Effect: "NoSchedule", TolerationSeconds: intp(5)}}
		}, "pods.tolerations[0].tolerationSeconds", 5},
		{"priority class", func(a *workload.ConnectorArgs) { a.Pods.PriorityClassName = "Critical" }, "pods.priorityClassName", "Critical"},
		{"service account name", func(a *workload.ConnectorArgs) {
			a.Pods.ServiceAccount = &workload.ServiceAccount{Name: "Bad_Name"}
		}, "pods.serviceAccount.name", "Bad_Name"},
		{"node spread", func(a *workload.ConnectorArgs) { a.Pods.NodeSpread = "Always" }, "pods.nodeSpread", "Always"},
		{"grace period", func(a *workload.ConnectorArgs) { a.Cloudflared.GracePeriodSeconds = -1 }, "cloudflared.gracePeriodSeconds", -1},
		// Issue 18: autoscaling.
		{"autoscaling minimum of one", func(a *workload.ConnectorArgs) {
			a.Pods.Autoscaling = &workload.Autoscaling{MinReplicas: 1}
		}, "pods.autoscaling.minReplicas", 1},
		{"autoscaling maximum below the minimum", func(a *workload.ConnectorArgs) {
			a.Pods.Autoscaling = &workload.Autoscaling{MinReplicas: 5, MaxReplicas: 3}
		}, "pods.autoscaling.maxReplicas", 3},
		{"autoscaling beyond the tunnel's connections", func(a *workload.ConnectorArgs) {
			a.Pods.Autoscaling = &workload.Autoscaling{MaxReplicas: 26}
		}, "pods.autoscaling.maxReplicas", 26},
		{"autoscaling and a replica count", func(a *workload.ConnectorArgs) {
			a.Pods.Replicas, a.Pods.Autoscaling = intp(3), &workload.Autoscaling{}
		}, "pods.replicas", 3},
		{"autoscaling minimum the budget never allows an eviction at", func(a *workload.ConnectorArgs) {
			a.Pods.Autoscaling, a.Pods.MinAvailable = &workload.Autoscaling{MinReplicas: 3, MaxReplicas: 6}, intp(3)
		}, "pods.minAvailable", 3},
		{"autoscaling minimum a drain could empty", func(a *workload.ConnectorArgs) {
			a.Pods.Autoscaling, a.Pods.MaxUnavailable = &workload.Autoscaling{}, intp(2)
		}, "pods.maxUnavailable", 2},
		{"autoscaling on CPU without a CPU request", func(a *workload.ConnectorArgs) {
			a.Pods.Autoscaling, a.Cloudflared.Requests = &workload.Autoscaling{}, map[string]string{"cpu": ""}
		}, "cloudflared.requests.cpu", nil},
		{"autoscaling on memory without a memory request", func(a *workload.ConnectorArgs) {
			a.Pods.Autoscaling, a.Cloudflared.Requests = &workload.Autoscaling{MemoryUtilization: 80}, map[string]string{"memory": ""}
		}, "cloudflared.requests.memory", nil},
		{"autoscaling CPU target negative", func(a *workload.ConnectorArgs) {
			a.Pods.Autoscaling = &workload.Autoscaling{CPUUtilization: -10}
		}, "pods.autoscaling.cpuUtilization", -10},
		{"autoscaling memory target negative", func(a *workload.ConnectorArgs) {
			a.Pods.Autoscaling = &workload.Autoscaling{MemoryUtilization: -1}
		}, "pods.autoscaling.memoryUtilization", -1},
		// Issue 18: metrics.
		{"monitor kind", func(a *workload.ConnectorArgs) { a.Metrics = &workload.Metrics{Monitor: "Probe"} }, "metrics.monitor", "Probe"},
		{"scrape interval", func(a *workload.ConnectorArgs) {
			a.Metrics = &workload.Metrics{Monitor: workload.PodMonitor, Interval: "30 seconds"}
		}, "metrics.interval", "30 seconds"},
		{"scrape interval zero", func(a *workload.ConnectorArgs) {
			a.Metrics = &workload.Metrics{Monitor: workload.PodMonitor, Interval: "0"}
		}, "metrics.interval", "0"},
		{"alerts without a monitor", func(a *workload.ConnectorArgs) { a.Metrics = &workload.Metrics{Alerts: true} }, "metrics.alerts", true},
		{"monitor labels without a monitor", func(a *workload.ConnectorArgs) {
			a.Metrics = &workload.Metrics{Labels: map[string]string{"release": "prom"}}
		}, "metrics.labels", map[string]string{"release": "prom"}},
		{"monitor label value", func(a *workload.ConnectorArgs) {
			a.Metrics = &workload.Metrics{Monitor: workload.PodMonitor, Labels: map[string]string{"release": "a b"}}
		}, "metrics.labels.release", "a b"},
		{"monitor label overrides a selector label", func(a *workload.ConnectorArgs) {
			a.Metrics = &workload.Metrics{Monitor: workload.PodMonitor, Labels: map[string]string{"app.kubernetes.io/instance": "other"}}
		}, "metrics.labels.app.kubernetes.io/instance", "other"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := validConnector()
			v := *args.Token.Vault
			args.Token.Vault = &v
			c.mutate(&args)
			err := args.Validate()
			assertField(t, err, workload.ConnectorType, c.field, c.value)
			// NewConnector reports the same error and registers nothing, not even the component.
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := workload.NewConnector(ctx, "edge", &args)
				return err
			})
			assertField(t, err, workload.ConnectorType, c.field, c.value)
			if len(res.Resources) != 0 {
				t.Errorf("registered %d resources before failing", len(res.Resources))
			}
		})
	}
	if err := validConnector(); err.Validate() != nil {
		t.Fatalf("the valid baseline fails: %v", err.Validate())
	}
}

func assertField(t *testing.T, err error, component, field string, value any) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one for %s", field)
	}
	if !strings.Contains(err.Error(), component+": invalid arguments") {
		t.Errorf("error %q does not name %s", err, component)
	}
	for _, fe := range check.Fields(err) {
		if fe.Field == field && fmt.Sprint(fe.Value) == fmt.Sprint(value) {
			return
		}
	}
	t.Errorf("error %q has no field error %s = %v", err, field, value)
}

func TestAppRejectsBadInput(t *testing.T) {
	web := corev1.ContainerArgs{Name: pulumi.String("web"), Image: pulumi.String("nginx:1"),
		Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(2000)}}}
	base := func() workload.AppArgs {
		return workload.AppArgs{
			Namespace: pulumi.String("apps"),
			Token:     workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("tok")}},
		}
	}
	cases := []struct {
		name   string
		mutate func(*workload.AppArgs)
		field  string
		value  any
	}{
		{"metrics port clashes with the app", func(a *workload.AppArgs) { a.Containers = corev1.ContainerArray{web} }, "containers[0].ports[0].containerPort", 2000},
		{"container named cloudflared", func(a *workload.AppArgs) {
			a.Containers = corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("cloudflared"), Image: pulumi.String("x:1")}}
		}, "containers[0].name", "cloudflared"},
		{"port name clash", func(a *workload.AppArgs) {
			a.Containers = corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("web"), Image: pulumi.String("x:1"),
				Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{Name: pulumi.String("cf-metrics"), ContainerPort: pulumi.Int(9000)}}}}
		}, "containers[0].ports[0].name", "cf-metrics"},
		{"no app", func(a *workload.AppArgs) {}, "containers", nil},
		{"both containers and pod spec", func(a *workload.AppArgs) {
			a.Containers = corev1.ContainerArray{web}
			a.PodSpec = &corev1.PodSpecArgs{Containers: corev1.ContainerArray{web}}
		}, "containers", nil},
		{"pod spec without containers", func(a *workload.AppArgs) { a.PodSpec = &corev1.PodSpecArgs{} }, "podSpec.containers", nil},
		{"node selector in both places", func(a *workload.AppArgs) {
			a.PodSpec = &corev1.PodSpecArgs{Containers: corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("a"), Image: pulumi.String("a:1")}},
				NodeSelector: pulumi.StringMap{"a": pulumi.String("b")}}
			a.Pods = &workload.Pods{NodeSelector: map[string]string{"c": "d"}}
		}, "pods.nodeSelector", nil},
		{"autoscaling the app", func(a *workload.AppArgs) {
			a.Containers = corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("a"), Image: pulumi.String("a:1")}}
			a.Pods = &workload.Pods{Autoscaling: &workload.Autoscaling{}}
		}, "pods.autoscaling", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := base()
			c.mutate(&args)
			assertField(t, args.Validate(), workload.AppType, c.field, c.value)
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := workload.NewApp(ctx, "web", &args)
				return err
			})
			assertField(t, err, workload.AppType, c.field, c.value)
			if len(res.Resources) != 0 {
				t.Errorf("registered %d resources before failing", len(res.Resources))
			}
		})
	}
}

// TestNamespaceOutputValidatedOnceKnown: a namespace that is an output is checked inside an apply.
func TestNamespaceOutputValidatedOnceKnown(t *testing.T) {
	_, err := dryrun.Run(func(ctx *pulumi.Context) error {
		args := validConnector()
		args.Namespace = pulumi.String("Not_Valid").ToStringOutput()
		_, err := workload.NewConnector(ctx, "edge", &args)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), workload.ConnectorType) || !strings.Contains(err.Error(), `namespace "Not_Valid"`) {
		t.Fatalf("got %v", err)
	}
}

// TestErrorsListEveryMistakeOnce: several mistakes are reported together, each exactly once.
func TestErrorsListEveryMistakeOnce(t *testing.T) {
	args := validConnector()
	args.Token = workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("Bad_Name")}}
	args.Pods.Replicas = intp(-2)
	args.Cloudflared.MetricsPort = 0x10000
	fields := check.Fields(args.Validate())
	var got []string
	for _, f := range fields {
		got = append(got, f.Field)
	}
	if strings.Join(got, ",") != "pods.replicas,cloudflared.metricsPort,token.secret.name" {
		t.Fatalf("fields %v", got)
	}
}
