package e2e_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

// upLogged runs `up` on stack, fails the test with the engine's output on an error, logs the changes
// and how long it took, and returns the changes without zero counts, and the result.
func upLogged(ctx context.Context, t *testing.T, stack auto.Stack, what string, opts ...optup.Option) (map[string]int, auto.UpResult) {
	t.Helper()
	var log bytes.Buffer
	start := time.Now()
	res, err := stack.Up(ctx, append(opts[:len(opts):len(opts)], optup.ProgressStreams(&log), optup.ErrorProgressStreams(&log))...)
	if err != nil {
		t.Fatalf("%s: up failed: %v\n%s", what, err, log.String())
	}
	ch := changes(res.Summary.ResourceChanges)
	t.Logf("%s: up %s in %s: %v", what, res.Summary.Result, time.Since(start).Round(time.Millisecond), ch)
	return ch, res
}
