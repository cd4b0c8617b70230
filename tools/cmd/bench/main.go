// Command bench runs plugkit's benchmark suites and writes the report:
// docs/benchmarks.md (tables, machine, command), docs/benchmarks.txt (the
// raw `go test -bench` output benchstat and benchfmt read) and SVG charts.
//
// Run it with Bazel, which builds every suite and hands them over through
// the runfiles:
//
//	tools/bazel run //tools/cmd/bench -- -count=6
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"example.com/plugkit/internal/cli"
)

func main() {
	cli.Exit("bench", run(os.Args[1:], os.Stderr))
}

const usage = `Usage: tools/bazel run //tools/cmd/bench -- [flags]

Runs the benchmark suites (call cost, load cost, bindgen scale) from the
test binaries Bazel built, then writes into the output folder:

  benchmarks.md         tables per section, the machine, the command and charts
  benchmarks.txt        the raw benchmark output (go test -bench format)
  benchmarks-calls.svg  call cost per mechanism (log scale)
  benchmarks-scale.svg  load time against plugins, bindgen against symbols
  benchmarks-serve.svg  host serve's POST /log latency per mode

Progress goes to stderr. The report never says when it ran: rerun it to
refresh it, and commit what it writes.

Flags:
`

// options are the command's flags.
type options struct {
	count     int
	benchtime string
	out       string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := cli.NewFlagSet("bench", usage, stderr)
	o := &options{}
	fs.IntVar(&o.count, "count", 6, "runs of each benchmark (go test -count); benchstat wants 6 or more for a confidence interval")
	fs.StringVar(&o.benchtime, "benchtime", "", "go test -benchtime of each run, e.g. 1x or 500ms (default go test's, 1s)")
	fs.StringVar(&o.out, "out", "", "folder to write the report into (default docs/ of the workspace `bazel run` was started in)")
	if err := cli.Parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, cli.UsageError("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.count < 1 {
		return nil, cli.UsageError("-count=%d: want 1 or more", o.count)
	}
	if o.out == "" {
		ws := os.Getenv("BUILD_WORKSPACE_DIRECTORY")
		if ws == "" {
			return nil, cli.UsageError("-out is not set and BUILD_WORKSPACE_DIRECTORY is empty: run with `bazel run`, or give -out")
		}
		o.out = filepath.Join(ws, "docs")
	}
	return o, nil
}

// command is how to repeat this run, as the report states it: the flags
// that change the numbers, not where they were written.
func (o *options) command() string {
	cmd := fmt.Sprintf("tools/bazel run //tools/cmd/bench -- -count=%d", o.count)
	if o.benchtime != "" {
		cmd += " -benchtime=" + o.benchtime
	}
	return cmd
}

func run(args []string, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	env, err := newSuiteEnv()
	if err != nil {
		return err
	}
	var raw []byte
	var goVersions []string
	for i, s := range suites {
		fmt.Fprintf(stderr, "bench: [%d/%d] %s: %s -count=%d\n", i+1, len(suites), s.title, s.label, o.count)
		out, version, err := env.runSuite(s, o, stderr)
		if err != nil {
			return fmt.Errorf("%s (%s): %w", s.title, s.label, err)
		}
		raw = append(raw, out...)
		goVersions = appendUnique(goVersions, version)
	}
	rawPath := filepath.Join(o.out, rawName)
	if err := os.WriteFile(rawPath, raw, 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stderr, "bench: benchstat", rawName)
	stat, err := env.benchstat(o.out)
	if err != nil {
		return err
	}
	res, err := parseResults(raw)
	if err != nil {
		return err
	}
	rep, err := newReport(res)
	if err != nil {
		return err
	}
	rep.machine = readMachine(goVersions, raw)
	rep.command = o.command()
	rep.benchstat = stat
	for name, draw := range map[string]func() ([]byte, error){
		callsChart: rep.callsChart,
		scaleChart: rep.scaleChart,
		serveChart: rep.serveChart,
	} {
		svg, err := draw()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(o.out, name), svg, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(o.out, mdName), rep.markdown(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: wrote %s, %s, %s, %s and %s in %s\n", mdName, rawName, callsChart, scaleChart, serveChart, o.out)
	return nil
}

// The files the report consists of; benchmarks.md links the others by
// these names, so they stay in one folder.
const (
	mdName     = "benchmarks.md"
	rawName    = "benchmarks.txt"
	callsChart = "benchmarks-calls.svg"
	scaleChart = "benchmarks-scale.svg"
	serveChart = "benchmarks-serve.svg"
)

func appendUnique(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}
