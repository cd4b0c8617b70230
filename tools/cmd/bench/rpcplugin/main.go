// Command rpcplugin is the hashicorp/go-plugin server of the call-cost
// benchmarks (tools/cmd/bench/calls): it serves the adder fixture's AddTwoInts and
// the greeter fixture's Greeter, linked in statically, over net/rpc or
// gRPC, whichever the host asks for. A host starts it; run by hand, it
// refuses (go-plugin's handshake).
package main

import (
	"io"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"example.com/plugkit/pluginapi"
	"example.com/plugkit/tools/cmd/bench/fixtures/adder"
	english "example.com/plugkit/tools/cmd/bench/fixtures/greeter"
	"example.com/plugkit/tools/cmd/bench/rpcplugin/shared"
)

// adderImpl serves the real function, so a remote call does the same work
// as a local one plus the transport.
type adderImpl struct{}

func (adderImpl) AddTwoInts(a, b int) (int, error) { return adder.AddTwoInts(a, b), nil }

type greeterImpl struct{ g pluginapi.Greeter }

func (g greeterImpl) Greet() (string, error) { return g.g.Greet(), nil }

func main() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  shared.Handshake,
		VersionedPlugins: shared.PluginSets(adderImpl{}, greeterImpl{english.Greeter}),
		// Without GRPCServer the server speaks net/rpc only, whatever it is
		// asked for.
		GRPCServer: plugin.DefaultGRPCServer,
		// go-plugin's server logs each connection to stderr, which the host
		// reads and relays line by line; that would be timed with the calls.
		Logger: hclog.New(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Off}),
	})
}
