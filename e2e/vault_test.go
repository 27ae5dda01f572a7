package e2e_test

// Test 3 of the real-parts tests: the whole token path through Vault. The tunnel component's Vault KV v2
// secret is written through a real Vault dev server's API exactly as the component lays it out (mount,
// path, keys); the connector pod the workload package emits goes through the real injector code
// (vault-k8s v1.6.2), and the agent config the injector derives from its annotations runs in the real
// `vault agent` (only the Kubernetes auto-auth is swapped for a token file whose policy reads just that
// path; vaultauth_test.go runs the agent with real Kubernetes auth). The rendered file must be exactly
// the token, sit where cloudflared's --token-file points, and be readable by uid 65532 — checked by
// reading it as that user when the test runs as root.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch"
	"github.com/hashicorp/vault-k8s/agent-inject/agent"
	vault "github.com/hashicorp/vault/api"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	corev1 "k8s.io/api/core/v1"

	"github.com/tunnelgate/tunnelgate/e2e/internal/vaultdev"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

// vaultCase is what the library emits for one tunnel + Vault-sourced connector.
type vaultCase struct {
	mount, path string         // the tunnel component's kv.SecretV2 mount and name
	data        map[string]any // its dataJson
	token       string         // the tunnel token (the mock engine's, computed by the library)
	pod         *corev1.Pod    // the connector Deployment's pod template as a pod
}

// emitVaultCase runs the tunnel component (Vault enabled) and a connector whose Vault source is wired from
// the tunnel's Vault location, as a user would, on the mock engine; change lets a test break the wiring.
func emitVaultCase(t *testing.T, change func(*workload.VaultToken)) vaultCase {
	t.Helper()
	targs := &tunnel.Args{
		AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
		ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
		ZoneName:  "example.com",
		Routes:    []tunnel.Route{{Hostname: "app.example.com", Service: "http://web.apps.svc.cluster.local:80"}},
		Vault:     &vaultkv.Location{Path: "prod/web/cloudflared"},
	}
	loc := targs.Vault.WithDefaults()
	src := &workload.VaultToken{Agent: workload.VaultAgent{Role: "cloudflared"}, Secret: *targs.Vault}
	if change != nil {
		change(src)
	}
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		tun, err := tunnel.NewTunnel(ctx, "edge", targs)
		if err != nil {
			return err
		}
		_, err = workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{
			Namespace: pulumi.String("apps"), TunnelID: tun.TunnelID, Token: workload.TokenSource{Vault: src},
		})
		return err
	})
	if err != nil {
		t.Fatalf("program: %v", err)
	}
	var vc vaultCase
	kvs := res.OfType("vault:kv/secretV2:SecretV2")
	if len(kvs) != 1 {
		t.Fatalf("want one vault:kv/secretV2:SecretV2, got %d:\n%s", len(kvs), res.Tree())
	}
	in := dryrun.Plain(kvs[0].Inputs)
	vc.mount, _ = in["mount"].(string)
	vc.path, _ = in["name"].(string)
	if err := json.Unmarshal([]byte(in["dataJson"].(string)), &vc.data); err != nil {
		t.Fatalf("dataJson: %v", err)
	}
	vc.token, _ = vc.data[loc.TokenKey].(string)
	if vc.token == "" || vc.mount != loc.Mount || vc.path != loc.Path {
		t.Fatalf("the Vault secret is not laid out as its location %+v says: mount %q name %q data keys %v", loc, vc.mount, vc.path, keys(vc.data))
	}
	for _, m := range res.Manifests() {
		if m["kind"] != "Deployment" {
			continue
		}
		b, _ := json.Marshal(m["spec"].(map[string]any)["template"])
		var tmpl corev1.PodTemplateSpec
		if err := json.Unmarshal(b, &tmpl); err != nil {
			t.Fatalf("pod template: %v", err)
		}
		md := m["metadata"].(map[string]any)
		vc.pod = &corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}
		vc.pod.Name, _ = md["name"].(string)
		vc.pod.Namespace, _ = md["namespace"].(string)
	}
	if vc.pod == nil {
		t.Fatalf("the connector emitted no Deployment:\n%s", res.Tree())
	}
	return vc
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// inject runs the pod through the injector's own code (as its webhook does) and returns the mutated pod.
func inject(t *testing.T, pod *corev1.Pod, vaultAddr string) *corev1.Pod {
	t.Helper()
	pod = pod.DeepCopy()
	if ok, err := agent.ShouldInject(pod); err != nil || !ok {
		t.Fatalf("the injector would not inject this pod (ok=%v, err=%v); annotations %v", ok, err, pod.Annotations)
	}
	// The injector's defaults (its Helm chart's values); annotations on the pod take precedence.
	if err := agent.Init(pod, agent.AgentConfig{
		Image: "hashicorp/vault:1.14.1", Address: vaultAddr, AuthType: "kubernetes", AuthPath: "auth/kubernetes",
		Namespace: pod.Namespace, DefaultTemplate: "map", ExitOnRetryFailure: true, SetSecurityContext: true,
		ResourceRequestCPU: "250m", ResourceRequestMem: "64Mi", ResourceLimitCPU: "500m", ResourceLimitMem: "128Mi",
	}); err != nil {
		t.Fatalf("agent.Init: %v", err)
	}
	a, err := agent.New(pod)
	if err != nil {
		t.Fatalf("agent.New: %v", err)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("agent.Validate: %v", err)
	}
	patch, err := a.Patch()
	if err != nil {
		t.Fatalf("agent.Patch: %v", err)
	}
	p, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		t.Fatalf("decode patch: %v", err)
	}
	orig, _ := json.Marshal(pod)
	out, err := p.Apply(orig)
	if err != nil {
		t.Fatalf("apply patch: %v", err)
	}
	var mutated corev1.Pod
	if err := json.Unmarshal(out, &mutated); err != nil {
		t.Fatal(err)
	}
	return &mutated
}

