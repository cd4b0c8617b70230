// Package bindgen generates typed Go bindings for the exported functions
// and variables of a Go plugin (-buildmode=plugin).
//
// It is the library behind the bindgen command; see that command's
// documentation for the flags. The pipeline is:
//
//  1. LoadPlugin reads the export names from the .so's ELF symbol tables
//     and their types through plugin.Open, Lookup and reflect; or
//     LoadSource reads both from the plugin's package through go/packages.
//  2. Generate writes the bindings from the resulting API. It is a pure
//     function of its inputs, so the output is byte-for-byte reproducible.
//
// Nothing here reads the runtime's private structures: the only inputs are
// the file's public ELF data, the plugin and reflect packages, and source.
package bindgen

import "errors"

// Errors reported by bindgen. Every error it returns wraps one of these, so
// callers and tests can tell failures apart with errors.Is.
var (
	// ErrUsage means the flags or options are invalid.
	ErrUsage = errors.New("invalid usage")
	// ErrNotPlugin means the input is not a Go plugin: not ELF, truncated,
	// not a shared object, or built with another -buildmode.
	ErrNotPlugin = errors.New("not a Go plugin")
	// ErrOpen means plugin.Open refused the plugin, almost always because
	// bindgen and the plugin were built differently.
	ErrOpen = errors.New("cannot open plugin")
	// ErrNoPluginPath means the plugin's package path could not be told
	// from its symbols; -symbol-prefix settles it.
	ErrNoPluginPath = errors.New("cannot determine the plugin's package path")
	// ErrNoSymbols means the plugin exports nothing to bind.
	ErrNoSymbols = errors.New("plugin exports no functions or variables")
	// ErrMainType means an export's type names a type declared in the
	// plugin's package main, which the host cannot import.
	ErrMainType = errors.New("type declared in the plugin's package main")
	// ErrUnsupportedType means an export's type cannot be written in the
	// host, e.g. an instance of a generic type or a struct literal type
	// with unexported fields.
	ErrUnsupportedType = errors.New("unsupported type")
	// ErrNameCollision means an export's name is taken by the bindings.
	ErrNameCollision = errors.New("exported name collides with the bindings")
	// ErrFormat means the generated code did not pass go/format; it is a
	// bug in bindgen, and nothing is written.
	ErrFormat = errors.New("generated code does not format")
	// ErrBuild means building the plugin (-rebuild) failed.
	ErrBuild = errors.New("building the plugin failed")
	// ErrLoad means loading the plugin's package from source failed.
	ErrLoad = errors.New("loading the plugin's package failed")
)
