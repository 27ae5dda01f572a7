package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/tunnelgate/tunnelgate/internal/fixtures"
)

// emittedPod is the pod that one emitted workload object would create: its pod template's metadata and
// spec, in the object's namespace.
type emittedPod struct {
	// Where is "<case> <kind>/<name>".
	Where string
	Pod   *corev1.Pod
}

var (
	emittedOnce sync.Once
	emitted     []emittedPod
	emittedErr  error
)

// emittedPods runs every fixture case that emits Kubernetes objects (fixtures.All, so new cases are
// checked automatically) on the mock engine and converts each object with a pod template (Deployment,
// StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod) into a typed k8s.io/api pod. The conversion
// rejects unknown fields, so a misspelt field in an emitted manifest fails here too.
func emittedPods(t *testing.T) []emittedPod {
	t.Helper()
	emittedOnce.Do(func() { emitted, emittedErr = collectPods() })
	if emittedErr != nil {
		t.Fatal(emittedErr)
	}
	if len(emitted) == 0 {
		t.Fatal("no fixture case emitted a pod template")
	}
	return emitted
}

func collectPods() ([]emittedPod, error) {
	var out []emittedPod
	for _, c := range fixtures.All() {
		if !c.Kubernetes {
			continue
		}
		res, err := c.Run()
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", c.Name, err)
		}
		for _, m := range res.Manifests() {
			pod, err := podOf(m)
			if err != nil {
				return nil, fmt.Errorf("case %s: %s/%v: %w", c.Name, m["kind"], meta(m)["name"], err)
			}
			if pod != nil {
				out = append(out, emittedPod{Where: fmt.Sprintf("%s %s/%v", c.Name, m["kind"], meta(m)["name"]), Pod: pod})
			}
		}
	}
	return out, nil
}

func meta(m map[string]any) map[string]any {
	md, _ := m["metadata"].(map[string]any)
	return md
}

// templateOf decodes an object of type T and returns its pod template.
func templateOf[T any](tmpl func(*T) *corev1.PodTemplateSpec) func(map[string]any) (*corev1.PodTemplateSpec, error) {
	return func(m map[string]any) (*corev1.PodTemplateSpec, error) {
		var obj T
		if err := strictJSON(m, &obj); err != nil {
			return nil, err
		}
		return tmpl(&obj), nil
	}
}

// podTemplates are the kinds whose objects create pods from a template.
var podTemplates = map[string]func(map[string]any) (*corev1.PodTemplateSpec, error){
	"Deployment":  templateOf(func(o *appsv1.Deployment) *corev1.PodTemplateSpec { return &o.Spec.Template }),
	"StatefulSet": templateOf(func(o *appsv1.StatefulSet) *corev1.PodTemplateSpec { return &o.Spec.Template }),
	"DaemonSet":   templateOf(func(o *appsv1.DaemonSet) *corev1.PodTemplateSpec { return &o.Spec.Template }),
	"ReplicaSet":  templateOf(func(o *appsv1.ReplicaSet) *corev1.PodTemplateSpec { return &o.Spec.Template }),
	"Job":         templateOf(func(o *batchv1.Job) *corev1.PodTemplateSpec { return &o.Spec.Template }),
	"CronJob":     templateOf(func(o *batchv1.CronJob) *corev1.PodTemplateSpec { return &o.Spec.JobTemplate.Spec.Template }),
}

// podOf returns the pod an object creates, or nil for objects without a pod template.
func podOf(m map[string]any) (*corev1.Pod, error) {
	kind, _ := m["kind"].(string)
	if kind == "Pod" {
		var p corev1.Pod
		if err := strictJSON(m, &p); err != nil {
			return nil, err
		}
		return &p, nil
	}
	decode, ok := podTemplates[kind]
	if !ok {
		return nil, nil
	}
	tmpl, err := decode(m)
	if err != nil {
		return nil, err
	}
	ns, _ := meta(m)["namespace"].(string)
	name, _ := meta(m)["name"].(string)
	pod := &corev1.Pod{ObjectMeta: *tmpl.ObjectMeta.DeepCopy(), Spec: *tmpl.Spec.DeepCopy()}
	pod.Namespace, pod.Name = ns, name+"-0"
	return pod, nil
}

// strictJSON converts a plain manifest into a typed object, rejecting fields the type does not have.
func strictJSON(m map[string]any, into any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(into)
}

// container returns the pod's container with that name, or nil.
func container(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}
