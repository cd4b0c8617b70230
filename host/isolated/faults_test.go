package isolated_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/host/isolated"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/pluginapi/kinds/logger"
	"example.com/plugkit/pluginapi/kinds/loggerrpc"
)

// The fault corpus (testdata/faults, FAULTS in its BUILD file): loggers
// that fail in each way a plugin can, each built by Bazel both as a .so
// and as an executable, and laid out by plugin_dir beside a healthy logger
// in testdata/faults:with_<fault>.

// corpusDir is testdata/faults:with_<fault>, as the host reads it.
func corpusDir(t *testing.T, fault string) string {
	t.Helper()
	p, err := runfiles.Rlocation("_main/host/isolated/testdata/faults/with_" + fault)
	require.NoError(t, err)
	require.DirExists(t, p)
	return p
}

// executable is the isolated executable of a plugin of the corpus.
func executable(t *testing.T, fault, plugin string) string {
	return filepath.Join(corpusDir(t, fault), "faults", plugin, plugin)
}

// newLoader checks executables as the host does, permissions included.
func newLoader() *loader.Loader { return loader.New(loader.HostConfig()) }

// output is a file standing in for the host's stdout, where isolated
// plugins write directly.
type output struct {
	t *testing.T
	f *os.File
}

func newOutput(t *testing.T) *output {
	f, err := os.CreateTemp(t.TempDir(), "stdout")
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return &output{t: t, f: f}
}

func (o *output) String() string {
	b, err := os.ReadFile(o.f.Name())
	require.NoError(o.t, err)
	return string(b)
}

// start loads the corpus plugin isolated and stops it at the end.
func start(t *testing.T, fault, plugin string, opts isolated.Options) (*logger.Plugin, *isolated.Process, error) {
	t.Helper()
	b, proc, err := loggerrpc.Load(newLoader(), executable(t, fault, plugin), opts)
	if proc != nil {
		t.Cleanup(proc.Stop)
	}
	return b, proc, err
}

// healthyAnswers checks that the healthy logger beside a fault still
// logs, through its own process.
func healthyAnswers(t *testing.T, h *logger.Plugin, out *output, msg string) {
	t.Helper()
	require.NoError(t, isolated.Catch(func() { h.Logger.Info(msg, nil) }))
	assert.Contains(t, out.String(), "healthy: "+msg+"\n")
}

func alive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

