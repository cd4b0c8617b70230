package loader

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, one per kind of failure. Every error this package returns
// matches exactly one of them with errors.Is (an *IncompatibleError matches
// one per difference it lists), and most also carry a structured type for
// errors.As with the details.
var (
	// ErrNotFound: the plugin file (or folder) does not exist.
	ErrNotFound = errors.New("plugin file not found")
	// ErrUnsafePermissions: the file or its folder can be changed by someone
	// other than its owner, or is owned by another user. See *PermissionError.
	ErrUnsafePermissions = errors.New("unsafe plugin file permissions")
	// ErrTooLarge: the file is larger than Config.MaxSize.
	ErrTooLarge = errors.New("plugin file too large")
	// ErrNotRegular: the plugin file or its build manifest is not a regular
	// file (a named pipe, a socket, a device, a folder, or a symlink to
	// one). It is refused before it is opened for reading: reading a named
	// pipe or a device could block forever or never end. See *FileError
	// and *ManifestError.
	ErrNotRegular = errors.New("not a regular file")
	// ErrNotExecutable: a plugin's executable, for isolated mode, has no
	// execute permission. See *FileError.
	ErrNotExecutable = errors.New("plugin executable not executable")
	// ErrNotELF: the file is not an ELF object (empty, random, truncated,
	// or built for another OS). See *FormatError.
	ErrNotELF = errors.New("not an ELF file")
	// ErrWrongArch: the ELF machine, class or byte order is not this host's
	// GOARCH. See *ArchError.
	ErrWrongArch = errors.New("plugin built for another architecture")
	// ErrNotGoPlugin: a valid ELF file that is not a Go plugin: a C shared
	// library, a Go c-shared library or a Go executable. See *FormatError.
	ErrNotGoPlugin = errors.New("not a Go plugin")
	// ErrToolchainMismatch: built by a Go toolchain other than the host's.
	// See *Mismatch.
	ErrToolchainMismatch = errors.New("plugin built with a different Go toolchain")
	// ErrBuildFlagsMismatch: built with other identity-relevant build flags
	// (-race, -tags, -trimpath, -gcflags, GOAMD64, ...). See *Mismatch.
	ErrBuildFlagsMismatch = errors.New("plugin built with different build flags")
	// ErrSharedDepMismatch: a module both sides use is at another version.
	// See *Mismatch.
	ErrSharedDepMismatch = errors.New("plugin built with a different version of a shared module")
	// ErrPackageMismatch: a package both sides link was compiled from other
	// source or with other flags. See *PackageMismatchError.
	ErrPackageMismatch = errors.New("plugin built with a different version of a package")
	// ErrManifestMissing: no build manifest next to the plugin although
	// Config.RequireBuildManifest is set. See *ManifestError.
	ErrManifestMissing = errors.New("plugin build manifest missing")
	// ErrManifestInvalid: the build manifest cannot be read or contradicts
	// the plugin. See *ManifestError and *Mismatch.
	ErrManifestInvalid = errors.New("plugin build manifest invalid")
	// ErrChecksumMismatch: the file's SHA-256 or size differs from its build
	// manifest. See *ChecksumError.
	ErrChecksumMismatch = errors.New("plugin checksum mismatch")
	// ErrNotAllowlisted: the file's SHA-256 is not in Config.Allowlist.
	// See *ChecksumError.
	ErrNotAllowlisted = errors.New("plugin checksum not in allowlist")
	// ErrAlreadyLoaded: another build of a plugin with the same plugin path
	// is already loaded, and Go cannot unload or reload it.
	// See *AlreadyLoadedError.
	ErrAlreadyLoaded = errors.New("another build of this plugin is already loaded")
	// ErrInitPanic: the plugin's init panicked inside plugin.Open.
	// See *InitPanicError.
	ErrInitPanic = errors.New("plugin init panicked")
	// ErrOpen: plugin.Open failed for a reason the runtime reports only as a
	// string that this package does not recognise. See *OpenError.
	ErrOpen = errors.New("plugin open failed")
	// ErrSymbolMissing: the plugin does not export a symbol, or, for
	// Loader.LoadKind, its export table could not be read to tell.
	// See *SymbolMissingError.
	ErrSymbolMissing = errors.New("plugin symbol missing")
	// ErrSymbolType: an exported symbol has another type than expected,
	// or is a function where a variable was expected or the reverse.
	// See *SymbolTypeError.
	ErrSymbolType = errors.New("plugin symbol has the wrong type")
	// ErrWrongKind: the plugin's build manifest names another plugin kind
	// than the one Loader.LoadKind was asked for, or none. See *KindError.
	ErrWrongKind = errors.New("plugin of another kind")
	// ErrAPIVersion: the plugin's manifest names a pluginapi major version
	// the host does not support. See *APIVersionError and *Mismatch.
	ErrAPIVersion = errors.New("plugin API version unsupported")
	// ErrIdentity: the plugin's PluginManifest has an empty name, a name
	// another loaded plugin has, or a name its build manifest contradicts.
	// See *IdentityError.
	ErrIdentity = errors.New("plugin identity invalid")
)

