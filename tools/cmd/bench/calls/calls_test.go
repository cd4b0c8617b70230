// Package calls measures, in one binary, what calling one function costs
// through each way plugkit is compared with: AddTwoInts of an adder plugin
// and Greet of a greeter (tools/cmd/bench/fixtures), called
//
//   - direct: linked into this binary, an ordinary Go call;
//   - kind: through the kind's bindings (pluginapi/kinds), as the host
//     calls every plugin;
//   - bindings: through bindgen's per-plugin bindings of the real .so;
//   - lookup: through plugin.Lookup and a type assertion on every call;
//   - netrpc, grpc: through hashicorp/go-plugin, in a server process
//     (tools/cmd/bench/rpcplugin) that links the same packages, with
//     hand-written stubs, as go-plugin's examples write them;
//   - isolated: through the kind's bindings, in the plugin's own
//     executable (adderrpc.Load, greeterrpc.Load), over go-plugin's net/rpc with the stubs
//     generated from the contract: what plugkit's isolated mode costs next
//     to netrpc;
//   - yaegi: interpreted by traefik/yaegi from a copy of the same source.
//
// TestMechanismsAgree checks that every way gives the same answers, so the
// benchmarks are known to measure working calls. BenchmarkGoPluginStart
// measures what starting a go-plugin server costs, to compare with loading
// a .so.
//
// Run the benchmarks with
//
//	bazel run //tools/cmd/bench/calls:calls_test -- -test.run='^$' -test.bench=. -test.benchmem
package calls

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"plugin"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/traefik/yaegi/interp"

	"example.com/plugkit/host/isolated"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/pluginapi"
	adderkind "example.com/plugkit/pluginapi/kinds/adder"
	"example.com/plugkit/pluginapi/kinds/adderrpc"
	greeterkind "example.com/plugkit/pluginapi/kinds/greeter"
	"example.com/plugkit/pluginapi/kinds/greeterrpc"
	"example.com/plugkit/tools/cmd/bench/fixtures/adder"
	adderbindings "example.com/plugkit/tools/cmd/bench/fixtures/adder/plugin_bindings"
	english "example.com/plugkit/tools/cmd/bench/fixtures/greeter"
	greeterbindings "example.com/plugkit/tools/cmd/bench/fixtures/greeter/plugin_bindings"
	"example.com/plugkit/tools/cmd/bench/rpcplugin/shared"
)

// Sinks: every result is stored in a package variable, so the compiler can
// not drop a call whose result is unused.
var (
	sinkInt    int
	sinkString string
)

// directAddTwoInts is the direct call. A plugin's or an interpreter's
// function can never be inlined into the host, but adder.AddTwoInts(2, 3)
// can be, and folded to the constant 5: the loop would then time a store, not
// a call. Kept out of line, it times one static call, the cheapest call
// there is, which is the baseline the others are compared with.
//
//go:noinline
func directAddTwoInts(a, b int) int { return adder.AddTwoInts(a, b) }

// runfile resolves a $(rlocationpath) that the go_test rule hands over in the
// environment variable env.
func runfile(tb testing.TB, env string) string {
	tb.Helper()
	rel := os.Getenv(env)
	require.NotEmpty(tb, rel, "%s is not set: run this test with bazel", env)
	path, err := runfiles.Rlocation(rel)
	require.NoError(tb, err)
	return path
}

// bindAdder binds the generated bindings to the real adder.so.
func bindAdder(tb testing.TB) *adderbindings.PluginAPI {
	tb.Helper()
	api, err := adderbindings.BindPluginAPI(runfile(tb, "ADDER_SO"))
	require.NoError(tb, err)
	return api
}

// bindGreeter binds the generated bindings to the real english.so.
func bindGreeter(tb testing.TB) pluginapi.Greeter {
	tb.Helper()
	api, err := greeterbindings.BindPluginAPI(runfile(tb, "ENGLISH_SO"))
	require.NoError(tb, err)
	return *api.Greeter
}

// opened is a plugin.Open'd .so as kind bindings bind it; the host binds
// a *loader.Plugin, whose Lookup is the same call.
type opened struct {
	*plugin.Plugin
	path string
}

func (o opened) Origin() string { return o.path }

// bindAdderKind binds the adder kind's bindings to the real .so.
func bindAdderKind(tb testing.TB) *adderkind.Plugin {
	tb.Helper()
	api, err := adderkind.Bind(opened{openPlugin(tb, "ADDER_SO"), "adder.so"})
	require.NoError(tb, err)
	return api
}