func TestIsolatedFaults(t *testing.T) {
	out := newOutput(t)
	opts := isolated.Options{Stdout: out.f, CallTimeout: 500 * time.Millisecond}
	h, _, err := start(t, "initexit", "healthy", opts)
	require.NoError(t, err)
	healthyAnswers(t, h, out, "before")

	t.Run("init calls os.Exit", func(t *testing.T) {
		_, _, err := start(t, "initexit", "initexit", opts)
		var exit *isolated.ExitError
		require.ErrorAs(t, err, &exit)
		assert.ErrorIs(t, err, isolated.ErrPluginExited)
		assert.Equal(t, 3, exit.Status)
		assert.Empty(t, exit.Signal)
		healthyAnswers(t, h, out, "after initexit")
	})

	t.Run("init panics", func(t *testing.T) {
		_, _, err := start(t, "initpanic", "initpanic", opts)
		var exit *isolated.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 2, exit.Status)
		assert.Contains(t, strings.Join(exit.Stderr, "\n"), "panic: initpanic: init fails")
		healthyAnswers(t, h, out, "after initpanic")
	})

	t.Run("a method panics", func(t *testing.T) {
		b, proc, err := start(t, "methodpanic", "methodpanic", opts)
		require.NoError(t, err)
		pid := proc.PID()
		for i := range 2 {
			err := isolated.Catch(func() { b.Logger.Warn("boom", nil) })
			var p *isolated.PanicError
			require.ErrorAs(t, err, &p, "call %d", i)
			assert.ErrorIs(t, err, isolated.ErrPluginPanic)
			assert.Equal(t, "methodpanic: boom", p.Value)
			assert.Equal(t, "Logger.Warn", p.Method)
			assert.Contains(t, p.Stack, "methodpanic.logger.Warn")
		}
		// Recovered in the plugin's process, which keeps serving.
		assert.Equal(t, pid, proc.PID())
		assert.Zero(t, proc.Restarts())
		healthyAnswers(t, h, out, "after methodpanic")
	})

	t.Run("a goroutine dereferences nil", func(t *testing.T) {
		b, proc, err := start(t, "goroutinenil", "goroutinenil", isolated.Options{Stdout: out.f, RestartBackoff: time.Hour})
		require.NoError(t, err)
		first := proc.PID()
		err = isolated.Catch(func() { b.Logger.Log("x", nil) })
		var exit *isolated.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 2, exit.Status)
		assert.Equal(t, first, exit.PID)
		assert.Equal(t, "Logger.Log", exit.Method)
		assert.Contains(t, strings.Join(exit.Stderr, "\n"), "nil pointer dereference")
		healthyAnswers(t, h, out, "after goroutinenil")

		// The next call starts it again, at once; it dies again.
		err = isolated.Catch(func() { b.Logger.Log("x", nil) })
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 1, proc.Restarts())
		assert.NotEqual(t, first, exit.PID)
		// Two failures in a row: the next start waits out the backoff.
		err = isolated.Catch(func() { b.Logger.Log("x", nil) })
		var backoff *isolated.BackoffError
		require.ErrorAs(t, err, &backoff)
		assert.ErrorIs(t, err, isolated.ErrRestartBackoff)
		assert.ErrorIs(t, err, isolated.ErrPluginExited, "it carries the last failure")
		assert.Equal(t, 2, backoff.Failures)
		assert.Equal(t, 1, proc.Restarts(), "no start during the backoff")
	})

	t.Run("a method blocks forever", func(t *testing.T) {
		b, proc, err := start(t, "blocks", "blocks", opts)
		require.NoError(t, err)
		first := proc.PID()
		err = isolated.Catch(func() { b.Logger.Info("x", nil) })
		var timeout *isolated.TimeoutError
		require.ErrorAs(t, err, &timeout)
		assert.ErrorIs(t, err, isolated.ErrPluginTimeout)
		assert.Equal(t, 500*time.Millisecond, timeout.Deadline)
		assert.Equal(t, "Logger.Info", timeout.Method)
		// A call that does not return leaves a process nobody can trust.
		require.Eventually(t, func() bool { return !alive(first) }, 5*time.Second, 10*time.Millisecond)
		healthyAnswers(t, h, out, "after blocks")
		// The next call runs in a new process, and times out again.
		err = isolated.Catch(func() { b.Logger.Info("x", nil) })
		require.ErrorAs(t, err, &timeout)
		assert.Equal(t, 1, proc.Restarts())
	})

	t.Run("the process is killed in the middle of a call", func(t *testing.T) {
		b, proc, err := start(t, "slow", "slow", isolated.Options{Stdout: out.f, CallTimeout: time.Minute})
		require.NoError(t, err)
		pid := proc.PID()
		done := make(chan error, 1)
		go func() { done <- isolated.Catch(func() { b.Logger.Log("x", nil) }) }()
		time.Sleep(200 * time.Millisecond) // well inside the one-second call
		require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
		err = <-done
		var exit *isolated.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, "killed", exit.Signal)
		assert.Equal(t, -1, exit.Status)
		assert.Equal(t, pid, exit.PID)
		healthyAnswers(t, h, out, "after slow")
		// The next call restarts it, and this one completes.
		require.NoError(t, isolated.Catch(func() { b.Logger.Log("x", nil) }))
		assert.Equal(t, 1, proc.Restarts())
	})

	t.Run("the plugin writes to stdout before the handshake", func(t *testing.T) {
		_, _, err := start(t, "stdoutearly", "stdoutearly", opts)
		var proto *isolated.ProtocolError
		require.ErrorAs(t, err, &proto)
		assert.ErrorIs(t, err, isolated.ErrProtocol)
		assert.Contains(t, err.Error(), "stdoutearly: hello from init")
		healthyAnswers(t, h, out, "after stdoutearly")
	})
}

