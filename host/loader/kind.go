package loader

// Kind is the contract of one kind of plugin (a greeter, a logger, an
// adder, ...) in the form the loader can check before it opens a plugin: the
// kind's name, which the plugin's build record must carry, and the symbols
// the plugin's export table must hold. The loader itself knows no kinds;
// pluginapi declares them, and the package generated for each kind declares
// its Kind as Spec, for example
//
//	var Spec = loader.Kind{Name: "greeter", Symbols: []loader.KindSymbol{{Name: "Greeter"}}}
//
// which the host passes to Loader.LoadKind. Checking the kind before
// plugin.Open matters because Open runs the plugin's init and can never be
// undone: a logger dropped into the greeters' folder, or a file exporting
// nothing a greeter needs, would otherwise run its code in the host only to
// fail its first lookup.
type Kind struct {
	// Name is the kind's name, as go_plugin(kind = ...) writes it into
	// the build record's kind (buildrecord.Record.Kind): lower case,
	// [a-z][a-z0-9_]*.
	Name string
	// Symbols are the symbols every plugin of the kind exports. The
	// PluginManifest every plugin exports need not be listed: Load checks
	// it after opening, for plugins of every kind.
	Symbols []KindSymbol
}

// KindSymbol is one symbol a plugin of a Kind exports.
type KindSymbol struct {
	// Name is the exported identifier, e.g. "Greeter".
	Name string
	// Func is set for an exported function; otherwise the symbol is an
	// exported variable. The ELF export table tells the two apart, so the
	// pre-open check can, and a function where bindings expect a variable
	// (or the reverse) is refused before the plugin runs.
	Func bool
}

// LoadKind loads the plugin at path as a plugin of kind k: Load, with two
// more checks in the pre-open check, so that a plugin failing them is never
// opened and none of its code runs:
//
//   - when the plugin has a build record, its Kind must be k.Name
//     (*KindError, ErrWrongKind); a record that names no kind, written
//     before kinds existed, is refused the same way, since nothing vouches
//     for what it is;
//   - the ELF export table must hold every symbol of k.Symbols, as a
//     function or a variable as declared (*SymbolMissingError,
//     *SymbolTypeError). A file whose export table cannot be read is
//     refused with a *SymbolMissingError that says so, not opened on trust.
//
// A plugin refused by them is not recorded as loaded, so a corrected file
// loads later in the same process. The types of the symbols are not known
// before opening; bindings check them with Lookup, LookupVar and LookupFunc.
func (l *Loader) LoadKind(path string, k Kind) (*Plugin, error) {
	return l.load(path, false, &k)
}

// ReloadKind is Reload with the checks of LoadKind.
func (l *Loader) ReloadKind(path string, k Kind) (*Plugin, error) {
	return l.load(path, true, &k)
}

// describeExportKind turns Export.Kind into words for a *SymbolTypeError.
func describeExportKind(kind string) string {
	if kind == "func" {
		return "an exported function"
	}
	return "an exported variable"
}
