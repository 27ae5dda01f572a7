// Command benchtable measures tunnelgate against the same resources written by hand and prints one
// markdown table (`make bench`): registration cost on Pulumi's mock engine (package bench's
// BenchmarkIngress and BenchmarkHandWritten), the real engine (the e2e module's BenchmarkProduct, the
// whole Ingress with every provider real, and BenchmarkEngine, the connectors; when the real-parts
// tools are built), build weight (cold build of examples/inpod against
// bench/buildweight/handwritten) and user effort (lines of bench/effort/inpod).
//
// The machine is assumed noisy: the two sides of every comparison run alternately, in rounds, and
// the ratio reported is the median of the per-round ratios. Run it from the repository root.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Targets of the issue: every ratio at most maxRatio, at most maxLines lines of user code.
const (
	maxRatio = 1.1
	maxLines = 25
)

// sizes are the registration benchmark's N with the iterations of one run (about a second each).
var sizes = []struct {
	n     int
	iters int
}{{1, 200}, {10, 150}, {100, 30}, {1000, 4}}

func main() {
	rounds := flag.Int("rounds", 5, "alternating rounds of the registration benchmarks")
	engineRounds := flag.Int("engine-rounds", 1, "rounds of the real-engine benchmark (each deploys 122 connectors, up to 100 pods at a time)")
	builds := flag.Int("builds", 1, "cold builds of each side (each takes minutes)")
	parallel := flag.Bool("parallel-builds", false, "build both sides at the same time (same load for both, half the wall time)")
	skip := flag.String("skip", "", "comma-separated parts to skip: registration, product, plugin, engine, build, effort")
	flag.Parse()
	skipped := func(part string) bool { return slices.Contains(strings.Split(*skip, ","), part) }

	var t table
	t.machine = machine()
	start := time.Now()
	if !skipped("registration") {
		must(registration(&t, *rounds))
	}
	for _, rb := range []realBench{productBench, pluginBench, engineBench} {
		if skipped(strings.ToLower(rb.name)) {
			continue
		}
		if err := realEngine(&t, *engineRounds, rb); err != nil {
			t.notes = append(t.notes, "Real engine ("+rb.name+"): not measured: "+err.Error())
		}
	}
	if !skipped("build") {
		must(buildWeight(&t, *builds, *parallel))
	}
	if !skipped("effort") {
		must(effort(&t))
	}
	t.notes = append(t.notes, fmt.Sprintf("Whole run: %s.", time.Since(start).Round(time.Second)))
	t.print(os.Stdout)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// table is the report: one row per measurement.
type table struct {
	machine string
	rows    []row
	notes   []string
}

type row struct {
	what, size, lib, hand, ratio, target, ok string
}

func (t *table) add(what, size, lib, hand string, ratio float64, target float64) {
	ok := "yes"
	if ratio > target {
		ok = "**no**"
	}
	t.rows = append(t.rows, row{what, size, lib, hand, fmt.Sprintf("%.2f", ratio), fmt.Sprintf("<= %.1f", target), ok})
}

func (t *table) print(w *os.File) {
	fmt.Fprintf(w, "Machine: %s\n\n", t.machine)
	fmt.Fprintln(w, "| measurement | N | tunnelgate | hand-written | ratio | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", r.what, r.size, r.lib, r.hand, r.ratio, r.target, r.ok)
	}
	for _, n := range t.notes {
		fmt.Fprintf(w, "\n%s\n", n)
	}
}

// machine describes where the table was measured: CPU model, cores, Go version, load.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`(?m)^model name\s*:\s*(.+)$`).FindSubmatch(b); m != nil {
			model = string(m[1])
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average " + strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return fmt.Sprintf("%s, %d cores (nproc), %s %s/%s%s, %s", model, runtime.NumCPU(), goVersion(),
		runtime.GOOS, runtime.GOARCH, load, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

// result is one benchmark line: metric unit -> value.
type result map[string]float64

