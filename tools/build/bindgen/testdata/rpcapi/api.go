// Package rpcapi is a contract with one kind, store, whose interface has
// every shape of method the rpc stubs carry across a process: error
// results, several results, variadic parameters, no parameters, structs,
// slices, maps and types of other packages.
package rpcapi

import "time"

// Manifest identifies a plugin.
type Manifest struct{ Name string }

// Item is a value that crosses the process boundary.
type Item struct {
	Name string
	Tags []string
	TTL  time.Duration
	Meta map[string]int
}

// Store is a key-value store.
type Store interface {
	Put(key string, item Item) error
	Get(key string) (Item, bool, error)
	Keys(prefix string, limit ...int) []string
	Len() int
	Reset()
	// Fail returns an error with the message msg.
	Fail(msg string) error
	// Explode panics with msg.
	Explode(msg string) (int, error)
}

// StoreKind declares the kind store.
type StoreKind struct {
	PluginManifest Manifest
	Store          Store
	Version        string
	Sum            func(xs ...int) (int, error)
	Timeout        time.Duration
}
