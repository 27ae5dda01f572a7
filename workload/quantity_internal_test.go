package workload

import "testing"

// TestQuantity: the forms the parser accepts and their values, and the ones it rejects (as the
// regular expression it replaced did).
func TestQuantity(t *testing.T) {
	for in, want := range map[string]float64{"1": 1, "0.5": 0.5, ".5": 0.5, "100m": 0.1, "128Mi": 128 << 20, "2k": 2000} {
		if got, ok := quantity(in); !ok || got != want {
			t.Errorf("quantity(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", ".", "1.", "1.2.3", "1e3", "lots", "-1", "Mi", "1mi"} {
		if got, ok := quantity(in); ok {
			t.Errorf("quantity(%q) = %v, accepted", in, got)
		}
	}
}
