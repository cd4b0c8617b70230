// Package load measures what it costs a host to load plugkit plugins: the
// loader's checks, the SHA-256, plugin.Open and binding, for 1 to 50
// plugins, each load in a fresh process (see probe/main.go for why).
package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// result is the probe's output (probe.Result).
type result struct {
	Plugins    int   `json:"plugins"`
	StageNs    int64 `json:"stage_ns"`
	CheckNs    int64 `json:"check_ns"`
	OpenNs     int64 `json:"open_ns"`
	IdentifyNs int64 `json:"identify_ns"`
	BindNs     int64 `json:"bind_ns"`
	LoadNs     int64 `json:"load_ns"`
	SHA256Ns   int64 `json:"sha256_ns"`
}

// runfile resolves the $(rlocationpath) in env var env.
func runfile(t testing.TB, env string) string {
	t.Helper()
	return rlocation(t, env, os.Getenv(env))
}

func rlocation(t testing.TB, env, rel string) string {
	t.Helper()
	require.NotEmpty(t, rel, "%s is not set: run this test with bazel test, or through //tools/cmd/bench", env)
	p, err := runfiles.Rlocation(rel)
	require.NoError(t, err, "%s=%s", env, rel)
	return p
}

// fixtures returns the fifty fixture plugins, in their order.
func fixtures(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, rel := range strings.Fields(os.Getenv("LOAD_PLUGINS")) {
		out = append(out, rlocation(t, "LOAD_PLUGINS", rel))
	}
	require.Len(t, out, 50, "LOAD_PLUGINS")
	return out
}

// probe runs the probe on plugins in a new process.
func probe(t testing.TB, plugins []string) (*result, error) {
	t.Helper()
	cmd := exec.Command(runfile(t, "LOAD_PROBE"), plugins...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("probe: %w\n%s", err, stderr.String())
	}
	var res result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("probe output %q: %w", stdout.String(), err)
	}
	return &res, nil
}

func TestProbeLoadsAll(t *testing.T) {
	plugins := fixtures(t)
	res, err := probe(t, plugins)
	require.NoError(t, err)
	assert.Equal(t, len(plugins), res.Plugins)
	for name, v := range map[string]int64{
		"stage": res.StageNs, "check": res.CheckNs, "open": res.OpenNs,
		"identify": res.IdentifyNs, "bind": res.BindNs, "sha256": res.SHA256Ns,
	} {
		assert.Positive(t, v, name)
	}
	// The total is measured around the phases, so it cannot be less.
	assert.GreaterOrEqual(t, res.LoadNs, res.StageNs+res.CheckNs+res.OpenNs+res.IdentifyNs+res.BindNs)
}

// A plugin passed twice is loaded once; the probe must refuse to report it
// as two loads.
func TestProbeRefusesDuplicates(t *testing.T) {
	p := fixtures(t)[0]
	_, err := probe(t, []string{p, p})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 plugins loaded from 2 paths")
}

// BenchmarkLoad starts the probe once per iteration. ns/op is the whole
// process, start and exit included; the custom metrics are the probe's
// own in-process times, summed over the plugins it loads: stage-ns/op
// (permission check, the file held still: leased and linked, or copied),
// check-ns/op (build record and ELF pre-open check), open-ns/op
// (plugin.Open, init functions included), identify-ns/op (PluginManifest
// and API version), bind-ns/op (generated bindings) and load-ns/op (all
// of it, measured around the calls), and baresha256-ns/op, one bare
// SHA-256 pass over each file in the same process, the yardstick of the
// loader's own work, load-ns/op minus open-ns/op.
func BenchmarkLoad(b *testing.B) {
	plugins := fixtures(b)
	for _, n := range []int{1, 2, 5, 10, 20, 50} {
		b.Run(fmt.Sprintf("plugins=%d", n), func(b *testing.B) {
			var sum result
			for b.Loop() {
				res, err := probe(b, plugins[:n])
				if err != nil {
					b.Fatal(err)
				}
				if res.Plugins != n {
					b.Fatalf("probe loaded %d plugins, want %d", res.Plugins, n)
				}
				sum.StageNs += res.StageNs
				sum.CheckNs += res.CheckNs
				sum.OpenNs += res.OpenNs
				sum.IdentifyNs += res.IdentifyNs
				sum.BindNs += res.BindNs
				sum.LoadNs += res.LoadNs
				sum.SHA256Ns += res.SHA256Ns
			}
			per := func(v int64) float64 { return float64(v) / float64(b.N) }
			b.ReportMetric(per(sum.StageNs), "stage-ns/op")
			b.ReportMetric(per(sum.CheckNs), "check-ns/op")
			b.ReportMetric(per(sum.OpenNs), "open-ns/op")
			b.ReportMetric(per(sum.IdentifyNs), "identify-ns/op")
			b.ReportMetric(per(sum.BindNs), "bind-ns/op")
			b.ReportMetric(per(sum.LoadNs), "load-ns/op")
			b.ReportMetric(per(sum.SHA256Ns), "baresha256-ns/op")
		})
	}
}
