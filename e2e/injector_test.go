package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	jsonpatch "github.com/evanphx/json-patch"
	"github.com/hashicorp/consul-template/renderer"
	"github.com/hashicorp/vault-k8s/agent-inject/agent"
	corev1 "k8s.io/api/core/v1"

	"github.com/tunnelgate/tunnelgate/internal/fixtures"
	"github.com/tunnelgate/tunnelgate/workload"
)

// injectorConfig is what the injector's webhook passes to agent.Init with its default flags
// (AGENT_INJECT_* defaults of vault-k8s v1.6.2: run as 100:1000, security context on, "map" default
// template, exit on retry failure, 250m/64Mi requests and 500m/128Mi limits).
func injectorConfig(namespace string) agent.AgentConfig {
	return agent.AgentConfig{
		Image: "hashicorp/vault:1.20.4", Address: "https://vault.vault.svc:8200", AuthType: "kubernetes",
		AuthPath: "auth/kubernetes", Namespace: namespace, UserID: "100", GroupID: "1000",
		SetSecurityContext: true, DefaultTemplate: "map", ExitOnRetryFailure: true,
		ResourceRequestCPU: "250m", ResourceRequestMem: "64Mi", ResourceLimitCPU: "500m", ResourceLimitMem: "128Mi",
	}
}

// injected is one emitted pod after the real injector code handled it.
type injected struct {
	where   string
	agent   *agent.Agent
	pod     *corev1.Pod  // the mutated pod, as the webhook's JSON patch leaves it
	config  agent.Config // the init container's agent configuration (VAULT_CONFIG)
	sidecar *agent.Config
}

// vaultPods returns the emitted pods that ask for injection (at least the three Vault fixture cases).
//
// Only the workload package's own cases count here: their Vault input is fixtures.WorkloadVault, which the
// injector and template tests pin exactly. (The examples' pods come from the same code path and go
// through the Pod Security and API-server tests.)
func vaultPods(t *testing.T) []emittedPod {
	var out []emittedPod
	for _, p := range emittedPods(t) {
		if strings.HasPrefix(p.Where, "workload/") && p.Pod.Annotations[agent.AnnotationAgentInject] == "true" {
			out = append(out, p)
		}
	}
	if len(out) < 3 {
		t.Fatalf("want at least 3 pods with Vault injection (ownpod-vault, sidecar-vault, ownpod-custom), got %d", len(out))
	}
	return out
}

// inject runs the injector's own code on a copy of pod: Init (the webhook's defaults), New (parses the
// annotations), Validate, Patch; then applies the JSON patch and decodes the agent configurations.
//
// No API-server-added service-account mount is needed: the emitted pods carry the projected token
// volume named by agent-service-account-token-volume-name, which New finds on its own (a pod without it
// and without a mount whose path contains "serviceaccount" is rejected, see TestInjectorRejects).
func inject(pod *corev1.Pod) (*injected, error) {
	p := pod.DeepCopy()
	if ok, err := agent.ShouldInject(p); err != nil || !ok {
		return nil, fmt.Errorf("ShouldInject = %v, %v", ok, err)
	}
	if err := agent.Init(p, injectorConfig(p.Namespace)); err != nil {
		return nil, fmt.Errorf("Init: %w", err)
	}
	a, err := agent.New(p)
	if err != nil {
		return nil, fmt.Errorf("New: %w", err)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("Validate: %w", err)
	}
	ops, err := a.Patch()
	if err != nil {
		return nil, fmt.Errorf("Patch: %w", err)
	}
	patch, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	if doc, err = patch.Apply(doc); err != nil {
		return nil, fmt.Errorf("applying the injector's patch: %w", err)
	}
	out := &injected{agent: a, pod: &corev1.Pod{}}
	if err := strictJSON(mustMap(doc), out.pod); err != nil {
		return nil, err
	}
	for _, cs := range [][]corev1.Container{out.pod.Spec.InitContainers, out.pod.Spec.Containers} {
		for _, c := range cs {
			cfg, err := vaultConfig(c)
			if err != nil {
				return nil, err
			}
			switch {
			case cfg == nil:
			case c.Name == "vault-agent-init":
				out.config = *cfg
			case c.Name == "vault-agent":
				out.sidecar = cfg
			}
		}
	}
	if out.config.Vault == nil {
		return nil, errors.New("no vault-agent-init container with VAULT_CONFIG")
	}
	return out, nil
}

