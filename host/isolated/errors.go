package isolated

import (
	"errors"
	"example.com/plugkit/host/failure"
	"fmt"
	"strings"
	"time"
)

// Sentinels, one per class of fault; every error of this package wraps one
// of them (errors.Is).
var (
	// ErrPluginExited: the plugin's process is gone: it exited, crashed, or
	// was killed (*ExitError).
	ErrPluginExited = failure.PluginExited
	// ErrPluginTimeout: a call or the start did not finish within its
	// deadline (*TimeoutError).
	ErrPluginTimeout = failure.PluginTimeout
	// ErrProtocol: the process broke go-plugin's protocol or plugkit's
	// (*ProtocolError).
	ErrProtocol = failure.Protocol
	// ErrPluginPanic: a method panicked (*PanicError).
	ErrPluginPanic = failure.PluginPanic
	// ErrChecksum: the executable is not the one its build record
	// describes; go-plugin checked it before exec (*ChecksumError).
	ErrChecksum = failure.ExecutableChange
	// ErrRestartBackoff: the plugin failed recently and is not restarted
	// before its backoff ends (*BackoffError, which also wraps the last
	// failure).
	ErrRestartBackoff = failure.RestartBackoff
	// ErrStopped: the host stopped the plugin (Process.Stop, StopAll).
	ErrStopped = failure.Stopped
)

// stderrTail is how many of a dead process's last stderr lines an
// ExitError keeps by default: enough for a panic's first frames.
const stderrTail = 20

// ExitError reports a plugin process that is gone.
type ExitError struct {
	// Plugin is the executable's path.
	Plugin string
	// Method is the call that found the process gone, "" at start.
	Method string
	// PID is the process id it had.
	PID int
	// Status is its exit status, -1 when a signal ended it.
	Status int
	// Signal names that signal ("killed"), "" for an exit.
	Signal string
	// Stderr are the last lines it wrote to stderr, oldest first.
	Stderr []string
	// Cause, when the host ended the process, says why (a *TimeoutError).
	Cause error
}

func (e *ExitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plugin %s", e.Plugin)
	if e.Method != "" {
		fmt.Fprintf(&b, " (%s)", e.Method)
	}
	switch {
	case e.Signal != "":
		fmt.Fprintf(&b, ": process %d ended by signal %s", e.PID, e.Signal)
	default:
		fmt.Fprintf(&b, ": process %d exited with status %d", e.PID, e.Status)
	}
	if e.Cause != nil {
		fmt.Fprintf(&b, " (%v)", e.Cause)
	}
	if len(e.Stderr) > 0 {
		fmt.Fprintf(&b, "; last stderr:\n\t%s", strings.Join(e.Stderr, "\n\t"))
	}
	return b.String()
}

func (e *ExitError) Unwrap() []error { return nonNil(ErrPluginExited, e.Cause) }

// TimeoutError reports a call, or the start, that did not finish within
// its deadline.
type TimeoutError struct {
	Plugin string
	// Method is the call, or "start" for the handshake.
	Method   string
	Deadline time.Duration
}

func (e *TimeoutError) Error() string {
	if e.Method == "start" {
		return fmt.Sprintf("plugin %s did not complete its handshake within %v", e.Plugin, e.Deadline)
	}
	return fmt.Sprintf("plugin %s: %s did not answer within %v; the process was killed", e.Plugin, e.Method, e.Deadline)
}

func (e *TimeoutError) Unwrap() error { return ErrPluginTimeout }

// ProtocolError reports a process that does not speak the protocol: not a
// plugkit plugin, one built against another major version of pluginapi,
// or one that wrote to stdout before its handshake.
type ProtocolError struct {
	Plugin string
	Method string // "" at start
	Err    error
}

func (e *ProtocolError) Error() string {
	at := ""
	if e.Method != "" {
		at = " (" + e.Method + ")"
	}
	return fmt.Sprintf("plugin %s%s broke the protocol: %v", e.Plugin, at, e.Err)
}

func (e *ProtocolError) Unwrap() []error { return nonNil(ErrProtocol, e.Err) }

// PanicError reports a method that panicked, in the plugin's process
// (isolated) or in the host's (Catch).
type PanicError struct {
	Plugin string
	Method string
	// Value is the panic's value, formatted.
	Value string
	// Stack is the goroutine's stack where it panicked.
	Stack string
}

func (e *PanicError) Error() string {
	if e.Plugin == "" {
		// Catch of an in-process plugin: only the panic is known.
		return "a plugin's method panicked: " + e.Value
	}
	return fmt.Sprintf("plugin %s: %s panicked: %s", e.Plugin, e.Method, e.Value)
}

func (e *PanicError) Unwrap() error { return ErrPluginPanic }

// RemoteError is an error a plugin's method returned, carried across the
// process boundary as its message: its type and identity stay behind.
type RemoteError struct {
	Plugin string
	Method string
	Msg    string
}

func (e *RemoteError) Error() string { return e.Msg }

// ChecksumError reports an executable whose SHA-256 is not its build
// record's.
type ChecksumError struct {
	Plugin string
	Err    error
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("plugin %s: the executable is not the one its build record describes (%v): reinstall the plugin from the build output", e.Plugin, e.Err)
}

func (e *ChecksumError) Unwrap() []error { return nonNil(ErrChecksum, e.Err) }

// BackoffError is returned, without starting anything, by a call to a
// plugin that failed less than its backoff ago.
type BackoffError struct {
	Plugin string
	// Failures is how many starts or calls in a row failed.
	Failures int
	// Retry is when the next call will start it again.
	Retry time.Time
	// Last is the last failure.
	Last error
}

func (e *BackoffError) Error() string {
	return fmt.Sprintf("plugin %s failed %d time(s) in a row, next start in %v: %v",
		e.Plugin, e.Failures, time.Until(e.Retry).Round(time.Millisecond), e.Last)
}

func (e *BackoffError) Unwrap() []error { return nonNil(ErrRestartBackoff, e.Last) }

func nonNil(errs ...error) []error {
	out := errs[:0]
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// Code returns the stable name of the first of this package's sentinels
// err matches ("plugin_exited", ...; the table of host/failure),
// "remote_error" for a *RemoteError, "" for nil and for errors from
// elsewhere.
func Code(err error) string {
	if err == nil {
		return ""
	}
	for _, e := range failure.Table {
		if e.Package == "isolated" && errors.Is(err, e.Err) {
			return e.Code
		}
	}
	var re *RemoteError
	if errors.As(err, &re) {
		return "remote_error"
	}
	return ""
}

// Remedy returns what to do about err, apart from its message (the table
// of host/failure); "" for a *RemoteError, which is the plugin's own error,
// and for errors from elsewhere.
func Remedy(err error) string {
	if c := Code(err); c == "" || c == "remote_error" {
		return ""
	}
	return failure.Remedy(err)
}
