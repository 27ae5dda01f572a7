package e2e_test

// The plugin path's cost (issue 16's benchmark row): the in-pod quickstart as a Go program that uses the
// Go SDK generated from tunnelgate's plugin (testdata/plugin-go: the Ingress is constructed by the plugin
// process) against the same program calling the library in-process (examples/inpod), both through the
// CLI with every provider real, the same stack config and a fresh stack each. Both are built beforehand
// and run as binaries (runtime.options.binary), so that neither pays for a compile and the languages are
// the same: what differs is the plugin's start, the Construct round trip and the plugin's own
// registrations. The plugin's start alone (exec to the port it serves on) is timed apart, as
// BenchmarkPlugin/start/plugin. `go run ./bench/cmd/benchtable` runs it; TUNNELGATE_BENCH_ROUND odd makes
// the library side go first.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tunnelgate/tunnelgate/e2e/internal/engine"
)

// BenchmarkPlugin times `up` from an empty stack and a no-op `up` of both sides (hostnames=1/<op>/plugin
// and .../go), and the plugin's start (start/plugin).
func BenchmarkPlugin(b *testing.B) {
	ctx := context.Background()
	repo, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	_, env, cf := startInline(b, productAccount, productZone, "plugin-bench")
	m := setUpPlugin(b, repo, env)

	// The library side: examples/inpod; the plugin side: testdata/plugin-go with the generated Go SDK.
	goDir := binaryProject(b, "tunnelgate-inpod", buildProgram(b, repo, "./examples/inpod", nil))
	sdk := b.TempDir()
	if out, err := env.CLI(ctx, sdk, nil, "package", "gen-sdk", m.plugin, "--language", "go", "--local", "--out", sdk); err != nil {
		b.Fatalf("gen-sdk: %v\n%s", err, out)
	}
	pluginDir := binaryProject(b, "tunnelgate-plugin-go", buildProgram(b, repo, "testdata/plugin-go", map[string]string{
		"github.com/tunnelgate/tunnelgate/sdk/go/tunnelgate": filepath.Join(sdk, "go", "tunnelgate"),
	}))

	type side struct{ name, dir string }
	sides := []side{{"plugin", pluginDir}, {"go", goDir}}
	if r, _ := strconv.Atoi(os.Getenv("TUNNELGATE_BENCH_ROUND")); r%2 == 1 {
		sides[0], sides[1] = sides[1], sides[0]
	}
	// The stack, the namespace, the five components, secret, tunnel, config, record, Vault secret, policy
	// and role, service account, Deployment, PDB and Cilium policy (providers are not counted).
	const want = 18
	for round, s := range append([]side{{"warmup-" + sides[0].name, sides[0].dir}, {"warmup-" + sides[1].name, sides[1].dir}}, sides...) {
		name := "plugin-" + s.name
		cli := benchCLI(b, env, s.dir, name, map[string]string{
			"tunnelgate:accountId": productAccount, "tunnelgate:zoneId": productZone,
			"tunnelgate:hostname": name + ".example.com", "tunnelgate:namespace": name,
			"tunnelgate:appImage": productImage, "cloudflare:apiHostname": cf.Host,
		})
		if round < 2 { // untimed: the first up of each side starts its plugins and fills caches
			cli(b, "up", "--yes", "--skip-preview")
			cli(b, "destroy", "--yes", "--skip-preview")
			continue
		}
		b.Run(fmt.Sprintf("hostnames=1/up/%s", s.name), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if i > 0 {
					b.StopTimer()
					cli(b, "destroy", "--yes", "--skip-preview")
					b.StartTimer()
				}
				cli(b, "up", "--yes", "--skip-preview")
				b.StopTimer()
				if got := env.Last(ctx, b, s.dir, name).Changes()["create"]; got != want {
					b.Fatalf("up created %d resources, want %d", got, want)
				}
				b.StartTimer()
			}
		})
		b.Run(fmt.Sprintf("hostnames=1/noop/%s", s.name), func(b *testing.B) {
			for b.Loop() {
				cli(b, "up", "--yes", "--skip-preview", "--expect-no-changes")
			}
		})
		cli(b, "destroy", "--yes", "--skip-preview")
	}
	b.Run("start/plugin", func(b *testing.B) {
		for b.Loop() {
			startPlugin(b, m.plugin)
		}
	})
	if v := cf.Violations(); len(v) > 0 {
		b.Errorf("fake API violations: %v", v)
	}
}

// benchCLI initialises stack in dir with cfg and returns a runner of CLI commands on it.
func benchCLI(b *testing.B, env *engine.Env, dir, stack string, cfg map[string]string) func(testing.TB, ...string) {
	cfgFile := initStack(b, env, dir, stack, nil, cfg)
	return func(tb testing.TB, args ...string) {
		tb.Helper()
		if _, err := env.CLI(context.Background(), dir, nil, append(args, "--non-interactive", "--config-file", cfgFile, "-s", stack)...); err != nil {
			tb.Fatal(err)
		}
	}
}

// startPlugin starts the plugin binary as the engine does and waits for the port it prints (it is then
// ready for requests), then stops it.
func startPlugin(tb testing.TB, plugin string) {
	cmd := exec.Command(plugin)
	cmd.Env = append(os.Environ(), "PULUMI_HOME="+tb.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		s.Scan()
		line <- s.Text()
	}()
	select {
	case l := <-line:
		if _, err := strconv.Atoi(l); err != nil {
			tb.Fatalf("the plugin printed %q, want its port", l)
		}
	case <-time.After(30 * time.Second):
		tb.Fatal("the plugin printed no port in 30 s")
	}
}

// buildProgram builds a Go program into a temp folder: pkg of the e2e module (a path starting with
// "./" is relative to repo), or, given sdks (module path to folder), the folder pkg of the e2e module
// as the main package of a module of its own that uses those generated SDK modules (each given a go.mod
// requiring what generated SDKs import, at the versions of the e2e module; go.sum is the e2e module's).
func buildProgram(tb testing.TB, repo, pkg string, sdks map[string]string) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = repo
	if sdks != nil {
		mod := tb.TempDir()
		deps := "require (\n\tgithub.com/blang/semver v3.5.1+incompatible\n\tgithub.com/pulumi/pulumi-kubernetes/sdk/v4 v4.25.0\n\tgithub.com/pulumi/pulumi/sdk/v3 v3.276.0\n)\n"
		goMod := "module plugin-program\n\ngo 1.26\n\n" + deps
		for path, dir := range sdks {
			writeFile(tb, filepath.Join(dir, "go.mod"), "module "+path+"\n\ngo 1.26\n\n"+deps)
			goMod += "require " + path + " v0.0.0\nreplace " + path + " => " + dir + "\n"
		}
		writeFile(tb, filepath.Join(mod, "go.mod"), goMod)
		for _, f := range []string{"go.sum", filepath.Join(pkg, "main.go")} {
			b, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			writeFile(tb, filepath.Join(mod, filepath.Base(f)), string(b))
		}
		cmd = exec.Command("go", "build", "-mod=mod", "-o", bin, ".")
		cmd.Dir = mod
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// binaryProject is a Pulumi project folder, named project, that runs the Go program bin as it is.
func binaryProject(tb testing.TB, project, bin string) string {
	dir := tb.TempDir()
	writeFile(tb, filepath.Join(dir, "Pulumi.yaml"), "name: "+project+"\nruntime:\n  name: go\n  options:\n    binary: "+bin+"\n")
	return dir
}

func writeFile(tb testing.TB, name, content string) {
	tb.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}