// benchLine matches "BenchmarkX/sub-2   	 10	 123 ns/op	 45 B/op ...".
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseBench returns the results of go test -bench output by benchmark name (GOMAXPROCS suffix removed).
func parseBench(out []byte) map[string]result {
	res := map[string]result{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		r := result{}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				r[f[i+1]] = v
			}
		}
		res[m[1]] = r
	}
	return res
}

// run runs a command in dir and returns its combined output, with the output in the error.
func run(dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// pairs collects alternating measurements of the two sides and reduces them to medians and the
// median of the per-round ratios.
type pairs struct{ lib, hand, ratio []float64 }

func (p *pairs) add(lib, hand float64) {
	p.lib, p.hand = append(p.lib, lib), append(p.hand, hand)
	if hand > 0 {
		p.ratio = append(p.ratio, lib/hand)
	}
}

// registration runs the mock-engine benchmarks: a test binary built once, then for each round and N
// one run of each side, alternating which goes first.
func registration(t *table, rounds int) error {
	dir, err := os.MkdirTemp("", "benchtable")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bench.test")
	if _, err := run(".", nil, "go", "test", "-c", "-o", bin, "./bench"); err != nil {
		return err
	}
	sides := [2]string{"Ingress", "HandWritten"}
	type key struct {
		n      int
		metric string
	}
	got := map[key]*pairs{}
	for r := 0; r < rounds; r++ {
		for _, s := range sizes {
			vals := map[string]result{}
			order := sides
			if r%2 == 1 {
				order[0], order[1] = order[1], order[0]
			}
			for _, side := range order {
				name := fmt.Sprintf("Benchmark%s/N=%d", side, s.n)
				out, err := run(".", nil, bin, "-test.run", "^$", "-test.bench", fmt.Sprintf("^Benchmark%s$/^N=%d$", side, s.n),
					"-test.benchmem", "-test.benchtime", fmt.Sprintf("%dx", s.iters))
				if err != nil {
					return err
				}
				res, ok := parseBench(out)[name]
				if !ok {
					return fmt.Errorf("no result for %s in:\n%s", name, out)
				}
				vals[side] = res
			}
			for _, metric := range []string{"ns/op", "cpu-ns/op", "allocs/op", "B/op"} {
				k := key{s.n, metric}
				if got[k] == nil {
					got[k] = &pairs{}
				}
				got[k].add(vals["Ingress"][metric], vals["HandWritten"][metric])
			}
		}
	}
	for _, s := range sizes {
		n := strconv.Itoa(s.n)
		wall, cpu, allocs := got[key{s.n, "ns/op"}], got[key{s.n, "cpu-ns/op"}], got[key{s.n, "allocs/op"}]
		t.add("Registration, wall ns/op (mock engine)", n, ms(median(wall.lib)), ms(median(wall.hand)), median(wall.ratio), maxRatio)
		t.add("Registration, CPU ns/op", n, ms(median(cpu.lib)), ms(median(cpu.hand)), median(cpu.ratio), maxRatio)
		t.add("Registration, allocs/op", n, fmt.Sprintf("%.0f", median(allocs.lib)), fmt.Sprintf("%.0f", median(allocs.hand)), median(allocs.ratio), maxRatio)
	}
	// What the four component resources alone cost, against the N=1 gap.
	out, err := run(".", nil, bin, "-test.run", "^$", "-test.bench", "^Benchmark(Empty|ComponentShells)$",
		"-test.benchmem", "-test.benchtime", "300x")
	if err != nil {
		return err
	}
	res := parseBench(out)
	empty, shells := res["BenchmarkEmpty"], res["BenchmarkComponentShells"]
	if empty == nil || shells == nil {
		return fmt.Errorf("no BenchmarkEmpty/BenchmarkComponentShells results in:\n%s", out)
	}
	gapAllocs := median(got[key{1, "allocs/op"}].lib) - median(got[key{1, "allocs/op"}].hand)
	gapCPU := median(got[key{1, "cpu-ns/op"}].lib) - median(got[key{1, "cpu-ns/op"}].hand)
	t.notes = append(t.notes, fmt.Sprintf("Component resources alone (BenchmarkComponentShells: the 4 components, their outputs, no children, "+
		"minus an empty program): %.0f allocs/op and %.2f ms CPU/op, against a gap at N=1 of %.0f allocs/op and %.2f ms CPU/op: "+
		"the rest of the gap is tunnelgate's own code (see bench/README.md).",
		shells["allocs/op"]-empty["allocs/op"], (shells["cpu-ns/op"]-empty["cpu-ns/op"])/1e6, gapAllocs, gapCPU/1e6))

	// Linearity: the cost per added route between consecutive sizes should stay flat.
	var per []string
	for i := 1; i < len(sizes); i++ {
		a, b := sizes[i-1], sizes[i]
		la, lb := median(got[key{a.n, "cpu-ns/op"}].lib), median(got[key{b.n, "cpu-ns/op"}].lib)
		ha, hb := median(got[key{a.n, "cpu-ns/op"}].hand), median(got[key{b.n, "cpu-ns/op"}].hand)
		d := float64(b.n - a.n)
		per = append(per, fmt.Sprintf("N %d→%d: tunnelgate %.0f µs, hand-written %.0f µs", a.n, b.n, (lb-la)/d/1e3, (hb-ha)/d/1e3))
	}
	t.notes = append(t.notes, fmt.Sprintf("Registration: %d alternating rounds, ratios are medians of per-round ratios. "+
		"CPU time per added route (linear growth keeps it flat): %s.", rounds, strings.Join(per, "; ")))
	return nil
}

func ms(ns float64) string { return fmt.Sprintf("%.2f ms", ns/1e6) }

// realBench is one of the e2e module's real-engine benchmarks: Benchmark<Name>/<size>=N/<op>/<side>.
type realBench struct {
	name, size, unit string
	// sides are the library's side and the side it is compared with (default tunnelgate, handwritten).
	sides [2]string
	// extra, when set, reads one more figure of each round's output (e.g. a start-up time) for the notes,
	// where extraWhat says what it is.
	extra     func(results map[string]result) string
	extraWhat string
	// ops are the benchmark's operations in table order, with their row names.
	ops []struct{ op, what string }
}

var (
	// engineBench: the workload and network components (connectors) against hand-written Deployments,
	// PDBs and policies, with the kubernetes provider.
	engineBench = realBench{name: "Engine", size: "connectors", unit: "connectors", ops: []struct{ op, what string }{
		{"up", "Real engine, `up` (workload + network)"},
		{"noop", "Real engine, no-op `up`"},
		{"up-nocheckpoints", "Real engine, `up` with `PULUMI_SKIP_CHECKPOINTS=true`"},
	}}
	// productBench: the whole Ingress against the hand-written program, every provider real (cloudflare
	// against the fake API, vault, random, kubernetes).
	productBench = realBench{name: "Product", size: "hostnames", unit: "hostnames", ops: []struct{ op, what string }{
		{"up", "Real engine, whole Ingress `up` (cloudflare, vault, random, kubernetes)"},
		{"noop", "Real engine, whole Ingress no-op `up`"},
	}}
	// pluginBench: the in-pod quickstart as a Go program through the Go SDK generated from tunnelgate's
	// plugin (the Ingress constructed by the plugin process) against examples/inpod (the library
	// in-process), both prebuilt binaries run through the CLI; the plugin's start is timed apart.
	pluginBench = realBench{name: "Plugin", size: "hostnames", unit: "hostname", sides: [2]string{"plugin", "go"},
		ops: []struct{ op, what string }{
			{"up", "Through the plugin (first column) against the library in-process (second), whole Ingress `up`"},
			{"noop", "Through the plugin against the library in-process, no-op `up`"},
		},
		extra: func(results map[string]result) string {
			if r, ok := results["BenchmarkPlugin/start/plugin"]; ok {
				return fmt.Sprintf("%.0f ms", r["ns/op"]/1e6)
			}
			return ""
		},
		extraWhat: "the plugin's own start (exec to serving), part of the plugin side's time, per round",
	}
)

// side names rb's two sides.
func (rb realBench) side() [2]string {
	if rb.sides[0] == "" {
		return [2]string{"tunnelgate", "handwritten"}
	}
	return rb.sides
}

// op is the index of op in rb.ops.
func (rb realBench) op(op string) int {
	return slices.IndexFunc(rb.ops, func(o struct{ op, what string }) bool { return o.op == op })
}

// realEngine runs one of the e2e module's real-engine benchmarks in rounds; it fails with the reason when
// the real-parts harness or its tools are missing.
func realEngine(t *table, rounds int, rb realBench) error {
	if _, err := os.Stat("e2e/go.mod"); err != nil {
		return fmt.Errorf("the e2e module is missing")
	}
	sides := rb.side()
	line := regexp.MustCompile(`^Benchmark` + rb.name + `/` + rb.size + `=(\d+)/([a-z-]+)/(` + sides[0] + `|` + sides[1] + `)$`)
	var extras []string
	type key struct {
		n  string
		op string
	}
	got := map[key]*pairs{}
	var order []key
	for r := 0; r < rounds; r++ {
		out, err := run("e2e", []string{fmt.Sprintf("TUNNELGATE_BENCH_ROUND=%d", r)}, "go", "test", "-run", "^$",
			"-bench", "^Benchmark"+rb.name+"$", "-benchtime", "1x", "-timeout", "30m", ".")
		if err != nil {
			return err
		}
		vals := map[key]map[string]float64{}
		results := parseBench(out)
		if rb.extra != nil {
			if e := rb.extra(results); e != "" {
				extras = append(extras, e)
			}
		}
		for name, res := range results {
			m := line.FindStringSubmatch(name)
			if m == nil || rb.op(m[2]) < 0 {
				continue
			}
			k := key{m[1], m[2]}
			if vals[k] == nil {
				vals[k] = map[string]float64{}
			}
			vals[k][m[3]] = res["ns/op"]
		}
		if len(vals) == 0 {
			return fmt.Errorf("no Benchmark%s results (skipped? tools not built?):\n%s", rb.name, out)
		}
		for k, v := range vals {
			if got[k] == nil {
				got[k] = &pairs{}
				order = append(order, k)
			}
			got[k].add(v[sides[0]], v[sides[1]])
		}
	}
	slices.SortFunc(order, func(a, b key) int {
		na, _ := strconv.Atoi(a.n)
		nb, _ := strconv.Atoi(b.n)
		if na != nb {
			return na - nb
		}
		return rb.op(a.op) - rb.op(b.op)
	})
	for _, k := range order {
		p := got[k]
		t.add(rb.ops[rb.op(k.op)].what, k.n+" "+rb.unit, sec(median(p.lib)), sec(median(p.hand)), median(p.ratio), maxRatio)
	}
	t.notes = append(t.notes, fmt.Sprintf("Real engine (%s): %d rounds of `cd e2e && go test -run '^$' -bench '^Benchmark%s$' -benchtime 1x`, sides alternating within each round.", rb.name, rounds, rb.name))
	if len(extras) > 0 {
		t.notes = append(t.notes, fmt.Sprintf("Real engine (%s): %s: %s.", rb.name, rb.extraWhat, strings.Join(extras, ", ")))
	}
	return nil
}

func sec(ns float64) string { return fmt.Sprintf("%.2f s", ns/1e9) }

// buildWeight builds both programs cold (an empty GOCACHE each, the shared module cache) and compares
// build time (wall, and CPU time of the go command and the compilers and linker it waited for, which
// load on a shared machine disturbs much less) and binary size. With parallel the two sides build at
// the same time, so that both see the same machine; otherwise they alternate.
func buildWeight(t *table, builds int, parallel bool) error {
	dir, err := os.MkdirTemp("", "benchtable-build")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	progs := [2]string{"./examples/inpod", "./bench/buildweight/handwritten"}
	type measured struct {
		wall, cpu time.Duration
		size      int64
		err       error
	}
	build := func(j, i int) (m measured) {
		cache := filepath.Join(dir, fmt.Sprintf("gocache-%d-%d", i, j))
		bin := filepath.Join(dir, fmt.Sprintf("bin-%d-%d", i, j))
		defer os.RemoveAll(cache)
		cmd := exec.Command("go", "build", "-o", bin, progs[j])
		cmd.Env = append(os.Environ(), "GOCACHE="+cache)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		m.wall = time.Since(start)
		if err != nil {
			m.err = fmt.Errorf("go build %s: %v\n%s", progs[j], err, out)
			return m
		}
		m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		st, err := os.Stat(bin)
		if err != nil {
			m.err = err
			return m
		}
		m.size = st.Size()
		return m
	}
	var wall, cpu, sizes pairs
	for i := 0; i < builds; i++ {
		var ms [2]measured
		if parallel {
			done := make(chan struct{})
			go func() { ms[1] = build(1, i); close(done) }()
			ms[0] = build(0, i)
			<-done
		} else {
			order := []int{0, 1}
			if i%2 == 1 {
				order = []int{1, 0}
			}
			for _, j := range order {
				ms[j] = build(j, i)
			}
		}
		for _, m := range ms {
			if m.err != nil {
				return m.err
			}
		}
		wall.add(ms[0].wall.Seconds(), ms[1].wall.Seconds())
		cpu.add(ms[0].cpu.Seconds(), ms[1].cpu.Seconds())
		sizes.add(float64(ms[0].size), float64(ms[1].size))
	}
	t.add("Cold `go build`, wall time", "examples/inpod", fmt.Sprintf("%.0f s", median(wall.lib)), fmt.Sprintf("%.0f s", median(wall.hand)), median(wall.ratio), maxRatio)
	t.add("Cold `go build`, CPU time", "examples/inpod", fmt.Sprintf("%.0f s", median(cpu.lib)), fmt.Sprintf("%.0f s", median(cpu.hand)), median(cpu.ratio), maxRatio)
	t.add("Binary size", "examples/inpod", fmt.Sprintf("%.1f MiB", median(sizes.lib)/(1<<20)), fmt.Sprintf("%.1f MiB", median(sizes.hand)/(1<<20)), median(sizes.ratio), maxRatio)
	how := "alternating"
	if parallel {
		how = "both sides at the same time"
	}
	t.notes = append(t.notes, fmt.Sprintf("Build weight: %d cold build(s) per side (%s), each with an empty GOCACHE and the shared module cache; "+
		"hand-written side: bench/buildweight/handwritten (same config keys, same resources, direct SDK calls).", builds, how))
	return nil
}

// effort counts the non-blank, non-comment lines of the complete in-pod program (package clause and
// imports included) and, separately, of its code without package clause and imports.
func effort(t *table) error {
	src, err := os.ReadFile("bench/effort/inpod/main.go")
	if err != nil {
		return err
	}
	all, code := 0, 0
	inImport := false
	for _, line := range strings.Split(string(src), "\n") {
		l := strings.TrimSpace(line)
		if l == "" || strings.HasPrefix(l, "//") {
			continue
		}
		all++
		switch {
		case l == "import (":
			inImport = true
		case inImport && l == ")":
			inImport = false
		case !inImport && !strings.HasPrefix(l, "package ") && !strings.HasPrefix(l, "import "):
			code++
		}
	}
	ratio := float64(all) / maxLines
	ok := "yes"
	if all > maxLines {
		ok = "**no**"
	}
	t.rows = append(t.rows, row{"User effort, in-pod setup (lines of Go)", "1 app", strconv.Itoa(all),
		"77 Terraform + 51 Deployment YAML + 82 policy YAML", fmt.Sprintf("%.2f of target", ratio), fmt.Sprintf("<= %d lines", maxLines), ok})
	t.notes = append(t.notes, fmt.Sprintf("User effort: non-blank, non-comment lines of bench/effort/inpod/main.go, the complete program "+
		"(package clause and imports included: %d; without them: %d). Its test checks it registers exactly the seed's resources.", all, code))
	return nil
}
