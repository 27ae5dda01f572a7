package e2e_test

// A rotation of the tunnel secret through the real engine (examples/automation: the Automation API driving the
// Pulumi CLI v3.276.0 with the real cloudflare, vault, random and kubernetes plugins), with the fake
// Cloudflare API modelling the edge: a tunnel's connectors are the Ready pods of the run's namespace whose
// template carries its tunnel id (edge.Pods), and kwok makes every pod Ready only rotationReady after it
// starts, and makes a deleted pod take rotationStop to go. While the rotation's `up` runs, a sampler asks the
// edge every 100 ms where each hostname goes: no sample may find a hostname whose tunnel has no connector
// (Cloudflare error 1033). The fake also logs how many connectors the target and the previous tunnel had at
// the moment each record moved, refuses to delete a tunnel that still has connectors, and reports a tunnel
// deleted while a record points at it.

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tunnelgate/tunnelgate/e2e/internal/cfapi"
	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
	"github.com/tunnelgate/tunnelgate/e2e/internal/edge"
	"github.com/tunnelgate/tunnelgate/workload"
)

const (
	// rotationReady is how long a started pod stays unready (cloudflared's /ready answers 200 once an edge
	// connection is up: about 1-3 s in practice).
	rotationReady = 3 * time.Second
	// rotationStop is how long a deleted pod takes to go (cloudflared's graceful shutdown with no request
	// in flight, the kubelet's teardown).
	rotationStop = time.Second
	// rotationSample is the sampler's interval.
	rotationSample = 100 * time.Millisecond
	// rotationSlack is what a rotation may take beyond rotationReady (the target).
	rotationSlack = 10 * time.Second
	// rotationName is the new generation.
	rotationName = "r2"
)

// rotationCase is one rotation: a layout, a replica count, the token source ("vault", or "secret": the
// Ingress writes the Kubernetes Secret), whether the first `up` of the rotation is killed (SIGKILL to its
// process group: the program and the CLI; the plugins, which run in groups of their own, after) once a pod
// of the new tunnel exists, and then run again, and whether it is the in-place rotation (one Deployment
// rolled), which has a window by design: it is measured and bounded.
type rotationCase struct {
	name, layout, token string
	replicas            int
	interrupt, inPlace  bool
}

// inPlaceWindow bounds the in-place rotation's window: from the last old pod going to the records
// moving, the provider's await noticing the finished rollout and the record updates.
const inPlaceWindow = 2 * time.Second

func TestRotation(t *testing.T) {
	p := startProduct(t, cluster.Options{PodReadyDelay: rotationReady, PodStopDelay: rotationStop})
	bin := buildAutomation(t, p.repo)
	for _, tc := range []rotationCase{
		{name: "rot-inpod-2", layout: "inpod", token: "vault", replicas: 2},
		{name: "rot-inpod-1", layout: "inpod", token: "vault", replicas: 1},
		{name: "rot-ownpod-2", layout: "ownpod", token: "vault", replicas: 2},
		{name: "rot-ownpod-1", layout: "ownpod", token: "vault", replicas: 1},
		{name: "rot-ownpod-2-secret", layout: "ownpod", token: "secret", replicas: 2},
		{name: "rot-inpod-2-killed", layout: "inpod", token: "vault", replicas: 2, interrupt: true},
		{name: "rot-ownpod-2-inplace", layout: "ownpod", token: "vault", replicas: 2, inPlace: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.newRun(t, tc.name, tc.layout)
			r.rotate(t, r.automation(t, bin), tc)
		})
	}
}

