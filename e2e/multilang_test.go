package e2e_test

// tunnelgate from other Pulumi languages (issue 16): examples/yaml and examples/typescript, the in-pod
// quickstart in Pulumi YAML and TypeScript, deployed with `pulumi up` through the CLI, the YAML and
// Node.js language hosts and tunnelgate's own plugin (cmd/pulumi-resource-tunnelgate, built by tools/build
// and installed into the plugin cache), with every provider real as in TestProduct. The TypeScript SDK
// is generated from the plugin's schema and compiled by tsc, as `pulumi package add` does; the npm
// dependencies are tools/build's (node-modules). What the plugin registers is compared with what the Go
// program registers for the same inputs, and bad input fails in every language with the library's error.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
	"github.com/tunnelgate/tunnelgate/e2e/internal/engine"
	"github.com/tunnelgate/tunnelgate/e2e/internal/proc"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

// pluginVersion is the version the plugin reports (provider.Version), which the generated SDK asks for.
const pluginVersion = "0.1.0"

// multiLang is what the multi-language runs share: the plugin and the TypeScript SDK and dependencies.
type multiLang struct {
	plugin      string // the plugin binary of this checkout
	nodeModules string // tools/build's node_modules for examples/typescript
	sdk         string // the generated and compiled TypeScript SDK (a package folder)
}

// setUpPlugin builds (when stale) and installs this checkout's plugin into env, and generates and
// compiles the TypeScript SDK from it once per test binary.
func setUpPlugin(t testing.TB, repo string, env *engine.Env) *multiLang {
	t.Helper()
	mlOnce.Do(func() { ml, mlErr = buildPluginAndSDK(repo, env) })
	if mlErr != nil {
		t.Fatal(mlErr)
	}
	env.InstallPlugin(t, "tunnelgate", pluginVersion, ml.plugin)
	return ml
}

var (
	mlOnce sync.Once
	ml     *multiLang
	mlErr  error
)

