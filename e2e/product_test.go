package e2e_test

// The whole product as a user runs it: `pulumi up` of examples/inpod, examples/ownpod and the root
// Pulumi.yaml through the Pulumi CLI with the Go language host, and the same programs through the
// Automation API (examples/automation), with every provider real: cloudflare v5.49.1 against the fake
// Cloudflare API (e2e/internal/cfapi, the one stand-in: the real API cannot be reached), vault v6.1.0
// against a Vault dev server, random v4.18.0, and kubernetes v4.25.0 against the local control plane
// with a kwok node. Each run: up, what every service received (the Vault policy and Kubernetes auth
// role with their default names included), refresh + up change nothing, no plaintext secret in the
// backend folder or the CLI's output, destroy removes everything (policy and role too) in an order that
// never leaves a DNS record pointing at a deleted tunnel.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tunnelgate/tunnelgate/e2e/internal/cfapi"
	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
	"github.com/tunnelgate/tunnelgate/e2e/internal/edge"
	"github.com/tunnelgate/tunnelgate/e2e/internal/engine"
	"github.com/tunnelgate/tunnelgate/e2e/internal/proc"
	"github.com/tunnelgate/tunnelgate/e2e/internal/vaultdev"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/vaultrole"
	"github.com/tunnelgate/tunnelgate/workload"
)

const (
	productAccount = "0123456789abcdef0123456789abcdef"
	productZone    = "fedcba9876543210fedcba9876543210"
	productImage   = "ghcr.io/example/app:1.0"
)

// product is what every run shares: one control plane, one Vault dev server, one Pulumi installation.
type product struct {
	cluster *cluster.Cluster
	vault   *vaultdev.Server
	env     *engine.Env
	repo    string
}

func startProduct(t *testing.T, opts cluster.Options) *product {
	t.Helper()
	opts.Workloads = true
	c := cluster.Start(t, opts)
	c.InstallCiliumCRD(t)
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return &product{cluster: c, vault: vaultdev.Start(t), env: engine.New(t), repo: repo}
}

// run is one deployment of a quickstart program: its own fake Cloudflare API, namespace, hostname,
// Vault path and stack. The fake's edge sees the pods of the namespace as the tunnels' connectors
// (edge.Pods).
type run struct {
	*product
	name, layout string // name: stack, namespace and hostname label; layout: inpod, ownpod or shared
	app          string // the component's name: web (inpod) or site (ownpod)
	cf           *cfapi.Server
	edge         *edge.Pods
	extraEnv     []string
	// afterUp, when set, runs after the checks of the first up (e.g. to export the state).
	afterUp func(t *testing.T)
}

func (p *product) newRun(t *testing.T, name, layout string) *run {
	r := &run{product: p, name: name, layout: layout, app: map[string]string{"inpod": "web", "ownpod": "site", "shared": "edge"}[layout]}
	r.edge = &edge.Pods{Client: p.cluster.Client, Namespace: name, Vault: p.vault.Read}
	r.edge.Watch(t)
	r.cf = cfapi.Start(t, cfapi.Options{
		Accounts: []string{productAccount}, Zones: []cfapi.Zone{{Name: "example.com", ID: productZone}},
		Connectors: r.edge.Connectors,
	})
	r.extraEnv = append(r.cf.Env(), "VAULT_ADDR="+p.vault.Addr, "VAULT_TOKEN="+vaultdev.RootToken, "KUBECONFIG="+p.cluster.Kubeconfig)
	return r
}

func (r *run) hostname() string  { return r.name + ".example.com" }
func (r *run) vaultPath() string { return r.name + "/" + r.app + "/cloudflared" }

// config is the stack config of the run: the quickstart's keys and the fake API's host name.
func (r *run) config() map[string]string {
	cfg := map[string]string{
		"tunnelgate:accountId": productAccount, "tunnelgate:zoneId": productZone,
		"tunnelgate:hostname": r.hostname(), "tunnelgate:namespace": r.name,
		"cloudflare:apiHostname": r.cf.Host,
	}
	if r.layout != "ownpod" {
		cfg["tunnelgate:appImage"] = productImage
	}
	return cfg
}

