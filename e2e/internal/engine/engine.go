// Package engine runs Pulumi programs through the real engine for the e2e tests: the Pulumi CLI and the
// pulumi-kubernetes provider that tools/build made, Automation API inline programs (no language host),
// a file:// backend and a private PULUMI_HOME in temp dirs, the passphrase secrets provider, and no
// downloads of any kind.
package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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
}

// New prepares an Env and installs the locally built kubernetes provider plugin into it.
func New(t testing.TB) *Env {
	t.Helper()
	proc.Tool(t, "pulumi")
	plugin := proc.Tool(t, "pulumi-resource-kubernetes")
	e := &Env{Home: t.TempDir(), Backend: t.TempDir()}
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
	var env []string
	for k, v := range e.Vars {
		env = append(env, k+"="+v)
	}
	if _, err := proc.Run(context.Background(), filepath.Join(proc.ToolsDir(), "bin", "pulumi"),
		[]string{"plugin", "install", "resource", "kubernetes", KubernetesProviderVersion, "--file", plugin}, env...); err != nil {
		t.Fatalf("install the kubernetes plugin: %v", err)
	}
	return e
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