func buildPluginAndSDK(repo string, env *engine.Env) (*multiLang, error) {
	// tools/build is idempotent: it rebuilds the plugin only when its sources changed since the last build,
	// so that a test never runs a stale plugin (about 0.1 s when up to date).
	build := exec.Command(filepath.Join(repo, "tools", "build"), "pulumi-resource-tunnelgate", "node-modules")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("tools/build: %v\n%s", err, out)
	}
	m := &multiLang{plugin: filepath.Join(repo, ".tools", "bin", "pulumi-resource-tunnelgate")}
	lock, err := recipeHash(filepath.Join(repo, "examples", "typescript", "package.json"), filepath.Join(repo, "examples", "typescript", "package-lock.json"))
	if err != nil {
		return nil, err
	}
	m.nodeModules = filepath.Join(proc.ToolsDir(), "node", lock, "node_modules")
	if _, err := os.Stat(m.nodeModules); err != nil {
		return nil, fmt.Errorf("npm dependencies of examples/typescript: %v (tools/build node-modules)", err)
	}
	dir, err := os.MkdirTemp("", "tunnelgate-sdk")
	if err != nil {
		return nil, err
	}
	// `pulumi package add` generates the SDK from the plugin's schema (reading the kubernetes package's
	// schema for the containers' and pod spec's types) and compiles it with tsc (its postinstall script).
	m.sdk = filepath.Join(dir, "sdks", "tunnelgate")
	start := time.Now()
	if out, err := env.CLI(context.Background(), dir, nil, "package", "gen-sdk", m.plugin, "--language", "nodejs", "--local", "--out", dir+"/gen"); err != nil {
		return nil, fmt.Errorf("gen-sdk: %v\n%s", err, out)
	}
	if err := os.MkdirAll(filepath.Dir(m.sdk), 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(filepath.Join(dir, "gen", "nodejs"), m.sdk); err != nil {
		return nil, err
	}
	if err := linkNodeModules(dir, m.nodeModules, ""); err != nil {
		return nil, err
	}
	if out, err := tsc(m.nodeModules, m.sdk); err != nil {
		return nil, fmt.Errorf("tsc of the generated SDK: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(m.sdk, "package.json"))
	if err == nil {
		err = os.WriteFile(filepath.Join(m.sdk, "bin", "package.json"), b, 0o644)
	}
	if err != nil {
		return nil, err
	}
	fmt.Printf("multilang: TypeScript SDK generated and compiled in %s\n", time.Since(start).Round(time.Millisecond))
	return m, nil
}

// recipeHash is tools/build's recipe_hash: the first 12 hex digits of the SHA-256 of the files' contents.
func recipeHash(files ...string) (string, error) {
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// linkNodeModules makes dir/node_modules: a link to every package of the shared node_modules, and, when
// sdk is set, @tunnelgate/tunnelgate to it (as `npm install` of "file:sdks/..." links it).
func linkNodeModules(dir, shared, sdk string) error {
	nm := filepath.Join(dir, "node_modules")
	entries, err := os.ReadDir(shared)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(nm, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(shared, e.Name()), filepath.Join(nm, e.Name())); err != nil {
			return err
		}
	}
	if sdk == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(nm, "@tunnelgate"), 0o755); err != nil {
		return err
	}
	return os.Symlink(sdk, filepath.Join(nm, "@tunnelgate", "tunnelgate"))
}

// tsc runs the TypeScript compiler of the shared node_modules in dir (its tsconfig.json), with extra flags.
func tsc(nodeModules, dir string, flags ...string) (string, error) {
	cmd := exec.Command("node", append([]string{filepath.Join(nodeModules, "typescript", "bin", "tsc"), "-p", dir}, flags...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// typeScriptProject copies examples/typescript into a temp folder with its dependencies and the SDK
// linked, named project (the example's own name when empty).
func (m *multiLang) typeScriptProject(t *testing.T, repo, project string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "index.ts", "tsconfig.json", "package.json"} {
		b, err := os.ReadFile(filepath.Join(repo, "examples", "typescript", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "Pulumi.yaml" && project != "" {
			b = regexp.MustCompile(`(?m)^name: .*$`).ReplaceAll(b, []byte("name: "+project))
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := linkNodeModules(dir, m.nodeModules, m.sdk); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMultiLanguage: the in-pod quickstart from YAML and from TypeScript deploys the Ingress with the same
// checks as the Go program (TestProduct): what the fake API, Vault and the cluster received, a second up
// changes nothing, no plaintext secret in the backend or the CLI's output, destroy removes everything;
// the TypeScript program registers exactly what the Go program registers with the same inputs; the
// generated SDK type-checks against the example; bad input gets the Go program's error and creates nothing.
func TestMultiLanguage(t *testing.T) {
	p := startProduct(t, cluster.Options{})
	m := setUpPlugin(t, p.repo, p.env)

	t.Run("tsc", func(t *testing.T) {
		dir := m.typeScriptProject(t, p.repo, "")
		if out, err := tsc(m.nodeModules, dir, "--noEmit"); err != nil {
			t.Fatalf("tsc --noEmit of examples/typescript against the generated SDK: %v\n%s", err, out)
		}
		// The check can fail: a misspelt property and an output where the schema wants plain data.
		bad := filepath.Join(dir, "index.ts")
		src, _ := os.ReadFile(bad)
		for _, c := range []struct{ from, to, want string }{
			{"routes: [", "routez: [", "'routez' does not exist"},
			{"{ hostname: cfg.require(\"hostname\")", "{ hostname: pulumi.output(cfg.require(\"hostname\"))", "Type 'Output<string>' is not assignable to type 'string | undefined'"},
		} {
			if err := os.WriteFile(bad, []byte(strings.Replace(string(src), c.from, c.to, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := tsc(m.nodeModules, dir, "--noEmit")
			if err == nil || !strings.Contains(out, c.want) {
				t.Errorf("tsc accepted %q (%v):\n%s", c.to, err, out)
			}
		}
	})

	// `pulumi package add` (and get-schema) of the source folder: PulumiPlugin.yaml makes the Go language
	// host build and run the plugin from source; the schema must be the built binary's.
	t.Run("from-source", func(t *testing.T) {
		ctx := context.Background()
		src, err := p.env.CLI(ctx, t.TempDir(), nil, "package", "get-schema", filepath.Join(p.repo, "cmd", "pulumi-resource-tunnelgate"))
		if err != nil {
			t.Fatal(err)
		}
		built, err := p.env.CLI(ctx, t.TempDir(), nil, "package", "get-schema", m.plugin)
		if err != nil {
			t.Fatal(err)
		}
		var a, b map[string]any
		if err := json.Unmarshal([]byte(jsonPart(src)), &a); err != nil {
			t.Fatalf("schema from source: %v\n%s", err, src)
		}
		if err := json.Unmarshal([]byte(jsonPart(built)), &b); err != nil {
			t.Fatalf("schema of the binary: %v\n%s", err, built)
		}
		if d := jsonDiff("", a, b); d != "" {
			t.Errorf("the schemas differ (source, binary):\n%s", d)
		}
		res, _ := a["resources"].(map[string]any)
		for _, tok := range []string{"tunnelgate:index:Ingress", "tunnelgate:tunnel:Tunnel", "tunnelgate:workload:Connector", "tunnelgate:workload:App", "tunnelgate:network:Policy", "tunnelgate:vaultrole:Role"} {
			if _, ok := res[tok]; !ok {
				t.Errorf("the schema has no %s", tok)
			}
		}
	})

	t.Run("yaml", func(t *testing.T) {
		r := p.newRun(t, "yaml-cli", "inpod")
		r.deploy(t, newCLI(t, r, filepath.Join(p.repo, "examples", "yaml")), "tunnelgate-yaml", true)
	})

	// The TypeScript example, then the Go example with the same stack name and config: their states,
	// exported after the first up, must agree on every resource.
	var exports [2]stateExport
	t.Run("typescript", func(t *testing.T) {
		r := p.newRun(t, "ts-cli", "inpod")
		dir := m.typeScriptProject(t, p.repo, "")
		r.afterUp = func(t *testing.T) { exports[0] = r.export(t, dir, "tunnelgate-typescript") }
		r.deploy(t, newCLI(t, r, dir), "tunnelgate-typescript", true)
	})
	t.Run("go-same-inputs", func(t *testing.T) {
		r := p.newRun(t, "ts-cli", "inpod")
		dir := filepath.Join(p.repo, "examples", "inpod")
		r.afterUp = func(t *testing.T) { exports[1] = r.export(t, dir, "tunnelgate-inpod") }
		r.deploy(t, newCLI(t, r, dir), "tunnelgate-inpod", false)
	})
	t.Run("typescript-registers-what-go-registers", func(t *testing.T) {
		if exports[0].resources == nil || exports[1].resources == nil {
			t.Fatal("a deployment failed: nothing to compare")
		}
		compareExports(t, exports[0], exports[1])
	})

	t.Run("bad-input", func(t *testing.T) {
		want := badInputError(t)
		for _, c := range []struct {
			name string
			dir  func(t *testing.T) string
			args []string
		}{
			// The default `pulumi up` previews first: the error stops it before anything is created.
			{"yaml", func(*testing.T) string { return filepath.Join(p.repo, "examples", "yaml") }, []string{"up", "--yes"}},
			// Without the namespace, the Ingress is the program's only resource: even an update without a
			// preview creates nothing, not even the component (as in Go).
			{"typescript", func(t *testing.T) string { return m.typeScriptProject(t, p.repo, "") }, []string{"up", "--yes", "--skip-preview"}},
			{"go", func(*testing.T) string { return filepath.Join(p.repo, "examples", "inpod") }, []string{"up", "--yes", "--skip-preview"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := p.newRun(t, "bad-"+c.name, "inpod")
				dir := c.dir(t)
				cfg := r.config()
				cfg["tunnelgate:hostname"] = "Bad_Host.example.com"
				if c.name != "yaml" {
					cfg["tunnelgate:createNamespace"] = "false"
				}
				out, err := r.cliWithConfig(t, dir, cfg, c.args...)
				if err == nil {
					t.Fatalf("up succeeded with a bad hostname:\n%s", out)
				}
				if !strings.Contains(out, want) {
					t.Errorf("up failed without the library's error %q:\n%s", want, out)
				}
				r.checkNothingCreated(t, dir)
			})
		}
	})
}

// badInputError is the error the library gives a Go program for the quickstart with a bad hostname.
func badInputError(t *testing.T) string {
	args := &tunnelgate.IngressArgs{
		Namespace: pulumi.String("apps"),
		Tunnel: tunnel.Args{
			AccountID: pulumi.String(productAccount), ZoneID: pulumi.String(productZone),
			Routes: []tunnel.Route{{Hostname: "Bad_Host.example.com", Service: "http://localhost:4000"}},
			Vault:  &vaultkv.Location{Path: "apps/web/cloudflared"},
		},
		App:           tunnelgate.ContainerApp("app", productImage, 4000),
		Token:         tunnelgate.Token{Vault: &workload.VaultAgent{}},
		NetworkPolicy: &network.Settings{Kind: network.KindCilium},
	}
	err := args.Validate()
	if err == nil {
		t.Fatal("the Go args are valid")
	}
	if !strings.Contains(err.Error(), `tunnel.routes[0].hostname "Bad_Host.example.com"`) {
		t.Fatalf("Go error %v does not name the field", err)
	}
	return err.Error()
}

// cliWithConfig initialises the run's stack in dir with cfg and runs one CLI command; the stack is
// removed when the test ends.
func (r *run) cliWithConfig(t *testing.T, dir string, cfg map[string]string, args ...string) (string, error) {
	t.Helper()
	cfgFile := initStack(t, r.env, dir, r.name, r.extraEnv, cfg)
	return r.env.CLI(context.Background(), dir, r.extraEnv, append(args, "--non-interactive", "--config-file", cfgFile, "-s", r.name)...)
}

// checkNothingCreated: no resource in the stack's state but the stack itself and providers, no call to
// the fake API, nothing in Vault, no namespace.
func (r *run) checkNothingCreated(t *testing.T, dir string) {
	t.Helper()
	for _, res := range r.stackResources(t, dir) {
		if res.Type != "pulumi:pulumi:Stack" && !strings.HasPrefix(res.Type, "pulumi:providers:") {
			t.Errorf("created: %s", res.URN)
		}
	}
	if reqs := r.cf.Requests(); len(reqs) > 0 {
		t.Errorf("the fake Cloudflare API was called %d times, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
	if s, err := r.vault.Client.KVv2("secret").Get(context.Background(), r.vaultPath()); err == nil {
		t.Errorf("Vault holds %s: %v", r.vaultPath(), s.Data)
	}
	if _, err := r.cluster.Client.CoreV1().Namespaces().Get(context.Background(), r.name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s: %v, want not found", r.name, err)
	}
}

// stateExport is a stack's state as `pulumi stack export` gives it, with what identifies the run: the
// project, and the values the services generated (tunnel id, token, secret).
type stateExport struct {
	project   string
	resources []map[string]any
	generated map[string]string // generated value -> placeholder
}

// export reads the stack's state and the values the fake API generated for it.
func (r *run) export(t *testing.T, dir, project string) stateExport {
	t.Helper()
	var resources []map[string]any
	for _, res := range r.stackResources(t, dir) {
		resources = append(resources, res.Raw)
	}
	e := stateExport{project: project, resources: resources, generated: map[string]string{}}
	for _, tun := range r.cf.Tunnels() {
		e.generated[tun.ID] = "<tunnel id>"
	}
	e.generated[r.cf.Host] = "<fake API>"
	// The kubernetes provider's auto-names end in a random suffix: "web-cnp-6cfb6a5a".
	for _, res := range e.resources {
		inputs, _ := res["inputs"].(map[string]any)
		meta, _ := inputs["metadata"].(map[string]any)
		if ann, _ := meta["annotations"].(map[string]any); ann["pulumi.com/autonamed"] == "true" {
			name, _ := meta["name"].(string)
			if i := strings.LastIndex(name, "-"); i > 0 {
				e.generated[name] = name[:i] + "-<suffix>"
			}
		}
	}
	return e
}

// jsonDiff lists the paths where two JSON values differ, with both values.
func jsonDiff(path string, a, b any) string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		var out strings.Builder
		keys := slices.Sorted(maps.Keys(am))
		for k := range bm {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			out.WriteString(jsonDiff(path+"."+k, am[k], bm[k]))
		}
		return out.String()
	}
	aa, aok := a.([]any)
	ba, bok := b.([]any)
	if aok && bok && len(aa) == len(ba) {
		var out strings.Builder
		for i := range aa {
			out.WriteString(jsonDiff(fmt.Sprintf("%s[%d]", path, i), aa[i], ba[i]))
		}
		return out.String()
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) == string(jb) {
		return ""
	}
	return fmt.Sprintf("  %s: %s | %s\n", path, ja, jb)
}

// compareExports requires the same resources (URN, type, custom, parent, provider, dependencies,
// property dependencies, inputs, and a component's outputs) in both states, modulo what each run
// generates: the project's name in URNs and names, the fake API's tunnel id, secrets (ciphertext), the
// ids, UUIDs and random suffixes the providers give. The plugin's own provider resource, which only
// the TypeScript program has, is listed apart.
func compareExports(t *testing.T, plugin, goProgram stateExport) {
	t.Helper()
	a, b := normalize(plugin), normalize(goProgram)
	if p := a["pulumi:providers:tunnelgate"]; p == nil {
		t.Error("the TypeScript state has no tunnelgate provider: the components did not come from the plugin")
	}
	delete(a, "pulumi:providers:tunnelgate")
	for _, urn := range slices.Sorted(maps.Keys(a)) {
		if _, ok := b[urn]; !ok {
			t.Errorf("only the TypeScript program registered %s", urn)
		}
	}
	for _, urn := range slices.Sorted(maps.Keys(b)) {
		ra, ok := a[urn]
		if !ok {
			t.Errorf("only the Go program registered %s", urn)
			continue
		}
		if d := jsonDiff("", ra, b[urn]); d != "" {
			t.Errorf("%s differs (TypeScript, Go):\n%s", urn, d)
		}
	}
	if len(b) < 15 {
		t.Errorf("only %d resources compared", len(b))
	}
	t.Logf("%d resources registered alike", len(b))
}

var (
	uuidRE     = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	providerRE = regexp.MustCompile(`(urn:pulumi:[^"]*::pulumi:providers:[a-z]+::[a-z0-9_]+)::[^"]+`)
)

// normalize keys the comparable part of every resource by its normalized URN (providers by their type).
func normalize(e stateExport) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, res := range e.resources {
		typ, _ := res["type"].(string)
		keep := map[string]any{}
		for _, k := range []string{"urn", "type", "custom", "parent", "provider", "dependencies", "propertyDependencies", "inputs", "protect", "retainOnDelete", "deleteBeforeReplace"} {
			if v, ok := res[k]; ok {
				keep[k] = v
			}
		}
		if custom, _ := res["custom"].(bool); !custom && typ != "pulumi:pulumi:Stack" {
			keep["outputs"] = res["outputs"] // a component's outputs are what it registered
		}
		b, _ := json.Marshal(keep)
		s := string(b)
		s = strings.ReplaceAll(s, e.project, "<project>")
		for v, ph := range e.generated {
			s = strings.ReplaceAll(s, v, ph)
		}
		s = providerRE.ReplaceAllString(s, "$1")
		s = uuidRE.ReplaceAllString(s, "<uuid>")
		var n map[string]any
		_ = json.Unmarshal([]byte(s), &n)
		n = stripSecrets(n).(map[string]any)
		if deps, ok := n["dependencies"].([]any); ok {
			slices.SortFunc(deps, func(x, y any) int { return strings.Compare(fmt.Sprint(x), fmt.Sprint(y)) })
		}
		key := n["urn"].(string)
		if strings.HasPrefix(typ, "pulumi:providers:") {
			key = typ
		}
		out[key] = n
	}
	return out
}

// stripSecrets replaces every secret value (ciphertext, different in every state) with "<secret>".
func stripSecrets(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["4dabf18193072939515e22adb298388d"]; ok {
			return "<secret>"
		}
		for k, e := range v {
			v[k] = stripSecrets(e)
		}
	case []any:
		for i, e := range v {
			v[i] = stripSecrets(e)
		}
	}
	return v
}

// jsonPart is the JSON object in a command's output (the Go language host prints its build's progress
// before it).
func jsonPart(out string) string {
	if i := strings.Index(out, "{"); i >= 0 {
		return out[i:]
	}
	return out
}
