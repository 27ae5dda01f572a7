// Package edge models what Cloudflare's edge sees of the connectors that run in the test cluster, for the fake
// Cloudflare API (cfapi.Options.Connectors), and samples what visitors of a hostname would get while an update
// runs.
//
// The model: a tunnel's connectors are the pods, read from the API server at the moment of the question,
// that are Ready, not terminating, whose pod template carries the tunnel's id (workload.TunnelIDAnnotation),
// and that read that tunnel's token when they started: cloudflared reads its token file once at start, so
// the model reads, when it sees a pod start, the token the pod gets (the Kubernetes Secret it mounts, or the
// Vault KV v2 secret its injector annotations name) and keeps the tunnel id in it. A pod whose template says
// one tunnel and whose token says another runs a connector of neither in this model, and is reported
// (Mismatches). A terminating pod is no connector: cloudflared unregisters its connections when it gets
// SIGTERM, before its grace period. A hostname reaches a connector when its proxied CNAME points at a live
// tunnel that has at least one (cfapi.Server.Resolve).
package edge

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/tunnelgate/tunnelgate/e2e/internal/cfapi"
	"github.com/tunnelgate/tunnelgate/workload"
)

// Pods answers "how many connectors does this tunnel have" from the pods of one namespace.
type Pods struct {
	Client    kubernetes.Interface
	Namespace string
	// Vault reads the data of a KV v2 secret at its read path ("secret/data/<path>"), as the injected
	// agent does when a pod starts; nil: pods of the Vault source read no token.
	Vault func(ctx context.Context, readPath string) (map[string]any, error)

	mu      sync.Mutex
	started map[types.UID]start // the token each pod read when it started
	errors  []error
}

// start is what a pod read when it started.
type start struct {
	pod, annotation, tunnel string
	err                     error
}

// Watch records, from now until the test ends, the token each pod of the namespace reads when it starts
// (when it gets its IP: kwok's start stage). Call it before the pods start.
func (p *Pods) Watch(t testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			w, err := p.Client.CoreV1().Pods(p.Namespace).Watch(ctx, metav1.ListOptions{})
			if err != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			for ev := range w.ResultChan() {
				if pod, ok := ev.Object.(*corev1.Pod); ok && ev.Type != watch.Deleted && pod.Status.PodIP != "" {
					p.record(ctx, pod)
				}
			}
			w.Stop()
		}
	}()
}

// record reads the token of a pod that has just started (once per pod).
func (p *Pods) record(ctx context.Context, pod *corev1.Pod) {
	p.mu.Lock()
	_, seen := p.started[pod.UID]
	p.mu.Unlock()
	if seen {
		return
	}
	tunnel, err := p.token(ctx, pod)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started == nil {
		p.started = map[types.UID]start{}
	}
	p.started[pod.UID] = start{pod: pod.Name, annotation: pod.Annotations[workload.TunnelIDAnnotation], tunnel: tunnel, err: err}
}

var templateKey = regexp.MustCompile(`\.Data\.data\.([A-Za-z0-9_]+)`)

// token reads the token pod gets at start and returns the tunnel id in it.
func (p *Pods) token(ctx context.Context, pod *corev1.Pod) (string, error) {
	const inject = workload.VaultAnnotationPrefix + "agent-inject-secret-" + workload.VaultSecretName
	if readPath, ok := pod.Annotations[inject]; ok {
		if p.Vault == nil {
			return "", fmt.Errorf("pod %s reads Vault, and the model has no Vault reader", pod.Name)
		}
		key := "tunnel_token"
		if m := templateKey.FindStringSubmatch(pod.Annotations[workload.VaultAnnotationPrefix+"agent-inject-template-"+workload.VaultSecretName]); m != nil {
			key = m[1]
		}
		data, err := p.Vault(ctx, readPath)
		if err != nil {
			return "", fmt.Errorf("pod %s: Vault %s: %w", pod.Name, readPath, err)
		}
		tok, _ := data[key].(string)
		return tunnelOf(tok)
	}
	for _, v := range pod.Spec.Volumes {
		if v.Name != workload.SecretVolume || v.Secret == nil || len(v.Secret.Items) != 1 {
			continue
		}
		s, err := p.Client.CoreV1().Secrets(p.Namespace).Get(ctx, v.Secret.SecretName, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("pod %s: Secret %s: %w", pod.Name, v.Secret.SecretName, err)
		}
		return tunnelOf(string(s.Data[v.Secret.Items[0].Key]))
	}
	return "", fmt.Errorf("pod %s has no token source the model knows", pod.Name)
}