func TestProduct(t *testing.T) {
	p := startProduct(t, cluster.Options{})
	for _, tc := range []struct {
		name, layout, dir, project string
		automation, short          bool
	}{
		{name: "inpod-cli", layout: "inpod", dir: "examples/inpod", project: "tunnelgate-inpod"},
		{name: "ownpod-cli", layout: "ownpod", dir: "examples/ownpod", project: "tunnelgate-ownpod"},
		{name: "root-cli", layout: "inpod", dir: ".", project: "tunnelgate", short: true},
		{name: "inpod-auto", layout: "inpod", project: "tunnelgate-inpod", automation: true},
		{name: "ownpod-auto", layout: "ownpod", project: "tunnelgate-ownpod", automation: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.newRun(t, tc.name, tc.layout)
			var d driver
			if tc.automation {
				d = newAutomation(t, r)
			} else {
				d = newCLI(t, r, filepath.Join(p.repo, tc.dir))
			}
			r.deploy(t, d, tc.project, !tc.short)
		})
	}
}

// driver runs one action ("up", "refresh", "destroy"; "up-no-changes" fails on any change; "preview",
// CLI only) and returns the resource changes it reported (none for a preview).
type driver func(t *testing.T, action string) map[string]int

// deploy: up, the checks of what every service received, refresh and a second up without changes
// (full only), the secrets scan, destroy and the checks that nothing is left.
func (r *run) deploy(t *testing.T, do driver, project string, full bool) {
	start := time.Now()
	got := do(t, "up")
	t.Logf("up: %v in %s", got, time.Since(start).Round(time.Millisecond))
	want := r.expectedResources()
	if !reflect.DeepEqual(got, map[string]int{"create": want}) {
		t.Errorf("up: %v, want create=%d", got, want)
	}
	tun := r.checkCloudflare(t, project)
	r.checkVault(t, tun)
	role := vaultrole.DefaultName(project, r.name, r.app)
	r.checkVaultRole(t, role)
	r.checkDeployment(t, tun)
	if r.afterUp != nil {
		r.afterUp(t)
	}
	if full {
		if got := do(t, "refresh"); !reflect.DeepEqual(got, map[string]int{"same": want}) {
			t.Errorf("refresh: %v, want same=%d: a provider reads back something else than it wrote", got, want)
		}
		if got := do(t, "up-no-changes"); !reflect.DeepEqual(got, map[string]int{"same": want}) {
			t.Errorf("up after refresh: %v, want same=%d", got, want)
		}
	}
	r.checkSecrets(t, tun)
	if m := r.edge.Mismatches(); len(m) > 0 {
		t.Errorf("pods that read another token than their template's tunnel: %v", m)
	}
	start = time.Now()
	got = do(t, "destroy")
	t.Logf("destroy: %v in %s", got, time.Since(start).Round(time.Millisecond))
	if !reflect.DeepEqual(got, map[string]int{"delete": want}) {
		t.Errorf("destroy: %v, want delete=%d", got, want)
	}
	r.checkGone(t, tun)
	r.checkVaultRoleGone(t, role)
	r.checkSecrets(t, tun)
}

// expectedResources counts what the program registers (default providers are not counted): the stack,
// the namespace, the Ingress and its tunnel (secret, tunnel, config, one DNS record, Vault secret), Vault
// role (policy, role), workload (service account, Deployment, PDB) and policy (CiliumNetworkPolicy)
// components.
func (r *run) expectedResources() int {
	return 1 + 1 + 1 + (1 + 5) + (1 + 2) + (1 + 3) + (1 + 1)
}

// checkCalls: the fake API served every call the provider made, and none broke what the API enforces.
func (r *run) checkCalls(t *testing.T) {
	t.Helper()
	if u := r.cf.Unhandled(); len(u) > 0 {
		t.Errorf("calls the fake does not serve: %v", u)
	}
	if v := r.cf.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
}