// agentInit is the injected init container and the agent config it carries.
type agentInit struct {
	container corev1.Container
	config    agent.Config
}

func findAgentInit(t *testing.T, pod *corev1.Pod) agentInit {
	t.Helper()
	for i, c := range pod.Spec.InitContainers {
		if c.Name != "vault-agent-init" {
			continue
		}
		if i != 0 {
			t.Errorf("vault-agent-init is init container %d: the library asks for agent-init-first", i)
		}
		for _, e := range c.Env {
			if e.Name != "VAULT_CONFIG" {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(e.Value)
			if err != nil {
				t.Fatalf("VAULT_CONFIG: %v", err)
			}
			var ai agentInit
			ai.container = c
			if err := json.Unmarshal(raw, &ai.config); err != nil {
				t.Fatalf("VAULT_CONFIG: %v\n%s", err, raw)
			}
			return ai
		}
		t.Fatal("vault-agent-init has no VAULT_CONFIG")
	}
	t.Fatalf("no vault-agent-init container after injection; init containers: %v", pod.Spec.InitContainers)
	return agentInit{}
}

func cloudflaredContainer(t *testing.T, pod *corev1.Pod) corev1.Container {
	t.Helper()
	for _, c := range pod.Spec.Containers {
		if c.Name == workload.ContainerName {
			return c
		}
	}
	t.Fatalf("no %s container", workload.ContainerName)
	return corev1.Container{}
}

// tokenFileArg is the path after cloudflared's --token-file.
func tokenFileArg(t *testing.T, c corev1.Container) string {
	t.Helper()
	args := append(append([]string{}, c.Command...), c.Args...)
	for i, a := range args {
		if a == "--token-file" && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--token-file="); ok {
			return v
		}
	}
	t.Fatalf("cloudflared has no --token-file argument: %v", args)
	return ""
}

// rendered is the outcome of one agent run.
type rendered struct {
	hostPath      string // where the file landed in the test's root
	containerPath string // the template's destination in the pod
	content       []byte
	info          os.FileInfo
	output        string // the agent's log
	config        string // the agent config that ran
}

// readToken writes a Vault token whose only policy reads readPath (and looks itself up) into root/token
// and returns its path.
func readToken(ctx context.Context, t *testing.T, c *vault.Client, root, readPath string, uid, gid int) string {
	t.Helper()
	// Only the secret, plus the token's own lookup (the agent's token_file method validates the token).
	policy := fmt.Sprintf("path %q {\n  capabilities = [\"read\"]\n}\npath \"auth/token/lookup-self\" {\n  capabilities = [\"read\"]\n}\n", readPath)
	if err := c.Sys().PutPolicyWithContext(ctx, "cloudflared-read", policy); err != nil {
		t.Fatalf("policy: %v", err)
	}
	sec, err := c.Auth().Token().CreateWithContext(ctx, &vault.TokenCreateRequest{
		Policies: []string{"cloudflared-read"}, NoDefaultPolicy: true, TTL: "10m",
	})
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	p := filepath.Join(root, "token")
	if err := os.WriteFile(p, []byte(sec.Auth.ClientToken), 0o400); err != nil {
		t.Fatal(err)
	}
	chown(t, p, uid, gid)
	return p
}