// codes gives every sentinel a stable, machine-readable name, used in
// Inspection JSON; keep the names when adding sentinels.
var codes = []struct {
	err  error
	code string
}{
	{ErrNotFound, "not_found"},
	{ErrUnsafePermissions, "unsafe_permissions"},
	{ErrTooLarge, "too_large"},
	{ErrNotRegular, "not_regular"},
	{ErrNotExecutable, "not_executable"},
	{ErrNotELF, "not_elf"},
	{ErrWrongArch, "wrong_arch"},
	{ErrNotGoPlugin, "not_go_plugin"},
	{ErrToolchainMismatch, "toolchain_mismatch"},
	{ErrBuildFlagsMismatch, "build_flags_mismatch"},
	{ErrSharedDepMismatch, "shared_dep_mismatch"},
	{ErrPackageMismatch, "package_mismatch"},
	{ErrManifestMissing, "manifest_missing"},
	{ErrManifestInvalid, "manifest_invalid"},
	{ErrChecksumMismatch, "checksum_mismatch"},
	{ErrNotAllowlisted, "not_allowlisted"},
	{ErrAlreadyLoaded, "already_loaded"},
	{ErrInitPanic, "init_panic"},
	{ErrOpen, "open_failed"},
	{ErrSymbolMissing, "symbol_missing"},
	{ErrSymbolType, "symbol_type"},
	{ErrWrongKind, "wrong_kind"},
	{ErrAPIVersion, "api_version"},
	{ErrIdentity, "identity"},
}

// Code returns the stable name of the first sentinel err matches, such as
// "wrong_arch", or "" for nil and "unknown" for errors from elsewhere.
func Code(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "unknown"
}

// rebuildHint is the remedy for everything that a rebuild of host and
// plugins with one toolchain and flag set fixes.
const rebuildHint = "rebuild the plugin together with the host, with the same Go SDK and flags (bazel build //...)"

// notRegularHint is the remedy for ErrNotRegular: whatever sits at the path,
// it is not what the build wrote there.
const notRegularHint = "replace it with the plugin file (or its build manifest) that the build wrote"

// FileError reports a problem with the plugin file itself: missing, too
// large, not a regular file, or an I/O failure. Kind is ErrNotFound,
// ErrTooLarge or ErrNotRegular; Err is the underlying error, if any (for
// ErrNotRegular, what the file is instead).
type FileError struct {
	Path string
	Kind error
	Err  error
}

