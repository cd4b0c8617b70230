package isolated

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/rpc"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// Options are the deadlines and the restart policy of a plugin process.
// Zero fields take the defaults documented on each.
type Options struct {
	// CallTimeout bounds each call; default 10s. A call past it kills the
	// process (*TimeoutError), and the next call starts a new one.
	CallTimeout time.Duration
	// StartTimeout bounds the start, up to the end of the handshake;
	// default 10s.
	StartTimeout time.Duration
	// RestartBackoff is the wait before a restart after the second failure
	// in a row, doubled at each further failure up to MaxRestartBackoff;
	// default 100ms. The first restart after a success is immediate.
	RestartBackoff time.Duration
	// MaxRestartBackoff caps the wait; default 10s.
	MaxRestartBackoff time.Duration
	// StderrLines is how many of the process's last stderr lines an
	// *ExitError carries; default 20.
	StderrLines int
	// Stderr receives the plugin's stderr as it writes it, a line at a
	// time; default the host's stderr, so that a plugin's messages (a
	// println, a panic's trace) show where they show in-process, though
	// not necessarily in order with its stdout. The last lines are kept
	// for *ExitError either way.
	Stderr io.Writer
	// Logger receives go-plugin's logs and, again, the plugin's stderr as
	// hclog entries (a plain line at Debug, a panic's at Error, an hclog
	// JSON line at its level); default none. A host that logs through
	// hclog sets it, with Stderr: io.Discard to get each line once.
	Logger hclog.Logger
	// Stdout is where the plugin's standard output goes; default the
	// host's. The plugin writes to it directly, so its output keeps its
	// place among the host's.
	Stdout *os.File
}

func (o Options) withDefaults(name string) Options {
	if o.CallTimeout <= 0 {
		o.CallTimeout = 10 * time.Second
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 10 * time.Second
	}
	if o.RestartBackoff <= 0 {
		o.RestartBackoff = 100 * time.Millisecond
	}
	if o.MaxRestartBackoff <= 0 {
		o.MaxRestartBackoff = 10 * time.Second
	}
	if o.MaxRestartBackoff < o.RestartBackoff {
		o.MaxRestartBackoff = o.RestartBackoff
	}
	if o.StderrLines <= 0 {
		o.StderrLines = stderrTail
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Logger == nil {
		// go-plugin's own reports are what Process turns into typed errors
		// (a process that exited), or noise: go-plugin ends a plugin's
		// Serve as soon as the host asks it to quit, the process exits
		// before its reply leaves, and every stop is reported as a
		// graceful stop that failed.
		o.Logger = hclog.NewNullLogger()
	}
	o.Logger = o.Logger.Named(name)
	return o
}

// Config says which executable to run as a plugin of which kind.
type Config struct {
	// Path is the plugin's executable.
	Path string
	// Kind is the kind the executable serves: the name it dispenses.
	Kind string
	// SHA256 is the executable's checksum from its build record, in
	// hex; go-plugin checks the file against it before each exec.
	SHA256 string
	Options
}

// Process is a plugin's process, started by Start and restarted by the
// next call after it dies. Its methods are safe for concurrent use.
type Process struct {
	cfg  Config
	sum  []byte
	opts Options

	mu      sync.Mutex
	cur     *instance // nil when no process runs
	stopped bool
	// failures counts failed starts and dead processes since the last
	// successful call; lastFailure is when the last one happened.
	failures    int
	failing     atomic.Bool // failures > 0, read without the lock
	lastFailure time.Time
	lastErr     error
	restarts    int
}

// instance is one process of a Process.
type instance struct {
	client *plugin.Client
	cmd    *exec.Cmd
	rpc    *rpc.Client
	tail   *tail
	// killedFor, set before the host kills the process, becomes the Cause
	// of the ExitError every call then gets.
	killedFor error
}

// Start starts the plugin process of cfg and completes its handshake. It
// fails with *ExitError, *TimeoutError, *ProtocolError or *ChecksumError.
func Start(cfg Config) (*Process, error) {
	sum, err := hex.DecodeString(cfg.SHA256)
	if err != nil || len(sum) != sha256.Size {
		return nil, &ChecksumError{Plugin: cfg.Path, Err: fmt.Errorf("the build record's sha256 %q is not a SHA-256", cfg.SHA256)}
	}
	p := &Process{cfg: cfg, sum: sum, opts: cfg.Options.withDefaults(cfg.Kind)}
	if err := registry.add(p); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.startLocked(); err != nil {
		registry.remove(p)
		return nil, err
	}
	return p, nil
}

// Path is the executable's path.
func (p *Process) Path() string { return p.cfg.Path }

// Restarts is how many times the process was started again after its
// first start.
func (p *Process) Restarts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.restarts
}

// PID is the running process's id, 0 when none runs.
func (p *Process) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil || p.cur.cmd.Process == nil {
		return 0
	}
	return p.cur.cmd.Process.Pid
}

