// Package isolated runs a plugin in a process of its own, behind the same
// typed bindings as a plugin opened in the host's process.
//
// A plugin's code in the host's process is fast, but a plugin that exits,
// crashes or hangs takes the host with it, and its init runs before the
// host can say no. Isolated, the same plugin source is built as an
// executable (go_plugin's <name>_isolated) that serves its kind over
// hashicorp/go-plugin's net/rpc transport; the host starts it, checks its
// checksum before exec, and turns every fault into a typed error:
//
//   - the process exited, crashed or was killed: *ExitError (ErrPluginExited),
//     with its exit status and the last lines of its stderr;
//   - a call did not answer within its deadline: *TimeoutError
//     (ErrPluginTimeout); the process is killed, since a call that never
//     returns leaves it in a state nobody knows;
//   - the process broke the protocol (wrote to stdout before the
//     handshake, answered garbage): *ProtocolError (ErrProtocol);
//   - a method panicked in the plugin: *PanicError (ErrPluginPanic); the
//     process keeps serving, as a host that recovers a plugin's panic does;
//   - a method returned an error: *RemoteError, its message.
//
// The next call restarts a dead plugin, with a bounded exponential backoff
// between failed starts (Options). StopAll stops every process the package
// started; a host calls it on exit and on SIGINT and SIGTERM (Stop on
// signal does both).
//
// Methods that return an error return these errors. A method without an
// error result cannot, so it panics with one; Catch turns that panic (and a
// panic of a plugin's method in the host's process) back into an error.
//
// This package serves both sides: Serve is what a plugin's executable runs,
// Start what the host runs. The per-kind stubs between them are generated
// from the contract (bindgen rpc, //pluginapi/kinds:<kind>rpc); nothing in
// here knows a kind.
package isolated

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/go-plugin"

	"example.com/plugkit/pluginapi"
)

// magicCookie keeps a plugin executable from being run as a plain command
// (it says so and exits 1), and a host from mistaking another go-plugin
// program for a plugkit plugin. It is not a secret.
const (
	magicCookieKey   = "PLUGKIT_PLUGIN"
	magicCookieValue = "b6d6f1c2-plugkit-isolated-plugin"
)

// ServiceName is the name go-plugin's net/rpc server registers a plugin's
// service under; the generated stubs call "Plugin.<Method>".
const ServiceName = "Plugin"

// Handshake is the go-plugin handshake of plugkit's isolated plugins. Its
// protocol version is the major version of pluginapi.APIVersion: a host
// and a plugin built against contracts that break each other refuse to
// talk, as the in-process loader refuses such a plugin.
func Handshake() plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  protocolVersion(pluginapi.APIVersion),
		MagicCookieKey:   magicCookieKey,
		MagicCookieValue: magicCookieValue,
	}
}

func protocolVersion(apiVersion string) uint {
	major, _, _ := strings.Cut(strings.TrimPrefix(apiVersion, "v"), ".")
	n, err := strconv.ParseUint(major, 10, 32)
	if err != nil || n == 0 {
		// pluginapi.APIVersion is a constant of this module, and go-plugin
		// reads a zero version as "not set"; a test keeps it 1.x or later.
		panic(fmt.Sprintf("isolated: pluginapi.APIVersion %q has no numeric major version", apiVersion))
	}
	return uint(n)
}
