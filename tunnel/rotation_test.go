package tunnel_test

import (
	"encoding/json"
	"testing"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/tunnel"
)

// generation is what one run with a given rotation produced.
type generation struct {
	res                   *dryrun.Result
	secret, name, id      string
	token, cname          string
	records, vault, urns  map[string]string
	tunnelDeleteBeforeRep bool
}

func runGeneration(t *testing.T, rotation string) generation {
	t.Helper()
	a := baseArgs()
	a.Rotation = rotation
	res := run(t, a)
	tun := res.Must(t, tTunnel, "edge-tunnel")
	tout := dryrun.Plain(tun.Outputs)
	g := generation{
		res:    res,
		secret: dryrun.Plain(res.Must(t, tRandom, "edge-secret").Outputs)["result"].(string),
		name:   plain(tun)["name"].(string), id: tun.ID,
		token: tout["tunnelToken"].(string), cname: tout["cname"].(string),
		records: map[string]string{}, urns: map[string]string{},
		tunnelDeleteBeforeRep: tun.DeleteBeforeReplace,
	}
	for _, r := range res.OfType(tRecord) {
		g.records[r.Name] = plain(&r)["content"].(string)
	}
	if err := json.Unmarshal([]byte(plain(res.Must(t, tVault, "edge-vault"))["dataJson"].(string)), &g.vault); err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Resources {
		g.urns[r.Name] = r.URN
	}
	return g
}

func TestRotation(t *testing.T) {
	old, next := runGeneration(t, ""), runGeneration(t, "2026-11")

	if old.secret == next.secret {
		t.Error("rotation kept the secret")
	}
	if old.name != "tunnelgate-dev-edge" || next.name != "tunnelgate-dev-edge-2026-11" {
		t.Errorf("tunnel names %q -> %q: a rotation needs a new name (names are unique per account)", old.name, next.name)
	}
	if old.id == next.id || old.cname == next.cname || old.token == next.token {
		t.Errorf("rotation kept the tunnel: id %s -> %s", old.id, next.id)
	}
	if old.tunnelDeleteBeforeRep || next.tunnelDeleteBeforeRep {
		t.Error("the tunnel must be replaced create-before-delete")
	}
	// Same state addresses: Pulumi replaces the tunnel and updates the rest, nothing is orphaned.
	for name, urn := range old.urns {
		if next.urns[name] != urn {
			t.Errorf("%s: URN %s -> %s", name, urn, next.urns[name])
		}
	}
	if len(old.urns) != len(next.urns) {
		t.Errorf("%d resources -> %d", len(old.urns), len(next.urns))
	}
	for _, g := range []generation{old, next} {
		if len(g.records) != 2 {
			t.Fatalf("records: %v", g.records)
		}
		for rec, content := range g.records {
			if content != g.id+tunnel.CNAMESuffix || content != g.cname {
				t.Errorf("%s points at %s, want its own tunnel %s", rec, content, g.cname)
			}
		}
		if g.vault["tunnel_token"] != g.token || g.vault["tunnel_id"] != g.id {
			t.Errorf("vault holds %v, want the token and id of tunnel %s", g.vault, g.id)
		}
		keepers := plain(g.res.Must(t, tRandom, "edge-secret"))["keepers"]
		if keepers.(map[string]any)["rotation"] == nil {
			t.Errorf("keepers %v", keepers)
		}
	}
	// The same rotation again is stable (no accidental replacement on every update).
	if again := runGeneration(t, "2026-11"); again.secret != next.secret || again.id != next.id {
		t.Error("the same rotation produced a different secret or tunnel")
	}
}