// hostBin is the real host (//host), run as a user runs it.
func hostBin(t *testing.T) string {
	t.Helper()
	p, err := runfiles.Rlocation(os.Getenv("HOST_BIN"))
	require.NoError(t, err)
	return p
}

type hostRun struct {
	status         int
	stdout, stderr string
	hung           bool
}

// runHost runs `host log` over the corpus folder of fault, killing it
// after limit.
func runHost(t *testing.T, fault string, limit time.Duration, args ...string) hostRun {
	t.Helper()
	cmd := exec.Command(hostBin(t), append([]string{"log", "--msg=m", "--dir=" + corpusDir(t, fault)}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	r := hostRun{}
	select {
	case <-done:
	case <-time.After(limit):
		r.hung = true
		_ = cmd.Process.Kill()
		<-done
	}
	r.status = cmd.ProcessState.ExitCode()
	r.stdout, r.stderr = stdout.String(), stderr.String()
	return r
}

// TestFaultsInProcessAndIsolated runs the host over each fault beside the
// healthy logger, in both modes, and checks what docs/compatibility.md says
// of each: in-process, some are refused or reported and some end (or hang)
// the host; isolated, each is an error, and the healthy logger logs.
func TestFaultsInProcessAndIsolated(t *testing.T) {
	const healthy = "healthy: m\n"
	for _, tc := range []struct {
		fault string
		// in-process
		status    int    // exit status; -1: killed after hanging
		stderr    string // in the host's stderr
		healthyIn bool   // the healthy logger logged
		// isolated
		isolatedErr string
	}{
		{"initexit", 3, "", false, "exited with status 3"},
		{"initpanic", 1, "plugin init panicked: initpanic: init fails", true, "panic: initpanic: init fails"},
		{"methodpanic", 1, "methodpanic: m", true, "Logger.Info panicked: methodpanic: m"},
		{"goroutinenil", 2, "nil pointer dereference", false, "exited with status 2"},
		{"blocks", -1, "", false, "Logger.Info did not answer within 2s"},
		{"stdoutearly", 0, "", true, "broke the protocol"},
		{"slow", 0, "", true, ""},
		// Not a fault: a plugin's stderr shows on the host's in both modes.
		{"stderrprint", 0, "stderrprint: m\n", true, ""},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			in := runHost(t, tc.fault, 5*time.Second)
			if tc.status == -1 {
				assert.True(t, in.hung, "the host should hang: %+v", in)
			} else {
				assert.False(t, in.hung)
				assert.Equal(t, tc.status, in.status, "in-process: %+v", in)
			}
			assert.Contains(t, in.stderr, tc.stderr)
			if tc.healthyIn {
				assert.Contains(t, in.stdout, healthy)
			}

			iso := runHost(t, tc.fault, 30*time.Second, "--isolated", "--call-timeout=2s")
			require.False(t, iso.hung, "isolated: %+v", iso)
			assert.Contains(t, iso.stdout, healthy, "isolated: the healthy logger logs: %+v", iso)
			if tc.isolatedErr == "" {
				assert.Equal(t, 0, iso.status, "isolated: %+v", iso)
				assert.Contains(t, iso.stderr, tc.stderr, "isolated")
				return
			}
			assert.Equal(t, 1, iso.status, "isolated: %+v", iso)
			assert.Contains(t, iso.stderr, tc.isolatedErr)
			assert.Contains(t, iso.stderr, "1 of 2 logger plugins failed")
		})
	}
}

// children lists the processes whose parent is pid.
func children(t *testing.T, pid int) []int {
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
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}

