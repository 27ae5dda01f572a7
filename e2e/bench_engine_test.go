package e2e

// Part 2 of the benchmarks (bench/, issue 6): the real engine (Pulumi CLI, Automation API, file://
// backend) with the real kubernetes provider against a real control plane whose Deployments roll out
// (controller-manager, scheduler, kwok). For 1, 10 and 50 connectors it times `up` and a no-op `up`
// of the workload and network components (workload.NewConnector + network.NewPolicy per connector)
// against a hand-written program that registers the same Deployments, PodDisruptionBudgets and
// CiliumNetworkPolicies with identical names and inputs (TestEngineBenchEquivalent). It runs only with
// -bench (`go run ./bench/cmd/benchtable` runs it); TUNNELGATE_BENCH_ROUND odd makes the hand-written
// side go first.

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	k8score "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	k8smeta "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tunnelgate/tunnelgate/bench"
	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
	"github.com/tunnelgate/tunnelgate/e2e/internal/engine"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/workload"
)

const (
	benchNS       = "tunnelgate-bench"
	benchSecret   = "cloudflared-token"
	benchTunnelID = "6ff42ae2-765d-4adf-8112-31c55c1551ef"
)

// connectors is a program of n connectors "c0", "c1", ... registered by one, each with the
// explicit provider of the test cluster.
func connectors(kubeconfig string, n int, one func(ctx *pulumi.Context, name string, prov *kubernetes.Provider) error) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		prov, err := kubernetes.NewProvider(ctx, "cluster", &kubernetes.ProviderArgs{
			Kubeconfig: pulumi.ToSecret(pulumi.String(kubeconfig)).(pulumi.StringOutput),
		})
		if err != nil {
			return err
		}
		for i := range n {
			if err := one(ctx, "c"+strconv.Itoa(i), prov); err != nil {
				return err
			}
		}
		return nil
	}
}

// componentConnectors is the tunnelgate side: n own-pod connectors (token from an existing Secret),
// each with its policy.
func componentConnectors(kubeconfig string, n int) pulumi.RunFunc {
	return connectors(kubeconfig, n, func(ctx *pulumi.Context, name string, prov *kubernetes.Provider) error {
		conn, err := workload.NewConnector(ctx, name, &workload.ConnectorArgs{
			Namespace: pulumi.String(benchNS), TunnelID: pulumi.String(benchTunnelID),
			Token: workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String(benchSecret)}},
		}, pulumi.Providers(prov))
		if err != nil {
			return err
		}
		_, err = network.NewPolicy(ctx, name, &network.Args{Pods: conn.PolicyPods}, pulumi.Providers(prov))
		return err
	})
}

// handWrittenConnectors registers the same objects with direct SDK calls.
func handWrittenConnectors(kubeconfig string, n int) pulumi.RunFunc {
	return connectors(kubeconfig, n, func(ctx *pulumi.Context, name string, prov *kubernetes.Provider) error {
		return handWrittenConnector(ctx, name, pulumi.Provider(prov))
	})
}

// handWrittenConnector is one connector written by hand (with the shared building blocks of package
// bench's hand-written program): Deployment, PodDisruptionBudget and CiliumNetworkPolicy.
func handWrittenConnector(ctx *pulumi.Context, name string, opt pulumi.ResourceOption) error {
	selector := pulumi.StringMap{"app.kubernetes.io/name": pulumi.String("cloudflared"), "app.kubernetes.io/instance": pulumi.String(name)}
	labels := pulumi.StringMap{
		"app.kubernetes.io/name": pulumi.String("cloudflared"), "app.kubernetes.io/instance": pulumi.String(name),
		"app.kubernetes.io/component": pulumi.String("connector"), "app.kubernetes.io/managed-by": pulumi.String("pulumi"),
		"app.kubernetes.io/part-of": pulumi.String("tunnelgate"), "app.kubernetes.io/version": pulumi.String("2026.8.2"),
	}
	spec := k8score.PodSpecArgs{
		Containers: k8score.ContainerArray{bench.CloudflaredContainer("/etc/cloudflared/token/token", k8score.VolumeMountArgs{
			Name: pulumi.String("cloudflared-token"), MountPath: pulumi.String("/etc/cloudflared/token"), ReadOnly: pulumi.Bool(true),
		})},
		Volumes: k8score.VolumeArray{
			bench.TmpVolume(),
			k8score.VolumeArgs{
				Name: pulumi.String("cloudflared-token"),
				Secret: &k8score.SecretVolumeSourceArgs{
					SecretName: pulumi.String(benchSecret), DefaultMode: pulumi.Int(0o444), Optional: pulumi.Bool(false),
					Items: k8score.KeyToPathArray{k8score.KeyToPathArgs{Key: pulumi.String("tunnel_token"), Path: pulumi.String("token")}},
				},
			},
		},
		SecurityContext: &k8score.PodSecurityContextArgs{
			RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(65532), RunAsGroup: pulumi.Int(65532),
			SeccompProfile: &k8score.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
		},
		AutomountServiceAccountToken:  pulumi.Bool(false),
		EnableServiceLinks:            pulumi.Bool(false),
		TerminationGracePeriodSeconds: pulumi.Int(45),
		TopologySpreadConstraints:     bench.TopologySpread(selector),
	}
	meta := &k8smeta.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(benchNS), Labels: labels}
	if _, err := bench.DeploymentAndBudget(ctx, name, meta, selector, pulumi.StringMap{"tunnelgate.dev/tunnel-id": pulumi.String(benchTunnelID)}, spec, nil, opt); err != nil {
		return err
	}
	return bench.CiliumPolicy(ctx, name, benchNS, map[string]any{"k8s:app.kubernetes.io/name": "cloudflared", "k8s:app.kubernetes.io/instance": name}, nil, nil, opt)
}