func mustMap(doc []byte) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		panic(err)
	}
	return m
}

// vaultConfig decodes a container's VAULT_CONFIG (base64 JSON), or nil without one.
func vaultConfig(c corev1.Container) (*agent.Config, error) {
	for _, e := range c.Env {
		if e.Name != "VAULT_CONFIG" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(e.Value)
		if err != nil {
			return nil, err
		}
		var cfg agent.Config
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return nil, fmt.Errorf("%s VAULT_CONFIG: %w", c.Name, err)
		}
		return &cfg, nil
	}
	return nil, nil
}

func TestInjectorAcceptsEmittedPods(t *testing.T) {
	wantTemplate := `{{- with secret "secret/data/prod/web/cloudflared" -}}{{ .Data.data.tunnel_token }}{{- end -}}`
	if got := fixtures.WorkloadVault.Template(); got != wantTemplate {
		t.Fatalf("fixture template %q, want %q", got, wantTemplate)
	}
	for _, ep := range vaultPods(t) {
		t.Run(ep.Where, func(t *testing.T) {
			in, err := inject(ep.Pod)
			if err != nil {
				t.Fatal(err)
			}
			a, cfg := in.agent, in.config
			custom := strings.HasPrefix(ep.Where, "workload/ownpod-custom ")

			// Secret path, template, file, perms, as the injector parsed them.
			if len(a.Secrets) != 1 {
				t.Fatalf("secrets: %+v", a.Secrets)
			}
			s := a.Secrets[0]
			if s.Name != workload.VaultSecretName || s.Path != "secret/data/prod/web/cloudflared" || s.Template != wantTemplate ||
				s.FilePathAndName != "tunnel-token" || s.FilePermission != "0440" || !s.ErrMissingKey || s.MountPath != "/vault/secrets" {
				t.Errorf("parsed secret: %+v", *s)
			}
			if !a.InitFirst || !a.PrePopulate || a.PrePopulateOnly == custom {
				t.Errorf("initFirst %v prePopulate %v prePopulateOnly %v (custom case: long-running agent)", a.InitFirst, a.PrePopulate, a.PrePopulateOnly)
			}
			if strings.Join(a.Containers, ",") != "cloudflared" || a.Vault.Role != "cloudflared" || a.Vault.AuthPath != "auth/kubernetes" || a.Vault.TLSSkipVerify {
				t.Errorf("containers %v role %q authPath %q skipVerify %v", a.Containers, a.Vault.Role, a.Vault.AuthPath, a.Vault.TLSSkipVerify)
			}

			// The generated agent configuration (what `vault agent` runs with).
			if len(cfg.Templates) != 1 {
				t.Fatalf("templates: %+v", cfg.Templates)
			}
			tpl := cfg.Templates[0]
			if tpl.Destination != workload.VaultTokenFile || tpl.Contents != wantTemplate || tpl.Perms != "0440" ||
				!tpl.ErrMissingKey || tpl.LeftDelim != "{{" || tpl.RightDelim != "}}" || tpl.Source != "" {
				t.Errorf("template: %+v", *tpl)
			}
			if !cfg.ExitAfterAuth || cfg.TemplateConfig == nil || !cfg.TemplateConfig.ExitOnRetryFailure {
				t.Errorf("init config: exit_after_auth %v template_config %+v", cfg.ExitAfterAuth, cfg.TemplateConfig)
			}
			m := cfg.AutoAuth.Method
			wantToken := agent.DefaultServiceAccountMount + "/token"
			if m.Type != "kubernetes" || m.MountPath != "auth/kubernetes" || m.Config["role"] != "cloudflared" || m.Config["token_path"] != wantToken {
				t.Errorf("auto_auth method: %+v", *m)
			}

			// Containers: agent init container first, secrets only in cloudflared, token only in the agent.
			initc := in.pod.Spec.InitContainers
			if len(initc) == 0 || initc[0].Name != "vault-agent-init" {
				t.Fatalf("init containers: %v", names(initc))
			}
			if custom != (in.sidecar != nil) {
				t.Errorf("long-running agent sidecar present = %v in %s", in.sidecar != nil, ep.Where)
			}
			for _, c := range append(append([]corev1.Container{}, in.pod.Spec.InitContainers...), in.pod.Spec.Containers...) {
				agentC := strings.HasPrefix(c.Name, "vault-agent")
				if got, want := mountPath(c, "vault-secrets"), map[bool]string{true: "/vault/secrets", false: ""}[agentC || c.Name == "cloudflared"]; got != want {
					t.Errorf("%s mounts vault-secrets at %q, want %q", c.Name, got, want)
				}
				if got, want := mountPath(c, workload.VaultServiceAccountVolume), map[bool]string{true: agent.DefaultServiceAccountMount, false: ""}[agentC]; got != want {
					t.Errorf("%s mounts the service-account token at %q, want %q", c.Name, got, want)
				}
			}
			cf := container(in.pod, "cloudflared")
			if cf == nil || cf.Args[len(cf.Args)-1] != tpl.Destination {
				t.Errorf("cloudflared does not read the rendered file %s: %v", tpl.Destination, cf)
			}

			v := cfg.Vault
			if custom {
				if v.Address != "https://vault.vault.svc:8200" || v.CACert != "/vault/tls/ca.crt" || v.TLSServerName != "vault.vault.svc" ||
					v.TLSSkipVerify || m.Namespace != "team-web" || volumeSecret(in.pod, "vault-tls-secrets") != "vault-tls" ||
					mountPath(initc[0], "vault-tls-secrets") != "/vault/tls" || in.pod.Annotations["vault.hashicorp.com/agent-limits-mem"] != "64Mi" {
					t.Errorf("custom TLS/namespace: vault %+v method namespace %q", *v, m.Namespace)
				}
				if in.sidecar.ExitAfterAuth || len(in.sidecar.Templates) != 1 || in.sidecar.Templates[0].Perms != "0440" {
					t.Errorf("sidecar agent config: %+v", *in.sidecar)
				}
			} else if v.CACert != "" || v.TLSSkipVerify || m.Namespace != "" {
				t.Errorf("default TLS: %+v", *v)
			}
		})
	}
}

