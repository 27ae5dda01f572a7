package main

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/bench"
	"github.com/tunnelgate/tunnelgate/bench/internal/equiv"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
)

// TestProgram checks that the counted program is the whole seed setup: exactly what the hand-written
// program registers for bench.Seed(1).
func TestProgram(t *testing.T) {
	lib, err := dryrun.Run(Program)
	if err != nil {
		t.Fatal(err)
	}
	hand, err := dryrun.Run(func(ctx *pulumi.Context) error { return bench.HandWritten(ctx, bench.Seed(1)) })
	if err != nil {
		t.Fatal(err)
	}
	diffs, counts, err := equiv.Diff(lib, hand, "web")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
	if counts[0] != 11 {
		t.Errorf("%d custom resources, want 11", counts[0])
	}
}
