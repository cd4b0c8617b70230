package isolated

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"sync/atomic"
	"syscall"
)

// Catch calls f and returns, as an error, the panic it ended with: the
// typed error an isolated plugin's method without an error result panics
// with (*ExitError, *TimeoutError, ...), or the *PanicError of a panic in
// an in-process or linked-in plugin's method. So one call site catches a
// failed call in every mode:
//
//	err := isolated.Catch(func() { greeting = p.Greeter.Greet() })
func Catch(f func()) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if e, ok := r.(error); ok && isPluginError(e) {
			err = e
			return
		}
		err = &PanicError{Value: fmt.Sprint(r), Stack: string(debug.Stack())}
	}()
	f()
	return nil
}

func isPluginError(err error) bool {
	switch err.(type) {
	case *ExitError, *TimeoutError, *ProtocolError, *PanicError, *RemoteError, *ChecksumError, *BackoffError:
		return true
	}
	return false
}

// StopOnSignal stops every plugin process (StopAll) when the host gets
// SIGINT or SIGTERM, then exits with 128 plus the signal's number, as a
// shell reports a process ended by it. A host that handles the signals
// itself calls StopAll instead.
func StopOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-ch
		signalled.Store(true)
		StopAll()
		os.Exit(128 + int(s.(syscall.Signal)))
	}()
}

var signalled atomic.Bool

// WaitIfSignalled blocks for good when StopOnSignal is handling a signal,
// which ends the process with the signal's status. A host calls it before
// it exits on its own: the calls its plugins were serving fail when the
// handler stops them, and the host, seeing them fail, would otherwise
// race the handler to exit with a status of its own.
func WaitIfSignalled() {
	if signalled.Load() {
		select {}
	}
}