// bindGreeterKind binds the greeter kind's bindings to the real .so.
func bindGreeterKind(tb testing.TB) pluginapi.Greeter {
	tb.Helper()
	api, err := greeterkind.Bind(opened{openPlugin(tb, "ENGLISH_SO"), "greeter.so"})
	require.NoError(tb, err)
	return api.Greeter
}

// isolatedExecutable finds the plugin's executable among the files of its
// go_plugin target ($(rlocationpaths :plugin)): the one without an
// extension, beside its build record.
func isolatedExecutable(tb testing.TB, env string) string {
	tb.Helper()
	for _, rel := range strings.Fields(os.Getenv(env)) {
		if !strings.Contains(filepath.Base(rel), ".") {
			path, err := runfiles.Rlocation(rel)
			require.NoError(tb, err)
			return path
		}
	}
	tb.Fatalf("%s holds no executable: %q", env, os.Getenv(env))
	return ""
}

// isolatedOptions keep go-plugin quiet, as quietLogger does for netrpc.
func isolatedOptions() isolated.Options { return isolated.Options{Logger: quietLogger()} }

// loadAdderIsolated starts the adder's executable and binds it; it is
// stopped at cleanup.
func loadAdderIsolated(tb testing.TB) *adderkind.Plugin {
	tb.Helper()
	api, proc, err := adderrpc.Load(loader.New(loader.HostConfig()), isolatedExecutable(tb, "ADDER_PLUGIN"), isolatedOptions())
	require.NoError(tb, err)
	tb.Cleanup(proc.Stop)
	return api
}

func loadGreeterIsolated(tb testing.TB) pluginapi.Greeter {
	tb.Helper()
	api, proc, err := greeterrpc.Load(loader.New(loader.HostConfig()), isolatedExecutable(tb, "ENGLISH_PLUGIN"), isolatedOptions())
	require.NoError(tb, err)
	tb.Cleanup(proc.Stop)
	return api.Greeter
}

// openPlugin opens a .so once; the lookup mechanism looks its symbols up on
// every call. Go caches opened plugins by path, so this and the bindings share
// one copy of the plugin.
func openPlugin(tb testing.TB, env string) *plugin.Plugin {
	tb.Helper()
	p, err := plugin.Open(runfile(tb, env))
	require.NoError(tb, err)
	return p
}

// lookupAddTwoInts is what a host without bindings does on each call.
func lookupAddTwoInts(p *plugin.Plugin, a, b int) (int, error) {
	sym, err := p.Lookup("AddTwoInts")
	if err != nil {
		return 0, err
	}
	fn, ok := sym.(func(int, int) int)
	if !ok {
		return 0, fmt.Errorf("AddTwoInts is a %T", sym)
	}
	return fn(a, b), nil
}

func lookupGreet(p *plugin.Plugin) (string, error) {
	sym, err := p.Lookup(pluginapi.GreeterSymbol)
	if err != nil {
		return "", err
	}
	g, ok := sym.(*pluginapi.Greeter)
	if !ok {
		return "", fmt.Errorf("%s is a %T", pluginapi.GreeterSymbol, sym)
	}
	return (*g).Greet(), nil
}

// quietLogger keeps go-plugin's client from logging: its debug lines, and
// the server's stderr that it relays, would be written and timed with the
// calls.
func quietLogger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Off})
}

// discardYamuxLog silences the yamux sessions that go-plugin's net/rpc client
// opens until the benchmark ends. Killing a server often races with the
// client's session, which then logs "[ERR] yamux: Failed to write header" for
// every such server. go-plugin gives no way to set yamux's log output, which
// yamux takes from os.Stderr when a session is made, so os.Stderr is swapped.
func discardYamuxLog(tb testing.TB) {
	tb.Helper()
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(tb, err)
	stderr := os.Stderr
	os.Stderr = devNull
	tb.Cleanup(func() {
		os.Stderr = stderr
		devNull.Close()
	})
}

// goPluginProtocol is go-plugin's protocol of a mechanism, and the version of
// the server's plugin set that speaks it.
type goPluginProtocol struct {
	protocol goplugin.Protocol
	version  int
}

var goPluginProtocols = map[string]goPluginProtocol{
	"netrpc": {goplugin.ProtocolNetRPC, shared.NetRPCVersion},
	"grpc":   {goplugin.ProtocolGRPC, shared.GRPCVersion},
}

