package e2e_test

// The plugin path's cost (issue 16's benchmark row): the in-pod quickstart as a Pulumi YAML program
// (examples/yaml: the Ingress served by tunnelgate's plugin) against the same deployment as a Go program
// (examples/inpod, calling the library), both through the CLI with every provider real, the same stack
// config and a fresh stack each. The Go program is built beforehand and run as a binary
// (runtime.options.binary), so that neither side pays for a compile. What the plugin side pays on top:
// the YAML language host (which reads the kubernetes and tunnelgate schemas to check the program), the
// plugin's process start and the Construct round trip. The plugin's start alone (exec to the port it
// serves on) is timed apart, as BenchmarkPlugin/start.
// `go run ./bench/cmd/benchtable` runs it; TUNNELGATE_BENCH_ROUND odd makes the Go side go first.

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

	// The Go side: examples/inpod built once, in a project folder of its own that runs the binary.
	goDir := b.TempDir()
	bin := filepath.Join(goDir, "inpod")
	build := exec.Command("go", "build", "-o", bin, "./examples/inpod")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build examples/inpod: %v\n%s", err, out)
	}
	project := "name: tunnelgate-inpod\nruntime:\n  name: go\n  options:\n    binary: " + bin + "\n"
	if err := os.WriteFile(filepath.Join(goDir, "Pulumi.yaml"), []byte(project), 0o644); err != nil {
		b.Fatal(err)
	}

	type side struct{ name, dir string }
	sides := []side{{"plugin", filepath.Join(repo, "examples", "yaml")}, {"go", goDir}}
	if r, _ := strconv.Atoi(os.Getenv("TUNNELGATE_BENCH_ROUND")); r%2 == 1 {
		sides[0], sides[1] = sides[1], sides[0]
	}
	// The stack, the namespace, secret, tunnel, config, record, Vault secret, policy and role, service
	// account, Deployment, PDB and Cilium policy, the five components; the plugin side adds its provider.
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

// benchCLI initialises stack in dir with cfg (its config file in a temp folder) and returns a runner of
// CLI commands on it; the stack is removed at the end.
func benchCLI(b *testing.B, env *engine.Env, dir, stack string, cfg map[string]string) func(testing.TB, ...string) {
	ctx := context.Background()
	cfgFile := filepath.Join(b.TempDir(), "Pulumi."+stack+".yaml")
	if _, err := env.CLI(ctx, dir, nil, "stack", "init", stack, "--secrets-provider", "passphrase", "--non-interactive"); err != nil {
		b.Fatal(err)
	}
	created := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if err := os.Rename(created, cfgFile); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = os.Remove(created)
		_, _ = env.CLI(ctx, dir, nil, "stack", "rm", "--yes", "--force", "-s", stack)
	})
	for k, v := range cfg {
		if _, err := env.CLI(ctx, dir, nil, "config", "set", "--config-file", cfgFile, "-s", stack, k, v); err != nil {
			b.Fatal(err)
		}
	}
	return func(tb testing.TB, args ...string) {
		tb.Helper()
		if _, err := env.CLI(ctx, dir, nil, append(args, "--non-interactive", "--config-file", cfgFile, "-s", stack)...); err != nil {
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
