package tunnel

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Origin is a destination cloudflared connects to for a rule: what a network policy must allow.
type Origin struct {
	// Scheme is "http", "https", "tcp", "ssh", "rdp" or "unix".
	Scheme string
	// Host is the host name or IP address as written ("web.default.svc.cluster.local", "10.0.0.7",
	// "::1"); empty for unix.
	Host string
	// Port is the TCP port: the one written or the scheme's default (http 80, https 443, ssh 22,
	// rdp 3389); 0 for unix.
	Port int
	// SocketPath is the unix socket's path (unix only).
	SocketPath string
}

// defaultPorts are the ports cloudflared uses when a service URL has none. tcp:// has no real default
// (cloudflared picks 7864), so tunnelgate requires an explicit port there.
var defaultPorts = map[string]int{"http": 80, "https": 443, "ssh": 22, "rdp": 3389}

// ParseService parses a rule's service as cloudflared does and returns its origin, or nil for the
// services cloudflared answers itself ("http_status:NNN", "hello_world"). The error says what is wrong.
func ParseService(s string) (*Origin, error) {
	o, ok, err := parseService(s)
	if err != nil || !ok {
		return nil, err
	}
	return &o, nil
}

// parseService is ParseService without the allocation of the result: ok is false for the services
// cloudflared answers itself. Validation calls it once per route.
func parseService(s string) (Origin, bool, error) {
	switch {
	case s == "":
		return Origin{}, false, errors.New("required")
	case s == "hello_world":
		return Origin{}, false, nil
	case strings.HasPrefix(s, "http_status:"):
		code, err := strconv.Atoi(strings.TrimPrefix(s, "http_status:"))
		if err != nil || code < 100 || code > 599 {
			return Origin{}, false, errors.New("http_status needs a status code from 100 to 599, e.g. http_status:404")
		}
		return Origin{}, false, nil
	case strings.HasPrefix(s, "unix:"):
		p := strings.TrimPrefix(s, "unix:")
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " \t\n") {
			return Origin{}, false, errors.New("unix: needs an absolute socket path, e.g. unix:/run/app/app.sock")
		}
		return Origin{Scheme: "unix", SocketPath: p}, true, nil
	}
	o, err := parseURLService(s)
	return o, err == nil, err
}

// parseURLService parses the URL forms of a service.
func parseURLService(s string) (Origin, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Origin{}, fmt.Errorf("not a URL: %v", errors.Unwrap(err))
	}
	switch u.Scheme {
	case "http", "https", "ssh", "rdp", "tcp":
	case "":
		return Origin{}, errors.New("no scheme: write e.g. http://" + s)
	default:
		return Origin{}, fmt.Errorf("unsupported service scheme %q: use http, https, tcp, ssh, rdp, unix, http_status or hello_world", u.Scheme)
	}
	switch {
	case u.Opaque != "" || u.Host == "":
		return Origin{}, fmt.Errorf("%s:// needs a host, e.g. %s://web.default.svc:8080", u.Scheme, u.Scheme)
	case u.User != nil:
		return Origin{}, errors.New("a service carries no user info (credentials would be stored in Cloudflare in plain text)")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return Origin{}, errors.New("a service carries no path or query: cloudflared forwards the request's own path (and refuses to start otherwise)")
	}
	host := u.Hostname()
	if !validHost(host) {
		return Origin{}, fmt.Errorf("host %q is neither a DNS name nor an IP address", host)
	}
	o := Origin{Scheme: u.Scheme, Host: host, Port: defaultPorts[u.Scheme]}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Origin{}, fmt.Errorf("port %q: must be a port number from 1 to 65535", p)
		}
		o.Port = n
	}
	if o.Port == 0 {
		return Origin{}, errors.New("tcp:// needs an explicit port, e.g. tcp://db.default.svc:5432")
	}
	return o, nil
}

// validHost accepts IP addresses and DNS names made of RFC 1123 labels (any case).
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for rest, more := h, true; more; {
		var l string
		l, rest, more = strings.Cut(rest, ".")
		if !validLabel(l, true) {
			return false
		}
	}
	return true
}

// validLabel reports whether l is an RFC 1123 label: 1-63 letters, digits and '-', not starting or
// ending with '-'. Upper case only when anyCase.
func validLabel(l string, anyCase bool) bool {
	if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case anyCase && c >= 'A' && c <= 'Z':
		default:
			return false
		}
	}
	return true
}