// Call calls method of the plugin's service with the call deadline,
// starting the process first when it is not running. The generated stubs
// call it. method is named as errors name it: "Logger.Info" for an
// interface's method, "AddTwoInts" for a function, "Vars".
func (p *Process) Call(method string, args, reply any) error {
	inst, err := p.instance()
	if err != nil {
		return err
	}
	call := inst.rpc.Go(WireName(method), args, reply, make(chan *rpc.Call, 1))
	timer := time.NewTimer(p.opts.CallTimeout)
	defer timer.Stop()
	select {
	case <-call.Done:
	case <-timer.C:
		terr := &TimeoutError{Plugin: p.cfg.Path, Method: method, Deadline: p.opts.CallTimeout}
		p.kill(inst, terr)
		return terr
	}
	if call.Error == nil {
		// A success ends a run of failures; the lock is only taken when
		// there was one, so healthy calls do not contend on it.
		if p.failing.Load() {
			p.mu.Lock()
			if p.cur == inst {
				p.failures = 0
				p.failing.Store(false)
			}
			p.mu.Unlock()
		}
		return nil
	}
	var serverErr rpc.ServerError
	if errors.As(call.Error, &serverErr) {
		// The process answered, with net/rpc's complaint: a stub that does
		// not match the executable's.
		return &ProtocolError{Plugin: p.cfg.Path, Method: method, Err: call.Error}
	}
	// The connection broke: the process is gone or going.
	if exit := p.waitExit(inst, 2*time.Second); exit != nil {
		exit.Method = method
		p.died(inst, exit)
		return exit
	}
	perr := &ProtocolError{Plugin: p.cfg.Path, Method: method, Err: call.Error}
	p.kill(inst, perr)
	return perr
}

// Stop stops the process (gracefully, then by force after 2 seconds) and
// makes every later call fail with ErrStopped.
func (p *Process) Stop() {
	p.mu.Lock()
	p.stopped = true
	inst := p.cur
	p.cur = nil
	p.mu.Unlock()
	if inst != nil {
		// Close the dispensed stream while the connection is up: left to
		// the end of the session, yamux writes its close on a dead
		// connection and logs "[ERR] yamux: Failed to write header" on
		// the host's stderr, which go-plugin gives no way to redirect.
		_ = inst.rpc.Close()
		inst.client.Kill()
	}
	registry.remove(p)
}

// instance returns the running process, starting one when none runs and
// the backoff allows.
func (p *Process) instance() (*instance, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return nil, fmt.Errorf("plugin %s: %w", p.cfg.Path, ErrStopped)
	}
	if p.cur != nil {
		if !p.cur.client.Exited() {
			return p.cur, nil
		}
		p.diedLocked(p.cur, p.exitErrorLocked(p.cur))
	}
	if wait := p.backoffLocked(); wait > 0 {
		if retry := p.lastFailure.Add(wait); time.Now().Before(retry) {
			return nil, &BackoffError{Plugin: p.cfg.Path, Failures: p.failures, Retry: retry, Last: p.lastErr}
		}
	}
	p.restarts++
	return p.startLocked()
}

// backoffLocked is the wait after p.failures failures in a row: none after
// one, so that the call after a crash restarts the plugin at once.
func (p *Process) backoffLocked() time.Duration {
	if p.failures <= 1 {
		return 0
	}
	d := p.opts.RestartBackoff
	for i := 2; i < p.failures && d < p.opts.MaxRestartBackoff; i++ {
		d *= 2
	}
	return min(d, p.opts.MaxRestartBackoff)
}

func (p *Process) startLocked() (*instance, error) {
	inst := &instance{tail: newTail(p.opts.StderrLines)}
	// go-plugin's own lines are neither the plugin's output nor its last
	// words.
	stderr := &lineFilter{w: io.MultiWriter(inst.tail, p.opts.Stderr)}
	inst.cmd = exec.Command(p.cfg.Path)
	inst.cmd.SysProcAttr = childAttr()
	inst.cmd.ExtraFiles = []*os.File{p.opts.Stdout} // fd 3: adoptHostStdout
	inst.cmd.Env = append(os.Environ(), stdoutFDEnv+"=3")
	inst.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake(),
		Plugins:          plugin.PluginSet{p.cfg.Kind: &rpcPlugin{}},
		Cmd:              inst.cmd,
		SecureConfig:     &plugin.SecureConfig{Checksum: p.sum, Hash: sha256.New()},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolNetRPC},
		StartTimeout:     p.opts.StartTimeout,
		Logger:           p.opts.Logger,
		Stderr:           stderr,
		// What the plugin writes to os.Stdout and os.Stderr after the
		// handshake, when go-plugin has replaced them: stdout where the
		// plugin's fd 1 goes, stderr where its fd 2's lines go.
		SyncStdout: p.opts.Stdout,
		SyncStderr: stderr,
	})
	err := func() error {
		var proto plugin.ClientProtocol
		var err error
		withQuietYamux(func() { proto, err = inst.client.Client() })
		if err != nil {
			return err
		}
		raw, err := proto.Dispense(p.cfg.Kind)
		if err != nil {
			return err
		}
		c, ok := raw.(*rpc.Client)
		if !ok {
			return fmt.Errorf("dispensed a %T, not a net/rpc client", raw)
		}
		inst.rpc = c
		return nil
	}()
	if err != nil {
		err = p.startError(inst, err)
		release(inst)
		p.failures++
		p.failing.Store(true)
		p.lastFailure = time.Now()
		p.lastErr = err
		return nil, err
	}
	p.cur = inst
	return inst, nil
}

