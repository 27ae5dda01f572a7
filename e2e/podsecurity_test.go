package e2e

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// restricted evaluates a pod against the upstream Pod Security admission checks, level restricted,
// version latest, and returns the violations ("reason (detail)"), none when the pod is allowed.
func restricted(t *testing.T, pod *corev1.Pod) []string {
	t.Helper()
	eval, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		t.Fatal(err)
	}
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	agg := policy.AggregateCheckResults(eval.EvaluatePod(lv, &pod.ObjectMeta, &pod.Spec))
	if agg.Allowed {
		return nil
	}
	var out []string
	for i, r := range agg.ForbiddenReasons {
		out = append(out, r+" ("+agg.ForbiddenDetails[i]+")")
	}
	return out
}

// TestPodSecurityRestricted: every pod spec any fixture case emits passes the restricted standard.
func TestPodSecurityRestricted(t *testing.T) {
	pods := emittedPods(t)
	workloads := 0
	for _, ep := range pods {
		if strings.HasPrefix(ep.Where, "workload/") {
			workloads++
		}
		if v := restricted(t, ep.Pod); len(v) != 0 {
			t.Errorf("%s violates restricted: %v", ep.Where, v)
		}
	}
	if workloads < 5 {
		t.Errorf("want the 5 workload fixture pods checked, got %d", workloads)
	}
}

// TestPodSecurityRestrictedAfterInjection: the pods the Vault Agent Injector produces from the emitted
// Vault pods (with its init container, sidecar and volumes) still pass.
func TestPodSecurityRestrictedAfterInjection(t *testing.T) {
	for _, ep := range vaultPods(t) {
		in, err := inject(ep.Pod)
		if err != nil {
			t.Fatal(err)
		}
		if v := restricted(t, in.pod); len(v) != 0 {
			t.Errorf("%s after injection violates restricted: %v", ep.Where, v)
		}
	}
}

// TestPodSecurityReportsWeakened: the checks are live: each deliberately weakened copy of an emitted
// pod is reported with the expected reason.
func TestPodSecurityReportsWeakened(t *testing.T) {
	no, yes := false, true
	root := int64(0)
	weaken := []struct {
		name   string
		mutate func(*corev1.Pod, *corev1.Container)
		want   string
	}{
		{"allowPrivilegeEscalation true", func(_ *corev1.Pod, c *corev1.Container) { c.SecurityContext.AllowPrivilegeEscalation = &yes }, "allowPrivilegeEscalation != false"},
		{"runAsNonRoot removed", func(p *corev1.Pod, c *corev1.Container) {
			c.SecurityContext.RunAsNonRoot = nil
			if p.Spec.SecurityContext != nil {
				p.Spec.SecurityContext.RunAsNonRoot = nil
			}
		}, "runAsNonRoot != true"},
		{"runAsNonRoot false", func(_ *corev1.Pod, c *corev1.Container) { c.SecurityContext.RunAsNonRoot = &no }, "runAsNonRoot != true"},
		{"runAsUser 0", func(_ *corev1.Pod, c *corev1.Container) { c.SecurityContext.RunAsUser = &root }, "runAsUser=0"},
		{"capabilities not dropped", func(_ *corev1.Pod, c *corev1.Container) { c.SecurityContext.Capabilities = nil }, "unrestricted capabilities"},
		{"seccomp removed", func(p *corev1.Pod, _ *corev1.Container) {
			for _, cs := range [][]corev1.Container{p.Spec.Containers, p.Spec.InitContainers} {
				for i := range cs {
					if cs[i].SecurityContext != nil {
						cs[i].SecurityContext.SeccompProfile = nil
					}
				}
			}
			p.Spec.SecurityContext.SeccompProfile = nil
		}, "seccompProfile"},
		{"privileged", func(_ *corev1.Pod, c *corev1.Container) { c.SecurityContext.Privileged = &yes }, "privileged"},
		{"hostPath volume", func(p *corev1.Pod, _ *corev1.Container) {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		}, `restricted volume types (volume "host" uses restricted volume type "hostPath")`},
	}
	checked := 0
	for _, ep := range emittedPods(t) {
		if !strings.HasPrefix(ep.Where, "workload/") {
			continue
		}
		for _, w := range weaken {
			p := ep.Pod.DeepCopy()
			c := container(p, "cloudflared")
			if c == nil {
				t.Fatalf("%s has no cloudflared container", ep.Where)
			}
			w.mutate(p, c)
			v := restricted(t, p)
			if !strings.Contains(strings.Join(v, "; "), w.want) {
				t.Errorf("%s with %s: violations %v, want %q", ep.Where, w.name, v, w.want)
			}
			checked++
		}
	}
	if checked < 5*len(weaken) {
		t.Errorf("checked %d weakened pods, want at least %d", checked, 5*len(weaken))
	}
}
