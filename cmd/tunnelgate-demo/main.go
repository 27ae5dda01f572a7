// Command tunnelgate-demo is tunnelgate's main job without any account: it runs the quickstart programs
// (examples/quickstart: the in-pod and own-pod deployments) through the library's own code on Pulumi's
// mock engine and shows what `pulumi up` would create: the resource tree, the tunnel's ingress rules, the
// DNS records, the Vault secret, policy and role and the injector's template, and the Kubernetes objects, written as YAML
// files under -out (one folder per layout). `make demo` then applies those files to a local
// kube-apiserver with strict server-side validation (e2e/cmd/apply).
//
// Cloudflare cannot be reached from here: the tunnel's id, CNAME target and token are simulated
// deterministically by internal/dryrun; everything computed from them is the library's.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"

	"github.com/tunnelgate/tunnelgate/examples/quickstart"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
)

// Layouts are the demo's programs, by output folder.
var Layouts = []struct {
	Name    string
	Program pulumi.RunFunc
}{{"inpod", quickstart.InPod}, {"ownpod", quickstart.OwnPod}}

func main() {
	out := flag.String("out", "out", "folder for the Kubernetes YAML files, one sub-folder per layout")
	flag.Parse()
	if err := run(os.Stdout, *out); err != nil {
		fmt.Fprintln(os.Stderr, "tunnelgate-demo:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, out string) error {
	for _, l := range Layouts {
		res, err := dryrun.Run(l.Program, dryrun.Config(quickstart.DemoConfig), dryrun.Stack("tunnelgate", "demo"))
		if err != nil {
			return fmt.Errorf("%s: %w", l.Name, err)
		}
		fmt.Fprintf(w, "==== %s (examples/%s) ====\n\n", l.Name, l.Name)
		report(w, res)
		files, err := writeManifests(filepath.Join(out, l.Name), res)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "Kubernetes objects (%d files):\n", len(files))
		for _, f := range files {
			fmt.Fprintf(w, "  %s\n", f)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func report(w io.Writer, res *dryrun.Result) {
	fmt.Fprintf(w, "Resources:\n%s\n", indent(res.Tree(), "  "))
	for _, c := range res.OfType("cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig") {
		fmt.Fprintln(w, "Ingress rules (cloudflared matches first to last):")
		cfg, _ := dryrun.Plain(c.Inputs)["config"].(map[string]any)
		rules, _ := cfg["ingressRules"].([]any)
		for i, r := range rules {
			m := r.(map[string]any)
			host, _ := m["hostname"].(string)
			if host == "" {
				host = "(catch-all)"
			}
			fmt.Fprintf(w, "  %d. %-24s path %-12s -> %s\n", i+1, host, orDash(m["path"]), m["service"])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "DNS records:")
	for _, r := range res.OfType("cloudflare:index/record:Record") {
		in := dryrun.Plain(r.Inputs)
		fmt.Fprintf(w, "  %s %s -> %s (proxied %v, ttl %v, zone %s)\n", in["type"], in["name"], in["content"], in["proxied"], in["ttl"], in["zoneId"])
	}
	fmt.Fprintln(w)
	for _, r := range res.OfType("vault:kv/secretV2:SecretV2") {
		in := r.Inputs
		keys := "?"
		if dj, ok := in["dataJson"]; ok && dj.IsSecret() {
			keys = "(secret: " + strings.Join(jsonKeys(dryrun.Plain(in)["dataJson"]), ", ") + ")"
		}
		fmt.Fprintf(w, "Vault KV v2: mount %s, path %s, data %s\n", dryrun.Plain(in)["mount"], dryrun.Plain(in)["name"], keys)
	}
	for _, r := range res.OfType("vault:index/policy:Policy") {
		in := dryrun.Plain(r.Inputs)
		fmt.Fprintf(w, "Vault policy %s:\n%s", in["name"], indent(fmt.Sprint(in["policy"]), "  "))
	}
	for _, r := range res.OfType("vault:kubernetes/authBackendRole:AuthBackendRole") {
		in := dryrun.Plain(r.Inputs)
		fmt.Fprintf(w, "Vault Kubernetes auth role %s: service accounts %v in %v, audience %v, policies %v, ttl %vs (max %vs)\n",
			r.ID, in["boundServiceAccountNames"], in["boundServiceAccountNamespaces"], in["audience"], in["tokenPolicies"], in["tokenTtl"], in["tokenMaxTtl"])
	}
	for _, m := range res.Manifests() {
		tmpl, _ := m["spec"].(map[string]any)
		if tmpl == nil {
			continue
		}
		pod, _ := tmpl["template"].(map[string]any)
		md, _ := pod["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		var keys []string
		for k := range ann {
			if strings.HasPrefix(k, "vault.hashicorp.com/") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			fmt.Fprintln(w, "Vault Agent Injector annotations on the pod template:")
			for _, k := range keys {
				fmt.Fprintf(w, "  %s: %s\n", k, ann[k])
			}
		}
	}
	fmt.Fprintln(w)
}

func jsonKeys(v any) []string {
	s, _ := v.(string)
	var m map[string]any
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeManifests writes each Kubernetes object as NN-<kind>-<name>.yaml into dir, replacing the folder.
func writeManifests(dir string, res *dryrun.Result) ([]string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for i, m := range res.Manifests() {
		md, _ := m["metadata"].(map[string]any)
		name := fmt.Sprintf("%02d-%s-%s.yaml", i+1, strings.ToLower(fmt.Sprint(m["kind"])), md["name"])
		b, err := yaml.Marshal(m)
		if err != nil {
			return nil, err
		}
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre) + "\n"
}

func orDash(v any) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return "-"
}