// startError classifies a failed start; the caller holds p.mu.
func (p *Process) startError(inst *instance, err error) error {
	// go-plugin's errors are strings; their wording is matched loosely.
	msg := err.Error()
	lower := strings.ToLower(msg)
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		return &ChecksumError{Plugin: p.cfg.Path, Err: err}
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return &TimeoutError{Plugin: p.cfg.Path, Method: "start", Deadline: p.opts.StartTimeout}
	case strings.Contains(msg, "plugin exited before we could connect"),
		strings.Contains(msg, "Failed to read any lines from plugin's stdout"):
		// It ended, or closed its stdout, before saying a word.
		if waitExited(inst, 2*time.Second) {
			return p.exitErrorLocked(inst)
		}
		return &ProtocolError{Plugin: p.cfg.Path, Err: err}
	case strings.Contains(msg, "Unrecognized remote plugin message"),
		strings.Contains(lower, "incompatible api version"),
		strings.Contains(lower, "incompatible core api version"),
		strings.Contains(lower, "error parsing"):
		return &ProtocolError{Plugin: p.cfg.Path, Err: err}
	}
	if waitExited(inst, 2*time.Second) {
		return p.exitErrorLocked(inst)
	}
	return &ProtocolError{Plugin: p.cfg.Path, Err: err}
}

// waitExit waits up to d for the process of inst to be reaped and returns
// how it ended, or nil if it still runs. The caller must not hold p.mu.
func (p *Process) waitExit(inst *instance, d time.Duration) *ExitError {
	if !waitExited(inst, d) {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exitErrorLocked(inst)
}

// waitExited waits up to d for go-plugin to reap the process of inst.
func waitExited(inst *instance, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !inst.client.Exited() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// exitErrorLocked describes the ended process of inst. go-plugin reaps it
// and sets cmd.ProcessState before Exited reports true.
func (p *Process) exitErrorLocked(inst *instance) *ExitError {
	e := &ExitError{Plugin: p.cfg.Path, Status: -1, Stderr: inst.tail.lines(), Cause: inst.killedFor}
	if inst.cmd.Process != nil {
		e.PID = inst.cmd.Process.Pid
	}
	if st := inst.cmd.ProcessState; st != nil {
		e.Status = st.ExitCode()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			e.Signal = ws.Signal().String()
		}
	}
	return e
}

func (p *Process) died(inst *instance, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.diedLocked(inst, err)
}

// diedLocked records the death of inst, once.
func (p *Process) diedLocked(inst *instance, err error) {
	if p.cur != inst {
		return
	}
	p.cur = nil
	p.failures++
	p.failing.Store(true)
	p.lastFailure = time.Now()
	p.lastErr = err
	go release(inst)
}

// release frees go-plugin's side of an instance whose process ended, or
// ends it. Kill on a process that is gone would try a graceful stop first,
// and warn that it failed.
func release(inst *instance) {
	if inst.client.Exited() {
		return
	}
	inst.client.Kill()
}

// kill ends inst's process at once, for cause: a call that will not
// return leaves a process nobody can trust.
func (p *Process) kill(inst *instance, cause error) {
	p.mu.Lock()
	if inst.killedFor == nil {
		inst.killedFor = cause
	}
	p.mu.Unlock()
	if inst.cmd.Process != nil {
		_ = inst.cmd.Process.Kill()
	}
	if exit := p.waitExit(inst, 2*time.Second); exit != nil {
		p.died(inst, exit)
		return
	}
	p.died(inst, cause)
}

// WireName is the net/rpc name of method: "Plugin.Logger_Info" for
// "Logger.Info". net/rpc names hold one dot, between the service and the
// method.
func WireName(method string) string {
	return ServiceName + "." + strings.Replace(method, ".", "_", 1)
}

// registry holds every Process not yet stopped, for StopAll.
var registry = &processes{all: map[*Process]bool{}}

type processes struct {
	mu     sync.Mutex
	all    map[*Process]bool
	closed bool
}

func (r *processes) add(p *Process) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return fmt.Errorf("plugin %s: %w: the host is stopping its plugins", p.cfg.Path, ErrStopped)
	}
	r.all[p] = true
	return nil
}

func (r *processes) remove(p *Process) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.all, p)
}

// StopAll stops every plugin process this package started and refuses to
// start more. A host calls it before it exits; StopOnSignal calls it on
// SIGINT and SIGTERM.
func StopAll() {
	registry.mu.Lock()
	registry.closed = true
	all := make([]*Process, 0, len(registry.all))
	for p := range registry.all {
		all = append(all, p)
	}
	registry.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Stop()
		}()
	}
	wg.Wait()
}
