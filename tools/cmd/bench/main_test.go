package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs every suite once and checks the report: every section, a
// row per measured size, charts that are SVG with data in them.
func TestRun(t *testing.T) {
	out := t.TempDir()
	var stderr bytes.Buffer
	err := run([]string{"-count=1", "-benchtime=1x", "-out", out}, &stderr)
	require.NoError(t, err, "stderr:\n%s", stderr.String())
	t.Log(stderr.String())
	assert.Contains(t, stderr.String(), "[4/4]", "progress lines")

	raw := read(t, out, rawName)
	for _, name := range []string{"BenchmarkAddTwoInts/direct", "BenchmarkGreet/direct", "BenchmarkGoPluginStart/", "BenchmarkLoad/plugins=50", "BenchmarkBindgen/symbols=10000", "BenchmarkServeLog/in-process", "BenchmarkServeLog/isolated"} {
		assert.Contains(t, raw, name, rawName)
	}

	md := read(t, out, mdName)
	for _, h := range sectionHeadings {
		assert.Contains(t, md, "\n"+h+"\n", "section")
	}
	for _, row := range []string{"| direct |", "| 1 |", "| 50 |", "| 10 |", "| 10000 |", "| Go | go1."} {
		assert.Contains(t, md, row, "table row")
	}
	assert.Contains(t, md, "tools/bazel run //tools/cmd/bench -- -count=1 -benchtime=1x")
	assert.Contains(t, md, "]("+callsChart+")")
	assert.Regexp(t, `(?m)^AddTwoInts: a call through the bindings takes [0-9.]+× the time of a direct call; go-plugin over netrpc takes [0-9.]+× the time of the bindings; go-plugin over grpc takes [0-9.]+× the time of the bindings\.$`, md)
	assert.Contains(t, md, "]("+scaleChart+")")
	assert.Contains(t, md, "]("+serveChart+")")
	assert.Contains(t, md, "| isolated |", "serving row")
	assert.Regexp(t, `(?m)^Greet, plugkit's three modes: .*an isolated call takes [0-9.]+× its time`, md)
	assert.NotContains(t, md, out, "the report must not name the machine's folders")
	assert.NotContains(t, md, "NaN")

	for chart, labels := range map[string][]string{
		callsChart: {"direct", "AddTwoInts", "Greet"},
		scaleChart: {"plugins", "symbols", "bindgen"},
		serveChart: {"in-process", "isolated", "p99"},
	} {
		svg := read(t, out, chart)
		paths := checkSVG(t, chart, svg)
		// Axes, ticks and grid alone draw a few dozen paths; data adds more.
		assert.Greater(t, paths, 20, "%s: paths", chart)
		for _, l := range labels {
			assert.Contains(t, svg, ">"+l, "%s: label", chart)
		}
	}
}

// checkSVG parses svg as XML and counts its path elements.
func checkSVG(t *testing.T, name, svg string) (paths int) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "%s is not XML", name)
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "path" {
				paths++
			}
		}
	}
	assert.Equal(t, "svg", root, name)
	return paths
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(b)
}

// A suite that measured nothing must fail the run, not leave a table
// empty.
func TestMissingSectionFails(t *testing.T) {
	raw := []byte("BenchmarkLoad/plugins=1-2 1 100 ns/op 1 stage-ns/op 1 check-ns/op 1 open-ns/op 1 identify-ns/op 1 bind-ns/op 5 load-ns/op 1 baresha256-ns/op\n")
	res, err := parseResults(raw)
	require.NoError(t, err)
	_, err = newReport(res)
	require.Error(t, err)
	for _, want := range []string{"no BenchmarkAddTwoInts", "no BenchmarkGreet", "no BenchmarkGoPluginStart", "no BenchmarkBindgen", "no BenchmarkServeLog"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "BenchmarkLoad")
}

// A benchmark that lost one of its metrics fails too.
func TestMissingMetricFails(t *testing.T) {
	res, err := parseResults([]byte("BenchmarkLoad/plugins=1-2 1 100 ns/op 1 stage-ns/op\n"))
	require.NoError(t, err)
	_, err = newReport(res)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no check-ns/op for benchmark Load/plugins=1")
}

func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	err := run([]string{"--help"}, &stderr)
	require.Error(t, err)
	assert.Contains(t, stderr.String(), "Usage: tools/bazel run //tools/cmd/bench")
	assert.Contains(t, stderr.String(), "-count")
	assert.Contains(t, stderr.String(), "-benchtime")
}