// tunnelOf returns the tunnel id of a token: base64 of {"a": account, "t": tunnel id, "s": secret}.
func tunnelOf(token string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	var v struct {
		T string `json:"t"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &v)
	}
	if err != nil || v.T == "" {
		return "", fmt.Errorf("not a tunnel token (%d characters): %v", len(token), err)
	}
	return v.T, nil
}

// Connectors is the number of pods of the namespace that are Ready, not terminating, whose tunnel id
// annotation is tunnelID and that read tunnelID's token when they started: cfapi.Options.Connectors. A
// failed read of the pods counts as none and is kept for Errors.
func (p *Pods) Connectors(tunnelID string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pods, err := p.Client.CoreV1().Pods(p.Namespace).List(ctx, metav1.ListOptions{})
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.errors = append(p.errors, err)
		return 0
	}
	n := 0
	for i := range pods.Items {
		pod := &pods.Items[i]
		if pod.Annotations[workload.TunnelIDAnnotation] == tunnelID && Connected(pod) && p.started[pod.UID].tunnel == tunnelID {
			n++
		}
	}
	return n
}

// Errors returns the reads of the API server that failed.
func (p *Pods) Errors() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.errors)
}

// Mismatches describes the pods that read another tunnel's token at start than the one their template
// names, or could not read one.
func (p *Pods) Mismatches() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, s := range p.started {
		switch {
		case s.err != nil:
			out = append(out, fmt.Sprintf("pod %s (tunnel %s) read no token: %v", s.pod, s.annotation, s.err))
		case s.tunnel != s.annotation:
			out = append(out, fmt.Sprintf("pod %s carries tunnel %s but read the token of tunnel %s", s.pod, s.annotation, s.tunnel))
		}
	}
	slices.Sort(out)
	return out
}

// Connected reports whether a pod is a connector: Ready and not terminating.
func Connected(pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Sample is what a visitor of a hostname would get at one moment.
type Sample struct {
	Time     time.Time
	Hostname string
	// TunnelID is the tunnel the hostname's CNAME points at ("" without one).
	TunnelID string
	// Connectors is the number of that tunnel's connectors.
	Connectors int
	// Routed is true when the record is proxied and the tunnel exists (cfapi.Server.Resolve's ok).
	Routed bool
}

// Served reports whether the request would reach a connector: routed to a tunnel that has one. Otherwise the
// visitor gets Cloudflare error 1033 (or, without a record, no answer at all).
func (s Sample) Served() bool { return s.Routed && s.Connectors > 0 }

func (s Sample) String() string {
	return fmt.Sprintf("%s %s -> %s (%d connectors, routed %v)", s.Time.Format("15:04:05.000"), s.Hostname, s.TunnelID, s.Connectors, s.Routed)
}

// Sampler asks the fake edge about every hostname at a fixed interval until Stop.
type Sampler struct {
	cf        *cfapi.Server
	hostnames []string
	every     time.Duration
	stop      chan struct{}
	done      chan struct{}

	mu      sync.Mutex
	samples []Sample
}

// Start begins sampling hostnames every interval (the first sample at once).
func Start(cf *cfapi.Server, hostnames []string, every time.Duration) *Sampler {
	s := &Sampler{cf: cf, hostnames: hostnames, every: every, stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *Sampler) run() {
	defer close(s.done)
	tick := time.NewTicker(s.every)
	defer tick.Stop()
	for {
		s.sample()
		select {
		case <-s.stop:
			s.sample() // the state at the end too
			return
		case <-tick.C:
		}
	}
}

func (s *Sampler) sample() {
	for _, h := range s.hostnames {
		now := time.Now()
		id, n, ok := s.cf.Resolve(h)
		s.mu.Lock()
		s.samples = append(s.samples, Sample{Time: now, Hostname: h, TunnelID: id, Connectors: n, Routed: ok})
		s.mu.Unlock()
	}
}

// Stop ends the sampling (after one last sample) and returns every sample in order.
func (s *Sampler) Stop() []Sample {
	close(s.stop)
	<-s.done
	return s.Samples()
}

// Samples returns the samples so far.
func (s *Sampler) Samples() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.samples)
}

// Windows groups the samples that were not served into windows per hostname: the first and last such sample
// of each run of consecutive unserved samples.
func Windows(samples []Sample) [][2]Sample {
	var out [][2]Sample
	open := map[string]int{} // hostname -> index in out of its open window
	for _, s := range samples {
		i, inWindow := open[s.Hostname]
		switch {
		case !s.Served() && inWindow:
			out[i][1] = s
		case !s.Served():
			open[s.Hostname] = len(out)
			out = append(out, [2]Sample{s, s})
		case inWindow:
			delete(open, s.Hostname)
		}
	}
	return out
}

// Describe renders windows for a test failure: when, how long, what the hostname pointed at.
func Describe(windows [][2]Sample) string {
	var b strings.Builder
	for _, w := range windows {
		fmt.Fprintf(&b, "\n  %s: %s .. %s (%s): %s", w[0].Hostname, w[0].Time.Format("15:04:05.000"), w[1].Time.Format("15:04:05.000"),
			w[1].Time.Sub(w[0].Time).Round(time.Millisecond), w[0])
	}
	return b.String()
}