func chown(t *testing.T, p string, uid, gid int) {
	t.Helper()
	if os.Geteuid() == 0 {
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
}

// tokenFileAuth swaps the injected kubernetes auto-auth for the token_file method reading tokenFile (a
// Vault token), for the tests that do not run Kubernetes auth.
func tokenFileAuth(tokenFile string) func(*agent.Method) {
	return func(m *agent.Method) {
		*m = agent.Method{Type: "token_file", Config: map[string]any{"token_file_path": tokenFile}}
	}
}

// kubernetesAuth keeps the injected kubernetes auto-auth (type, mount path, namespace, role) and only
// points its token_path, a path in the agent container, at jwtFile, the service-account token the
// kubelet would have projected there.
func kubernetesAuth(jwtFile string) func(*agent.Method) {
	return func(m *agent.Method) {
		c := maps.Clone(m.Config)
		c["token_path"] = jwtFile
		m.Config = c
	}
}

// runAgent runs the injected agent config with the real `vault agent`: auth adapts the injected
// kubernetes auto-auth method (tokenFileAuth swaps it, kubernetesAuth moves its token path), the sink and
// the container paths are moved under root; everything else (templates, perms, error_on_missing_key,
// exit_after_auth, template_config) is the injector's. As root, the agent runs with the init container's
// uid and gid, so the file gets the owner it gets in the pod.
func runAgent(t *testing.T, srv *vaultdev.Server, ai agentInit, root string, auth func(*agent.Method), timeout time.Duration) (*rendered, error) {
	t.Helper()
	cfg := ai.config
	if cfg.AutoAuth == nil || cfg.AutoAuth.Method == nil || cfg.AutoAuth.Method.Type != "kubernetes" {
		return nil, fmt.Errorf("injected auto_auth is not kubernetes: %+v", cfg.AutoAuth)
	}
	if len(cfg.Templates) != 1 {
		return nil, fmt.Errorf("want one template, got %d", len(cfg.Templates))
	}
	uid, gid := agentIDs(t, ai.container)
	home := filepath.Join(root, "home", "vault")
	mkdir(t, home, 0o755, uid, gid)
	method := *cfg.AutoAuth.Method
	auth(&method)
	cfg.AutoAuth = &agent.AutoAuth{
		Method: &method,
		Sinks:  []*agent.Sink{{Type: "file", Config: map[string]any{"path": filepath.Join(root, agent.TokenFile)}}},
	}
	cfg.PidFile = filepath.Join(root, cfg.PidFile)
	tmpl := *cfg.Templates[0]
	r := &rendered{containerPath: tmpl.Destination, hostPath: filepath.Join(root, tmpl.Destination)}
	// The injector's shared in-memory emptyDir: the kubelet creates it 0777.
	mkdir(t, filepath.Dir(r.hostPath), 0o777, 0, 0)
	tmpl.Destination = r.hostPath
	cfg.Templates = []*agent.Template{&tmpl}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(root, "agent-config.json")
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r.config = string(b)

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	bin := srv.Bin
	if os.Geteuid() == 0 {
		// The agent runs as the injected uid, which may not traverse the tools folder (e.g. under /root):
		// use a link to (or a copy of) the binary inside root.
		bin = filepath.Join(root, "vault-agent-bin")
		if err := os.Link(srv.Bin, bin); err != nil {
			copyFile(t, srv.Bin, bin)
		}
	}
	cmd := exec.CommandContext(ctx, bin, "agent", "-config="+cfgPath)
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "VAULT_SKIP_VERIFY=false"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	out, err := cmd.CombinedOutput()
	r.output = string(out)
	if ctx.Err() != nil {
		return r, fmt.Errorf("vault agent did not finish within %s (it retries what it cannot render):\n%s", timeout, tail(r.output, 15))
	}
	if err != nil {
		return r, fmt.Errorf("vault agent failed: %v\n%s", err, tail(r.output, 15))
	}
	if r.content, err = os.ReadFile(r.hostPath); err != nil {
		return r, fmt.Errorf("vault agent exited without rendering %s: %v\n%s", tmpl.Destination, err, tail(r.output, 15))
	}
	if r.info, err = os.Stat(r.hostPath); err != nil {
		return r, err
	}
	return r, nil
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func mkdir(t *testing.T, dir string, mode os.FileMode, uid, gid int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	chown(t, dir, uid, gid)
}

// agentIDs are the uid and gid of the injected agent container.
func agentIDs(t *testing.T, c corev1.Container) (int, int) {
	t.Helper()
	sc := c.SecurityContext
	if sc == nil || sc.RunAsUser == nil || sc.RunAsGroup == nil {
		t.Fatalf("the injected agent has no runAsUser/runAsGroup: %+v", sc)
	}
	return int(*sc.RunAsUser), int(*sc.RunAsGroup)
}

// cloudflaredIDs are the uid and the groups cloudflared runs with (container over pod settings, plus
// supplemental groups and fsGroup).
func cloudflaredIDs(pod *corev1.Pod, c corev1.Container) (int, []int) {
	uid, gid := -1, -1
	var groups []int
	if p := pod.Spec.SecurityContext; p != nil {
		if p.RunAsUser != nil {
			uid = int(*p.RunAsUser)
		}
		if p.RunAsGroup != nil {
			gid = int(*p.RunAsGroup)
		}
		for _, g := range p.SupplementalGroups {
			groups = append(groups, int(g))
		}
		if p.FSGroup != nil {
			groups = append(groups, int(*p.FSGroup))
		}
	}
	if s := c.SecurityContext; s != nil {
		if s.RunAsUser != nil {
			uid = int(*s.RunAsUser)
		}
		if s.RunAsGroup != nil {
			gid = int(*s.RunAsGroup)
		}
	}
	return uid, append([]int{gid}, groups...)
}

// canRead applies the permission bits as the kernel does for a process with uid and groups.
func canRead(mode os.FileMode, ownerUID, ownerGID, uid int, groups []int) bool {
	if uid == ownerUID {
		return mode&0o400 != 0
	}
	for _, g := range groups {
		if g == ownerGID {
			return mode&0o040 != 0
		}
	}
	return mode&0o004 != 0
}

// readAs reads path in a child process running with uid and groups (needs root).
func readAs(path string, uid int, groups []int) ([]byte, error) {
	cmd := exec.Command("cat", path)
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(groups[0])}
	for _, g := range groups[1:] {
		cred.Groups = append(cred.Groups, uint32(g))
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, errb.String())
	}
	return []byte(out.String()), nil
}

