package check

import (
	"cmp"
	"net/netip"
	"slices"
)

// CIDR adds an error unless s is an address block in CIDR notation with no bits set after the prefix
// length ("10.0.0.0/8", "2001:db8::/32"; "10.0.0.1/8" is an error naming 10.0.0.0/8), and returns it parsed.
// An API server or Cloudflare would reject or silently rewrite the others.
func (es *Errors) CIDR(field, s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil:
		es.Add(field, s, "not a CIDR (address/prefix length, e.g. 192.0.2.0/24): %v", err)
		return netip.Prefix{}, false
	case p.Masked() != p:
		es.Add(field, s, "has bits set after the prefix length: did you mean %s?", p.Masked())
		return netip.Prefix{}, false
	}
	return p, true
}

// Overlap is one address block that shares addresses with an earlier one: Index and Other are positions
// in the list given to Overlaps.
type Overlap struct {
	Index, Other int
}

// Overlaps returns, for each block of prefixes that shares addresses with an earlier-listed one, that pair
// (two CIDR blocks overlap exactly when one contains the other). Invalid prefixes are skipped. It sorts once:
// O(n log n).
func Overlaps(prefixes []netip.Prefix) []Overlap {
	idx := make([]int, 0, len(prefixes))
	for i, p := range prefixes {
		if p.IsValid() {
			idx = append(idx, i)
		}
	}
	// By family and first address, wider blocks first: a block that contains another comes before it.
	slices.SortStableFunc(idx, func(a, b int) int {
		pa, pb := prefixes[a], prefixes[b]
		if c := pa.Addr().Compare(pb.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(pa.Bits(), pb.Bits())
	})
	var out []Overlap
	outer := -1 // the last block not inside an earlier one: blocks are nested or disjoint
	for _, i := range idx {
		if outer >= 0 && prefixes[outer].Contains(prefixes[i].Addr()) {
			first, second := outer, i
			if second < first {
				first, second = second, first
			}
			out = append(out, Overlap{Index: second, Other: first})
			continue
		}
		outer = i
	}
	slices.SortFunc(out, func(a, b Overlap) int { return cmp.Compare(a.Index, b.Index) })
	return out
}
