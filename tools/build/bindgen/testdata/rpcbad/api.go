// Package rpcbad is a contract whose kind cannot run out of process: bindgen
// rpc must refuse it, naming the kind, each method and each type. (An
// unexported type is refused earlier, by the contract's parser.)
package rpcbad

// Manifest identifies a plugin.
type Manifest struct{ Name string }

// Watcher has a method of every signature that cannot cross.
type Watcher interface {
	OnChange(f func(string))
	Events() chan int
	Anything(v any) error
	Ptr() uintptr
}

// WatchKind declares the kind watch.
type WatchKind struct {
	PluginManifest Manifest
	Watcher        Watcher
	Hook           func(cb func()) error
	Channel        chan string
}