// startGoPlugin starts the go-plugin server (tools/cmd/bench/rpcplugin), asks it
// for the mechanism's protocol and connects to it. Kill the client to stop
// the server.
func startGoPlugin(server, mech string) (*goplugin.Client, goplugin.ClientProtocol, error) {
	proto, ok := goPluginProtocols[mech]
	if !ok {
		return nil, nil, fmt.Errorf("no go-plugin protocol for %q", mech)
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: shared.Handshake,
		VersionedPlugins: map[int]goplugin.PluginSet{
			proto.version: shared.PluginSets(nil, nil)[proto.version],
		},
		Cmd: exec.Command(server),
		// Refuse a server that answers in the other protocol, so a benchmark
		// never measures the wrong one.
		AllowedProtocols: []goplugin.Protocol{proto.protocol},
		Logger:           quietLogger(),
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, nil, err
	}
	return client, rpc, nil
}

// dispense starts the server for one benchmark or test and dispenses the
// named plugin from it; the server is killed at cleanup.
func dispense[T any](tb testing.TB, mech, name string) T {
	tb.Helper()
	client, rpc, err := startGoPlugin(runfile(tb, "RPCPLUGIN_BIN"), mech)
	require.NoError(tb, err)
	tb.Cleanup(client.Kill)
	raw, err := rpc.Dispense(name)
	require.NoError(tb, err)
	v, ok := raw.(T)
	require.True(tb, ok, "dispensed a %T", raw)
	return v
}

// interpretedAdder is the adder fixture's AddTwoInts, as yaegi interprets it: the
// same function body, in a package of its own with nothing imported.
const interpretedAdder = `package adder

func AddTwoInts(a, b int) int { return a + b }
`

// interpretedGreeter is the greeter fixture's Greeter, as yaegi
// interprets it: the same unexported type and method, assigned to an
// exported pluginapi.Greeter. The interpreter imports pluginapi from this
// binary (pluginapiExports), so the host gets the Greeter as the interface it
// calls on the other mechanisms, and no stdlib package is interpreted.
const interpretedGreeter = `package english

import "example.com/plugkit/pluginapi"

type greeter struct{}

func (greeter) Greet() string { return "Hello Universe" }

var Greeter pluginapi.Greeter = greeter{}
`

// yaegiGreeter is what 'yaegi extract' generates for an interface: yaegi
// converts an interpreted value to pluginapi.Greeter by wrapping it in this
// type, whose WGreet calls the interpreted method.
type yaegiGreeter struct {
	IValue any
	WGreet func() string
}

func (w yaegiGreeter) Greet() string { return w.WGreet() }

// pluginapiExports is the part of pluginapi that interpretedGreeter uses,
// keyed as yaegi expects: "<import path>/<package name>".
var pluginapiExports = interp.Exports{
	"example.com/plugkit/pluginapi/pluginapi": {
		"Greeter":  reflect.ValueOf((*pluginapi.Greeter)(nil)),
		"_Greeter": reflect.ValueOf((*yaegiGreeter)(nil)),
	},
}

// yaegiAddTwoInts interprets interpretedAdder and returns its AddTwoInts as a
// Go func; each call runs the interpreter.
func yaegiAddTwoInts(tb testing.TB) func(int, int) int {
	tb.Helper()
	i := interp.New(interp.Options{})
	_, err := i.Eval(interpretedAdder)
	require.NoError(tb, err)
	v, err := i.Eval("adder.AddTwoInts")
	require.NoError(tb, err)
	fn, ok := v.Interface().(func(int, int) int)
	require.True(tb, ok, "interpreted AddTwoInts is a %s", v.Type())
	return fn
}

// yaegiGreeterOf interprets interpretedGreeter and returns its Greeter.
func yaegiGreeterOf(tb testing.TB) pluginapi.Greeter {
	tb.Helper()
	i := interp.New(interp.Options{})
	require.NoError(tb, i.Use(pluginapiExports))
	_, err := i.Eval(interpretedGreeter)
	require.NoError(tb, err)
	v, err := i.Eval("english.Greeter")
	require.NoError(tb, err)
	g, ok := v.Interface().(pluginapi.Greeter)
	require.True(tb, ok, "interpreted Greeter is a %s", v.Type())
	return g
}

