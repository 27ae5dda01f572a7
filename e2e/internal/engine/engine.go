// Package engine runs Pulumi programs through the real engine for the e2e tests: the Pulumi CLI that
// tools/build made, with the language hosts beside it, and the provider plugins it installed (kubernetes
// built here; cloudflare, random and vault from the upstream tarballs), Automation API programs (inline or
// from a project folder) and the CLI itself, a file:// backend and a private PULUMI_HOME in temp dirs, the
// passphrase secrets provider, and no downloads of any kind.
package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/e2e/internal/proc"
)

// KubernetesProviderVersion is the pulumi-kubernetes plugin version tools/build makes; programs must use
// github.com/pulumi/pulumi-kubernetes/sdk/v4 v4.25.0 so that the engine asks for exactly this plugin.
const KubernetesProviderVersion = "4.25.0"

// Passphrase encrypts the stacks' secrets (test value).
const Passphrase = "tunnelgate-e2e-passphrase"

// Env is one isolated Pulumi installation: its own home, plugins and backend.
type Env struct {
	// Home is PULUMI_HOME (plugins, workspace settings).
	Home string
	// Backend is the folder of the file:// backend: every stack file, history entry and backup is under it.
	Backend string
	// Vars are the environment variables every CLI call gets.
	Vars map[string]string
	cmd  auto.PulumiCommand

	mu         sync.Mutex
	transcript strings.Builder
}

// Plugins are the resource plugins every Env has, as `pulumi plugin ls` names them.
var Plugins = []string{"cloudflare 5.49.1", "kubernetes " + KubernetesProviderVersion, "random 4.18.0", "vault 6.1.0"}

// New prepares an Env whose PULUMI_HOME holds the plugins tools/build installed (hard links to
// <tools>/pulumi-home/plugins: nothing is copied or downloaded).
func New(t testing.TB) *Env {
	t.Helper()
	proc.Tool(t, "pulumi")
	plugins := proc.File(t, "pulumi-home/plugins")
	e := &Env{Home: t.TempDir(), Backend: t.TempDir()}
	if err := linkTree(plugins, filepath.Join(e.Home, "plugins")); err != nil {
		t.Fatalf("plugins from %s: %v", plugins, err)
	}
	e.Vars = map[string]string{
		"PULUMI_HOME":                                 e.Home,
		"PULUMI_BACKEND_URL":                          "file://" + e.Backend,
		"PULUMI_CONFIG_PASSPHRASE":                    Passphrase,
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_IGNORE_AMBIENT_PLUGINS":               "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_SKIP_CONFIRMATIONS":                   "true",
		"PULUMI_DIY_BACKEND_NO_LEGACY_WARNING":        "true",
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: proc.ToolsDir()})
	if err != nil {
		t.Fatalf("pulumi CLI from %s: %v", proc.ToolsDir(), err)
	}
	e.cmd = cmd
	return e
}

// linkTree recreates the folder tree src at dst with hard links to src's files (symbolic links as they are).
func linkTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, to)
		}
		return os.Link(path, to)
	})
}

// Stack creates or selects the stack `stack` of project `project` running program inline.
func (e *Env) Stack(ctx context.Context, t testing.TB, project, stack string, program pulumi.RunFunc) auto.Stack {
	t.Helper()
	work := t.TempDir()
	s, err := auto.UpsertStackInlineSource(ctx, stack, project, program,
		auto.Pulumi(e.cmd),
		auto.WorkDir(work),
		auto.PulumiHome(e.Home),
		auto.EnvVars(e.Vars),
		auto.SecretsProvider("passphrase"),
		auto.Project(workspace.Project{
			Name:    tokens.PackageName(project),
			Runtime: workspace.NewProjectRuntimeInfo("go", nil),
			Backend: &workspace.ProjectBackend{URL: "file://" + e.Backend},
		}),
	)
	if err != nil {
		t.Fatalf("stack %s/%s: %v", project, stack, err)
	}
	return s
}