// checkCloudflare: the fake API received one remotely managed tunnel with a base64 secret of at least 32
// bytes, its configuration with the routes in order and the catch-all last, and one proxied CNAME per
// hostname to <id>.cfargotunnel.com; nothing else was called.
func (r *run) checkCloudflare(t *testing.T, project string) cfapi.Tunnel {
	t.Helper()
	r.checkCalls(t)
	tunnels := r.cf.Tunnels()
	if len(tunnels) != 1 {
		t.Fatalf("%d tunnels, want 1: %+v", len(tunnels), tunnels)
	}
	tun := tunnels[0]
	if want := project + "-" + r.name + "-" + r.app; tun.Name != want || tun.ConfigSrc != "cloudflare" || tun.Deleted() {
		t.Errorf("tunnel %q config_src %q deleted %v, want %q, cloudflare, live", tun.Name, tun.ConfigSrc, tun.Deleted(), want)
	}
	if raw, err := base64.StdEncoding.DecodeString(tun.Secret); err != nil || len(raw) < 32 {
		t.Errorf("tunnel secret %d bytes (%v), want base64 of at least 32", len(raw), err)
	}
	posts := r.cf.Calls("POST", "/accounts/"+productAccount+"/cfd_tunnel")
	if len(posts) != 1 {
		t.Fatalf("%d tunnel creations, want 1", len(posts))
	}
	if body, _ := posts[0].Body.(map[string]any); body["config_src"] != "cloudflare" || body["name"] != tun.Name {
		t.Errorf("tunnel creation body: config_src %v name %v", body["config_src"], body["name"])
	}

	cfg, ok := r.cf.Configuration(tun.ID)
	if !ok {
		t.Fatalf("no configuration for tunnel %s", tun.ID)
	}
	want := []cfapi.IngressRule{{Hostname: r.hostname(), Service: "http://localhost:4000"}, {Service: "http_status:404"}}
	if r.layout == "ownpod" {
		svc := func(app string) string { return "http://" + app + "." + r.name + ".svc.cluster.local:80" }
		want = []cfapi.IngressRule{
			{Hostname: r.hostname(), Path: "^/api/v0/", Service: svc("backend")},
			{Hostname: r.hostname(), Service: svc("frontend")},
			{Service: "http_status:404"},
		}
	}
	if !reflect.DeepEqual(cfg.Ingress, want) {
		t.Errorf("ingress rules %+v, want %+v", cfg.Ingress, want)
	}

	recs := r.cf.Records(productZone)
	if len(recs) != 1 {
		t.Fatalf("%d DNS records, want 1: %+v", len(recs), recs)
	}
	rec := recs[0]
	if rec.Name != r.hostname() || rec.Type != "CNAME" || rec.Content != tun.CNAME() || !rec.Proxied || rec.TTL != 1 {
		t.Errorf("record %+v, want a proxied CNAME %s -> %s with TTL 1", rec, r.hostname(), tun.CNAME())
	}
	return tun
}

// checkVault: KV v2 holds exactly the token the fake API issued and the tunnel id.
func (r *run) checkVault(t *testing.T, tun cfapi.Tunnel) {
	t.Helper()
	s, err := r.vault.Client.KVv2("secret").Get(context.Background(), r.vaultPath())
	if err != nil {
		t.Fatalf("read back secret/data/%s: %v", r.vaultPath(), err)
	}
	if want := map[string]any{"tunnel_token": tun.Token, "tunnel_id": tun.ID}; !reflect.DeepEqual(s.Data, want) {
		t.Errorf("Vault data keys %v: want exactly the issued token and the id %s", slices.Sorted(maps.Keys(s.Data)), tun.ID)
	}
}

