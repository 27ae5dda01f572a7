// Package vaultdev starts a real Vault dev server (built by tools/build) on a free 127.0.0.1 port for the
// e2e tests and stops it by PID when the test ends. In dev mode `secret/` is a KV v2 mount; Vault's
// Kubernetes auth method is enabled at auth/kubernetes (EnableKubernetesAuth configures it to review
// tokens with a test cluster).
package vaultdev

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/tunnelgate/tunnelgate/e2e/internal/proc"
)

// RootToken is the dev server's root token.
const RootToken = "tunnelgate-e2e-root"

// Server is a running dev server.
type Server struct {
	// Addr is http://127.0.0.1:<port>.
	Addr string
	// Bin is the vault binary (also the agent: `vault agent`).
	Bin string
	// Client is authenticated with the root token.
	Client *vault.Client
	// Dir holds the server's log.
	Dir string
}

// Start starts `vault server -dev` and waits until it is unsealed and active.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := proc.Tool(t, "vault")
	dir := t.TempDir()
	addr := "127.0.0.1:" + strconv.Itoa(proc.FreePort(t))
	p := proc.Start(t, dir, "vault", bin, []string{
		"server", "-dev", "-dev-root-token-id=" + RootToken, "-dev-listen-address=" + addr,
	}, "VAULT_DISABLE_MLOCK=true", "HOME="+dir)
	cfg := vault.DefaultConfig()
	cfg.Address = "http://" + addr
	client, err := vault.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client.SetToken(RootToken)
	p.WaitFor(t, "vault unsealed", 60*time.Second, func(ctx context.Context) error {
		h, err := client.Sys().HealthWithContext(ctx)
		if err != nil {
			return err
		}
		if !h.Initialized || h.Sealed {
			return fmt.Errorf("health %+v", h)
		}
		// The dev server mounts secret/ as KV v2 right after unsealing.
		mounts, err := client.Sys().ListMountsWithContext(ctx)
		if err != nil {
			return err
		}
		if m, ok := mounts["secret/"]; !ok || m.Options["version"] != "2" {
			return fmt.Errorf("secret/ is not KV v2 yet")
		}
		return nil
	})
	srv := &Server{Addr: cfg.Address, Bin: bin, Client: client, Dir: dir}
	if err := client.Sys().EnableAuthWithOptions(KubernetesAuthMount, &vault.EnableAuthOptions{Type: "kubernetes"}); err != nil {
		t.Fatalf("enable auth/%s: %v", KubernetesAuthMount, err)
	}
	return srv
}

// KubernetesAuthMount is where Start enables Vault's Kubernetes auth method (auth/kubernetes, the
// injector's default).
const KubernetesAuthMount = "kubernetes"

// ConfigureKubernetesAuth makes the Kubernetes auth method review the service-account tokens it is
// given with the API server at host (https URL), trusting caPEM, authenticated as reviewerJWT (a token
// of a service account allowed to create TokenReviews: bound to system:auth-delegator). Vault runs
// outside the cluster here: no local CA or token files.
func (s *Server) ConfigureKubernetesAuth(t testing.TB, host string, caPEM []byte, reviewerJWT string) {
	t.Helper()
	_, err := s.Client.Logical().Write("auth/"+KubernetesAuthMount+"/config", map[string]any{
		"kubernetes_host": host, "kubernetes_ca_cert": string(caPEM), "token_reviewer_jwt": reviewerJWT,
		"disable_local_ca_jwt": true,
	})
	if err != nil {
		t.Fatalf("configure auth/%s: %v", KubernetesAuthMount, err)
	}
}

// Read returns the data of the latest version of the KV v2 secret at readPath ("secret/data/<path>"), as
// the injected Vault Agent reads it.
func (s *Server) Read(ctx context.Context, readPath string) (map[string]any, error) {
	sec, err := s.Client.Logical().ReadWithContext(ctx, readPath)
	if err != nil {
		return nil, err
	}
	if sec == nil {
		return nil, fmt.Errorf("%s: no secret", readPath)
	}
	data, ok := sec.Data["data"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: no data (deleted version?)", readPath)
	}
	return data, nil
}
