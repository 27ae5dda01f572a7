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
			for _, k := range []string{"Namespace", "Deployment", "PodDisruptionBudget", "CiliumNetworkPolicy"} {
				if strings.Contains(string(b), "\nkind: "+k+"\n") {
					kinds[k]++
				}
			}
			if strings.Contains(string(b), "kind: Deployment") && !strings.Contains(string(b), "--token-file") {
				t.Errorf("%s: cloudflared does not read the token from a file", f)
			}
		}
		if len(files) != 4 || kinds["Namespace"] != 1 || kinds["Deployment"] != 1 || kinds["PodDisruptionBudget"] != 1 || kinds["CiliumNetworkPolicy"] != 1 {
			t.Errorf("%s: files %v kinds %v", layout, files, kinds)
		}
	}
}
