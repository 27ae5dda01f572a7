package bench_test

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/bench"
	"github.com/tunnelgate/tunnelgate/bench/component"
)

// Sizes are the numbers of routes and hostnames the registration benchmarks use.
var Sizes = []int{1, 10, 100, 1000}

// BenchmarkIngress registers tunnelgate.NewIngress with N routes and hostnames on lightMocks.
func BenchmarkIngress(b *testing.B) { benchSizes(b, component.Ingress) }

// BenchmarkHandWritten registers the same resources with direct SDK calls (bench.HandWritten).
func BenchmarkHandWritten(b *testing.B) { benchSizes(b, bench.HandWritten) }

// benchSizes runs program for each of Sizes. Besides ns/op (wall time) it reports cpu-ns/op, the
// process's user+system CPU time per op (GC included): on a shared machine CPU time is less disturbed
// by other processes than wall time.
func benchSizes(b *testing.B, program func(*pulumi.Context, bench.Params) error) {
	for _, n := range Sizes {
		p := bench.Seed(n)
		b.Run("N="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if err := runLight(func(ctx *pulumi.Context) error { return program(ctx, p) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkComponentShells registers only what the components add over the hand-written program at
// any N: the five component resources of an Ingress (same types, names and parents, no children) and
// their outputs. Its cost next to BenchmarkHandWritten/N=1 is the share of the Ingress overhead that
// comes from the component resources themselves rather than from tunnelgate's code.
func BenchmarkComponentShells(b *testing.B) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if err := runLight(componentShells); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// shell is a component resource without children.
type shell struct{ pulumi.ResourceState }

func componentShells(ctx *pulumi.Context) error {
	root := &shell{}
	if err := ctx.RegisterComponentResource("tunnelgate:index:Ingress", "web", root); err != nil {
		return err
	}
	for _, typ := range []string{"tunnelgate:tunnel:Tunnel", "tunnelgate:vaultrole:Role", "tunnelgate:workload:App", "tunnelgate:network:Policy"} {
		c := &shell{}
		if err := ctx.RegisterComponentResource(typ, "web", c, pulumi.Parent(root)); err != nil {
			return err
		}
		if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"name": pulumi.String("web")}); err != nil {
			return err
		}
	}
	return ctx.RegisterResourceOutputs(root, pulumi.Map{"name": pulumi.String("web")})
}

// BenchmarkEmpty runs an empty program: the fixed cost of a run on the mock engine, which both sides
// pay.
func BenchmarkEmpty(b *testing.B) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if err := runLight(func(*pulumi.Context) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