// checkVaultRole: Vault holds the policy, reading exactly the token's path, and the Kubernetes auth
// role (named by default after project, stack and component) bound to exactly the pods' own service
// account in the run's namespace, which the pods run as.
func (r *run) checkVaultRole(t *testing.T, role string) {
	t.Helper()
	ctx := context.Background()
	policy, err := r.vault.Client.Sys().GetPolicyWithContext(ctx, role)
	if want := vaultrole.PolicyDocument(vaultkv.Location{Path: r.vaultPath()}); err != nil || policy != want {
		t.Errorf("policy %s: %q (%v), want %q", role, policy, err, want)
	}
	got, err := r.vault.Client.Logical().ReadWithContext(ctx, "auth/kubernetes/role/"+role)
	if err != nil || got == nil {
		t.Fatalf("role auth/kubernetes/role/%s: %v (%v)", role, got, err)
	}
	want := map[string]any{
		"bound_service_account_names": []any{r.app}, "bound_service_account_namespaces": []any{r.name},
		"token_policies": []any{role}, "audience": vaultrole.DefaultAudience,
		"token_ttl": json.Number("300"), "token_max_ttl": json.Number("3600"),
	}
	for k, v := range want {
		if !reflect.DeepEqual(got.Data[k], v) {
			t.Errorf("role %s: %s = %#v, want %#v", role, k, got.Data[k], v)
		}
	}
	dep, err := r.cluster.Client.AppsV1().Deployments(r.name).Get(ctx, r.app, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sa := dep.Spec.Template.Spec.ServiceAccountName; sa != r.app || dep.Spec.Template.Annotations[workload.VaultAnnotationPrefix+"role"] != role {
		t.Errorf("pods run as %q with role annotation %q, want %s and %s", sa, dep.Spec.Template.Annotations[workload.VaultAnnotationPrefix+"role"], r.app, role)
	}
}

// checkVaultRoleGone: destroy removed the policy and the role.
func (r *run) checkVaultRoleGone(t *testing.T, role string) {
	t.Helper()
	if policy, err := r.vault.Client.Sys().GetPolicy(role); err != nil || policy != "" {
		t.Errorf("policy %s after destroy: %q (%v)", role, policy, err)
	}
	if got, err := r.vault.Client.Logical().Read("auth/kubernetes/role/" + role); err != nil || got != nil {
		t.Errorf("role %s after destroy: %v (%v)", role, got, err)
	}
}

// checkDeployment: the Deployment is Available (the provider awaited it) and its pods carry the tunnel id.
func (r *run) checkDeployment(t *testing.T, tun cfapi.Tunnel) {
	t.Helper()
	dep, err := r.cluster.Client.AppsV1().Deployments(r.name).Get(context.Background(), r.app, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read back the Deployment: %v", err)
	}
	available := slices.ContainsFunc(dep.Status.Conditions, func(c appsv1.DeploymentCondition) bool {
		return c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue
	})
	if st := dep.Status; !available || st.ReadyReplicas != 2 || st.UpdatedReplicas != 2 {
		t.Errorf("Deployment %s/%s not rolled out: %+v", r.name, r.app, st)
	}
	if got := dep.Spec.Template.Annotations[workload.TunnelIDAnnotation]; got != tun.ID {
		t.Errorf("pod template tunnel id %q, want %q", got, tun.ID)
	}
}

// checkSecrets: neither the tunnel secret nor the token is in plain text in any file under the backend
// folder (stack file, history, backups) or in anything the CLI printed.
func (r *run) checkSecrets(t *testing.T, tun cfapi.Tunnel) {
	t.Helper()
	for what, v := range map[string]string{"tunnel secret": tun.Secret, "token": tun.Token} {
		if v == "" {
			t.Fatalf("%s unknown: nothing to search for", what)
		}
		if hits := r.env.FindInBackend(t, v); len(hits) > 0 {
			t.Errorf("the %s is in plain text in the backend: %v", what, hits)
		}
		if strings.Contains(r.env.Transcript(), v) {
			t.Errorf("the %s is in plain text in the CLI's output", what)
		}
	}
}

// checkGone: after destroy nothing is left in the fake API, Vault or the cluster, and no DNS record ever
// pointed at a deleted tunnel.
func (r *run) checkGone(t *testing.T, tun cfapi.Tunnel) {
	t.Helper()
	for _, x := range r.cf.Tunnels() {
		if !x.Deleted() {
			t.Errorf("tunnel %s (%s) left after destroy", x.Name, x.ID)
		}
	}
	if recs := r.cf.Records(""); len(recs) > 0 {
		t.Errorf("DNS records left after destroy: %+v", recs)
	}
	if v := r.cf.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
	// The order: every record went before its tunnel.
	var lastRecord, tunnelGone int
	for i, e := range r.cf.Events() {
		switch {
		case e.Kind == cfapi.RecordDeleted:
			lastRecord = i
		case e.Kind == cfapi.TunnelDeleted && e.TunnelID == tun.ID:
			tunnelGone = i
		}
	}
	if tunnelGone == 0 || lastRecord > tunnelGone {
		t.Errorf("events: record deleted at %d, tunnel deleted at %d; want the records first", lastRecord, tunnelGone)
	}
	// delete_all_versions: no version of the token and no metadata stay in Vault.
	if m, err := r.vault.Client.KVv2("secret").GetMetadata(context.Background(), r.vaultPath()); err == nil {
		t.Errorf("Vault metadata of %s left after destroy: %d versions", r.vaultPath(), len(m.Versions))
	}
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, err = r.cluster.Client.CoreV1().Namespaces().Get(context.Background(), r.name, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return
		}
	}
	t.Errorf("namespace %s still there after destroy (%v)", r.name, err)
}

