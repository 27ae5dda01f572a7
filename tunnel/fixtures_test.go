package tunnel_test

import (
	"strings"
	"testing"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/fixtures"
	"github.com/tunnelgate/tunnelgate/tunnel"
)

func TestFixtures(t *testing.T) {
	want := map[string]int{"tunnel/basic": 5, "tunnel/vault": 8, "tunnel/access": 7, "tunnel/rotated": 8}
	for _, c := range fixtures.All() {
		if !strings.HasPrefix(c.Name, "tunnel/") {
			continue
		}
		n, ok := want[c.Name]
		if !ok {
			t.Errorf("unexpected case %s", c.Name)
			continue
		}
		delete(want, c.Name)
		t.Run(c.Name, func(t *testing.T) {
			if c.Kubernetes {
				t.Error("tunnel cases emit no Kubernetes objects")
			}
			res, err := dryrun.Run(c.Program, dryrun.Zone(fixtures.TunnelZoneName, fixtures.TunnelZoneID))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Resources) != n {
				t.Errorf("%d resources, want %d:\n%s", len(res.Resources), n, res.Tree())
			}
			comp := res.Must(t, tunnel.Type, "edge")
			if kids := res.Children(comp.URN); len(kids) != n-1 {
				t.Errorf("%d children, want %d", len(kids), n-1)
			}
			var plaintexts []string
			for _, r := range res.OfType(tTunnel) {
				plaintexts = append(plaintexts, dryrun.Plain(r.Outputs)["tunnelToken"].(string), dryrun.Plain(r.Outputs)["secret"].(string))
			}
			if leaks := res.SecretLeaks(plaintexts...); len(leaks) > 0 {
				t.Errorf("leaks: %v", leaks)
			}
			for _, r := range res.OfType(tRecord) {
				if z := dryrun.Plain(r.Inputs)["zoneId"]; z != fixtures.TunnelZoneID {
					t.Errorf("%s: zone %v", r.Name, z)
				}
			}
		})
	}
	if len(want) > 0 {
		t.Errorf("cases not registered: %v", want)
	}
}
