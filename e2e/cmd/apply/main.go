// Command apply is the second half of `make demo`: it starts a local Kubernetes control plane (etcd,
// kube-apiserver v1.34.4 with the Cilium CRD, controller-manager, scheduler and a kwok-simulated node),
// applies every YAML file under the given folders with strict server-side field validation (a dry run,
// then a real create), waits for the Deployments to become Available, prints what the server answered,
// and stops everything it started. It exits non-zero if the server rejected anything.
//
//	go run ./cmd/apply ../out/inpod ../out/ownpod
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/klog/v2"
	"sigs.k8s.io/yaml"

	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: apply DIR...")
		os.Exit(2)
	}
	klog.SetOutput(io.Discard) // client-go's warnings (e.g. on the Cilium CRD's formats) are not the demo's
	klog.LogToStderr(false)
	r := &runner{}
	code := 0
	func() {
		defer func() {
			if p := recover(); p != nil && p != errFatal {
				panic(p)
			}
		}()
		if !apply(r, os.Args[1:]) {
			code = 1
		}
	}()
	if r.failed {
		code = 1
	}
	r.cleanup()
	os.Exit(code)
}

func apply(r *runner, dirs []string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	c := cluster.Start(r, cluster.Options{Workloads: true})
	c.InstallCiliumCRD(r)
	fmt.Printf("Local control plane: kube-apiserver v1.34.4 at %s, Cilium CRD installed, 1 kwok node (%.1fs)\n\n",
		c.Server, time.Since(start).Seconds())
	ok := true
	var deployments []*unstructured.Unstructured
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		sort.Strings(files)
		fmt.Printf("%s (%d objects), strict field validation:\n", dir, len(files))
		for _, f := range files {
			obj, err := load(f)
			if err == nil {
				if ns := obj.GetNamespace(); ns != "" {
					err = c.EnsureNamespace(ctx, ns)
				}
			}
			if err == nil {
				_, err = c.Create(ctx, obj, true)
			}
			if err == nil {
				_, err = c.Create(ctx, obj, false)
			}
			what := fmt.Sprintf("%s %s/%s", obj.GetKind(), obj.GetNamespace(), obj.GetName())
			if err != nil && !apierrors.IsAlreadyExists(err) {
				ok = false
				fmt.Printf("  REJECTED %-60s %v\n", what, err)
				continue
			}
			fmt.Printf("  accepted %s\n", what)
			if obj.GetKind() == "Deployment" {
				deployments = append(deployments, obj)
			}
		}
		fmt.Println()
	}
	for _, d := range deployments {
		fmt.Printf("Deployment %s/%s: %s\n", d.GetNamespace(), d.GetName(), rollout(ctx, c, d))
	}
	return ok
}

// rollout waits up to 60 s for the Deployment to be Available and reports its replica counts.
func rollout(ctx context.Context, c *cluster.Cluster, d *unstructured.Unstructured) string {
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := c.Client.AppsV1().Deployments(d.GetNamespace()).Get(ctx, d.GetName(), metav1.GetOptions{})
		if err == nil {
			for _, cond := range got.Status.Conditions {
				if cond.Type == "Available" && cond.Status == "True" {
					return fmt.Sprintf("Available, %d/%d replicas ready (simulated node: containers do not run)",
						got.Status.ReadyReplicas, *got.Spec.Replicas)
				}
			}
		}
		if time.Now().After(deadline) {
			return fmt.Sprintf("not Available after 60s (%v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func load(path string) (*unstructured.Unstructured, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// runner lets the e2e harness (written for tests) run in a command: failures print and stop the run,
// cleanups (stopping every server by PID, removing temporary folders) run at the end.
type runner struct {
	testing.TB // not used: every method the harness calls is below
	cleanups   []func()
	failed     bool
}

var errFatal = fmt.Errorf("fatal")

func (r *runner) Helper()                      {}
func (r *runner) Name() string                 { return "demo" }
func (r *runner) Cleanup(f func())             { r.cleanups = append(r.cleanups, f) }
func (r *runner) Failed() bool                 { return r.failed }
func (r *runner) Log(args ...any)              {}
func (r *runner) Logf(format string, a ...any) {}
func (r *runner) Error(args ...any)            { r.failed = true; fmt.Fprintln(os.Stderr, args...) }
func (r *runner) Errorf(format string, a ...any) {
	r.failed = true
	fmt.Fprintf(os.Stderr, strings.TrimSuffix(format, "\n")+"\n", a...)
}
func (r *runner) Fatal(args ...any) { r.Error(args...); panic(errFatal) }
func (r *runner) Fatalf(format string, a ...any) {
	r.Errorf(format, a...)
	panic(errFatal)
}
func (r *runner) TempDir() string {
	dir, err := os.MkdirTemp("", "tunnelgate-demo-")
	if err != nil {
		r.Fatal(err)
	}
	r.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (r *runner) cleanup() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}