// benchCustom returns the custom resources of a mock run by "type name" with plain inputs.
func benchCustom(t *testing.T, program pulumi.RunFunc) map[string]map[string]any {
	t.Helper()
	res, err := dryrun.Run(program)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, r := range res.Resources {
		if r.Custom {
			out[r.Type+" "+r.Name] = dryrun.Plain(r.Inputs)
		}
	}
	return out
}

// TestEngineBenchEquivalent checks that both sides of BenchmarkEngine register the same custom
// resources with identical inputs (on the mock engine: no tools needed).
func TestEngineBenchEquivalent(t *testing.T) {
	lib := benchCustom(t, componentConnectors("kubeconfig", 2))
	hand := benchCustom(t, handWrittenConnectors("kubeconfig", 2))
	if len(lib) != 7 { // provider + 2 x (deployment, pdb, cnp)
		t.Errorf("components registered %d custom resources, want 7", len(lib))
	}
	for k, v := range lib {
		if !reflect.DeepEqual(v, hand[k]) {
			t.Errorf("%s differs:\n  components:   %v\n  hand-written: %v", k, v, hand[k])
		}
	}
	for k := range hand {
		if _, ok := lib[k]; !ok {
			t.Errorf("%s: registered by the hand-written program only", k)
		}
	}
}

// BenchmarkEngine times `up` (from an empty stack), a no-op `up`, and `up` with PULUMI_SKIP_CHECKPOINTS
// (the engine's per-step state writes off, which isolates them) for each side and size. Each
// side's stack is destroyed (untimed) before the next, so at most 100 pods run on the kwok node.
func BenchmarkEngine(b *testing.B) {
	c := cluster.Start(b, cluster.Options{Workloads: true})
	c.InstallCiliumCRD(b)
	env := engine.New(b)
	ctx := context.Background()
	if err := c.EnsureNamespace(ctx, benchNS); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Client.CoreV1().Secrets(benchNS).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: benchSecret},
		StringData: map[string]string{workload.DefaultTokenKey: "bench-token"},
	}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	kubeconfig := c.KubeconfigContent(b)
	// Warm-up, untimed: the first up of a process starts the provider plugin and fills caches.
	warm := env.Stack(ctx, b, "tunnelgate-bench", "warmup", handWrittenConnectors(kubeconfig, 1))
	if _, err := warm.Up(ctx); err != nil {
		b.Fatalf("warm-up up: %v", err)
	}
	if _, err := warm.Destroy(ctx); err != nil {
		b.Fatalf("warm-up destroy: %v", err)
	}
	type side struct {
		name    string
		program func(string, int) pulumi.RunFunc
	}
	sides := []side{{"tunnelgate", componentConnectors}, {"handwritten", handWrittenConnectors}}
	if r, _ := strconv.Atoi(os.Getenv("TUNNELGATE_BENCH_ROUND")); r%2 == 1 {
		sides[0], sides[1] = sides[1], sides[0]
	}
	for _, n := range []int{1, 10, 50} {
		for _, s := range sides {
			stack := env.Stack(ctx, b, "tunnelgate-bench", fmt.Sprintf("%s-%d", s.name, n), s.program(kubeconfig, n))
			destroy := func(b *testing.B) {
				if _, err := stack.Destroy(ctx); err != nil {
					b.Fatalf("destroy: %v", err)
				}
			}
			up := func(b *testing.B, opts ...optup.Option) auto.UpResult {
				res, err := stack.Up(ctx, opts...)
				if err != nil {
					b.Fatalf("up: %v", err)
				}
				return res
			}
			// fromEmpty times b.N ups, each from an empty stack.
			fromEmpty := func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if i > 0 {
						b.StopTimer()
						destroy(b)
						b.StartTimer()
					}
					res := up(b)
					if got := (*res.Summary.ResourceChanges)["create"]; got < 3*n+2 {
						b.Fatalf("up created %d resources, want at least %d", got, 3*n+2)
					}
				}
			}
			b.Run(fmt.Sprintf("connectors=%d/up/%s", n, s.name), fromEmpty)
			b.Run(fmt.Sprintf("connectors=%d/noop/%s", n, s.name), func(b *testing.B) {
				for b.Loop() {
					up(b, optup.ExpectNoChanges())
				}
			})
			// The same up with the engine's per-step checkpoints off: on a file backend every step
			// rewrites the whole state file, and each component resource adds three such writes.
			b.Run(fmt.Sprintf("connectors=%d/up-nocheckpoints/%s", n, s.name), func(b *testing.B) {
				b.StopTimer()
				destroy(b)
				stack.Workspace().SetEnvVar("PULUMI_SKIP_CHECKPOINTS", "true")
				defer stack.Workspace().UnsetEnvVar("PULUMI_SKIP_CHECKPOINTS")
				b.StartTimer()
				fromEmpty(b)
			})
			destroy(b)
		}
	}
}
