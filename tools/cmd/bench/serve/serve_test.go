// Package serve measures `host serve` under load: throughput and latency
// percentiles of POST /log, with one logger in-process and the same
// logger isolated, from concurrent clients over loopback. The logger
// (//host/testdata:countera, with no folder to count into) does nothing,
// so the numbers are the service's and the mode's, not the logger's.
//
//	bazel run //tools/cmd/bench/serve:serve_test -- -test.run='^$' -test.bench=.
package serve

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/stretchr/testify/require"
)

func runfile(tb testing.TB, rel string) string {
	tb.Helper()
	p, err := runfiles.Rlocation(rel)
	require.NoError(tb, err)
	return p
}

// startServe runs the host's service over the logger's build folder and
// returns its base URL; it is stopped at cleanup.
func startServe(tb testing.TB, args ...string) string {
	tb.Helper()
	var so string
	for _, rel := range strings.Fields(os.Getenv("SERVE_LOGGER_FILES")) {
		if strings.HasSuffix(rel, ".so") {
			so = runfile(tb, rel)
		}
	}
	require.NotEmpty(tb, so, "SERVE_LOGGER_FILES holds no .so: run with bazel")
	cmd := exec.Command(runfile(tb, os.Getenv("SERVE_HOST_BIN")),
		append([]string{"serve", "--listen=127.0.0.1:0", "--plugins=" + filepath.Dir(so)}, args...)...)
	out, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	require.True(tb, sc.Scan(), "stderr: %s", stderr.String())
	base, ok := strings.CutPrefix(sc.Text(), "host serve: listening on ")
	require.True(tb, ok, sc.Text())
	go func() {
		for sc.Scan() {
		}
	}()
	return base
}

var body = []byte(`{"level":"info","msg":"benchmark","labels":{"k":"v"}}`)

func post(tb testing.TB, c *http.Client, url string) {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b.Bytes(), []byte(`"hosttest/countera"`)) {
		tb.Fatalf("POST /log: %d %s", resp.StatusCode, b.String())
	}
}

// BenchmarkServeLog: ns/op is wall time per request over all clients
// (1/throughput); p50-ns and p99-ns are the latency one client sees.
func BenchmarkServeLog(b *testing.B) {
	for _, mode := range []struct{ name, flag string }{
		{"in-process", ""},
		{"isolated", "--isolated"},
	} {
		b.Run(mode.name, func(b *testing.B) {
			var args []string
			if mode.flag != "" {
				args = append(args, mode.flag)
			}
			url := startServe(b, args...) + "/log"
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			post(b, c, url) // the first call starts nothing new mid-run
			var mu sync.Mutex
			var all []time.Duration
			b.SetParallelism(4) // 4 clients per CPU
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					t0 := time.Now()
					post(b, c, url)
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			b.StopTimer()
			sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
			pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Nanoseconds()) }
			b.ReportMetric(pct(0.50), "p50-ns")
			b.ReportMetric(pct(0.99), "p99-ns")
			b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
		})
	}
}
