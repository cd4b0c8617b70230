package isolated

import (
	"fmt"
	"net/rpc"
	"os"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/hashicorp/go-plugin"
)

// Serve serves service, the net/rpc stub generated for kind, as a go-plugin
// plugin, and returns when the host ends the connection. A plugin's
// generated main calls it through its kind's rpc package; run by hand,
// without the host's handshake, it says what it is and exits 1.
func Serve(kind string, service any) {
	if err := adoptHostStdout(); err != nil {
		Fail(kind, err)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake(),
		Plugins:         plugin.PluginSet{kind: &rpcPlugin{service: service}},
	})
}

// stdoutFDEnv names the file descriptor on which the host passes its own
// standard output (Process: cmd.ExtraFiles).
const stdoutFDEnv = "PLUGKIT_HOST_STDOUT_FD"

// adoptHostStdout makes file descriptor 1 the host's standard output, and
// keeps the pipe it was for go-plugin's handshake. A plugin that writes to
// os.Stdout, or to an os.Stdout it kept at init (as loggers do: var out =
// os.Stdout), then prints where it prints in the host's process, in
// order, before its call returns. go-plugin alone would read those lines
// from its handshake pipe and drop them.
func adoptHostStdout() error {
	fd := os.Getenv(stdoutFDEnv)
	if fd == "" {
		return nil // started by another host: stdout stays go-plugin's
	}
	n, err := strconv.Atoi(fd)
	if err != nil || n < 3 {
		return fmt.Errorf("%s=%q is not a file descriptor the host passed", stdoutFDEnv, fd)
	}
	handshake, err := syscall.Dup(1)
	if err != nil {
		return fmt.Errorf("keeping the handshake pipe: %w", err)
	}
	if err := dup2(n, 1); err != nil {
		return fmt.Errorf("adopting the host's stdout: %w", err)
	}
	syscall.Close(n)
	os.Stdout = os.NewFile(uintptr(handshake), "go-plugin handshake")
	adopted = true
	return nil
}

// rpcPlugin is the go-plugin Plugin of every kind: the service on the
// plugin's side, the bare *rpc.Client on the host's, which Process calls
// with its own deadlines.
type rpcPlugin struct{ service any }

func (p *rpcPlugin) Server(*plugin.MuxBroker) (any, error) {
	claimStdio()
	return p.service, nil
}

// adopted is set when the host passed its stdout (adoptHostStdout).
var (
	adopted   bool
	stdioOnce sync.Once
)

// claimStdio points os.Stdout and os.Stderr back at file descriptors 1
// (the host's stdout) and 2 (the stderr go-plugin relays, line by line,
// with the tail ExitError keeps). go-plugin's Serve replaces them with
// pipes it copies to the host over its own streams, asynchronously: what
// a plugin printed with fmt.Println in a call could reach the host after
// the call returned, or be lost when the host stopped the plugin. It runs
// when the host dispenses the plugin, after Serve made that replacement
// and before any call.
func claimStdio() {
	stdioOnce.Do(func() {
		if adopted {
			os.Stdout = os.NewFile(1, "/dev/stdout")
			os.Stderr = os.NewFile(2, "/dev/stderr")
		}
	})
}

func (*rpcPlugin) Client(_ *plugin.MuxBroker, c *rpc.Client) (any, error) { return c, nil }

// Fault is how a method's failure crosses the process in a reply: a panic,
// or the error an error result held. nil is success.
type Fault struct {
	// Panic is set for a panic, whose value Msg holds.
	Panic bool
	Msg   string
	Stack string
}

// Recover, deferred by a generated server method, turns the method's panic
// into a Fault in its reply: net/rpc does not recover, and a panic would
// end the process and every other call with it.
func Recover(f **Fault) {
	if r := recover(); r != nil {
		*f = &Fault{Panic: true, Msg: fmt.Sprint(r), Stack: string(debug.Stack())}
	}
}

// ErrorFault carries err, an error result, in a reply.
func ErrorFault(err error) *Fault {
	if err == nil {
		return nil
	}
	return &Fault{Msg: err.Error()}
}

// Err turns f, a reply's fault, back into an error on the host's side: a
// *PanicError or a *RemoteError.
func (f *Fault) Err(plugin, method string) error {
	switch {
	case f == nil:
		return nil
	case f.Panic:
		return &PanicError{Plugin: plugin, Method: method, Value: f.Msg, Stack: f.Stack}
	default:
		return &RemoteError{Plugin: plugin, Method: method, Msg: f.Msg}
	}
}

// Bind sets *dst to the symbol name of symbols, a table of what
// plugin.Lookup would return (a pointer for a variable, the value of a
// function), as the generated main passes it. A variable of an interface
// type is accepted every way plugins declare it: var X I = v, var X = v
// whose pointer has the methods, and var X = &v.
func Bind[T any](dst *T, symbols map[string]any, name string) error {
	sym, ok := symbols[name]
	if !ok {
		return fmt.Errorf("the plugin does not export %s", name)
	}
	rv := reflect.ValueOf(sym)
	if p, ok := sym.(*T); ok && p != nil {
		*dst = *p
	} else if v, ok := sym.(T); ok {
		*dst = v
	} else if v, ok := derefAs[T](rv); ok {
		// var X = &impl{}: the symbol is a **impl, whose value has the
		// methods; loader.Lookup accepts it the same way.
		*dst = v
	} else {
		return fmt.Errorf("the plugin's %s is a %T, not a %v", name, sym, reflect.TypeFor[T]())
	}
	if v := reflect.ValueOf(dst).Elem(); (v.Kind() == reflect.Interface || v.Kind() == reflect.Func) && v.IsNil() {
		return fmt.Errorf("the plugin's %s is nil", name)
	}
	return nil
}

func derefAs[T any](rv reflect.Value) (T, bool) {
	var zero T
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return zero, false
	}
	v, ok := rv.Elem().Interface().(T)
	return v, ok
}

// Caller is what the generated host-side stubs call through: a *Process.
type Caller interface {
	// Call calls method ("Logger.Info", "AddTwoInts"; WireName gives
	// its net/rpc name) with args and decodes the reply.
	Call(method string, args, reply any) error
	// Path names the plugin in errors.
	Path() string
}

var _ Caller = (*Process)(nil)

// Fail ends a plugin executable that cannot serve its kind, before the
// handshake: the host reports the status and this message (*ExitError).
func Fail(kind string, err error) {
	fmt.Fprintf(os.Stderr, "plugkit: this executable cannot serve a plugin of kind %s:\n", kind)
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(os.Stderr, "\t%s\n", line)
	}
	os.Exit(1)
}