func TestMechanismsAgree(t *testing.T) {
	const a, b = 2, 3
	wantSum := 5
	wantGreeting := english.Greeter.Greet()
	require.Equal(t, "Hello Universe", wantGreeting)

	t.Run("direct", func(t *testing.T) {
		assert.Equal(t, wantSum, directAddTwoInts(a, b))
		assert.Equal(t, wantGreeting, english.Greeter.Greet())
	})
	t.Run("kind", func(t *testing.T) {
		assert.Equal(t, wantSum, bindAdderKind(t).AddTwoInts(a, b))
		assert.Equal(t, wantGreeting, bindGreeterKind(t).Greet())
	})
	t.Run("bindings", func(t *testing.T) {
		assert.Equal(t, wantSum, bindAdder(t).AddTwoInts(a, b))
		assert.Equal(t, wantGreeting, bindGreeter(t).Greet())
	})
	t.Run("lookup", func(t *testing.T) {
		sum, err := lookupAddTwoInts(openPlugin(t, "ADDER_SO"), a, b)
		require.NoError(t, err)
		assert.Equal(t, wantSum, sum)
		greeting, err := lookupGreet(openPlugin(t, "ENGLISH_SO"))
		require.NoError(t, err)
		assert.Equal(t, wantGreeting, greeting)
	})
	for _, mech := range []string{"netrpc", "grpc"} {
		t.Run(mech, func(t *testing.T) {
			sum, err := dispense[shared.Adder](t, mech, shared.AdderPluginName).AddTwoInts(a, b)
			require.NoError(t, err)
			assert.Equal(t, wantSum, sum)
			greeting, err := dispense[shared.Greeter](t, mech, shared.GreeterPluginName).Greet()
			require.NoError(t, err)
			assert.Equal(t, wantGreeting, greeting)
		})
	}
	t.Run("isolated", func(t *testing.T) {
		assert.Equal(t, wantSum, loadAdderIsolated(t).AddTwoInts(a, b))
		assert.Equal(t, adder.BuildVersion, *loadAdderIsolated(t).BuildVersion)
		assert.Equal(t, wantGreeting, loadGreeterIsolated(t).Greet())
	})
	t.Run("yaegi", func(t *testing.T) {
		assert.Equal(t, wantSum, yaegiAddTwoInts(t)(a, b))
		assert.Equal(t, wantGreeting, yaegiGreeterOf(t).Greet())
	})
}

func BenchmarkAddTwoInts(b *testing.B) {
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkInt = directAddTwoInts(2, 3)
		}
	})
	b.Run("kind", func(b *testing.B) {
		api := bindAdderKind(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkInt = api.AddTwoInts(2, 3)
		}
	})
	b.Run("bindings", func(b *testing.B) {
		api := bindAdder(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkInt = api.AddTwoInts(2, 3)
		}
	})
	b.Run("lookup", func(b *testing.B) {
		p := openPlugin(b, "ADDER_SO")
		b.ReportAllocs()
		for b.Loop() {
			sum, err := lookupAddTwoInts(p, 2, 3)
			if err != nil {
				b.Fatal(err)
			}
			sinkInt = sum
		}
	})
	for _, mech := range []string{"netrpc", "grpc"} {
		b.Run(mech, func(b *testing.B) {
			a := dispense[shared.Adder](b, mech, shared.AdderPluginName)
			b.ReportAllocs()
			for b.Loop() {
				sum, err := a.AddTwoInts(2, 3)
				if err != nil {
					b.Fatal(err)
				}
				sinkInt = sum
			}
		})
	}
	b.Run("isolated", func(b *testing.B) {
		api := loadAdderIsolated(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkInt = api.AddTwoInts(2, 3)
		}
	})
	b.Run("yaegi", func(b *testing.B) {
		fn := yaegiAddTwoInts(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkInt = fn(2, 3)
		}
	})
}