// tokenPathRun is one full run: write the secret as the tunnel lays it out, inject the emitted pod, run the
// agent. It returns the emitted case, the mutated pod, the agent's init container and the rendering.
func tokenPathRun(t *testing.T, srv *vaultdev.Server, change func(*workload.VaultToken), timeout time.Duration) (vaultCase, *corev1.Pod, agentInit, *rendered, error) {
	t.Helper()
	ctx := context.Background()
	vc := emitVaultCase(t, change)
	if _, err := srv.Client.KVv2(vc.mount).Put(ctx, vc.path, vc.data); err != nil {
		t.Fatalf("write %s/data/%s: %v", vc.mount, vc.path, err)
	}
	mutated := inject(t, vc.pod, srv.Addr)
	ai := findAgentInit(t, mutated)
	root, err := os.MkdirTemp("", "tunnelgate-vault-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil { // traversable for the agent's and cloudflared's uids
		t.Fatal(err)
	}
	uid, gid := agentIDs(t, ai.container)
	// The policy reads exactly the path the tunnel component writes (not what the annotations say).
	tok := readToken(ctx, t, srv.Client, root, vc.mount+"/data/"+vc.path, uid, gid)
	r, err := runAgent(t, srv, ai, root, tokenFileAuth(tok), timeout)
	return vc, mutated, ai, r, err
}

