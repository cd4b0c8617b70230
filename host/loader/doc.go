// Package loader loads plugkit plugins (Go -buildmode=plugin shared objects)
// into the host and turns every way that can fail into a typed error.
//
// The standard library's plugin package reports problems as strings, runs a
// plugin's init functions inside plugin.Open and can never unload a plugin, so
// by the time it reports "plugin was built with a different version of
// package X" the plugin's code has already been mapped into the host for
// good. This package therefore checks a plugin before opening it, without
// running any of its code:
//
//   - the file, and its build record, are regular files, refused with
//     [ErrNotRegular] before anything opens them otherwise (a named pipe
//     would block the read forever), and only their owner (or root) can
//     change them; reads are bounded by [Config.MaxSize] and, for the
//     build record, 1 MiB;
//   - it is an ELF shared object for this machine (GOARCH, class, byte order);
//   - it is a Go plugin, not a C library, a c-shared library or an executable;
//   - it was built by the host's Go toolchain, with the host's identity-relevant
//     build settings, and with the same bytes of every package the host also
//     links, or that an already loaded plugin brought (compared through the
//     package hashes the ELF files export, the test the runtime makes after
//     dlopen);
//   - its build record (internal/buildrecord, a JSON file next to the .so,
//     <name>.so.build.json, or for one release its old name
//     <name>.so.manifest.json when that alone exists; see
//     [BuildRecordPath]) matches the host's expectations in [Config];
//   - its SHA-256 matches the build record and, if configured, an allowlist;
//   - with Config.TrustedKeys (production mode), its build record is signed
//     by one of those ed25519 keys;
//   - its export table holds PluginManifest and, with [Loader.LoadKind], the
//     kind's symbols;
//   - with [Loader.LoadKind], it is of the kind asked for: its build record
//     names that [Kind], and its export table holds the kind's symbols.
//
// The checked bytes are the bytes that get opened: [Loader.Load] reads the
// file once, copying it into a private 0700 directory and hashing the copy,
// runs every check on that private copy and passes the copy to plugin.Open.
// Every check runs, whatever an earlier one found: a refusal lists every
// independent finding, root cause first ([RefusedError], [Findings]), each
// with its code ([Code]) and remedy ([Remedy]) from host/failure's table.
//
// After plugin.Open the loader recovers a panic in the plugin's init, looks up
// pluginapi.ManifestSymbol and refuses a plugin whose API major version differs
// from pluginapi.APIVersion before any other symbol is used.
//
// # Plugin kinds and bindings
//
// The loader knows no kind of plugin. Each kind (greeter, logger, ...) is
// declared in pluginapi, and a generated bindings package per kind declares
// its [Kind] as Spec and binds to [Symbols] with [Lookup], [LookupVar] and
// [LookupFunc], which fail with typed errors where a type assertion on
// plugin.Lookup's result would panic. A host loads a plugin of a kind with
// [Loader.LoadKind], which refuses one of another kind, or without the
// kind's symbols, before its code runs.
//
// Symbols is implemented by an opened [*Plugin] and by a [*StaticPlugin], a
// plugin linked into the host and registered with [RegisterStatic] (for
// platforms without -buildmode=plugin), so the same bindings serve both.
//
// # Loaded plugins are process-wide
//
// Go keeps loaded plugins for the life of the process and identifies them by
// their plugin path (the import path of the plugin's main package), so this
// package keeps its record of loaded plugins process-wide too, shared by every
// [Loader]:
//
//   - loading the same bytes again, from the same path or any other, returns
//     the *Plugin already loaded, as plugin.Open does for a path it has seen;
//   - loading different bytes with the plugin path of a loaded plugin (for
//     example a rebuilt .so at the same path) fails with [ErrAlreadyLoaded]
//     instead of silently returning the old code, which is what plugin.Open
//     would do;
//   - a plugin whose init panicked is never opened again: the runtime never
//     marks it loaded, and a second plugin.Open of it would block forever, so
//     the loader returns the recorded [InitPanicError] again.
//
// Failures that happen after the plugin was opened (a missing PluginManifest,
// an unsupported API version) are recorded the same way, because the code is
// in the process and cannot be loaded a second time.
//
// # What the loader cannot catch
//
// A plugin runs in the host's process. A panic on a goroutine the plugin
// starts, a runtime fatal error (for example "plugin: new module data overlaps
// with previous moduledata") or a crash in the plugin's C code ends the host.
package loader