func BenchmarkGreet(b *testing.B) {
	// Every mechanism but the remote ones calls Greet through a
	// pluginapi.Greeter, an interface call, as a host does.
	b.Run("direct", func(b *testing.B) {
		g := english.Greeter
		b.ReportAllocs()
		for b.Loop() {
			sinkString = g.Greet()
		}
	})
	b.Run("kind", func(b *testing.B) {
		g := bindGreeterKind(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkString = g.Greet()
		}
	})
	b.Run("bindings", func(b *testing.B) {
		g := bindGreeter(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkString = g.Greet()
		}
	})
	b.Run("lookup", func(b *testing.B) {
		p := openPlugin(b, "ENGLISH_SO")
		b.ReportAllocs()
		for b.Loop() {
			greeting, err := lookupGreet(p)
			if err != nil {
				b.Fatal(err)
			}
			sinkString = greeting
		}
	})
	for _, mech := range []string{"netrpc", "grpc"} {
		b.Run(mech, func(b *testing.B) {
			g := dispense[shared.Greeter](b, mech, shared.GreeterPluginName)
			b.ReportAllocs()
			for b.Loop() {
				greeting, err := g.Greet()
				if err != nil {
					b.Fatal(err)
				}
				sinkString = greeting
			}
		})
	}
	b.Run("isolated", func(b *testing.B) {
		g := loadGreeterIsolated(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkString = g.Greet()
		}
	})
	b.Run("yaegi", func(b *testing.B) {
		g := yaegiGreeterOf(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkString = g.Greet()
		}
	})
}

// BenchmarkGoPluginStart is what one go-plugin plugin costs to bring up and
// take down: start the server process, handshake, connect, dispense, make
// the first call, kill the server.
func BenchmarkGoPluginStart(b *testing.B) {
	server := runfile(b, "RPCPLUGIN_BIN")
	discardYamuxLog(b)
	for _, mech := range []string{"netrpc", "grpc"} {
		b.Run(mech, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				client, rpc, err := startGoPlugin(server, mech)
				if err != nil {
					b.Fatal(err)
				}
				raw, err := rpc.Dispense(shared.AdderPluginName)
				if err != nil {
					client.Kill()
					b.Fatal(err)
				}
				a, ok := raw.(shared.Adder)
				if !ok {
					client.Kill()
					b.Fatalf("dispensed a %T", raw)
				}
				sum, err := a.AddTwoInts(2, 3)
				client.Kill()
				if err != nil {
					b.Fatal(err)
				}
				sinkInt = sum
			}
		})
	}
	// The same cycle in isolated mode: the checks of the executable and
	// its build record, go-plugin's checksum before exec, the handshake,
	// the variables, the first call, the stop.
	b.Run("isolated", func(b *testing.B) {
		exe := isolatedExecutable(b, "ADDER_PLUGIN")
		l := loader.New(loader.HostConfig())
		b.ReportAllocs()
		for b.Loop() {
			api, proc, err := adderrpc.Load(l, exe, isolatedOptions())
			if err != nil {
				b.Fatal(err)
			}
			sinkInt = api.AddTwoInts(2, 3)
			proc.Stop()
		}
	})
}

// BenchmarkIsolatedVsNetRPC makes, in each iteration, one call through
// plugkit's isolated mode and one through go-plugin's hand-written net/rpc
// stub, timing each, so that both are measured under the same conditions:
// on a shared machine, two benchmarks run one after the other can see
// different ones. It reports each call's time and their ratio.
func BenchmarkIsolatedVsNetRPC(b *testing.B) {
	discardYamuxLog(b)
	pair := func(b *testing.B, isolatedCall, netrpcCall func()) {
		isolatedCall()
		netrpcCall()
		var iso, hand time.Duration
		b.ResetTimer()
		for b.Loop() {
			t0 := time.Now()
			isolatedCall()
			t1 := time.Now()
			netrpcCall()
			t2 := time.Now()
			iso += t1.Sub(t0)
			hand += t2.Sub(t1)
		}
		b.ReportMetric(float64(iso.Nanoseconds())/float64(b.N), "isolated-ns/call")
		b.ReportMetric(float64(hand.Nanoseconds())/float64(b.N), "netrpc-ns/call")
		b.ReportMetric(float64(iso)/float64(hand), "isolated/netrpc")
	}
	b.Run("fn=AddTwoInts", func(b *testing.B) {
		api := loadAdderIsolated(b)
		a := dispense[shared.Adder](b, "netrpc", shared.AdderPluginName)
		pair(b, func() { sinkInt = api.AddTwoInts(2, 3) }, func() {
			sum, err := a.AddTwoInts(2, 3)
			if err != nil {
				b.Fatal(err)
			}
			sinkInt = sum
		})
	})
	b.Run("fn=Greet", func(b *testing.B) {
		g := loadGreeterIsolated(b)
		h := dispense[shared.Greeter](b, "netrpc", shared.GreeterPluginName)
		pair(b, func() { sinkString = g.Greet() }, func() {
			greeting, err := h.Greet()
			if err != nil {
				b.Fatal(err)
			}
			sinkString = greeting
		})
	})
}