// rotate: up (generation ""), then the rotation to rotationName while the sampler runs, the checks, and
// destroy.
func (r *run) rotate(t *testing.T, a *automation, tc rotationCase) {
	ctx := context.Background()
	a.base = append(a.base, "-config", "tunnelgate:replicas="+strconv.Itoa(tc.replicas), "-config", "tunnelgate:tokenSource="+tc.token,
		"-config", "tunnelgate:inPlaceRotation="+strconv.FormatBool(tc.inPlace))
	up := func(extra ...string) {
		t.Helper()
		start := time.Now()
		out, err := a.run(ctx, "up", extra...)
		if err != nil {
			t.Fatalf("up %v: %v\n%s", extra, err, out)
		}
		t.Logf("up %v in %s: %s", extra, time.Since(start).Round(time.Millisecond), lastLine(out))
	}
	up()
	old := r.liveTunnel(t)
	r.checkServing(t, old, tc.replicas)
	hosts := []string{r.hostname()}
	before := len(r.cf.Events())

	sampler := edge.Start(r.cf, hosts, rotationSample)
	start := time.Now()
	if tc.interrupt {
		r.killedUp(t, a, old)
		time.Sleep(2 * time.Second) // the operator notices; the edge keeps being sampled
	}
	up("-rotation", rotationName)
	elapsed := time.Since(start)
	samples := sampler.Stop()

	next := r.liveTunnel(t)
	events := r.cf.Events()[before:]
	for _, e := range events {
		t.Logf("event: %s", e)
	}
	if next.ID == old.ID {
		t.Fatalf("the tunnel %s was not rotated", old.ID)
	}
	// No window: every sample reached a connector (in place: one short window, measured).
	w := edge.Windows(samples)
	switch {
	case tc.inPlace && (len(w) > 1 || len(w) == 1 && w[0][1].Time.Sub(w[0][0].Time) > inPlaceWindow):
		t.Errorf("in place: %d window(s), want at most one of at most %s:%s", len(w), inPlaceWindow, edge.Describe(w))
	case tc.inPlace:
		t.Logf("in place: %d window(s):%s", len(w), edge.Describe(w))
	case len(w) > 0:
		t.Errorf("%d of %d samples found a hostname whose tunnel had no connector (error 1033), in %d window(s):%s",
			unserved(samples), len(samples), len(w), edge.Describe(w))
	}
	if errs := r.edge.Errors(); len(errs) > 0 {
		t.Errorf("the edge model could not read the pods: %v", errs)
	}
	if m := r.edge.Mismatches(); len(m) > 0 {
		t.Errorf("pods that read another token than their template's tunnel: %v", m)
	}
	// Exactly: every record moved to the new tunnel while it had connectors and the old one still had them;
	// the old tunnel was deleted after every record had left it, without connectors.
	r.checkMoves(t, events, old, next, tc.replicas, tc.inPlace)
	if v := r.cf.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
	// The end state: one tunnel, the records on it, its token in Vault, only its pods.
	r.checkCloudflareAfter(t, old, next)
	if tc.token == "vault" {
		r.checkVault(t, next)
	} else {
		r.checkTokenSecret(t, next)
	}
	r.checkServing(t, next, tc.replicas)
	// Neither generation's secret nor token is in plain text in the backend or the output.
	r.checkSecrets(t, old)
	r.checkSecrets(t, next)
	// The duration: from the new tunnel's creation to the old one's deletion.
	created, deleted := eventTime(events, cfapi.TunnelCreated, next.ID), eventTime(events, cfapi.TunnelDeleted, old.ID)
	if !created.IsZero() && !deleted.IsZero() {
		d := deleted.Sub(created)
		t.Logf("rotation: new tunnel created -> old tunnel deleted in %s (connector readiness %s, target <= %s); up %s; %d samples, %d unserved",
			d.Round(time.Millisecond), rotationReady, rotationReady+rotationSlack, elapsed.Round(time.Millisecond), len(samples), unserved(samples))
		if !tc.interrupt && d > rotationReady+rotationSlack {
			t.Errorf("rotation took %s, over the target of %s", d.Round(time.Millisecond), rotationReady+rotationSlack)
		}
	}
	if tc.interrupt {
		if out, err := a.run(ctx, "up-no-changes", "-rotation", rotationName); err != nil {
			t.Errorf("up after the interrupted rotation is not stable: %v\n%s", err, out)
		}
	}
	if out, err := a.run(ctx, "destroy", "-rotation", rotationName); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	r.checkGone(t, next)
}

// killedUp starts the rotation's `up` and kills its whole process group (SIGKILL) as soon as a pod of a
// tunnel other than old exists: the new tunnel, its configuration and Vault secret are there, its connectors
// are starting.
func (r *run) killedUp(t *testing.T, a *automation, old cfapi.Tunnel) {
	t.Helper()
	cmd := a.command(context.Background(), "up", "-rotation", rotationName)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); {
		select {
		case err := <-done:
			t.Fatalf("the rotation's up ended (%v) before a pod of the new tunnel appeared:\n%s", err, out.String())
		case <-tick.C:
		}
		pods, err := r.cluster.Client.CoreV1().Pods(r.name).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			continue
		}
		if slices.ContainsFunc(pods.Items, func(p corev1.Pod) bool {
			id := p.Annotations[workload.TunnelIDAnnotation]
			return id != "" && id != old.ID
		}) {
			// The engine starts each plugin in a process group of its own: note them, to see them go too.
			plugins := descendants(cmd.Process.Pid)
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			err := <-done
			r.env.Record("automation (killed) "+strings.Join(cmd.Args[1:], " "), out.String())
			t.Logf("killed the rotation's up (%v) once a pod of the new tunnel existed; its last line: %s", err, lastLine(out.String()))
			awaitExit(t, plugins, 10*time.Second)
			// What the operator does after a killed `up` on a file backend: remove its lock.
			if out, err := r.env.CLI(context.Background(), t.TempDir(), r.extraEnv, "cancel", "--yes", "--stack",
				"organization/tunnelgate-"+r.layout+"/"+r.name); err != nil {
				t.Fatalf("pulumi cancel: %v\n%s", err, out)
			}
			return
		}
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	t.Fatalf("no pod of a new tunnel within 5 minutes:\n%s", out.String())
}

