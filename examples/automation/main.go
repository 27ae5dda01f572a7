// Command automation drives an Ingress stack with Pulumi's Automation API: preview, up, refresh or destroy,
// with a local (file://) backend and the passphrase secrets provider, configured from flags or environment.
// The program is inline (quickstart.InPod or quickstart.OwnPod), so no Pulumi.yaml or language host is
// needed: only the pulumi CLI and the cloudflare, vault, random and kubernetes provider plugins.
//
//	CLOUDFLARE_API_TOKEN=... VAULT_ADDR=... VAULT_TOKEN=... PULUMI_CONFIG_PASSPHRASE=... \
//	go run ./examples/automation -action up -layout inpod -account-id ... -zone-id ... \
//	  -hostname app.example.com -app-image ghcr.io/example/app:1.0
//
// Every flag but -config has an environment variable (TUNNELGATE_<FLAG>, upper case, '-' as '_'). Provider settings go
// through -config (repeatable, full keys), e.g. `-config cloudflare:apiHostname=api.example.net`;
// -expect-no-changes makes preview and up fail when anything would change. The last line printed is the
// summary, e.g. "automation: up succeeded: create=18".
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
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
	// Extra maps full config keys ("cloudflare:apiHostname") to values, from -config.
	Extra map[string]string
	// ExpectNoChanges fails preview and up when anything would change.
	ExpectNoChanges bool
}

// keyValues is the repeatable -config flag.
type keyValues map[string]string

func (kv keyValues) String() string { return fmt.Sprint(map[string]string(kv)) }

func (kv keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || !strings.Contains(k, ":") {
		return fmt.Errorf("%q: want namespace:key=value, e.g. cloudflare:apiHostname=api.example.net", s)
	}
	kv[k] = v
	return nil
}

// configFlags are the quickstart config keys settable by flag, flag name -> config key.
var configFlags = map[string]string{
	"account-id": "accountId", "zone-id": "zoneId", "zone-name": "zoneName", "hostname": "hostname",
	"namespace": "namespace", "vault-role": "vaultRole", "vault-path": "vaultPath", "rotation": "rotation",
	"app-image": "appImage", "app-port": "appPort", "network-policy": "networkPolicy", "create-namespace": "createNamespace",
	"create-vault-role": "createVaultRole",
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
	o := &Options{Config: map[string]string{}, Extra: map[string]string{}}
	fs.StringVar(&o.Action, "action", env("action", "preview"), "preview, up, refresh or destroy")
	fs.Var(keyValues(o.Extra), "config", "namespace:key=value, any stack config (repeatable), e.g. cloudflare:apiHostname=...")
	fs.BoolVar(&o.ExpectNoChanges, "expect-no-changes", false, "fail preview or up if anything would change")
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
	case "preview", "up", "refresh", "destroy":
	default:
		return nil, fmt.Errorf("-action %q: want preview, up, refresh or destroy", o.Action)
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
	for k, v := range o.Extra {
		if err := stack.SetConfig(ctx, k, auto.ConfigValue{Value: v}); err != nil {
			return err
		}
	}
	var changes map[string]int
	switch o.Action {
	case "preview":
		opts := []optpreview.Option{optpreview.ProgressStreams(os.Stdout)}
		if o.ExpectNoChanges {
			opts = append(opts, optpreview.ExpectNoChanges())
		}
		var res auto.PreviewResult
		if res, err = stack.Preview(ctx, opts...); err == nil {
			changes = map[string]int{}
			for op, n := range res.ChangeSummary {
				changes[string(op)] = n
			}
		}
	case "up":
		opts := []optup.Option{optup.ProgressStreams(os.Stdout)}
		if o.ExpectNoChanges {
			opts = append(opts, optup.ExpectNoChanges())
		}
		var res auto.UpResult
		if res, err = stack.Up(ctx, opts...); err == nil && res.Summary.ResourceChanges != nil {
			changes = *res.Summary.ResourceChanges
		}
	case "refresh":
		var res auto.RefreshResult
		if res, err = stack.Refresh(ctx, optrefresh.ProgressStreams(os.Stdout)); err == nil && res.Summary.ResourceChanges != nil {
			changes = *res.Summary.ResourceChanges
		}
	case "destroy":
		var res auto.DestroyResult
		if res, err = stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stdout)); err == nil && res.Summary.ResourceChanges != nil {
			changes = *res.Summary.ResourceChanges
		}
	}
	if err != nil {
		return err
	}
	fmt.Printf("automation: %s succeeded: %s\n", o.Action, summary(changes))
	return nil
}

// summary renders resource changes as "create=3 same=10", sorted, without zero counts.
func summary(changes map[string]int) string {
	var parts []string
	for op, n := range changes {
		if n != 0 {
			parts = append(parts, op+"="+strconv.Itoa(n))
		}
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "no resources"
	}
	return strings.Join(parts, " ")
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
