// Package storerpc_test runs the generated rpc stubs of the store kind
// (testdata/rpcapi) over a real net/rpc connection: the plugin's side,
// storerpc.Service, serves an implementation, and the host's side,
// storerpc.Symbols, calls it, for every shape of method.
package storerpc_test

import (
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/host/isolated"
	"example.com/plugkit/tools/build/bindgen/testdata/rpcapi"
	"example.com/plugkit/tools/build/bindgen/testdata/storerpc"
)

type store struct{ items map[string]rpcapi.Item }

func (s *store) Put(key string, item rpcapi.Item) error {
	if key == "" {
		return errors.New("empty key")
	}
	s.items[key] = item
	return nil
}

func (s *store) Get(key string) (rpcapi.Item, bool, error) {
	it, ok := s.items[key]
	return it, ok, nil
}

func (s *store) Keys(prefix string, limit ...int) []string {
	var out []string
	for k := range s.items {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if len(limit) > 0 && limit[0] < len(out) {
		out = out[:limit[0]]
	}
	return out
}

func (s *store) Len() int { return len(s.items) }

func (s *store) Reset() { panic("reset is not allowed") }

func (s *store) Fail(msg string) error { return errors.New(msg) }

func (s *store) Explode(msg string) (int, error) { panic(msg) }

// caller is the host's side of a net/rpc connection, as a Process is
// without the process.
type caller struct{ c *rpc.Client }

func (c caller) Call(method string, args, reply any) error {
	return c.c.Call(isolated.WireName(method), args, reply)
}
func (caller) Path() string { return "test-plugin" }

// connect serves the exports through the generated service and returns
// the host's table of symbols.
func connect(t *testing.T, exports map[string]any) map[string]any {
	svc, err := storerpc.NewService(exports)
	require.NoError(t, err)
	srv := rpc.NewServer()
	require.NoError(t, srv.RegisterName(isolated.ServiceName, svc))
	a, b := net.Pipe()
	go srv.ServeConn(a)
	client := rpc.NewClient(b)
	t.Cleanup(func() { client.Close() })
	syms, err := storerpc.Symbols(caller{client})
	require.NoError(t, err)
	return syms
}

func exports() map[string]any {
	manifest := rpcapi.Manifest{Name: "store/test"}
	version := "v1.2.3"
	timeout := 3 * time.Second
	var impl = &store{items: map[string]rpcapi.Item{}}
	return map[string]any{
		// What plugin.Lookup returns: pointers to variables, functions.
		"PluginManifest": &manifest,
		"Store":          &impl, // a *(*store): var Store = &store{...}
		"Version":        &version,
		"Timeout":        &timeout,
		"Sum": func(xs ...int) (int, error) {
			if len(xs) == 0 {
				return 0, fmt.Errorf("nothing to sum")
			}
			n := 0
			for _, x := range xs {
				n += x
			}
			return n, nil
		},
	}
}

func TestStubsCarryEveryShape(t *testing.T) {
	syms := connect(t, exports())
	assert.Equal(t, "store/test", syms["PluginManifest"].(*rpcapi.Manifest).Name)
	assert.Equal(t, "v1.2.3", *syms["Version"].(*string))
	assert.Equal(t, 3*time.Second, *syms["Timeout"].(*time.Duration))

	s := syms["Store"].(rpcapi.Store)
	item := rpcapi.Item{Name: "a", Tags: []string{"x", "y"}, TTL: time.Minute, Meta: map[string]int{"n": 1}}
	require.NoError(t, s.Put("k1", item))
	require.NoError(t, s.Put("k2", rpcapi.Item{Name: "b"}))
	require.NoError(t, s.Put("other", rpcapi.Item{Name: "c"}))
	got, ok, err := s.Get("k1")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, item, got)
	_, ok, err = s.Get("missing")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, 3, s.Len())
	assert.Equal(t, []string{"k1", "k2"}, s.Keys("k"))
	assert.Equal(t, []string{"k1"}, s.Keys("k", 1), "variadic arguments cross")

	// An error the plugin returns comes back as an error, its message kept.
	err = s.Put("", item)
	var remote *isolated.RemoteError
	require.ErrorAs(t, err, &remote)
	assert.Equal(t, "empty key", remote.Msg)
	assert.Equal(t, "Store.Put", remote.Method)
	assert.EqualError(t, s.Fail("disk full"), "disk full")

	// A panic with an error result: the error.
	n, err := s.Explode("kaboom")
	assert.Zero(t, n)
	var p *isolated.PanicError
	require.ErrorAs(t, err, &p)
	assert.Equal(t, "kaboom", p.Value)
	assert.Equal(t, "test-plugin", p.Plugin)
	// Without one: a panic with the typed error, which Catch returns.
	err = isolated.Catch(s.Reset)
	require.ErrorAs(t, err, &p)
	assert.Equal(t, "reset is not allowed", p.Value)
	assert.Equal(t, "Store.Reset", p.Method)
	assert.Equal(t, 3, s.Len(), "the service survives its panics")

	sum := syms["Sum"].(func(...int) (int, error))
	total, err := sum(1, 2, 3)
	require.NoError(t, err)
	assert.Equal(t, 6, total)
	_, err = sum()
	assert.EqualError(t, err, "nothing to sum")
}

func TestNewServiceReportsEveryBadSymbol(t *testing.T) {
	ex := exports()
	delete(ex, "Store")
	ex["Version"] = 42 // not a *string
	var nilStore rpcapi.Store
	ex["PluginManifest"] = &nilStore
	_, err := storerpc.NewService(ex)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not export Store")
	assert.Contains(t, err.Error(), "the plugin's Version is a int, not a string")
	assert.Contains(t, err.Error(), "PluginManifest is a *rpcapi.Store")
}

func TestFailedTransportIsAnError(t *testing.T) {
	svc, err := storerpc.NewService(exports())
	require.NoError(t, err)
	srv := rpc.NewServer()
	require.NoError(t, srv.RegisterName(isolated.ServiceName, svc))
	a, b := net.Pipe()
	go srv.ServeConn(a)
	client := rpc.NewClient(b)
	syms, err := storerpc.Symbols(caller{client})
	require.NoError(t, err)
	s := syms["Store"].(rpcapi.Store)
	a.Close()
	// Never a silent zero value: an error result says so, and a method
	// without one panics.
	_, _, err = s.Get("k")
	assert.Error(t, err)
	assert.Panics(t, func() { s.Len() })
}
