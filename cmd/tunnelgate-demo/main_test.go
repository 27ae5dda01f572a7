package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoWritesWhatItShows(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(&out, dir); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"1. app.example.com          path -            -> http://localhost:4000",
		"1. app.example.com          path ^/api/v0/    -> http://backend.apps.svc.cluster.local:80",
		"3. (catch-all)              path -            -> http_status:404",
		".cfargotunnel.com (proxied true, ttl 1, zone fedcba9876543210fedcba9876543210)",
		"Vault KV v2: mount secret, path apps/web/cloudflared, data (secret: tunnel_id, tunnel_token)",
		`vault.hashicorp.com/agent-inject-template-tunnel-token: {{- with secret "secret/data/apps/web/cloudflared" -}}{{ .Data.data.tunnel_token }}{{- end -}}`,
		"Vault policy tunnelgate-demo-web:\n  # tunnelgate: read the tunnel token, nothing else\n  path \"secret/data/apps/web/cloudflared\" {\n    capabilities = [\"read\"]\n  }\n",
		"Vault Kubernetes auth role auth/kubernetes/role/tunnelgate-demo-web: service accounts [web] in [apps], audience vault, policies [tunnelgate-demo-web], ttl 300s (max 3600s)",
		"vault.hashicorp.com/role: tunnelgate-demo-web",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, layout := range []string{"inpod", "ownpod"} {
		files, _ := filepath.Glob(filepath.Join(dir, layout, "*.yaml"))
		kinds := map[string]int{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"Namespace", "ServiceAccount", "Deployment", "PodDisruptionBudget", "CiliumNetworkPolicy"} {
				if strings.Contains(string(b), "\nkind: "+k+"\n") {
					kinds[k]++
				}
			}
			if strings.Contains(string(b), "kind: Deployment") && !strings.Contains(string(b), "--token-file") {
				t.Errorf("%s: cloudflared does not read the token from a file", f)
			}
		}
		if len(files) != 5 || kinds["Namespace"] != 1 || kinds["ServiceAccount"] != 1 || kinds["Deployment"] != 1 || kinds["PodDisruptionBudget"] != 1 || kinds["CiliumNetworkPolicy"] != 1 {
			t.Errorf("%s: files %v kinds %v", layout, files, kinds)
		}
	}
}