// gone reports whether pid no longer runs: no such process, or a zombie
// waiting for a reaper.
func gone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// TestNoOrphans stops a host whose isolated plugin is in the middle of a
// call, by each signal a user or a supervisor sends, and checks that no
// plugin process outlives it.
func TestNoOrphans(t *testing.T) {
	for _, tc := range []struct {
		sig    syscall.Signal
		status int
	}{
		{syscall.SIGTERM, 128 + 15},
		{syscall.SIGINT, 128 + 2},
		// The host cannot catch this one; the kernel's parent-death
		// signal stops its plugins.
		{syscall.SIGKILL, -1},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			cmd := exec.Command(hostBin(t), "log", "--isolated", "--call-timeout=1h", "--dir="+corpusDir(t, "blocks"))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			var kids []int
			require.Eventually(t, func() bool {
				kids = children(t, cmd.Process.Pid)
				return len(kids) > 0
			}, 10*time.Second, 10*time.Millisecond, "the host starts the blocking plugin")
			time.Sleep(100 * time.Millisecond) // into its blocked call
			require.NoError(t, cmd.Process.Signal(tc.sig))
			err := cmd.Wait()
			var exitErr *exec.ExitError
			require.True(t, errors.As(err, &exitErr), "the host ends: %v", err)
			assert.Equal(t, tc.status, cmd.ProcessState.ExitCode(), "stderr: %s", stderr.String())
			for _, kid := range kids {
				assert.Eventually(t, func() bool { return gone(kid) }, 5*time.Second, 10*time.Millisecond, "plugin process %d outlived the host", kid)
			}
		})
	}
}

// foreign writes an executable that is no plugkit plugin, with a build
// record that vouches for it, as a hostile or mistaken install would.
func foreign(t *testing.T, script string) (path, sum string) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	path = filepath.Join(dir, "impostor")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755))
	m, err := buildrecord.New(path, "faults/impostor", logger.Kind, "go1.26.8", buildrecord.FlagsFingerprint(nil), "1.0.0", nil)
	require.NoError(t, err)
	return path, m.SHA256
}

// TestForeignExecutables: what is not a plugkit plugin is a typed error,
// never a hang.
func TestForeignExecutables(t *testing.T) {
	opts := isolated.Options{StartTimeout: 500 * time.Millisecond}
	t.Run("exits without a handshake", func(t *testing.T) {
		path, sum := foreign(t, "echo not a plugin >&2; exit 0")
		_, err := isolated.Start(isolated.Config{Path: path, Kind: logger.Kind, SHA256: sum, Options: opts})
		var exit *isolated.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 0, exit.Status)
		assert.Equal(t, []string{"not a plugin"}, exit.Stderr)
	})
	t.Run("never answers", func(t *testing.T) {
		path, sum := foreign(t, "exec sleep 600")
		_, err := isolated.Start(isolated.Config{Path: path, Kind: logger.Kind, SHA256: sum, Options: opts})
		var timeout *isolated.TimeoutError
		require.ErrorAs(t, err, &timeout)
		assert.Equal(t, "start", timeout.Method)
	})
	t.Run("speaks another protocol version", func(t *testing.T) {
		// A go-plugin handshake line: core protocol 1, app protocol 99.
		path, sum := foreign(t, "echo '1|99|unix|/nonexistent|netrpc|'; exec sleep 600")
		_, err := isolated.Start(isolated.Config{Path: path, Kind: logger.Kind, SHA256: sum, Options: opts})
		var proto *isolated.ProtocolError
		require.ErrorAs(t, err, &proto)
		assert.Contains(t, err.Error(), "99")
	})
	t.Run("changed after its build record, same size", func(t *testing.T) {
		path, sum := foreign(t, "exit 0")
		require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\nexit 1\n"), 0o755))
		_, err := isolated.Start(isolated.Config{Path: path, Kind: logger.Kind, SHA256: sum, Options: opts})
		var cs *isolated.ChecksumError
		require.ErrorAs(t, err, &cs)
		assert.ErrorIs(t, err, isolated.ErrChecksum)
	})
	t.Run("a build record checksum that is not one", func(t *testing.T) {
		path, _ := foreign(t, "exit 0")
		_, err := isolated.Start(isolated.Config{Path: path, Kind: logger.Kind, SHA256: "xyz", Options: opts})
		assert.ErrorIs(t, err, isolated.ErrChecksum)
	})
	t.Run("a real plugin of another kind", func(t *testing.T) {
		// The build record says logger, the host asks for a greeter: the
		// loader refuses it before it runs (wrong_kind).
		_, err := newLoader().CheckExecutable(executable(t, "initexit", "healthy"), loader.Kind{Name: "greeter"})
		assert.ErrorIs(t, err, loader.ErrWrongKind)
	})
}