// liveTunnel is the one tunnel that is not deleted.
func (r *run) liveTunnel(t *testing.T) cfapi.Tunnel {
	t.Helper()
	var live []cfapi.Tunnel
	for _, x := range r.cf.Tunnels() {
		if !x.Deleted() {
			live = append(live, x)
		}
	}
	if len(live) != 1 {
		t.Fatalf("%d live tunnels, want 1: %+v", len(live), live)
	}
	return live[0]
}

// checkServing: the pods of the namespace are exactly replicas Ready pods of tun, all of one Deployment,
// which is Available, and the hostname reaches tun with replicas connectors.
func (r *run) checkServing(t *testing.T, tun cfapi.Tunnel, replicas int) {
	t.Helper()
	ctx := context.Background()
	pods, err := r.cluster.Client.CoreV1().Pods(r.name).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var connectors []string
	for _, p := range pods.Items {
		if _, ok := p.Annotations[workload.TunnelIDAnnotation]; !ok {
			continue // not a connector: nothing of the quickstart runs such pods
		}
		connectors = append(connectors, fmt.Sprintf("%s (tunnel %s, connected %v)", p.Name, p.Annotations[workload.TunnelIDAnnotation], edge.Connected(&p)))
		if p.Annotations[workload.TunnelIDAnnotation] != tun.ID || !edge.Connected(&p) {
			t.Errorf("pod %s: tunnel %s, connected %v; want only connected pods of tunnel %s", p.Name, p.Annotations[workload.TunnelIDAnnotation], edge.Connected(&p), tun.ID)
		}
	}
	if len(connectors) != replicas {
		t.Errorf("%d connector pods, want %d: %v", len(connectors), replicas, connectors)
	}
	deps, err := r.cluster.Client.AppsV1().Deployments(r.name).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range deps.Items {
		if d.Spec.Template.Annotations[workload.TunnelIDAnnotation] == "" {
			continue
		}
		names = append(names, d.Name)
		available := slices.ContainsFunc(d.Status.Conditions, func(c appsv1.DeploymentCondition) bool {
			return c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue
		})
		if st := d.Status; !available || int(st.ReadyReplicas) != replicas || d.Spec.Template.Annotations[workload.TunnelIDAnnotation] != tun.ID {
			t.Errorf("Deployment %s: available %v, status %+v, tunnel %s; want %d ready pods of tunnel %s", d.Name, available, st,
				d.Spec.Template.Annotations[workload.TunnelIDAnnotation], replicas, tun.ID)
		}
	}
	if len(names) != 1 {
		t.Errorf("connector Deployments %v, want one", names)
	}
	if id, n, ok := r.cf.Resolve(r.hostname()); id != tun.ID || n != replicas || !ok {
		t.Errorf("%s resolves to %s with %d connectors (routed %v), want %s with %d", r.hostname(), id, n, ok, tun.ID, replicas)
	}
}

// checkMoves: every record event of the rotation moved a record from old to next while next had all its
// connectors (the new pods are Ready before the DNS moves) and, unless in place, old still had some; old was
// deleted after the last move, with no connector left.
func (r *run) checkMoves(t *testing.T, events []cfapi.Event, old, next cfapi.Tunnel, replicas int, inPlace bool) {
	t.Helper()
	moved, deletedAt := 0, -1
	for i, e := range events {
		switch e.Kind {
		case cfapi.RecordCreated, cfapi.RecordDeleted:
			t.Errorf("the rotation %s record %s: records move in place", e.Kind, e.Name)
		case cfapi.RecordUpdated:
			if e.OldContent != old.CNAME() || e.Content != next.CNAME() {
				t.Errorf("record %s moved %s -> %s, want %s -> %s", e.Name, e.OldContent, e.Content, old.CNAME(), next.CNAME())
			}
			if e.Connectors < replicas || e.OldConnectors < 1 && !inPlace {
				t.Errorf("record %s moved to the new tunnel with %d of its %d connectors Ready, from the old one with %d: visitors got error 1033",
					e.Name, e.Connectors, replicas, e.OldConnectors)
			}
			if deletedAt >= 0 {
				t.Errorf("record %s moved after the old tunnel was deleted", e.Name)
			}
			moved++
		case cfapi.TunnelDeleted:
			if e.TunnelID != old.ID {
				t.Errorf("tunnel %s (%s) deleted, want only the old one %s", e.TunnelID, e.TunnelName, old.ID)
				continue
			}
			deletedAt = i
			if e.Connectors != 0 {
				t.Errorf("the old tunnel was deleted with %d connectors", e.Connectors)
			}
		}
	}
	if moved != 1 {
		t.Errorf("%d record moves, want 1 (one hostname)", moved)
	}
	if deletedAt < 0 {
		t.Errorf("the old tunnel %s was not deleted", old.ID)
	}
}