// TestInjectorRejects shows that the injector's own checks bite: the emitted pods pass only because
// they are right.
func TestInjectorRejects(t *testing.T) {
	base := vaultPods(t)[0].Pod
	cases := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   string
	}{
		{"missing role", func(p *corev1.Pod) { delete(p.Annotations, "vault.hashicorp.com/role") }, "no Vault role found"},
		{"no service-account token volume", func(p *corev1.Pod) {
			p.Spec.Volumes = without(p.Spec.Volumes, workload.VaultServiceAccountVolume)
		}, `failed to find service account volume "vault-sa-token"`},
		{"init-first not a boolean", func(p *corev1.Pod) { p.Annotations["vault.hashicorp.com/agent-init-first"] = "first" }, "invalid syntax"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := base.DeepCopy()
			c.mutate(p)
			_, err := inject(p)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func names(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func mountPath(c corev1.Container, volume string) string {
	for _, m := range c.VolumeMounts {
		if m.Name == volume {
			return m.MountPath
		}
	}
	return ""
}

func volumeSecret(p *corev1.Pod, volume string) string {
	for _, v := range p.Spec.Volumes {
		if v.Name == volume && v.Secret != nil {
			return v.Secret.SecretName
		}
	}
	return ""
}

func without(vs []corev1.Volume, name string) []corev1.Volume {
	var out []corev1.Volume
	for _, v := range vs {
		if v.Name != name {
			out = append(out, v)
		}
	}
	return out
}

// ids are the uid, gid and supplementary groups of a container's processes.
type ids struct {
	uid, gid int
	groups   []int
}

// processIDs resolves a container's ids as the kubelet does: container securityContext over the
// pod's, fsGroup and supplementalGroups as supplementary groups.
func processIDs(p *corev1.Pod, c *corev1.Container) ids {
	var out ids
	psc := p.Spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	sc := c.SecurityContext
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	pick := func(a, b *int64) int {
		if a != nil {
			return int(*a)
		}
		if b != nil {
			return int(*b)
		}
		return -1
	}
	out.uid, out.gid = pick(sc.RunAsUser, psc.RunAsUser), pick(sc.RunAsGroup, psc.RunAsGroup)
	if psc.FSGroup != nil {
		out.groups = append(out.groups, int(*psc.FSGroup))
	}
	for _, g := range psc.SupplementalGroups {
		out.groups = append(out.groups, int(g))
	}
	return out
}

// canRead is the kernel's permission check for reading a file (owner, then group, then other bits).
func canRead(mode os.FileMode, owner, group int, who ids) bool {
	switch {
	case who.uid == 0:
		return true
	case who.uid == owner:
		return mode&0o400 != 0
	case who.gid == group || slices.Contains(who.groups, group):
		return mode&0o040 != 0
	}
	return mode&0o004 != 0
}

// TestInjectorTokenFileReadableByCloudflaredOnly proves the uid-65532 decision for every emitted Vault
// pod, with every input taken from real code: the agent's uid/gid from the init container the injector
// generated, the file mode from the agent configuration it generated, cloudflared's uid/gid from the
// emitted pod. The injector's emptyDir has mode 0777 and, without an fsGroup, no set-gid bit, so the
// rendered file belongs to the agent's uid and primary gid. Then (as root) the file is really written
// with consul-template's renderer (what `vault agent` uses) under the agent's ids and read under
// cloudflared's and another uid's: the kernel decides. Counter-check: with the injector's default
// agent group (1000) the same mode locks cloudflared out, which is why the package sets
// agent-run-as-group.
func TestInjectorTokenFileReadableByCloudflaredOnly(t *testing.T) {
	for _, ep := range vaultPods(t) {
		t.Run(ep.Where, func(t *testing.T) {
			in, err := inject(ep.Pod)
			if err != nil {
				t.Fatal(err)
			}
			agentIDs := processIDs(in.pod, &in.pod.Spec.InitContainers[0])
			cfIDs := processIDs(in.pod, container(in.pod, "cloudflared"))
			mode, err := strconv.ParseUint(in.config.Templates[0].Perms, 8, 32)
			if err != nil {
				t.Fatal(err)
			}
			if agentIDs.uid != 100 || agentIDs.gid != workload.UID || cfIDs.uid != workload.UID || cfIDs.gid != workload.UID || mode != 0o440 {
				t.Fatalf("agent %+v cloudflared %+v mode %o", agentIDs, cfIDs, mode)
			}
			if in.pod.Spec.SecurityContext.FSGroup != nil {
				t.Fatalf("unexpected fsGroup %d: the reasoning below assumes a plain emptyDir", *in.pod.Spec.SecurityContext.FSGroup)
			}
			other := ids{uid: 101, gid: 101} // e.g. the app container of the sidecar layout
			if !canRead(os.FileMode(mode), agentIDs.uid, agentIDs.gid, cfIDs) || canRead(os.FileMode(mode), agentIDs.uid, agentIDs.gid, other) {
				t.Errorf("model: cloudflared must read, uid 101 must not")
			}
			if canRead(os.FileMode(mode), agentIDs.uid, 1000, cfIDs) {
				t.Errorf("model: with the default agent group 1000, mode 0440 must lock cloudflared out")
			}
			if os.Geteuid() != 0 {
				t.Skip("not root: the kernel check needs to switch uids")
			}
			kernelCheck(t, os.FileMode(mode), agentIDs, cfIDs, other)
		})
	}
}

// kernelCheck writes the token file as writer with consul-template's renderer in a 0777 directory
// (like the injector's emptyDir) and reads it back as reader (must work) and as other (must fail).
func kernelCheck(t *testing.T, mode os.FileMode, writer, reader, other ids) {
	dir, err := os.MkdirTemp("", "tunnelgate-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	secrets := filepath.Join(dir, "secrets")
	if err := os.Mkdir(secrets, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, secrets} {
		mode := os.FileMode(0o755)
		if d == secrets {
			mode = 0o777
		}
		if err := os.Chmod(d, mode); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "e2e.test")
	if err := copyFile(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(secrets, "tunnel-token")
	const token = "eyJhIjoiYSIsInQiOiJ0IiwicyI6InMifQ=="
	run := func(who ids, env ...string) (string, error) {
		cmd := exec.Command(bin, "-test.run=^TestRenderAsHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), env...)
		cmd.Dir = dir
		groups := []uint32{}
		for _, g := range who.groups {
			groups = append(groups, uint32(g))
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(who.uid), Gid: uint32(who.gid), Groups: groups}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(writer, "TG_HELPER=render", "TG_PATH="+target, "TG_CONTENT="+token, fmt.Sprintf("TG_PERMS=%o", mode)); err != nil {
		t.Fatalf("render as %+v: %v\n%s", writer, err, out)
	}
	st, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	if st.Mode().Perm() != mode || int(sys.Uid) != writer.uid || int(sys.Gid) != writer.gid {
		t.Fatalf("rendered file %v owned by %d:%d, want %v %d:%d", st.Mode().Perm(), sys.Uid, sys.Gid, mode, writer.uid, writer.gid)
	}
	if out, err := run(reader, "TG_HELPER=read", "TG_PATH="+target); err != nil || !strings.Contains(out, "TOKEN["+token+"]") {
		t.Errorf("cloudflared (%+v) cannot read the token: %v\n%s", reader, err, out)
	}
	if out, err := run(other, "TG_HELPER=read", "TG_PATH="+target); err == nil || !strings.Contains(out, "permission denied") {
		t.Errorf("uid %d could read the token: %v\n%s", other.uid, err, out)
	}
	// Counter-check: the injector's default agent group.
	if err := os.Chown(target, writer.uid, 1000); err != nil {
		t.Fatal(err)
	}
	if out, err := run(reader, "TG_HELPER=read", "TG_PATH="+target); err == nil || !strings.Contains(out, "permission denied") {
		t.Errorf("with agent group 1000, cloudflared could still read: %v\n%s", err, out)
	}
}

func copyFile(dst string, mode os.FileMode) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	in, err := os.Open(self)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// TestRenderAsHelper is not a test: kernelCheck runs the test binary under another uid with it, to
// render a file with consul-template's renderer or to read one.
func TestRenderAsHelper(t *testing.T) {
	switch os.Getenv("TG_HELPER") {
	case "render":
		perms, err := strconv.ParseUint(os.Getenv("TG_PERMS"), 8, 32)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := renderer.Render(&renderer.RenderInput{
			Path: os.Getenv("TG_PATH"), Contents: []byte(os.Getenv("TG_CONTENT")), Perms: os.FileMode(perms),
		}); err != nil {
			t.Fatal(err)
		}
	case "read":
		b, err := os.ReadFile(os.Getenv("TG_PATH"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("TOKEN[%s]\n", b)
	default:
		t.Skip("helper process only")
	}
}