func (e *FileError) Error() string {
	var remedy string
	switch e.Kind {
	case ErrNotFound:
		remedy = "check the path, and that the plugin was built and installed there"
	case ErrTooLarge:
		remedy = "check that this is the plugin file, or raise Config.MaxSize"
	case ErrNotRegular:
		remedy = notRegularHint
	case ErrNotExecutable:
		remedy = "install the executable the build wrote, with its mode (bazel run //plugins:install)"
	default:
		remedy = "check that the file is readable"
	}
	if e.Err != nil {
		return fmt.Sprintf("loader: %s: %v: %v; %s", e.Path, e.Kind, e.Err, remedy)
	}
	return fmt.Sprintf("loader: %s: %v; %s", e.Path, e.Kind, remedy)
}

func (e *FileError) Unwrap() []error { return nonNil(e.Kind, e.Err) }

// PermissionError reports a plugin file or folder that someone other than
// its owner could change, or that belongs to another user. Such a file could
// be replaced between the build and the load.
type PermissionError struct {
	Path    string // the plugin file (or folder) being loaded
	Subject string // the file or folder at fault: Path or a parent folder
	Reason  string // e.g. "group- or other-writable (mode -rw-rw-r--)"
}

func (e *PermissionError) Error() string {
	subject := ""
	if e.Subject != "" && e.Subject != e.Path {
		subject = " " + e.Subject
	}
	return fmt.Sprintf("loader: %s: %v:%s %s; make it writable only by its owner (chmod go-w) and owned by the host's user or root",
		e.Path, ErrUnsafePermissions, subject, e.Reason)
}

func (e *PermissionError) Unwrap() error { return ErrUnsafePermissions }

// FormatError reports a file that is not an ELF object (Kind ErrNotELF) or
// not a Go plugin (Kind ErrNotGoPlugin). Detail says what was found instead.
type FormatError struct {
	Path   string
	Kind   error
	Detail string
}

func (e *FormatError) Error() string {
	remedy := "build it with go build -buildmode=plugin (go_binary linkmode = \"plugin\" in Bazel)"
	if e.Kind == ErrNotELF {
		remedy = "check that the file is a complete plugin built for this OS; " + remedy
	}
	return fmt.Sprintf("loader: %s: %v: %s; %s", e.Path, e.Kind, e.Detail, remedy)
}

func (e *FormatError) Unwrap() error { return e.Kind }

// ArchError reports an ELF file built for another machine than the host's
// runtime.GOARCH.
type ArchError struct {
	Path string
	Want string // the host, e.g. "amd64 (EM_X86_64, ELFCLASS64, little-endian)"
	Got  string // the file, in the same form
}

func (e *ArchError) Error() string {
	return fmt.Sprintf("loader: %s: %v: file is %s, host is %s; build the plugin for the host's GOARCH",
		e.Path, ErrWrongArch, e.Got, e.Want)
}

func (e *ArchError) Unwrap() error { return ErrWrongArch }

// Mismatch is one difference between what the host expects and what the
// plugin (or its build manifest) declares. Kind is ErrToolchainMismatch,
// ErrBuildFlagsMismatch, ErrSharedDepMismatch, ErrAPIVersion or
// ErrManifestInvalid.
type Mismatch struct {
	Kind  error
	Field string // e.g. "go_version", "shared_deps[golang.org/x/text]", "build setting -race"
	Want  string // the host's value; "" if the host has none
	Got   string // the plugin's value; "" if the plugin has none
}

func (m *Mismatch) Error() string {
	return fmt.Sprintf("%v: %s: host %s, plugin %s; %s", m.Kind, m.Field, orNone(m.Want), orNone(m.Got), rebuildHint)
}

func (m *Mismatch) Unwrap() error { return m.Kind }

// IncompatibleError lists every difference found between the host and a
// plugin, so that one run shows everything to fix. errors.Is matches the Kind
// of each listed Mismatch; errors.As finds the first *Mismatch.
type IncompatibleError struct {
	Path       string
	Mismatches []*Mismatch
}