// newCLI drives a Pulumi project folder through the CLI, like a user at a terminal. The stack's config
// file lives in a temp folder (--config-file), so that the checkout is left as it was.
func newCLI(t *testing.T, r *run, dir string) driver {
	ctx := context.Background()
	cfgFile := initStack(t, r.env, dir, r.name, r.extraEnv, r.config())
	return func(t *testing.T, action string) map[string]int {
		t.Helper()
		args := map[string][]string{
			"preview":       {"preview", "--diff"},
			"up":            {"up", "--yes", "--skip-preview", "--diff"},
			"up-no-changes": {"up", "--yes", "--expect-no-changes", "--diff"},
			"refresh":       {"refresh", "--yes", "--skip-preview"},
			"destroy":       {"destroy", "--yes", "--skip-preview"},
		}[action]
		args = append(args, "--non-interactive", "--config-file", cfgFile, "-s", r.name)
		if _, err := r.env.CLI(ctx, dir, r.extraEnv, args...); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		if action == "preview" {
			return nil // a preview writes no history
		}
		return r.env.Last(ctx, t, dir, r.name).Changes()
	}
}

// newAutomation drives the quickstart programs through the Automation API with the shipped command
// examples/automation (inline programs: no language host), built once per test.
func newAutomation(t *testing.T, r *run) driver {
	a := r.automation(t, buildAutomation(t, r.repo))
	return func(t *testing.T, action string) map[string]int {
		t.Helper()
		out, err := a.run(context.Background(), action)
		if err != nil {
			t.Fatalf("automation %s: %v\n%s", action, err, out)
		}
		return parseSummary(t, out)
	}
}

// buildAutomation builds examples/automation of repo into a temp folder.
func buildAutomation(t *testing.T, repo string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "automation")
	build := exec.Command("go", "build", "-o", bin, "./examples/automation")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build examples/automation: %v\n%s", err, out)
	}
	return bin
}

// automation is examples/automation set up for a run: the binary, the flags of the run's config, the
// environment.
type automation struct {
	r    *run
	bin  string
	base []string
	env  []string
}

func (r *run) automation(t *testing.T, bin string) *automation {
	base := []string{"-layout", r.layout, "-stack", r.name, "-backend", "file://" + r.env.Backend}
	for k, v := range r.config() {
		if name, ok := strings.CutPrefix(k, "tunnelgate:"); ok {
			base = append(base, "-"+flagName(name), v)
		} else {
			base = append(base, "-config", k+"="+v)
		}
	}
	env := r.env.Environ(append(r.extraEnv, "PATH="+filepath.Join(proc.ToolsDir(), "bin")+":"+os.Getenv("PATH"))...)
	return &automation{r: r, bin: bin, base: base, env: env}
}

