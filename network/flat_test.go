package network_test

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/origin"
)

// flat describes a policy in one struct, as the tests write it: the pods' and the routes' facts and
// the settings side by side. args sorts them into network.Args: a Vault peer means a Vault Agent in the
// pods (at the injector's default address), the metrics port is 2000, and a FedRAMP region is the
// settings' (cloudflared runs without --region), any other the pods'.
type flat struct {
	Namespace    pulumi.StringInput
	PodSelector  map[string]string
	Layout       network.Layout
	Kind         network.Kind
	Region       network.Region
	DNS          *network.Peer
	Vault        *network.Peer
	Origins      []network.Peer
	Metrics      *network.Peer
	AppIngress   []network.Peer
	AccessTeams  []string
	OriginHosts  []string
	UpdateChecks bool
	EdgeCIDRs    []string
	HTTPSCIDRs   []string
	PrivateCIDRs []string
	ClusterCIDRs []string
	Scraped      bool
	// Services are the routes' Services; OriginNamespaces and OriginIngress the settings about them.
	Services         []origin.Service
	OriginNamespaces []string
	OriginIngress    bool
}

func (f *flat) args() *network.Args {
	a := &network.Args{
		Pods: network.Pods{
			Namespace: f.Namespace, Selector: f.PodSelector, Layout: f.Layout, MetricsPort: 2000, Region: f.Region, Scraped: f.Scraped,
		},
		Routes: network.Routes{AccessTeams: f.AccessTeams, OriginHosts: f.OriginHosts, Services: f.Services, PrivateCIDRs: f.PrivateCIDRs},
		Settings: &network.Settings{
			Kind: f.Kind, DNS: f.DNS, Vault: f.Vault, Origins: f.Origins, Metrics: f.Metrics, AppIngress: f.AppIngress,
			UpdateChecks: f.UpdateChecks, EdgeCIDRs: f.EdgeCIDRs, HTTPSCIDRs: f.HTTPSCIDRs, ClusterCIDRs: f.ClusterCIDRs,
			OriginNamespaces: f.OriginNamespaces, OriginIngress: f.OriginIngress,
		},
	}
	if f.Region == network.RegionFedRAMP {
		a.Pods.Region, a.Settings.Region = "", f.Region
	}
	if f.Vault != nil {
		a.Pods.Vault = &network.VaultClient{}
	}
	return a
}

func (f *flat) Validate() error      { return f.args().Validate() }
func (f *flat) DNSNames() []string   { return f.args().DNSNames() }
func (f *flat) HTTPSHosts() []string { return f.args().HTTPSHosts() }