// FindInBackend lists the files under the backend folder whose content contains needle (stack files,
// history, backups, locks: everything the engine wrote).
func (e *Env) FindInBackend(t testing.TB, needle string) []string {
	t.Helper()
	var hits []string
	files := 0
	err := filepath.Walk(e.Backend, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), needle) {
			hits = append(hits, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("backend %s is empty: nothing was searched", e.Backend)
	}
	return hits
}

// CLI runs the pulumi CLI in dir with the Env's variables and extra ("KEY=value"), and returns its
// combined output, which is also appended to Transcript (so that tests can search everything the CLI
// printed for secrets). A failure is returned, not fatal.
func (e *Env) CLI(ctx context.Context, dir string, extra []string, args ...string) (string, error) {
	env := append(e.environ(), extra...)
	cmd := exec.CommandContext(ctx, filepath.Join(proc.ToolsDir(), "bin", "pulumi"), args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	e.mu.Lock()
	fmt.Fprintf(&e.transcript, "$ pulumi %s\n%s\n", strings.Join(args, " "), out)
	e.mu.Unlock()
	if err != nil {
		return string(out), fmt.Errorf("pulumi %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Record appends output of another program (e.g. an Automation API command) to Transcript.
func (e *Env) Record(what, output string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fmt.Fprintf(&e.transcript, "$ %s\n%s\n", what, output)
}

// Transcript is everything the CLI (and Record) printed so far.
func (e *Env) Transcript() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.transcript.String()
}

// Environ is the process environment with the Env's variables: what a command driving this Env needs.
func (e *Env) environ() []string {
	env := os.Environ()
	for k, v := range e.Vars {
		env = append(env, k+"="+v)
	}
	return env
}

// Environ returns the process environment plus the Env's variables plus extra.
func (e *Env) Environ(extra ...string) []string { return append(e.environ(), extra...) }

// LastUpdate is the newest entry of a stack's history (`pulumi stack history --json`): its kind
// ("update", "refresh", "destroy"), result and resource changes by operation.
type LastUpdate struct {
	Kind            string         `json:"kind"`
	Result          string         `json:"result"`
	ResourceChanges map[string]int `json:"resourceChanges"`
}

// Changes returns the resource changes without zero counts.
func (u LastUpdate) Changes() map[string]int {
	out := map[string]int{}
	for k, v := range u.ResourceChanges {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// Last reads the newest history entry of stack in project folder dir through the CLI.
func (e *Env) Last(ctx context.Context, t testing.TB, dir, stack string) LastUpdate {
	t.Helper()
	out, err := e.CLI(ctx, dir, nil, "stack", "history", "--output", "json", "--show-secrets=false", "-s", stack)
	if err != nil {
		t.Fatal(err)
	}
	var hist []LastUpdate
	if err := json.Unmarshal([]byte(out[strings.Index(out, "["):]), &hist); err != nil || len(hist) == 0 {
		t.Fatalf("stack history of %s: %v\n%s", stack, err, out)
	}
	return hist[0]
}

// InstallPlugin puts a resource plugin binary into the Env's plugin cache as `pulumi plugin install
// resource <name> <version> --file` lays it out (plugins/resource-<name>-v<version>/pulumi-resource-<name>),
// with a link to binary instead of a copy of a tarball: programs in every language then find it by
// name and version, without PATH or a download.
func (e *Env) InstallPlugin(t testing.TB, name, version, binary string) {
	t.Helper()
	dir := filepath.Join(e.Home, "plugins", "resource-"+name+"-v"+version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(binary, filepath.Join(dir, "pulumi-resource-"+name)); err != nil {
		t.Fatalf("install plugin %s %s: %v", name, version, err)
	}
	if err := os.WriteFile(dir+".lock", nil, 0o644); err != nil {
		t.Fatal(err)
	}
}
