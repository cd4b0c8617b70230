package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/compat"
)

// buildFiles copies the files of a go_plugin target ($(rlocationpaths)
// in env) into dir/<sub>, as an install would: the .so, the executable
// and their build records.
func buildFiles(t *testing.T, env, dir string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	n := 0
	for _, rel := range strings.Fields(os.Getenv(env)) {
		src := compat.Resolve(t, rel)
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		mode := os.FileMode(0o755)
		if strings.HasSuffix(src, ".json") {
			mode = 0o644
		}
		// Written beside, then renamed over: a new build lands whole.
		dst := filepath.Join(dir, filepath.Base(src))
		tmp := filepath.Join(dir, "."+filepath.Base(src)+".tmp")
		require.NoError(t, os.WriteFile(tmp, b, mode))
		require.NoError(t, os.Rename(tmp, dst))
		n++
	}
	require.Equal(t, 4, n, "%s: want a .so, an executable and their build records", env)
}

// serving is a running `host serve`.
type serving struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	exited chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startServe(t *testing.T, env []string, args ...string) *serving {
	t.Helper()
	cmd := exec.Command(runfile(t, "HOST_BIN"), append([]string{"serve", "--listen=127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	s := &serving{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = s.stderr
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "no first line; stderr: %s", s.stderr)
	addr, ok := strings.CutPrefix(lines.Text(), "host serve: listening on ")
	require.True(t, ok, "first line %q", lines.Text())
	s.base = addr
	go func() {
		for lines.Scan() { // the in-process plugins' output
		}
	}()
	go func() { s.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	return s
}

func (s *serving) get(t *testing.T, path string, v any) int {
	resp, err := http.Get(s.base + path)
	if err != nil {
		t.Errorf("GET %s: %v", path, err)
		return 0
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Errorf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

type statusJSON struct {
	Name, Build, State, Mode string
	PID                      int
	LastCode                 string `json:"last_code"`
	Generations              int    `json:"mapped_generations"`
}

func (s *serving) plugins(t *testing.T) map[string]statusJSON {
	var list []statusJSON
	s.get(t, "/plugins", &list)
	out := map[string]statusJSON{}
	for _, p := range list {
		out[p.Name] = p
	}
	return out
}

// TestServeUnderLoad runs the service with in-process and isolated
// loggers and greeters under concurrent clients, while builds are
// replaced, a bad build is dropped in and an isolated plugin's process is
// killed over and over, and checks that nothing a healthy plugin serves
// fails or is lost.
func TestServeUnderLoad(t *testing.T) {
	const (
		clients  = 8
		duration = 4 * time.Second
	)
	dir, counts := t.TempDir(), t.TempDir()
	hello := filepath.Join(dir, "greeter", "hello")
	buildFiles(t, "HELLO_FILES", hello)
	buildFiles(t, "NIHAO_FILES", filepath.Join(dir, "greeter", "nihao"))
	buildFiles(t, "COUNTERA_FILES", filepath.Join(dir, "logger", "countera"))
	counterb := filepath.Join(dir, "logger", "counterb")
	buildFiles(t, "COUNTERB_FILES", counterb)

	s := startServe(t, []string{"PLUGKIT_COUNTER_DIR=" + counts},
		"--plugins="+dir, "--isolate=hosttest/nihao,hosttest/counterb", "--poll=50ms", "--call-timeout=5s")
	require.Eventually(t, func() bool {
		ps := s.plugins(t)
		return len(ps) == 4 && ps["hosttest/hello"].State == "live" && ps["hosttest/nihao"].State == "live" &&
			ps["hosttest/countera"].State == "live" && ps["hosttest/counterb"].State == "live"
	}, 10*time.Second, 20*time.Millisecond, "stderr: %s", s.stderr)
	assert.Equal(t, http.StatusOK, s.get(t, "/healthz", nil))
	first := s.plugins(t)
	assert.Equal(t, "isolated", first["hosttest/counterb"].Mode)
	assert.Equal(t, "in-process", first["hosttest/countera"].Mode)

	// The bad build: the truncated .so of hello, with a build record that
	// vouches for those bytes, so only the loader's own checks stop it.
	good, err := os.ReadFile(filepath.Join(hello, "hello.so"))
	require.NoError(t, err)
	badDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(badDir, "hello.so"), good[:len(good)/3], 0o755))
	br, err := loader.ReadBuildRecord(filepath.Join(hello, "hello.so"))
	require.NoError(t, err)
	bad, err := buildrecord.New(filepath.Join(badDir, "hello.so"), br.Plugin, br.Kind, br.GoVersion, br.BuildFlagsFingerprint, br.PluginAPIVersion, br.SharedDeps)
	require.NoError(t, err)

	var (
		stop                      atomic.Bool
		requests, failures, kills atomic.Int64
		reloads                   atomic.Int64
		mu                        sync.Mutex
		accepted                  = map[string]map[string]bool{} // logger -> messages it took
		greetBuilds               = map[string]bool{}
		sent                      atomic.Int64
		wg                        sync.WaitGroup
	)
	fail := func(format string, args ...any) {
		failures.Add(1)
		t.Errorf(format, args...)
	}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				msg := fmt.Sprintf("c%d-%d", c, n)
				body, _ := json.Marshal(map[string]any{"level": "info", "msg": msg, "labels": map[string]string{"client": strconv.Itoa(c)}})
				requests.Add(1)
				sent.Add(1)
				resp, err := http.Post(s.base+"/log", "application/json", bytes.NewReader(body))
				if err != nil {
					fail("POST /log: %v", err)
					continue
				}
				var lr struct {
					Delivered []string
					Failed    []struct{ Plugin, Code, Error string }
				}
				err = json.NewDecoder(resp.Body).Decode(&lr)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || len(lr.Failed) > 0 {
					fail("POST /log %s: %d %v %+v", msg, resp.StatusCode, err, lr.Failed)
				}
				mu.Lock()
				for _, p := range lr.Delivered {
					if accepted[p] == nil {
						accepted[p] = map[string]bool{}
					}
					accepted[p][msg] = true
				}
				mu.Unlock()

				requests.Add(1)
				var g struct{ Greeting, Build, Code, Error string }
				if code := s.get(t, "/greet?lang=hello", &g); code != http.StatusOK || g.Greeting != "hello from host/testdata" {
					fail("GET /greet?lang=hello: %d %+v", code, g)
				}
				mu.Lock()
				greetBuilds[g.Build] = true
				mu.Unlock()
				// nihao is killed over and over: its failures are allowed,
				// and must be typed.
				requests.Add(1)
				var ng struct{ Greeting, Code string }
				if code := s.get(t, "/greet?lang=nihao", &ng); code != http.StatusOK && ng.Code != "plugin_exited" && ng.Code != "restart_backoff" {
					fail("GET /greet?lang=nihao: %d %+v", code, ng)
				}
			}
		}()
	}

	// Meanwhile: swap builds of hello (in-process) and counterb (isolated)
	// back and forth, drop the bad build in once, and kill nihao's process.
	deadline := time.Now().Add(duration)
	droppedBad := false
	for i := 0; time.Now().Before(deadline); i++ {
		time.Sleep(150 * time.Millisecond)
		if pid := s.plugins(t)["hosttest/nihao"].PID; pid > 0 {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				kills.Add(1)
			}
		}
		if i%4 != 3 {
			continue
		}
		switch {
		case !droppedBad && i > 8:
			droppedBad = true
			b, err := bad.Marshal()
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(hello, ".m.tmp"), b, 0o644))
			require.NoError(t, os.Rename(filepath.Join(hello, ".m.tmp"), filepath.Join(hello, "hello.so.build.json")))
			require.NoError(t, os.WriteFile(filepath.Join(hello, ".so.tmp"), good[:len(good)/3], 0o755))
			require.NoError(t, os.Rename(filepath.Join(hello, ".so.tmp"), filepath.Join(hello, "hello.so")))
			require.Eventually(t, func() bool { return s.plugins(t)["hosttest/hello"].LastCode != "" }, 5*time.Second, 20*time.Millisecond)
			assert.Equal(t, "live", s.plugins(t)["hosttest/hello"].State, "the old build keeps serving")
		default:
			helloEnv, counterbEnv := "HELLO_REBUILT_FILES", "COUNTERB_REBUILT_FILES"
			if reloads.Load()%2 == 1 {
				helloEnv, counterbEnv = "HELLO_FILES", "COUNTERB_FILES"
			}
			buildFiles(t, helloEnv, hello)
			buildFiles(t, counterbEnv, counterb)
			reloads.Add(1)
		}
	}
	// Let the last reload land before the clients stop.
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	// An isolated build, once replaced, leaves no process: one process per
	// isolated plugin remains (nihao's may be down, being killed).
	assert.Eventually(t, func() bool { return len(childPIDs(t, s.cmd.Process.Pid)) <= 2 }, 5*time.Second, 20*time.Millisecond,
		"plugin processes: %v", childPIDs(t, s.cmd.Process.Pid))
	final := s.plugins(t)
	assert.Equal(t, "live", final["hosttest/hello"].State)
	assert.LessOrEqual(t, final["hosttest/hello"].Generations, 2, "two builds, swapped back and forth, map two generations")
	mu.Lock()
	assert.False(t, greetBuilds[bad.SHA256], "the bad build never went live")
	assert.Len(t, greetBuilds, 2, "both builds of hello answered")
	mu.Unlock()
	seenKids := map[int]bool{}
	for _, kid := range childPIDs(t, s.cmd.Process.Pid) {
		seenKids[kid] = true
	}

	// Graceful stop: SIGTERM, requests drain, processes stop, exit 0.
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-s.exited:
		require.NoError(t, err, "stderr: %s", s.stderr)
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not stop; stderr: %s", s.stderr)
	}
	for kid := range seenKids {
		assert.Eventually(t, func() bool { return processGone(kid) }, 5*time.Second, 10*time.Millisecond, "plugin process %d outlived the service", kid)
	}

	// Every message a logger took, it got exactly once.
	received := 0
	for _, name := range []string{"countera", "counterb"} {
		data, err := os.ReadFile(filepath.Join(counts, name+".log"))
		require.NoError(t, err)
		got := map[string]int{}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			got[line]++
			received++
		}
		want := accepted["hosttest/"+name]
		assert.Equal(t, int(sent.Load()), len(want), "%s took every message sent", name)
		for msg := range want {
			if got[msg] != 1 {
				t.Errorf("%s got %s %d times, want once", name, msg, got[msg])
			}
		}
		assert.Len(t, got, len(want), "%s got only messages it took", name)
	}
	// On stderr, not t.Logf: the figures belong in every test log, passing
	// runs included.
	fmt.Fprintf(os.Stderr, "load test: %d clients for %v: %d requests, %d failures, %d reloads of hello and counterb, 1 bad build, %d kills of nihao's process; %d messages sent, %d deliveries counted by the loggers (2 per message)\n",
		clients, duration, requests.Load(), failures.Load(), reloads.Load(), kills.Load(), sent.Load(), received)
	assert.Positive(t, reloads.Load())
	assert.Positive(t, kills.Load())
}

