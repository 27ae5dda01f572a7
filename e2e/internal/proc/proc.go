// Package proc starts and stops the real servers of the e2e tests (etcd, kube-apiserver, kwok, vault, ...):
// every process is started from a binary that tools/build made, logs to a file, is stopped by its PID when the
// test ends (also when it fails), and dies with the test binary if that is killed.
package proc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ToolsDir is the tools root that tools/build fills: $TUNNELGATE_TOOLS, or the user's cache folder
// (<cache>/tunnelgate/tools, with <cache> from os.UserCacheDir, i.e. $XDG_CACHE_HOME or ~/.cache), as
// tools/build and the Makefile default to.
func ToolsDir() string {
	if d := os.Getenv("TUNNELGATE_TOOLS"); d != "" {
		return d
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "tunnelgate", "tools")
	}
	return filepath.Join(cache, "tunnelgate", "tools")
}

// Tool returns the path of a binary built by tools/build. A missing tool fails the test: the real-parts
// tests never turn green by skipping.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(ToolsDir(), "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not found at %s: run tools/build (or `make tools`; set TUNNELGATE_TOOLS to use another tools folder)", name, p)
	}
	return p
}

// File returns the path of a non-binary file that tools/build fetched (e.g. "crds/ciliumnetworkpolicies.yaml").
func File(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(ToolsDir(), rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not found at %s: run tools/build", rel, p)
	}
	return p
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Process is one started server.
type Process struct {
	Name string
	Cmd  *exec.Cmd
	Log  string
	done chan struct{}
	err  error
}

// Start runs bin with args, logging to <logDir>/<name>.log, and registers a cleanup that stops it by PID
// (SIGTERM, then SIGKILL after 10 s). When the test failed, the end of the log is printed.
func Start(t testing.TB, logDir, name, bin string, args []string, env ...string) *Process {
	t.Helper()
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	// Own process group (a Ctrl-C on the test does not race the cleanup) and killed with the test binary.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &Process{Name: name, Cmd: cmd, Log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Logf("started %s (pid %d), log %s", name, cmd.Process.Pid, logPath)
	t.Cleanup(func() {
		p.Stop(t)
		if t.Failed() {
			t.Logf("--- last lines of %s ---\n%s", logPath, Tail(logPath, 25))
		}
	})
	return p
}

// Exited reports whether the process has ended, and its error.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop ends the process by its PID: SIGTERM, and SIGKILL if it is still there after 10 s. Idempotent.
func (p *Process) Stop(t testing.TB) {
	if exited, _ := p.Exited(); exited {
		return
	}
	pid := p.Cmd.Process.Pid
	_ = syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Logf("%s (pid %d) ignored SIGTERM for 10s; killing", p.Name, pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
		<-p.done
	}
}

// Tail returns the last n lines of a file.
func Tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// WaitFor polls check every 100 ms until it returns nil, the process exits, or the timeout passes.
// It fails the test with the last error and the end of the process log.
func (p *Process) WaitFor(t testing.TB, what string, timeout time.Duration, check func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := errors.New("not checked yet")
	for {
		if exited, werr := p.Exited(); exited {
			t.Fatalf("%s exited (%v) before %s\n%s", p.Name, werr, what, Tail(p.Log, 25))
		}
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		err = check(cctx)
		ccancel()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %s not reached within %s: %v\n%s", p.Name, what, timeout, err, Tail(p.Log, 25))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Run runs a tool to completion and returns its combined output; a failure is returned, not fatal.
func Run(ctx context.Context, bin string, args []string, env ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