func (e *IncompatibleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loader: %s: plugin is incompatible with this host (%d difference(s)); %s:", e.Path, len(e.Mismatches), rebuildHint)
	for _, m := range e.Mismatches {
		fmt.Fprintf(&b, "\n  - %v: %s: host %s, plugin %s", m.Kind, m.Field, orNone(m.Want), orNone(m.Got))
	}
	return b.String()
}

func (e *IncompatibleError) Unwrap() []error {
	errs := make([]error, len(e.Mismatches))
	for i, m := range e.Mismatches {
		errs[i] = m
	}
	return errs
}

// PackageMismatchError reports a package that the plugin and the host both
// link but compiled from different source or with different flags. The
// pre-open check finds it by comparing package hashes; past it, it is parsed
// from the runtime's "plugin was built with a different version of package X".
type PackageMismatchError struct {
	Path    string
	Package string // import path, e.g. "example.com/plugkit/pluginapi"
	// Others lists further mismatched packages found by the pre-open check.
	Others []string
	// LoadedPlugins is set when the package differs from the copy an
	// already loaded plugin brought, rather than from the host's.
	LoadedPlugins bool
	// Err is the runtime's error when the mismatch came from plugin.Open.
	Err error
}

func (e *PackageMismatchError) Error() string {
	more := ""
	if len(e.Others) > 0 {
		more = fmt.Sprintf(" (and %d more: %s)", len(e.Others), strings.Join(e.Others, ", "))
	}
	other := "the host"
	switch {
	case e.LoadedPlugins:
		other = "a plugin already loaded"
	case e.Err != nil:
		other = "the host or a plugin already loaded"
	}
	return fmt.Sprintf("loader: %s: %v: %s%s, compared with %s; %s, and check that all use the same source of that package (go.mod, replace directives, -trimpath)",
		e.Path, ErrPackageMismatch, e.Package, more, other, rebuildHint)
}

func (e *PackageMismatchError) Unwrap() []error { return nonNil(ErrPackageMismatch, e.Err) }

// ManifestError reports a build manifest that is missing (Kind
// ErrManifestMissing), unreadable, too large or malformed (Kind
// ErrManifestInvalid), or not a regular file (Kind ErrNotRegular).
type ManifestError struct {
	Path string // the manifest file
	Kind error
	Err  error
}

func (e *ManifestError) Error() string {
	remedy := "install the <plugin>.so" + BuildManifestSuffix + " the build writes next to the plugin"
	kind := e.Kind.Error()
	switch e.Kind {
	case ErrManifestInvalid:
		remedy = "regenerate it with the plugin build (bazel build //plugins/...)"
	case ErrNotRegular:
		// The sentinel alone does not say which file; the path might be
		// read as the plugin's.
		kind = "build manifest is " + kind
		remedy = notRegularHint
	}
	if e.Err != nil {
		return fmt.Sprintf("loader: %s: %s: %v; %s", e.Path, kind, e.Err, remedy)
	}
	return fmt.Sprintf("loader: %s: %s; %s", e.Path, kind, remedy)
}

func (e *ManifestError) Unwrap() []error { return nonNil(e.Kind, e.Err) }

// ChecksumError reports a file whose bytes are not the bytes that were built
// (Kind ErrChecksumMismatch, Source "build manifest") or are not allowlisted
// (Kind ErrNotAllowlisted, Source "allowlist").
type ChecksumError struct {
	Path       string
	Kind       error
	Source     string
	WantSHA256 string // "" for ErrNotAllowlisted
	GotSHA256  string
	WantSize   int64 // 0 when not compared
	GotSize    int64
}

func (e *ChecksumError) Error() string {
	if e.Kind == ErrNotAllowlisted {
		return fmt.Sprintf("loader: %s: %v: sha256 %s; if this build is trusted, add its sha256 to the allowlist",
			e.Path, e.Kind, e.GotSHA256)
	}
	return fmt.Sprintf("loader: %s: %v against %s: sha256 %s (%d bytes), want %s (%d bytes); the file was changed after it was built: reinstall it from the build output",
		e.Path, e.Kind, e.Source, e.GotSHA256, e.GotSize, e.WantSHA256, e.WantSize)
}