// checkCloudflareAfter: the old tunnel is deleted, the new one is named "<old name>-<rotation>" with its
// ingress rules, the one record points at it, nothing the fake does not serve was called.
func (r *run) checkCloudflareAfter(t *testing.T, old, next cfapi.Tunnel) {
	t.Helper()
	if u := r.cf.Unhandled(); len(u) > 0 {
		t.Errorf("calls the fake does not serve: %v", u)
	}
	tunnels := r.cf.Tunnels()
	if len(tunnels) != 2 || !tunnels[0].Deleted() || tunnels[0].ID != old.ID || tunnels[1].ID != next.ID {
		t.Errorf("tunnels %+v, want the old one deleted and the new one", tunnels)
	}
	if want := old.Name + "-" + rotationName; next.Name != want {
		t.Errorf("new tunnel %q, want %q", next.Name, want)
	}
	oldCfg, _ := r.cf.Configuration(old.ID)
	if cfg, ok := r.cf.Configuration(next.ID); !ok || !reflect.DeepEqual(cfg.Ingress, oldCfg.Ingress) {
		t.Errorf("the new tunnel's rules %+v, want the old ones %+v", cfg.Ingress, oldCfg.Ingress)
	}
	recs := r.cf.Records(productZone)
	if len(recs) != 1 || recs[0].Content != next.CNAME() {
		t.Errorf("records %+v, want one to %s", recs, next.CNAME())
	}
}

// checkTokenSecret: the Secret the Ingress writes holds exactly the new tunnel's token.
func (r *run) checkTokenSecret(t *testing.T, tun cfapi.Tunnel) {
	t.Helper()
	s, err := r.cluster.Client.CoreV1().Secrets(r.name).Get(context.Background(), r.app+"-tunnel-token", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the token's Secret: %v", err)
	}
	if got := string(s.Data[workload.DefaultTokenKey]); got != tun.Token || len(s.Data) != 1 {
		t.Errorf("the Secret holds %d keys and %d characters under %s, want exactly the token of tunnel %s", len(s.Data), len(got), workload.DefaultTokenKey, tun.ID)
	}
}

func eventTime(events []cfapi.Event, kind cfapi.EventKind, tunnelID string) time.Time {
	for _, e := range events {
		if e.Kind == kind && e.TunnelID == tunnelID {
			return e.Time
		}
	}
	return time.Time{}
}

func unserved(samples []edge.Sample) int {
	n := 0
	for _, s := range samples {
		if !s.Served() {
			n++
		}
	}
	return n
}

// descendants lists the processes below pid (children, their children, ...) with their command lines, from
// /proc.
func descendants(pid int) map[int]string {
	parent := map[int]int{}
	cmdline := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, the fields after the last ')' do not.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 2 {
			continue
		}
		parent[p], _ = strconv.Atoi(fields[1])
		b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		cmdline[p] = strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
	}
	out := map[int]string{}
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				out[p] = cmdline[p]
				break
			}
		}
	}
	return out
}

// awaitExit waits until the processes pids (descendants of a killed process) are gone; those still there
// after timeout are reported and killed by their PID. (The provider plugins v4.18.0, v5.49.1, v6.1.0 and
// v4.25.0 do not end when the engine that started them is killed: seen still running 30 s later.)
func awaitExit(t *testing.T, pids map[int]string, timeout time.Duration) {
	t.Helper()
	alive := func(pid int) bool { return syscall.Kill(pid, 0) == nil }
	start := time.Now()
	for deadline := start.Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(pids)), alive) {
			t.Logf("the %d processes below the killed up are gone after %s", len(pids), time.Since(start).Round(time.Millisecond))
			return
		}
	}
	for pid, cmd := range pids {
		if alive(pid) {
			t.Logf("process %d (%s) still runs %s after the up that started it was killed; killing it", pid, cmd, timeout)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}
