package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/tunnelgate/tunnelgate/e2e/internal/proc"
)

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// InstallCiliumCRD installs the CiliumNetworkPolicy CRD of github.com/cilium/cilium v1.18.4 (fetched by
// tools/build) with server-side apply (it is too large for client-side apply's annotation) and waits until
// it is Established and served.
func (c *Cluster) InstallCiliumCRD(t testing.TB) {
	t.Helper()
	c.InstallCRD(t, proc.File(t, "crds/ciliumnetworkpolicies.yaml"))
}

// InstallPrometheusCRDs installs the PodMonitor, ServiceMonitor and PrometheusRule CRDs that tools/build
// generates with controller-gen from the prometheus-operator API types v0.95.2 (one YAML file, three
// documents) and waits until each is Established and served.
func (c *Cluster) InstallPrometheusCRDs(t testing.TB) {
	t.Helper()
	raw, err := os.ReadFile(proc.File(t, "crds/monitoring.coreos.com.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir, n := t.TempDir(), 0
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		if doc = strings.TrimPrefix(strings.TrimSpace(doc), "---"); strings.TrimSpace(doc) == "" {
			continue
		}
		n++
		path := filepath.Join(dir, fmt.Sprintf("crd-%d.yaml", n))
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		c.InstallCRD(t, path)
	}
	if n != 3 {
		t.Fatalf("%d CRDs in crds/monitoring.coreos.com.yaml, want PodMonitor, ServiceMonitor and PrometheusRule", n)
	}
}

// InstallCRD server-side applies the CRD in a YAML file and waits until it is Established.
func (c *Cluster) InstallCRD(t testing.TB, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var crd unstructured.Unstructured
	if err := json.Unmarshal(js, &crd.Object); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	ctx := context.Background()
	force := true
	if _, err := c.Dynamic.Resource(crdGVR).Patch(ctx, crd.GetName(), types.ApplyPatchType, js,
		metav1.PatchOptions{FieldManager: "tunnelgate-e2e", Force: &force}); err != nil {
		t.Fatalf("apply CRD %s: %v", crd.GetName(), err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := c.Dynamic.Resource(crdGVR).Get(ctx, crd.GetName(), metav1.GetOptions{})
		if err == nil && established(got) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CRD %s not Established within 60s (last error: %v)", crd.GetName(), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Established can precede discovery by a moment: wait until the mapper resolves the kind.
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
	for {
		c.ResetMapper()
		if _, err := c.mapper.RESTMapping(schema.GroupKind{Group: group, Kind: kind}); err == nil {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("kind %s.%s not discoverable: %v", kind, group, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func established(crd *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func mustQuantity(s string) resource.Quantity {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		panic(fmt.Sprintf("quantity %q: %v", s, err))
	}
	return q
}