// command is the command of one action ("up", "up-no-changes", "refresh", "destroy") with extra flags
// (e.g. "-config", "tunnelgate:rotation=r2"), in a process group of its own.
func (a *automation) command(ctx context.Context, action string, extra ...string) *exec.Cmd {
	args := append([]string{"-action", strings.TrimSuffix(action, "-no-changes")}, a.base...)
	if strings.HasSuffix(action, "-no-changes") {
		args = append(args, "-expect-no-changes")
	}
	cmd := exec.CommandContext(ctx, a.bin, append(args, extra...)...)
	cmd.Env = a.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// run runs one action to its end and records its output in the transcript.
func (a *automation) run(ctx context.Context, action string, extra ...string) (string, error) {
	cmd := a.command(ctx, action, extra...)
	out, err := cmd.CombinedOutput()
	a.r.env.Record("automation "+strings.Join(cmd.Args[1:], " "), string(out))
	return string(out), err
}

// flagName turns a quickstart config key into examples/automation's flag: accountId -> account-id.
func flagName(key string) string {
	var b strings.Builder
	for _, c := range key {
		if c >= 'A' && c <= 'Z' {
			b.WriteByte('-')
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// parseSummary reads examples/automation's last line, "automation: up succeeded: create=3 same=10".
func parseSummary(t *testing.T, out string) map[string]int {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	_, rest, ok := strings.Cut(last, " succeeded: ")
	if !ok {
		t.Fatalf("no summary line in the output:\n%s", out)
	}
	got := map[string]int{}
	for _, kv := range strings.Fields(rest) {
		var op string
		var n int
		if k, v, ok := strings.Cut(kv, "="); ok {
			if _, err := fmt.Sscan(v, &n); err == nil {
				op = k
			}
		}
		if op == "" {
			t.Fatalf("summary %q", last)
		}
		got[op] = n
	}
	return got
}

// initStack creates stack in the project folder dir with the passphrase secrets provider and sets cfg
// in a config file of its own in a temp folder (returned: pass it as --config-file), so that the
// checkout is left as it was; the stack is removed when the test ends.
func initStack(tb testing.TB, env *engine.Env, dir, stack string, extra []string, cfg map[string]string) string {
	tb.Helper()
	ctx := context.Background()
	cfgFile := filepath.Join(tb.TempDir(), "Pulumi."+stack+".yaml")
	if _, err := env.CLI(ctx, dir, extra, "stack", "init", stack, "--secrets-provider", "passphrase", "--non-interactive"); err != nil {
		tb.Fatal(err)
	}
	// stack init wrote the passphrase's salt to <dir>/Pulumi.<stack>.yaml: move it out of the checkout.
	created := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if err := os.Rename(created, cfgFile); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = os.Remove(created)
		_, _ = env.CLI(ctx, dir, extra, "stack", "rm", "--yes", "--force", "-s", stack)
	})
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		if _, err := env.CLI(ctx, dir, extra, "config", "set", "--config-file", cfgFile, "-s", stack, k, cfg[k]); err != nil {
			tb.Fatal(err)
		}
	}
	return cfgFile
}

// stateResource is a resource of a stack's state as `pulumi stack export` gives it; Raw is all of it.
type stateResource struct {
	Type    string         `json:"type"`
	URN     string         `json:"urn"`
	Outputs map[string]any `json:"outputs"`
	Raw     map[string]any `json:"-"`
}

// stackResources reads the resources of the run's stack (project folder dir) from `pulumi stack export`.
func (r *run) stackResources(t *testing.T, dir string) []stateResource {
	t.Helper()
	out, err := r.env.CLI(context.Background(), dir, r.extraEnv, "stack", "export", "-s", r.name)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Deployment struct {
			Resources []json.RawMessage `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("stack export: %v\n%s", err, out)
	}
	res := make([]stateResource, len(st.Deployment.Resources))
	for i, raw := range st.Deployment.Resources {
		if err := json.Unmarshal(raw, &res[i]); err == nil {
			err = json.Unmarshal(raw, &res[i].Raw)
		}
		if err != nil {
			t.Fatalf("stack export: %v", err)
		}
	}
	return res
}