func (e *ChecksumError) Unwrap() error { return e.Kind }

// AlreadyLoadedError reports a plugin whose plugin path is already taken by
// another loaded build. Go identifies plugins by plugin path and cannot
// unload them, so only a restart loads the new build.
type AlreadyLoadedError struct {
	Path         string
	PluginPath   string // "" when only the runtime knew
	LoadedFrom   string // the file the loaded build came from, if known
	LoadedSHA256 string
	GotSHA256    string
	Err          error // the runtime's error, when it reported the collision
}

func (e *AlreadyLoadedError) Error() string {
	from := ""
	if e.LoadedFrom != "" {
		from = fmt.Sprintf(" (loaded from %s, sha256 %s)", e.LoadedFrom, e.LoadedSHA256)
	}
	return fmt.Sprintf("loader: %s: %v: plugin path %q%s; restart the host to load the new build, or give each build its own plugin path",
		e.Path, ErrAlreadyLoaded, e.PluginPath, from)
}

func (e *AlreadyLoadedError) Unwrap() []error { return nonNil(ErrAlreadyLoaded, e.Err) }

// InitPanicError reports a panic in the plugin's init functions, recovered
// from plugin.Open. The plugin is half-initialised and can never be opened
// again in this process.
type InitPanicError struct {
	Path  string
	Value any    // the value passed to panic
	Stack []byte // the stack of the panicking goroutine
}

func (e *InitPanicError) Error() string {
	return fmt.Sprintf("loader: %s: %v: %v; fix the plugin's init (see the stack in InitPanicError.Stack) and restart the host: the plugin cannot be retried in this process",
		e.Path, ErrInitPanic, e.Value)
}

func (e *InitPanicError) Unwrap() []error {
	err, _ := e.Value.(error)
	return nonNil(ErrInitPanic, err)
}

// OpenError wraps a plugin.Open failure this package does not recognise.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("loader: %s: %v: %v; check the plugin with Inspect, and that the temp folder (Config.TempDir) is not mounted noexec", e.Path, ErrOpen, e.Err)
}

func (e *OpenError) Unwrap() []error { return []error{ErrOpen, e.Err} }

// SymbolMissingError reports a symbol the plugin does not export, found by
// a lookup in an open plugin or, for Loader.LoadKind, in the file's export
// table before it is opened.
type SymbolMissingError struct {
	Plugin string // Symbols.Origin: the plugin's file, or "static:" and its name
	Symbol string
	// ExportsUnreadable is set when LoadKind could not read the file's
	// export table at all, so Symbol (the first one the kind needs) could
	// not be looked for. The plugin is refused rather than opened on
	// trust: opening it runs its init.
	ExportsUnreadable bool
	Err               error // the plugin package's error
}

func (e *SymbolMissingError) Error() string {
	if e.ExportsUnreadable {
		return fmt.Sprintf("loader: %s: %v: %s: the file's export table could not be read, so the symbols its kind needs could not be checked before opening it; check the file with Inspect (is .dynsym stripped?) and rebuild it with go_plugin",
			e.Plugin, ErrSymbolMissing, e.Symbol)
	}
	return fmt.Sprintf("loader: %s: %v: %s; export it from the plugin's main package (a top-level var or func) and rebuild",
		e.Plugin, ErrSymbolMissing, e.Symbol)
}

func (e *SymbolMissingError) Unwrap() []error { return nonNil(ErrSymbolMissing, e.Err) }

// SymbolTypeError reports an exported symbol of an unexpected type.
type SymbolTypeError struct {
	Plugin string
	Symbol string
	Want   string // the type the host asked for, or "an exported variable" / "an exported function"
	Got    string // the symbol's type (a pointer for variables), or what it is
}