func childPIDs(t *testing.T, pid int) []int {
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}

func processGone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// TestServeEndpoints checks each endpoint's answers and errors.
func TestServeEndpoints(t *testing.T) {
	dir := t.TempDir()
	buildFiles(t, "HELLO_FILES", filepath.Join(dir, "greeter", "hello"))
	buildFiles(t, "NIHAO_FILES", filepath.Join(dir, "greeter", "nihao"))
	s := startServe(t, nil, "--plugins="+dir, "--isolate=hosttest/nihao", "--poll=50ms")
	require.Eventually(t, func() bool { return len(s.plugins(t)) == 2 }, 10*time.Second, 20*time.Millisecond)

	var g map[string]string
	require.Equal(t, http.StatusOK, s.get(t, "/greet?lang=nihao", &g))
	assert.Equal(t, "你好, host/testdata", g["greeting"])
	assert.Equal(t, "isolated", g["mode"])
	var e apiErrorJSON
	assert.Equal(t, http.StatusNotFound, s.get(t, "/greet?lang=klingon", &e))
	assert.Equal(t, "unknown_language", e.Code)
	assert.Contains(t, e.Error, "available: hello, nihao")
	assert.Equal(t, http.StatusBadRequest, s.get(t, "/greet", &e))
	assert.Equal(t, http.StatusNotFound, s.get(t, "/nothing", &e))

	resp, err := http.Post(s.base+"/log", "application/json", strings.NewReader(`{"level":"shout"}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp.Body.Close()
	resp, err = http.Post(s.base+"/log", "application/json", strings.NewReader(`{"msg":"x"}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "no loggers in this folder")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(b), "no_loggers")

	require.NoError(t, s.cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, <-s.exited)
}

