package e2e

import (
	"strings"
	"testing"

	dep "github.com/hashicorp/consul-template/dependency"
	"github.com/hashicorp/consul-template/template"

	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

// kvV2 is a KV v2 read response as Vault returns it for "<mount>/data/<path>": the secret's data under
// "data", next to "metadata".
func kvV2(data map[string]any) *dep.Secret {
	return &dep.Secret{
		RequestID: "0f4e", LeaseDuration: 0, Renewable: false,
		Data: map[string]any{
			"data":     data,
			"metadata": map[string]any{"version": 3, "created_time": "2026-11-28T15:00:00Z", "destroyed": false, "deletion_time": ""},
		},
	}
}

// render executes an emitted template with consul-template (the engine inside `vault agent`) against
// a Brain that already holds the secret, as consul-template's own tests fake Vault.
func render(t *testing.T, contents, readPath string, secret *dep.Secret, errMissingKey bool) (string, error) {
	t.Helper()
	tpl, err := template.NewTemplate(&template.NewTemplateInput{Contents: contents, ErrMissingKey: errMissingKey})
	if err != nil {
		t.Fatalf("consul-template rejects the template: %v", err)
	}
	brain := template.NewBrain()
	// First pass with an empty brain: the template must depend on exactly the KV v2 read path.
	res, err := tpl.Execute(&template.ExecuteInput{Brain: brain})
	if err != nil {
		t.Fatal(err)
	}
	if deps := res.Missing.List(); len(deps) != 1 || deps[0].String() != "vault.read("+readPath+")" {
		t.Fatalf("missing dependencies %v, want exactly vault.read(%s)", deps, readPath)
	}
	d, err := dep.NewVaultReadQuery(readPath)
	if err != nil {
		t.Fatal(err)
	}
	brain.Remember(d, secret)
	res, err = tpl.Execute(&template.ExecuteInput{Brain: brain})
	if err != nil {
		return "", err
	}
	return string(res.Output), nil
}

// TestTemplateRendersExactlyTheToken renders the template of every emitted Vault pod (as the injector
// reads it from the annotations) against KV v2 data and expects the token's exact bytes.
func TestTemplateRendersExactlyTheToken(t *testing.T) {
	const token = "eyJhIjoiMGMxZDJlM2Y0YTViNmM3ZDhlOWYiLCJ0IjoiNmYxYzJhOWUiLCJzIjoiYzJWamNtVjAifQ=="
	for _, ep := range vaultPods(t) {
		t.Run(ep.Where, func(t *testing.T) {
			a := ep.Pod.Annotations
			contents := a[workload.VaultAnnotationPrefix+"agent-inject-template-"+workload.VaultSecretName]
			readPath := a[workload.VaultAnnotationPrefix+"agent-inject-secret-"+workload.VaultSecretName]
			errMissing := a[workload.VaultAnnotationPrefix+"error-on-missing-key-"+workload.VaultSecretName] == "true"
			if readPath != "secret/data/prod/web/cloudflared" || !errMissing {
				t.Fatalf("read path %q, error-on-missing-key %v", readPath, errMissing)
			}
			got, err := render(t, contents, readPath, kvV2(map[string]any{"tunnel_token": token, "tunnel_id": "6f1c2a9e"}), errMissing)
			if err != nil {
				t.Fatal(err)
			}
			if got != token {
				t.Fatalf("rendered %q, want exactly the token %q (no whitespace, no newline)", got, token)
			}
			// A missing key fails the render (the agent exits) instead of writing "<no value>".
			if got, err := render(t, contents, readPath, kvV2(map[string]any{"other": token}), errMissing); err == nil || !strings.Contains(err.Error(), "tunnel_token") {
				t.Fatalf("missing key rendered %q, %v: want an error naming the key", got, err)
			}
		})
	}
}

// TestTemplateCustomMountAndKey covers a non-default mount, path and key: the template follows them.
func TestTemplateCustomMountAndKey(t *testing.T) {
	v := workload.VaultToken{Agent: workload.VaultAgent{Role: "r"}, Secret: vaultkv.Location{Mount: "kv/team", Path: "edge/prod", TokenKey: "cf_token"}}
	got, err := render(t, v.Template(), "kv/team/data/edge/prod", kvV2(map[string]any{"cf_token": "abc123"}), true)
	if err != nil || got != "abc123" {
		t.Fatalf("rendered %q, %v", got, err)
	}
	if v.ReadPath() != "kv/team/data/edge/prod" {
		t.Fatalf("read path %q", v.ReadPath())
	}
}
