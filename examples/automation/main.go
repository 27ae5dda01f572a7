// Command automation drives an Ingress stack with Pulumi's Automation API: preview, up or destroy, with a
// local (file://) backend and the passphrase secrets provider, configured from flags or environment.
// The program is inline (quickstart.InPod or quickstart.OwnPod), so no Pulumi.yaml or language host is
// needed: only the pulumi CLI and the cloudflare, vault, random and kubernetes provider plugins.
//
//	CLOUDFLARE_API_TOKEN=... VAULT_ADDR=... VAULT_TOKEN=... PULUMI_CONFIG_PASSPHRASE=... \
//	go run ./examples/automation -action up -layout inpod -account-id ... -zone-id ... \
//	  -hostname app.example.com -vault-role web -app-image ghcr.io/example/app:1.0
//
// Every flag has an environment variable (TUNNELGATE_<FLAG>, upper case, '-' as '_').
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/examples/quickstart"
)

// Options are the command's settings.
type Options struct {
	Action, Layout, Stack, Backend string
	// Config maps quickstart config keys (without the "tunnelgate:" namespace) to values.
	Config map[string]string
}

// configFlags are the quickstart config keys settable by flag, flag name -> config key.
var configFlags = map[string]string{
	"account-id": "accountId", "zone-id": "zoneId", "zone-name": "zoneName", "hostname": "hostname",
	"namespace": "namespace", "vault-role": "vaultRole", "vault-path": "vaultPath", "rotation": "rotation",
	"app-image": "appImage", "app-port": "appPort", "network-policy": "networkPolicy",
}

// parse reads flags, falling back to TUNNELGATE_* environment variables.
func parse(args []string, getenv func(string) string) (*Options, error) {
	fs := flag.NewFlagSet("automation", flag.ContinueOnError)
	env := func(name, def string) string {
		if v := getenv("TUNNELGATE_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); v != "" {
			return v
		}
		return def
	}
	o := &Options{Config: map[string]string{}}
	fs.StringVar(&o.Action, "action", env("action", "preview"), "preview, up or destroy")
	fs.StringVar(&o.Layout, "layout", env("layout", "inpod"), "inpod or ownpod")
	fs.StringVar(&o.Stack, "stack", env("stack", "dev"), "stack name")
	fs.StringVar(&o.Backend, "backend", env("backend", ""), "backend URL (default file://<user cache>/tunnelgate-state)")
	vals := map[string]*string{}
	for name, key := range configFlags {
		vals[name] = fs.String(name, env(name, ""), "quickstart config "+key)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for name, v := range vals {
		if *v != "" {
			o.Config[configFlags[name]] = *v
		}
	}
	switch o.Action {
	case "preview", "up", "destroy":
	default:
		return nil, fmt.Errorf("-action %q: want preview, up or destroy", o.Action)
	}
	if _, err := program(o.Layout); err != nil {
		return nil, err
	}
	if o.Backend == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, err
		}
		o.Backend = "file://" + filepath.Join(dir, "tunnelgate-state")
	}
	return o, nil
}

func program(layout string) (pulumi.RunFunc, error) {
	switch layout {
	case "inpod":
		return quickstart.InPod, nil
	case "ownpod":
		return quickstart.OwnPod, nil
	}
	return nil, fmt.Errorf("-layout %q: want inpod or ownpod", layout)
}

func run(ctx context.Context, o *Options) error {
	prog, _ := program(o.Layout)
	if strings.HasPrefix(o.Backend, "file://") {
		if err := os.MkdirAll(strings.TrimPrefix(o.Backend, "file://"), 0o700); err != nil {
			return err
		}
	}
	project := "tunnelgate-" + o.Layout
	stack, err := auto.UpsertStackInlineSource(ctx, o.Stack, project, prog,
		auto.Project(workspace.Project{
			Name: tokens.PackageName(project), Runtime: workspace.NewProjectRuntimeInfo("go", nil),
			Backend: &workspace.ProjectBackend{URL: o.Backend},
		}),
		auto.SecretsProvider("passphrase"))
	if err != nil {
		return err
	}
	for k, v := range o.Config {
		secret := k == "accountId"
		if err := stack.SetConfig(ctx, "tunnelgate:"+k, auto.ConfigValue{Value: v, Secret: secret}); err != nil {
			return err
		}
	}
	out := optup.ProgressStreams(os.Stdout)
	switch o.Action {
	case "preview":
		_, err = stack.Preview(ctx, optpreview.ProgressStreams(os.Stdout))
	case "up":
		_, err = stack.Up(ctx, out)
	case "destroy":
		_, err = stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stdout))
	}
	return err
}

func main() {
	o, err := parse(os.Args[1:], os.Getenv)
	if err == nil {
		err = run(context.Background(), o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "automation:", err)
		os.Exit(1)
	}
}
