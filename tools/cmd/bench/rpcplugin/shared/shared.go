// Package shared is the contract between the go-plugin server of the
// call-cost benchmarks (tools/cmd/bench/rpcplugin) and its host (the benchmarks,
// tools/cmd/bench/calls), laid out as hashicorp/go-plugin's own examples are: the
// interfaces, the handshake, and go-plugin Plugins for each interface.
//
// One server binary serves both of go-plugin's protocols, net/rpc and gRPC, as
// two plugin sets (PluginSets) of the same implementations; the host picks
// one by its protocol version. The calls are those the plugkit plugins
// export, AddTwoInts and Greet (tools/cmd/bench/fixtures), so
// the benchmarks compare one function reached in different ways.
package shared

import (
	"context"
	"net/rpc"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "example.com/plugkit/tools/cmd/bench/rpcplugin/proto"
)

// Names of the plugins in each plugin set, for Dispense.
const (
	AdderPluginName   = "adder"
	GreeterPluginName = "greeter"
)

// Adder is the adder fixture's AddTwoInts across a process boundary. The error is
// the transport's: the in-process function cannot fail, a remote call can.
type Adder interface {
	AddTwoInts(a, b int) (int, error)
}

// Greeter is pluginapi.Greeter across a process boundary, with the
// transport's error.
type Greeter interface {
	Greet() (string, error)
}

// Handshake keeps the server from being run as a plain command and a host
// from starting another program as this plugin. The protocol version is
// negotiated from the plugin sets (PluginSets) instead.
var Handshake = plugin.HandshakeConfig{
	MagicCookieKey:   "PLUGKIT_BENCH_RPCPLUGIN",
	MagicCookieValue: "calls",
}

// The protocol versions of the two plugin sets. go-plugin's server picks its
// protocol from the plugins of the set it serves (gRPC if they implement
// plugin.GRPCPlugin), not from the host's AllowedProtocols, so a host asks
// for a protocol by asking for the version whose set speaks it.
const (
	NetRPCVersion = 1
	GRPCVersion   = 2
)

// PluginSets are the plugin sets by protocol version. The server passes its
// implementations; a host passes nil ones and dispenses from the set of the
// version it asks for.
func PluginSets(a Adder, g Greeter) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		NetRPCVersion: {
			AdderPluginName:   &AdderPlugin{Impl: a},
			GreeterPluginName: &GreeterPlugin{Impl: g},
		},
		GRPCVersion: {
			AdderPluginName:   &AdderGRPCPlugin{Impl: a},
			GreeterPluginName: &GreeterGRPCPlugin{Impl: g},
		},
	}
}

// AdderPlugin serves and dispenses an Adder over net/rpc.
type AdderPlugin struct {
	// Impl is the server's implementation; nil on the host's side.
	Impl Adder
}

// Server implements plugin.Plugin (net/rpc).
func (p *AdderPlugin) Server(*plugin.MuxBroker) (any, error) {
	return &AdderRPCServer{Impl: p.Impl}, nil
}

// Client implements plugin.Plugin (net/rpc).
func (*AdderPlugin) Client(_ *plugin.MuxBroker, c *rpc.Client) (any, error) {
	return &adderRPCClient{client: c}, nil
}

// AdderGRPCPlugin serves and dispenses an Adder over gRPC.
type AdderGRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the server's implementation; nil on the host's side.
	Impl Adder
}

// GRPCServer implements plugin.GRPCPlugin.
func (p *AdderGRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterAdderServer(s, &adderGRPCServer{impl: p.Impl})
	return nil
}

// GRPCClient implements plugin.GRPCPlugin.
func (*AdderGRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &adderGRPCClient{client: pb.NewAdderClient(c)}, nil
}

// AddArgs are the net/rpc arguments of AddTwoInts.
type AddArgs struct{ A, B int }

// AdderRPCServer is the net/rpc service of an Adder. It is exported because
// net/rpc only registers exported types and methods.
type AdderRPCServer struct{ Impl Adder }

// AddTwoInts is the net/rpc method "Plugin.AddTwoInts".
func (s *AdderRPCServer) AddTwoInts(args AddArgs, sum *int) error {
	var err error
	*sum, err = s.Impl.AddTwoInts(args.A, args.B)
	return err
}

