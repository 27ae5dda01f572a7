package e2e_test

// The whole product through the real engine (issue 11's benchmark row): the in-pod Ingress of package
// bench (tunnelgate.NewIngress: tunnel, DNS, Vault secret, app with cloudflared, Cilium policy) against
// the same resources written by hand (bench.HandWritten; bench's TestEquivalent keeps the two identical),
// both with every provider real: cloudflare against the fake API, vault against the dev server, random,
// and kubernetes against the local control plane. It times `up` from an empty stack and a no-op `up`.
// `go run ./bench/cmd/benchtable` runs it; TUNNELGATE_BENCH_ROUND odd makes the hand-written side go first.

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/bench"
	"github.com/tunnelgate/tunnelgate/bench/component"
	"github.com/tunnelgate/tunnelgate/e2e/internal/cfapi"
	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
	"github.com/tunnelgate/tunnelgate/e2e/internal/engine"
	"github.com/tunnelgate/tunnelgate/e2e/internal/vaultdev"
)

// startInline starts what inline programs of the whole product need: the control plane with a kwok
// node, the Cilium CRD and namespace, a Vault dev server, a Pulumi installation whose variables point
// the providers at them, and the fake Cloudflare API serving zone example.com (zoneID) of account.
func startInline(tb testing.TB, account, zoneID, namespace string) (*cluster.Cluster, *engine.Env, *cfapi.Server) {
	tb.Helper()
	c := cluster.Start(tb, cluster.Options{Workloads: true})
	c.InstallCiliumCRD(tb)
	v := vaultdev.Start(tb)
	env := engine.New(tb)
	if err := c.EnsureNamespace(context.Background(), namespace); err != nil {
		tb.Fatal(err)
	}
	cf := cfapi.Start(tb, cfapi.Options{Accounts: []string{account}, Zones: []cfapi.Zone{{Name: "example.com", ID: zoneID}}})
	env.Vars["VAULT_ADDR"], env.Vars["VAULT_TOKEN"], env.Vars["KUBECONFIG"] = v.Addr, vaultdev.RootToken, c.Kubeconfig
	for _, kv := range cf.Env() {
		k, val, _ := strings.Cut(kv, "=")
		env.Vars[k] = val
	}
	return c, env, cf
}

// BenchmarkProduct times both sides for 1 and 10 hostnames. Each side's stack is destroyed (untimed)
// before the next up.
func BenchmarkProduct(b *testing.B) {
	ctx := context.Background()
	p1 := bench.Seed(1)
	_, env, cf := startInline(b, p1.AccountID, p1.ZoneID, p1.Namespace)
	type side struct {
		name    string
		program func(*pulumi.Context, bench.Params) error
	}
	sides := []side{{"tunnelgate", component.Ingress}, {"handwritten", bench.HandWritten}}
	if r, _ := strconv.Atoi(os.Getenv("TUNNELGATE_BENCH_ROUND")); r%2 == 1 {
		sides[0], sides[1] = sides[1], sides[0]
	}
	// Warm-up, untimed: the first up of a process starts the plugins and fills caches.
	warm := env.Stack(ctx, b, "tunnelgate-bench", "product-warmup", func(ctx *pulumi.Context) error { return bench.HandWritten(ctx, p1) })
	if _, err := warm.Up(ctx); err != nil {
		b.Fatalf("warm-up up: %v", err)
	}
	if _, err := warm.Destroy(ctx); err != nil {
		b.Fatalf("warm-up destroy: %v", err)
	}
	for _, n := range []int{1, 10} {
		p := bench.Seed(n)
		for _, s := range sides {
			stack := env.Stack(ctx, b, "tunnelgate-bench", fmt.Sprintf("product-%s-%d", s.name, n),
				func(ctx *pulumi.Context) error { return s.program(ctx, p) })
			// The stack, secret, tunnel, config, a record per hostname, Vault secret, Vault policy and role,
			// service account, Deployment, PDB and network policy; tunnelgate adds its five components.
			want := n + 11
			if s.name == "tunnelgate" {
				want += 5
			}
			up := func(b *testing.B, opts ...optup.Option) auto.UpResult {
				res, err := stack.Up(ctx, opts...)
				if err != nil {
					b.Fatalf("up: %v", err)
				}
				return res
			}
			b.Run(fmt.Sprintf("hostnames=%d/up/%s", n, s.name), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if i > 0 {
						b.StopTimer()
						if _, err := stack.Destroy(ctx); err != nil {
							b.Fatalf("destroy: %v", err)
						}
						b.StartTimer()
					}
					if got := (*up(b).Summary.ResourceChanges)["create"]; got != want {
						b.Fatalf("up created %d resources, want %d", got, want)
					}
				}
			})
			b.Run(fmt.Sprintf("hostnames=%d/noop/%s", n, s.name), func(b *testing.B) {
				for b.Loop() {
					up(b, optup.ExpectNoChanges())
				}
			})
			if _, err := stack.Destroy(ctx); err != nil {
				b.Fatalf("destroy: %v", err)
			}
		}
	}
	if v := cf.Violations(); len(v) > 0 {
		b.Errorf("fake API violations: %v", v)
	}
}