func TestVaultTokenPath(t *testing.T) {
	srv := vaultdev.Start(t)

	t.Run("renders the token for cloudflared", func(t *testing.T) {
		vc, mutated, ai, r, err := tokenPathRun(t, srv, nil, 60*time.Second)
		if err != nil {
			if r != nil {
				t.Logf("agent config (after the swap):\n%s", r.config)
			}
			t.Fatal(err)
		}
		if string(r.content) != vc.token {
			t.Errorf("rendered file is %q, want exactly the token %q (%d bytes)", r.content, vc.token, len(vc.token))
		}
		// The read went through the KV v2 API: the secret's metadata path is there too.
		if sec, err := srv.Client.KVv2(vc.mount).Get(context.Background(), vc.path); err != nil || sec.Data[vaultkv.DefaultTokenKey] != vc.token {
			t.Errorf("read back %s/data/%s: %v %v", vc.mount, vc.path, sec, err)
		}

		cf := cloudflaredContainer(t, mutated)
		if want := tokenFileArg(t, cf); r.containerPath != want {
			t.Errorf("the agent writes %s, cloudflared reads --token-file %s", r.containerPath, want)
		}
		mounted := false
		for _, m := range cf.VolumeMounts {
			if m.MountPath == path.Dir(r.containerPath) {
				mounted = true
				for _, v := range mutated.Spec.Volumes {
					if v.Name == m.Name && (v.EmptyDir == nil || v.EmptyDir.Medium != corev1.StorageMediumMemory) {
						t.Errorf("volume %s at %s is not an in-memory emptyDir: %+v", v.Name, m.MountPath, v.VolumeSource)
					}
				}
			}
		}
		if !mounted {
			t.Errorf("cloudflared does not mount %s after injection: %+v", path.Dir(r.containerPath), cf.VolumeMounts)
		}

		wantPerms := mutated.Annotations[workload.VaultAnnotationPrefix+"agent-inject-perms-"+workload.VaultSecretName]
		perm, err := strconv.ParseUint(wantPerms, 8, 32)
		if err != nil {
			t.Fatalf("perms annotation %q: %v", wantPerms, err)
		}
		if got := r.info.Mode().Perm(); got != os.FileMode(perm) {
			t.Errorf("file mode %v, want %s from the annotation", got, wantPerms)
		}
		agentUID, agentGID := agentIDs(t, ai.container)
		uid, groups := cloudflaredIDs(mutated, cf)
		t.Logf("%s: %d bytes, mode %v, written by uid %d gid %d; cloudflared: uid %d groups %v, --token-file %s",
			r.containerPath, len(r.content), r.info.Mode().Perm(), agentUID, agentGID, uid, groups, tokenFileArg(t, cf))
		if uid != workload.UID {
			t.Errorf("cloudflared runs as uid %d, want %d", uid, workload.UID)
		}
		if !canRead(r.info.Mode().Perm(), agentUID, agentGID, uid, groups) {
			t.Errorf("mode %v, owner %d:%d: uid %d with groups %v cannot read the token", r.info.Mode().Perm(), agentUID, agentGID, uid, groups)
		}
		if os.Geteuid() != 0 {
			t.Logf("not root: the file's owner and a real read as uid %d are not checked (the permission bits are)", uid)
			return
		}
		st := r.info.Sys().(*syscall.Stat_t)
		if int(st.Uid) != agentUID || int(st.Gid) != agentGID {
			t.Errorf("file owner %d:%d, want the agent's %d:%d", st.Uid, st.Gid, agentUID, agentGID)
		}
		got, err := readAs(r.hostPath, uid, groups)
		if err != nil || string(got) != vc.token {
			t.Errorf("reading as uid %d groups %v: %q, %v", uid, groups, got, err)
		}
		// Control: a process that is neither the owner nor in the group cannot read it, so the check above
		// depends on the mode and ids, not on running as root.
		if _, err := readAs(r.hostPath, 12345, []int{12345}); err == nil {
			t.Errorf("uid 12345 could read the token file (mode %v): it is world-readable", r.info.Mode().Perm())
		}
	})

	// A wrong path or key in the annotations must make the path above fail: the agent never renders.
	for _, tc := range []struct {
		name   string
		change func(*workload.VaultToken)
		inLog  string
	}{
		{"wrong path fails", func(v *workload.VaultToken) { v.Secret.Path = "prod/web/cloudflare" }, "permission denied"},
		{"wrong key fails", func(v *workload.VaultToken) { v.Secret.TokenKey = "token" }, "map has no entry for key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, r, err := tokenPathRun(t, srv, tc.change, 20*time.Second)
			if err == nil {
				t.Fatalf("the agent rendered %q with a broken source: the test could not catch this", r.content)
			}
			t.Logf("as expected, the token path fails: %v", err)
			if r != nil && !strings.Contains(r.output, tc.inLog) {
				t.Errorf("the agent's log does not say %q:\n%s", tc.inLog, tail(r.output, 15))
			}
			if r != nil && r.content != nil {
				t.Errorf("a file was rendered: %q", r.content)
			}
		})
	}
}
