package cluster

import (
	"fmt"
	"strings"
	"time"
)

// podStages is a kwok configuration of the pod lifecycle in three stages instead of kwok's default (Ready as
// soon as scheduled): a scheduled pod starts at once (Running, an IP, containers running, not Ready), turns
// Ready after the delay ready, and a deleted pod goes after the delay stop, terminating meanwhile. Pods of
// Jobs are never completed (there is no such stage): the tests run none.
func podStages(ready, stop time.Duration) string {
	live := `- key: '.metadata.deletionTimestamp'
  operator: 'DoesNotExist'`
	return strings.Join([]string{
		stage("pod-start", live+`
- key: '.status.podIP'
  operator: 'DoesNotExist'`, 0, `statusTemplate: |
  {{ $now := Now }}
`+podStatus(false, "$now")+`  hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
  podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
  phase: Running
  startTime: {{ $now | Quote }}`),
		stage("pod-ready", live+`
- key: '.status.podIP'
  operator: 'Exists'
- key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
  operator: 'In'
  values:
  - 'False'`, ready, `statusTemplate: |
  {{ $now := Now }}
  {{ $root := . }}
`+podStatus(true, "$root.status.startTime")),
		stage("pod-delete", `- key: '.metadata.deletionTimestamp'
  operator: 'Exists'`, stop, `finalizers:
  empty: true
delete: true`),
	}, "---\n")
}

// stage is one kwok Stage of pods: its selector's match expressions, its delay and what it does next (YAML
// without indentation).
func stage(name, matchExpressions string, delay time.Duration, next string) string {
	return fmt.Sprintf(`apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: %s
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
%s
  delay:
    durationMilliseconds: %d
  next:
%s
`, name, indent(matchExpressions, "    "), delay.Milliseconds(), indent(strings.TrimRight(next, "\n "), "    "))
}

func indent(s, by string) string { return by + strings.ReplaceAll(s, "\n", "\n"+by) }

// podStatus is the part of a stage's status template with the pod's conditions and its containers'
// statuses, running since startedAt (a template expression), ready or not (two spaces of indentation).
func podStatus(ready bool, startedAt string) string {
	status, reason := `"True"`, ""
	if !ready {
		status, reason = `"False"`, "\n    reason: ContainersNotReady"
	}
	return fmt.Sprintf(`  conditions:
  - lastTransitionTime: {{ $now | Quote }}
    status: "True"
    type: Initialized
  - lastTransitionTime: {{ $now | Quote }}
    status: %[1]s%[2]s
    type: Ready
  - lastTransitionTime: {{ $now | Quote }}
    status: %[1]s%[2]s
    type: ContainersReady
  containerStatuses:
  {{ range .spec.containers }}
  - image: {{ .image | Quote }}
    name: {{ .name | Quote }}
    ready: %[3]t
    restartCount: 0
    started: true
    state:
      running:
        startedAt: {{ %[4]s | Quote }}
  {{ end }}
`, status, reason, ready, startedAt)
}
