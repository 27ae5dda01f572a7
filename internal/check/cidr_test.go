package check_test

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

func TestCIDR(t *testing.T) {
	for in, ok := range map[string]bool{
		"10.0.0.0/8": true, "192.0.2.10/32": true, "2001:db8::/32": true, "0.0.0.0/0": true,
		"10.0.0.1/8": false, "10.0.0.0": false, "10.0.0.0/33": false, "2001:db8::1/32": false, "": false, "a/8": false,
	} {
		var es check.Errors
		_, got := es.CIDR("cidr", in)
		if got != ok || (es.Len() == 0) != ok {
			t.Errorf("%q: ok %v with %d errors, want %v", in, got, es.Len(), ok)
		}
	}
	var es check.Errors
	es.CIDR("routes[0]", "10.1.2.3/16")
	if fe := check.Fields(es.Err("x")); len(fe) != 1 || fe[0].Field != "routes[0]" || fe[0].Value != "10.1.2.3/16" ||
		fe[0].Reason != "has bits set after the prefix length: did you mean 10.1.0.0/16?" {
		t.Errorf("%+v", fe)
	}
}

func TestOverlaps(t *testing.T) {
	p := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			pp, _ := netip.ParsePrefix(s)
			out = append(out, pp)
		}
		return out
	}
	for _, tc := range []struct {
		in   []netip.Prefix
		want []check.Overlap
	}{
		{p("10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32"), nil},
		{p("10.1.0.0/16", "10.0.0.0/8"), []check.Overlap{{Index: 1, Other: 0}}},
		{p("10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"), []check.Overlap{{Index: 1, Other: 0}, {Index: 2, Other: 0}}},
		{p("10.0.0.0/8", "10.0.0.0/8"), []check.Overlap{{Index: 1, Other: 0}}},
		{p("10.0.0.0/16", "10.1.0.0/16", "10.0.128.0/17"), []check.Overlap{{Index: 2, Other: 0}}},
		{p("192.168.1.0/24", "not", "192.168.0.0/23"), []check.Overlap{{Index: 2, Other: 0}}},
		// An IPv4-mapped IPv6 block is another family for netip: no false overlap with 10/8.
		{p("10.0.0.0/8", "::ffff:10.0.0.0/104"), nil},
	} {
		if got := check.Overlaps(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.in, got, tc.want)
		}
	}
}