type apiErrorJSON struct{ Code, Error string }

// TestServeReloadRefusals: a build written slowly is not loaded half
// written, and the generation cap refuses a reload past it, saying so;
// the live build serves throughout.
func TestServeReloadRefusals(t *testing.T) {
	dir := t.TempDir()
	hello := filepath.Join(dir, "greeter", "hello")
	buildFiles(t, "HELLO_FILES", hello)
	s := startServe(t, nil, "--plugins="+dir, "--poll=20ms", "--max-generations=1")
	require.Eventually(t, func() bool { return s.plugins(t)["hosttest/hello"].State == "live" }, 10*time.Second, 20*time.Millisecond)
	first := s.plugins(t)["hosttest/hello"]
	assert.Equal(t, 1, first.Generations)

	// The rebuilt hello, its build record first, then its .so in halves
	// with pauses longer than the poll: the service sees it half written.
	var so, record []byte
	for _, rel := range strings.Fields(os.Getenv("HELLO_REBUILT_FILES")) {
		switch {
		case strings.HasSuffix(rel, ".so"):
			so = readFile(t, compat.Resolve(t, rel))
		case strings.HasSuffix(rel, ".so"+buildrecord.Suffix):
			record = readFile(t, compat.Resolve(t, rel))
		}
	}
	require.NoError(t, os.WriteFile(buildrecord.PathFor(filepath.Join(hello, "hello.so")), record, 0o644))
	f, err := os.OpenFile(filepath.Join(hello, "hello.so"), os.O_WRONLY|os.O_TRUNC, 0o755)
	require.NoError(t, err)
	for _, part := range [][]byte{so[:len(so)/2], so[len(so)/2:]} {
		_, err := f.Write(part)
		require.NoError(t, err)
		for range 5 {
			time.Sleep(30 * time.Millisecond)
			var g map[string]string
			require.Equal(t, http.StatusOK, s.get(t, "/greet?lang=hello", &g), "the live build keeps serving")
			assert.Equal(t, first.Build, g["build"], "no half-written build goes live")
		}
	}
	require.NoError(t, f.Close())

	// Whole now, but a second in-process generation is past the cap.
	require.Eventually(t, func() bool { return s.plugins(t)["hosttest/hello"].LastCode == "generation_cap" }, 5*time.Second, 20*time.Millisecond,
		"%+v; stderr: %s", s.plugins(t)["hosttest/hello"], s.stderr)
	st := s.plugins(t)["hosttest/hello"]
	assert.Equal(t, "live", st.State)
	assert.Equal(t, first.Build, st.Build)
	assert.Equal(t, 1, st.Generations)
	var list []map[string]any
	s.get(t, "/plugins", &list)
	assert.Contains(t, list[0]["last_error"], "--max-generations", "the refusal says what to do")

	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-s.exited)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
