package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

// upLogged runs `up` on stack, fails the test on an error, logs the changes and how long it took, and
// returns the changes without zero counts.
func upLogged(ctx context.Context, t *testing.T, stack auto.Stack, what string, opts ...optup.Option) map[string]int {
	t.Helper()
	start := time.Now()
	res, err := stack.Up(ctx, opts...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	ch := changes(res.Summary.ResourceChanges)
	t.Logf("%s: %v in %s", what, ch, time.Since(start).Round(time.Millisecond))
	return ch
}
