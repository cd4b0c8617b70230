package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/bazelbuild/rules_go/go/runfiles"
)

// suite is one test binary whose benchmarks the report reads. Its path
// comes from env, a $(rlocationpath) set in BUILD.bazel.
type suite struct {
	title string
	label string
	env   string
}

// suites run in this order; the raw output keeps it.
var suites = []suite{
	{"call cost", "//tools/cmd/bench/calls:calls_test", "BENCH_CALLS_TEST"},
	{"load cost", "//tools/cmd/bench/load:load_test", "BENCH_LOAD_TEST"},
	{"bindgen scale", "//tools/build/bindgen/internal/bindgen:bindgen_test", "BENCH_BINDGEN_TEST"},
	{"serving", "//tools/cmd/bench/serve:serve_test", "BENCH_SERVE_TEST"},
}

// suiteEnv runs test binaries out of this binary's runfiles.
type suiteEnv struct {
	rf  *runfiles.Runfiles
	env []string // for the test binaries
}

// testOnlyVars are set by `bazel test` for the test that runs this
// command (bench_test). Handed down, they would make a suite write its
// results over that test's XML report, shard itself, or filter its
// benchmarks by that test's --test_filter.
var testOnlyVars = []string{
	"XML_OUTPUT_FILE",
	"TESTBRIDGE_TEST_ONLY",
	"TEST_SHARD_INDEX",
	"TEST_TOTAL_SHARDS",
	"TEST_SHARD_STATUS_FILE",
	"TEST_PREMATURE_EXIT_FILE",
	"TEST_WARNINGS_OUTPUT_FILE",
	"TEST_INFRASTRUCTURE_FAILURE_FILE",
	"TEST_UNUSED_RUNFILES_LOG_FILE",
	"TEST_UNDECLARED_OUTPUTS_DIR",
	"TEST_UNDECLARED_OUTPUTS_ANNOTATIONS_DIR",
	"GO_TEST_WRAP_TESTV",
}

func newSuiteEnv() (*suiteEnv, error) {
	rf, err := runfiles.New()
	if err != nil {
		return nil, fmt.Errorf("runfiles: %w (run with bazel run)", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		drop := strings.HasPrefix(k, "RUNFILES_")
		for _, v := range testOnlyVars {
			drop = drop || k == v
		}
		if !drop {
			env = append(env, kv)
		}
	}
	// The suites find their fixtures through these, as under bazel test.
	env = append(env, rf.Env()...)
	return &suiteEnv{rf: rf, env: env}, nil
}

// path resolves the $(rlocationpath) in env var name.
func (e *suiteEnv) path(name string) (string, error) {
	rel := os.Getenv(name)
	if rel == "" {
		return "", fmt.Errorf("%s is not set: run with bazel run //tools/cmd/bench", name)
	}
	p, err := e.rf.Rlocation(rel)
	if err != nil {
		return "", fmt.Errorf("%s=%s: %w", name, rel, err)
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s=%s: %w", name, rel, err)
	}
	return p, nil
}

// runSuite runs one suite's benchmarks and returns their output and the Go
// version the test binary was built with. Benchmark lines are echoed to
// stderr as they come, for progress.
func (e *suiteEnv) runSuite(s suite, o *options, stderr io.Writer) (out []byte, goVersion string, err error) {
	bin, err := e.path(s.env)
	if err != nil {
		return nil, "", err
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return nil, "", fmt.Errorf("reading the Go version: %w", err)
	}
	args := []string{"-test.run=^$", "-test.bench=.", "-test.benchmem", fmt.Sprintf("-test.count=%d", o.count)}
	if o.benchtime != "" {
		args = append(args, "-test.benchtime="+o.benchtime)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = e.env
	var buf, errBuf bytes.Buffer
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	done := make(chan error, 1)
	go func() {
		done <- cmd.Wait()
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		buf.WriteString(line)
		buf.WriteByte('\n')
		if strings.HasPrefix(line, "Benchmark") {
			fmt.Fprintln(stderr, "  "+line)
		}
	}
	// Unblock the child if the scan stopped early (a line over 1 MiB).
	_, _ = io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		return nil, "", fmt.Errorf("%w\n%s%s", err, tail(buf.String(), 40), tail(errBuf.String(), 40))
	}
	if err := sc.Err(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), info.GoVersion, nil
}

// benchstat runs benchstat on the raw file in dir, from dir, so that its
// output names the file and not the folder.
func (e *suiteEnv) benchstat(dir string) (string, error) {
	bin, err := e.path("BENCHSTAT")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, rawName)
	cmd.Dir = dir
	cmd.Env = e.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("benchstat: %w\n%s", err, errOut.String())
	}
	return out.String(), nil
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}
