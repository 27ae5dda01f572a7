package bench_test

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/bench"
	"github.com/tunnelgate/tunnelgate/bench/component"
	"github.com/tunnelgate/tunnelgate/bench/internal/equiv"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
)

// TestEquivalent checks that the hand-written program registers exactly the custom resources of
// tunnelgate.NewIngress, with identical names, inputs, secrets, dependencies and options: the
// benchmarks compare like with like.
func TestEquivalent(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint("N=", n), func(t *testing.T) {
			p := bench.Seed(n)
			lib, err := dryrun.Run(func(ctx *pulumi.Context) error { return component.Ingress(ctx, p) })
			if err != nil {
				t.Fatal(err)
			}
			hand, err := dryrun.Run(func(ctx *pulumi.Context) error { return bench.HandWritten(ctx, p) })
			if err != nil {
				t.Fatal(err)
			}
			diffs, counts, err := equiv.Diff(lib, hand, p.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diffs {
				t.Error(d)
			}
			// secret, tunnel, config, n records, vault, vault policy and role, service account,
			// deployment, pdb, cnp; 5 components vs none
			if want := [4]int{n + 10, 5, n + 10, 0}; counts != want {
				t.Errorf("custom/component resources: NewIngress %d/%d, hand-written %d/%d; want %v", counts[0], counts[1], counts[2], counts[3], want)
			}
		})
	}
}
