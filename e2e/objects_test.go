package e2e_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tunnelgate/tunnelgate/internal/fixtures"
)

// kubernetesCases returns the fixtures that emit Kubernetes objects; none is a failure (the real-parts
// tests never pass by having nothing to check).
func kubernetesCases(t *testing.T) []fixtures.Case {
	t.Helper()
	var out []fixtures.Case
	for _, c := range fixtures.All() {
		if c.Kubernetes {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		t.Fatalf("internal/fixtures has no case with Kubernetes: true (of %d cases): nothing to apply", len(fixtures.All()))
	}
	return out
}

// emitted runs a fixture on the mock engine and returns the Kubernetes objects it registers, as the
// library renders them (internal/dryrun Manifests).
func emitted(t *testing.T, c fixtures.Case) []*unstructured.Unstructured {
	t.Helper()
	res, err := c.Run()
	if err != nil {
		t.Fatalf("%s: program failed on the mock engine: %v", c.Name, err)
	}
	var out []*unstructured.Unstructured
	for _, m := range res.Manifests() {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "<unknown>") {
			t.Errorf("%s: %s %v has unknown values after a full mock run: %s", c.Name, m["kind"], m["metadata"], b)
		}
		u := &unstructured.Unstructured{}
		if err := json.Unmarshal(b, &u.Object); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		t.Fatalf("%s: marked Kubernetes: true but registers no Kubernetes object", c.Name)
	}
	return out
}

// firstOfKind returns the first object of that kind across all Kubernetes fixtures, or nil.
func firstOfKind(t *testing.T, kind string) *unstructured.Unstructured {
	t.Helper()
	for _, c := range kubernetesCases(t) {
		for _, o := range emitted(t, c) {
			if o.GetKind() == kind {
				return o
			}
		}
	}
	return nil
}

// ref names an object for messages: Kind namespace/name.
func ref(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + " " + o.GetName()
	}
	return o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
}

// missing lists the paths where got lacks a value of want or holds a different one (got may have more:
// server defaults). Numbers compare as numbers. This catches fields a server silently drops or rewrites.
func missing(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %T", path, got)}
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				if isEmpty(w[k]) {
					continue // empty maps/lists are dropped by the JSON encoding, not by validation
				}
				out = append(out, fmt.Sprintf("%s.%s: missing (want %v)", path, k, w[k]))
				continue
			}
			out = append(out, missing(path+"."+k, w[k], gv)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %d items, got %v", path, len(w), got)}
		}
		var out []string
		for i := range w {
			out = append(out, missing(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	default:
		if wn, ok := number(want); ok {
			if gn, ok := number(got); ok && wn == gn {
				return nil
			}
		} else if reflect.DeepEqual(want, got) {
			return nil
		}
		return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	}
	return 0, false
}