func (e *SymbolTypeError) Error() string {
	return fmt.Sprintf("loader: %s: %v: %s is %s, want %s; declare it with the pluginapi type and rebuild",
		e.Plugin, ErrSymbolType, e.Symbol, e.Got, e.Want)
}

func (e *SymbolTypeError) Unwrap() error { return ErrSymbolType }

// KindError reports a plugin whose build manifest names another plugin kind
// than the one Loader.LoadKind was asked for. It is found before the plugin
// is opened, so a folder holding plugins of several kinds costs nothing but
// this error: none of the other plugins' code runs.
type KindError struct {
	Path string
	Want string // the Kind.Name asked for
	Got  string // BuildManifest.Kind; "" when the manifest predates kinds
}

func (e *KindError) Error() string {
	switch {
	case e.Want == "":
		return fmt.Sprintf("loader: %s: %v: the host asked for a plugin of no kind (an empty Kind.Name), the build manifest says %s; fix the host's Kind, or regenerate its kind bindings",
			e.Path, ErrWrongKind, orNone(e.Got))
	case e.Got == "":
		return fmt.Sprintf("loader: %s: %v: the host wants kind %s, the build manifest names no kind (it was written before plugin kinds); rebuild the plugin with go_plugin(kind = %q)",
			e.Path, ErrWrongKind, e.Want, e.Want)
	}
	return fmt.Sprintf("loader: %s: %v: the host wants kind %s, the build manifest says %s; put the plugin where %s plugins are looked for, or, if it is meant to be of kind %s, rebuild it with go_plugin(kind = %q)",
		e.Path, ErrWrongKind, e.Want, e.Got, e.Got, e.Want, e.Want)
}

func (e *KindError) Unwrap() error { return ErrWrongKind }

// APIVersionError reports a plugin built against an unsupported pluginapi.
type APIVersionError struct {
	Plugin string
	Want   string // pluginapi.APIVersion of the host
	Got    string // PluginManifest.APIVersion of the plugin
}

func (e *APIVersionError) Error() string {
	return fmt.Sprintf("loader: %s: %v: plugin implements pluginapi %s, host supports %s (same major version required); rebuild the plugin against the host's pluginapi",
		e.Plugin, ErrAPIVersion, orNone(e.Got), e.Want)
}

func (e *APIVersionError) Unwrap() error { return ErrAPIVersion }

// IdentityError reports a PluginManifest the host cannot register.
type IdentityError struct {
	Plugin string
	Name   string // PluginManifest.Name
	Reason string
}

func (e *IdentityError) Error() string {
	return fmt.Sprintf("loader: %s: %v: name %q: %s; give every plugin a unique, non-empty PluginManifest.Name that matches its build", e.Plugin, ErrIdentity, e.Name, e.Reason)
}

func (e *IdentityError) Unwrap() error { return ErrIdentity }

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func nonNil(errs ...error) []error {
	out := errs[:0]
	for _, e := range errs {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// Interface guards.
var (
	_ error = (*FileError)(nil)
	_ error = (*PermissionError)(nil)
	_ error = (*FormatError)(nil)
	_ error = (*ArchError)(nil)
	_ error = (*Mismatch)(nil)
	_ error = (*IncompatibleError)(nil)
	_ error = (*PackageMismatchError)(nil)
	_ error = (*ManifestError)(nil)
	_ error = (*ChecksumError)(nil)
	_ error = (*AlreadyLoadedError)(nil)
	_ error = (*InitPanicError)(nil)
	_ error = (*OpenError)(nil)
	_ error = (*SymbolMissingError)(nil)
	_ error = (*SymbolTypeError)(nil)
	_ error = (*KindError)(nil)
	_ error = (*APIVersionError)(nil)
	_ error = (*IdentityError)(nil)
)
