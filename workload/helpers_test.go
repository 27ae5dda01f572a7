package workload_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/fixtures"
	"github.com/tunnelgate/tunnelgate/workload"
)

const (
	deploymentType = "kubernetes:apps/v1:Deployment"
	pdbType        = "kubernetes:policy/v1:PodDisruptionBudget"
	saType         = "kubernetes:core/v1:ServiceAccount"
)

// runCase runs a fixture case on the mock engine.
func runCase(t *testing.T, name string) *dryrun.Result {
	t.Helper()
	c, ok := fixtures.Get(name)
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	return run(t, c.Program)
}

func run(t *testing.T, program pulumi.RunFunc) *dryrun.Result {
	t.Helper()
	res, err := dryrun.Run(program)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// inputs returns the plain inputs of a registered resource.
func inputs(t *testing.T, res *dryrun.Result, typ, name string) map[string]any {
	t.Helper()
	r := res.Get(typ, name)
	if r == nil {
		t.Fatalf("no %s %s; tree:\n%s", typ, name, res.Tree())
	}
	return dryrun.Plain(r.Inputs)
}

// at walks a plain value by map keys and slice indexes.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %T is not an object", path, v)
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				t.Fatalf("at %v: %v has no index %d", path, v, k)
			}
			v = s[k]
		}
	}
	return v
}

// eqJSON fails unless got equals the JSON document want (numbers compare as float64).
func eqJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad expectation: %v", what, err)
	}
	b, _ := json.Marshal(got)
	var g any
	_ = json.Unmarshal(b, &g)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got  %s\n want %s", what, b, mustJSON(w))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// podSpec returns the Deployment's pod template spec and metadata.
func podTemplate(t *testing.T, res *dryrun.Result, name string) (meta, spec map[string]any) {
	t.Helper()
	d := inputs(t, res, deploymentType, name)
	return at(t, d, "spec", "template", "metadata").(map[string]any), at(t, d, "spec", "template", "spec").(map[string]any)
}

// containerNamed returns the named container of a plain pod spec.
func containerNamed(t *testing.T, spec map[string]any, name string) map[string]any {
	t.Helper()
	for _, c := range spec["containers"].([]any) {
		if c.(map[string]any)["name"] == name {
			return c.(map[string]any)
		}
	}
	t.Fatalf("no container %q in %v", name, spec["containers"])
	return nil
}

// objectName is the Kubernetes name the mock engine completed for an object (auto-names included).
func objectName(t *testing.T, res *dryrun.Result, typ, name string) string {
	t.Helper()
	r := res.Get(typ, name)
	if r == nil {
		t.Fatalf("no %s %s", typ, name)
	}
	return dryrun.Plain(r.Outputs)["metadata"].(map[string]any)["name"].(string)
}

// connector is a program registering the connector "edge" of validConnector changed by mutate.
func connector(mutate func(*workload.ConnectorArgs)) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		args := validConnector()
		mutate(&args)
		_, err := workload.NewConnector(ctx, "edge", &args)
		return err
	}
}
