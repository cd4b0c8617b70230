package pluginapi

// Kinds of plugin.
//
// Every struct type named <Name>Kind declares the kind <name>, lowercased:
// its fields are the symbols that every plugin of the kind exports, by name
// and Go type. A field of func type is an exported function; any other field
// is an exported variable, and a struct tag `plugkit:"var"` makes a
// func-typed field a variable too. Every kind has PluginManifest.
//
// The structs are never instantiated. The build reads them from this source:
// bindgen generates one bindings package per kind (//pluginapi/kinds:<name>,
// with Bind, Load and Spec), go_plugin(kind = ...) checks a plugin's exports
// against its kind, and tools/cmd/newplugin scaffolds a plugin of a kind. Adding
// a kind is adding one declaration here; nothing else is edited by hand.
//
// The declarations are read with go/parser alone, without type information
// (internal/contract), so they follow a few rules, and the build fails with
// the file, line, kind and field when one is broken:
//
//   - A kind's name, strings.ToLower(X) of an exported type <X>Kind, is
//     [a-z][a-z0-9_]*, not a Go keyword and not "main": it names the kind's
//     bindings package. Two kinds can't lower-case to the same name, and any
//     exported type named <X>Kind must be a (non-generic) struct.
//   - Write each kind as a line `type <X>Kind struct {` of its own, not in a
//     type ( ... ) group: BUILD files learn the kinds from a textual scan
//     (tools/rules/contract.bzl), and bindgen refuses kinds it did not see.
//   - Fields are named, exported and not embedded, one symbol each;
//     PluginManifest has type Manifest.
//   - Types are predeclared, declared in this package (exported), or
//     imported (time.Duration). A func-typed field is a function when its
//     type is a func literal or a type of this package whose underlying type
//     is one; a named func type of another package is read as a variable
//     (write the func type out instead).
//
// A plugin exports an interface-typed symbol the way Go plugin code usually
// does, and both forms bind: a variable of the interface type
// (var Greeter pluginapi.Greeter = greeter{}), or a concrete value whose
// pointer has the methods (var Logger = logger{}, pointer receivers).

// GreeterKind declares the kind greeter: a plugin that says hello in one
// language.
type GreeterKind struct {
	PluginManifest Manifest
	Greeter        Greeter
}

// LoggerKind declares the kind logger: a logging driver. The host sends
// every message to all loggers.
type LoggerKind struct {
	PluginManifest Manifest
	Logger         Logger
}

// AdderKind declares the kind adder, go-bind-plugin's README example: a
// function and a variable.
type AdderKind struct {
	PluginManifest Manifest
	AddTwoInts     func(a, b int) int
	BuildVersion   string
}
