package tunnel

import (
	"regexp/syntax"
	"testing"
)

func TestMatchesEveryPath(t *testing.T) {
	for re, want := range map[string]bool{
		"":        true,
		".*":      true,
		"^":       true,
		"^.*":     true,
		"/":       true,
		"^/":      true,
		"^/.*":    true,
		"^/.*$":   true,
		"(/)":     false, // sound, not complete: not proven
		"x*":      true,
		"^/$":     false,
		"^/api":   false,
		"/api":    false,
		"$":       false,
		"^$":      false,
		".+":      false,
		"(?i)/":   true,
		"\\A/":    true,
		"^/(a)?":  true,
		"^/a|.*":  true,
		"^/a|/b":  false,
		"[/]":     true,
		"^/{0,1}": true,
	} {
		r, err := syntax.Parse(re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := matchesEveryPath(r.Simplify()); got != want {
			t.Errorf("matchesEveryPath(%q) = %v, want %v (op %v)", re, got, want, r.Simplify().Op)
		}
	}
}