type adderRPCClient struct{ client *rpc.Client }

func (c *adderRPCClient) AddTwoInts(a, b int) (int, error) {
	var sum int
	err := c.client.Call("Plugin.AddTwoInts", AddArgs{A: a, B: b}, &sum)
	return sum, err
}

type adderGRPCServer struct {
	pb.UnimplementedAdderServer
	impl Adder
}

func (s *adderGRPCServer) AddTwoInts(_ context.Context, req *pb.AddRequest) (*pb.AddResponse, error) {
	sum, err := s.impl.AddTwoInts(int(req.GetA()), int(req.GetB()))
	if err != nil {
		return nil, err
	}
	return &pb.AddResponse{Sum: int64(sum)}, nil
}

type adderGRPCClient struct{ client pb.AdderClient }

func (c *adderGRPCClient) AddTwoInts(a, b int) (int, error) {
	resp, err := c.client.AddTwoInts(context.Background(), &pb.AddRequest{A: int64(a), B: int64(b)})
	if err != nil {
		return 0, err
	}
	return int(resp.GetSum()), nil
}

// GreeterPlugin serves and dispenses a Greeter over net/rpc.
type GreeterPlugin struct {
	// Impl is the server's implementation; nil on the host's side.
	Impl Greeter
}

// Server implements plugin.Plugin (net/rpc).
func (p *GreeterPlugin) Server(*plugin.MuxBroker) (any, error) {
	return &GreeterRPCServer{Impl: p.Impl}, nil
}

// Client implements plugin.Plugin (net/rpc).
func (*GreeterPlugin) Client(_ *plugin.MuxBroker, c *rpc.Client) (any, error) {
	return &greeterRPCClient{client: c}, nil
}

// GreeterGRPCPlugin serves and dispenses a Greeter over gRPC.
type GreeterGRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the server's implementation; nil on the host's side.
	Impl Greeter
}

// GRPCServer implements plugin.GRPCPlugin.
func (p *GreeterGRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterGreeterServer(s, &greeterGRPCServer{impl: p.Impl})
	return nil
}

// GRPCClient implements plugin.GRPCPlugin.
func (*GreeterGRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &greeterGRPCClient{client: pb.NewGreeterClient(c)}, nil
}

// GreeterRPCServer is the net/rpc service of a Greeter, exported for net/rpc.
type GreeterRPCServer struct{ Impl Greeter }

// Greet is the net/rpc method "Plugin.Greet". net/rpc methods take one
// argument and Greet has none; gob cannot send an empty struct, so it takes a
// nil interface, as go-plugin's examples/basic does.
func (s *GreeterRPCServer) Greet(_ any, greeting *string) error {
	var err error
	*greeting, err = s.Impl.Greet()
	return err
}

type greeterRPCClient struct{ client *rpc.Client }

func (c *greeterRPCClient) Greet() (string, error) {
	var greeting string
	err := c.client.Call("Plugin.Greet", new(any), &greeting)
	return greeting, err
}

type greeterGRPCServer struct {
	pb.UnimplementedGreeterServer
	impl Greeter
}

func (s *greeterGRPCServer) Greet(context.Context, *pb.GreetRequest) (*pb.GreetResponse, error) {
	greeting, err := s.impl.Greet()
	if err != nil {
		return nil, err
	}
	return &pb.GreetResponse{Greeting: greeting}, nil
}

type greeterGRPCClient struct{ client pb.GreeterClient }

func (c *greeterGRPCClient) Greet() (string, error) {
	resp, err := c.client.Greet(context.Background(), &pb.GreetRequest{})
	if err != nil {
		return "", err
	}
	return resp.GetGreeting(), nil
}

// Interface guards
var (
	_ plugin.Plugin     = (*AdderPlugin)(nil)
	_ plugin.Plugin     = (*GreeterPlugin)(nil)
	_ plugin.GRPCPlugin = (*AdderGRPCPlugin)(nil)
	_ plugin.GRPCPlugin = (*GreeterGRPCPlugin)(nil)
	_ Adder             = (*adderRPCClient)(nil)
	_ Adder             = (*adderGRPCClient)(nil)
	_ Greeter           = (*greeterRPCClient)(nil)
	_ Greeter           = (*greeterGRPCClient)(nil)
)
