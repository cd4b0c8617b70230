package loader

import (
	"errors"
	"example.com/plugkit/host/failure"
	"fmt"
	"strings"
)

// Sentinel errors, one per kind of failure. Every error this package returns
// matches exactly one of them with errors.Is (an *IncompatibleError matches
// one per difference it lists), and most also carry a structured type for
// errors.As with the details.
var (
	// ErrNotFound: the plugin file (or folder) does not exist.
	ErrNotFound = failure.NotFound
	// ErrUnsafePermissions: the file or its folder can be changed by someone
	// other than its owner, or is owned by another user. See *PermissionError.
	ErrUnsafePermissions = failure.UnsafePermissions
	// ErrTooLarge: the file is larger than Config.MaxSize.
	ErrTooLarge = failure.TooLarge
	// ErrNotRegular: the plugin file or its build record is not a regular
	// file (a named pipe, a socket, a device, a folder, or a symlink to
	// one). It is refused before it is opened for reading: reading a named
	// pipe or a device could block forever or never end. See *FileError
	// and *BuildRecordError.
	ErrNotRegular = failure.NotRegular
	// ErrNotExecutable: a plugin's executable, for isolated mode, has no
	// execute permission. See *FileError.
	ErrNotExecutable = failure.NotExecutable
	// ErrNotELF: the file is not an ELF object (empty, random, truncated,
	// or built for another OS). See *FormatError.
	ErrNotELF = failure.NotELF
	// ErrWrongArch: the ELF machine, class or byte order is not this host's
	// GOARCH. See *ArchError.
	ErrWrongArch = failure.WrongArch
	// ErrNotGoPlugin: a valid ELF file that is not a Go plugin: a C shared
	// library, a Go c-shared library or a Go executable. See *FormatError.
	ErrNotGoPlugin = failure.NotGoPlugin
	// ErrToolchainMismatch: built by a Go toolchain other than the host's.
	// See *Mismatch.
	ErrToolchainMismatch = failure.ToolchainMismatch
	// ErrBuildFlagsMismatch: built with other identity-relevant build flags
	// (-race, -tags, -trimpath, -gcflags, GOAMD64, ...). See *Mismatch.
	ErrBuildFlagsMismatch = failure.BuildFlags
	// ErrSharedDepMismatch: a module both sides use is at another version.
	// See *Mismatch.
	ErrSharedDepMismatch = failure.SharedDep
	// ErrPackageMismatch: a package both sides link was compiled from other
	// source or with other flags. See *PackageMismatchError.
	ErrPackageMismatch = failure.PackageMismatch
	// ErrBuildRecordMissing: no build record next to the plugin although
	// Config.RequireBuildRecord is set. See *BuildRecordError.
	ErrBuildRecordMissing = failure.BuildRecordMissing
	// ErrBuildRecordInvalid: the build record cannot be read or contradicts
	// the plugin. See *BuildRecordError and *Mismatch.
	ErrBuildRecordInvalid = failure.BuildRecordInvalid
	// ErrChecksumMismatch: the file's SHA-256 or size differs from its build
	// record. See *ChecksumError.
	ErrChecksumMismatch = failure.ChecksumMismatch
	// ErrNotAllowlisted: the file's SHA-256 is not in Config.Allowlist.
	// See *ChecksumError.
	ErrNotAllowlisted = failure.NotAllowlisted
	// ErrAlreadyLoaded: another build of a plugin with the same plugin path
	// is already loaded, and Go cannot unload or reload it.
	// See *AlreadyLoadedError.
	ErrAlreadyLoaded = failure.AlreadyLoaded
	// ErrInitPanic: the plugin's init panicked inside plugin.Open.
	// See *InitPanicError.
	ErrInitPanic = failure.InitPanic
	// ErrOpen: plugin.Open failed for a reason the runtime reports only as a
	// string that this package does not recognise. See *OpenError.
	ErrOpen = failure.OpenFailed
	// ErrSymbolMissing: the plugin does not export a symbol, or, for
	// Loader.LoadKind, its export table could not be read to tell.
	// See *SymbolMissingError.
	ErrSymbolMissing = failure.SymbolMissing
	// ErrSymbolType: an exported symbol has another type than expected,
	// or is a function where a variable was expected or the reverse.
	// See *SymbolTypeError.
	ErrSymbolType = failure.SymbolType
	// ErrWrongKind: the plugin's build record names another plugin kind
	// than the one Loader.LoadKind was asked for, or none. See *KindError.
	ErrWrongKind = failure.WrongKind
	// ErrAPIVersion: the plugin's PluginManifest, or its build record, names
	// a pluginapi major version the host does not support. See
	// *APIVersionError and *Mismatch.
	ErrAPIVersion = failure.APIVersion
	// ErrIdentity: the plugin's PluginManifest has an empty name, a name
	// another loaded plugin has, or a name its build record contradicts.
	// See *IdentityError.
	ErrIdentity = failure.Identity
	// ErrUnsigned: Config.TrustedKeys is set and the plugin's build
	// record has no signature beside it. See *SignatureError.
	ErrUnsigned = failure.Unsigned
	// ErrUnknownKey: the signature names a key that is not among
	// Config.TrustedKeys. See *SignatureError.
	ErrUnknownKey = failure.UnknownKey
	// ErrBadSignature: the signature does not verify with the trusted key it
	// names: the build record or the signature changed after signing, or
	// the signature file is malformed. See *SignatureError.
	ErrBadSignature = failure.BadSignature
)

// Code returns the stable name of the first sentinel err matches, such as
// "wrong_arch" (the table of host/failure), or "" for nil and "unknown" for
// errors from elsewhere.
func Code(err error) string {
	if err == nil {
		return ""
	}
	if c := failure.Code(err); c != "" {
		return c
	}
	return "unknown"
}

// Remedy returns what to do about err, apart from its message: for a
// *RefusedError, the remedy of its root cause. "" for errors from elsewhere.
func Remedy(err error) string { return failure.Remedy(err) }

// withRemedy ends a message with its remedy, as every error here does.
func withRemedy(msg string, r failure.Remedier) string {
	if s := r.Remedy(); s != "" {
		return msg + "; " + s
	}
	return msg
}

// FileError reports a problem with the plugin file itself: missing, too
// large, not a regular file, or an I/O failure. Kind is ErrNotFound,
// ErrTooLarge, ErrNotRegular or ErrNotExecutable; Err is the underlying
// error, if any (for ErrNotRegular, what the file is instead).
type FileError struct {
	Path string
	Kind error
	Err  error
}

func (e *FileError) Error() string {
	if e.Err != nil {
		return withRemedy(fmt.Sprintf("loader: %s: %v: %v", e.Path, e.Kind, e.Err), e)
	}
	return withRemedy(fmt.Sprintf("loader: %s: %v", e.Path, e.Kind), e)
}

func (e *FileError) Remedy() string {
	if r := failure.RemedyOf(e.Kind); r != "" {
		return r
	}
	return "check that the file is readable"
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
	return withRemedy(fmt.Sprintf("loader: %s: %v:%s %s", e.Path, ErrUnsafePermissions, subject, e.Reason), e)
}

func (e *PermissionError) Remedy() string { return failure.RemedyOf(ErrUnsafePermissions) }

func (e *PermissionError) Unwrap() error { return ErrUnsafePermissions }

// FormatError reports a file that is not an ELF object (Kind ErrNotELF) or
// not a Go plugin (Kind ErrNotGoPlugin). Detail says what was found instead.
type FormatError struct {
	Path   string
	Kind   error
	Detail string
}

func (e *FormatError) Error() string {
	return withRemedy(fmt.Sprintf("loader: %s: %v: %s", e.Path, e.Kind, e.Detail), e)
}

func (e *FormatError) Remedy() string { return failure.RemedyOf(e.Kind) }

func (e *FormatError) Unwrap() error { return e.Kind }

// ArchError reports an ELF file built for another machine than the host's
// runtime.GOARCH.
type ArchError struct {
	Path string
	Want string // the host, e.g. "amd64 (EM_X86_64, ELFCLASS64, little-endian)"
	Got  string // the file, in the same form
}

func (e *ArchError) Error() string {
	return withRemedy(fmt.Sprintf("loader: %s: %v: file is %s, host is %s", e.Path, ErrWrongArch, e.Got, e.Want), e)
}

func (e *ArchError) Remedy() string { return failure.RemedyOf(ErrWrongArch) }

func (e *ArchError) Unwrap() error { return ErrWrongArch }

// Mismatch is one difference between what the host expects and what the
// plugin (or its build record) declares. Kind is ErrToolchainMismatch,
// ErrBuildFlagsMismatch, ErrSharedDepMismatch, ErrAPIVersion or
// ErrBuildRecordInvalid.
type Mismatch struct {
	Kind  error
	Field string // e.g. "go_version", "shared_deps[golang.org/x/text]", "build setting -race"
	Want  string // the host's value; "" if the host has none
	Got   string // the plugin's value; "" if the plugin has none
}

func (m *Mismatch) Error() string {
	return withRemedy(fmt.Sprintf("%v: %s: host %s, plugin %s", m.Kind, m.Field, orNone(m.Want), orNone(m.Got)), m)
}

func (m *Mismatch) Remedy() string { return failure.RemedyOf(m.Kind) }

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
	fmt.Fprintf(&b, "loader: %s: plugin is incompatible with this host (%d difference(s)); %s:", e.Path, len(e.Mismatches), e.Remedy())
	for _, m := range e.Mismatches {
		fmt.Fprintf(&b, "\n  - %v: %s: host %s, plugin %s", m.Kind, m.Field, orNone(m.Want), orNone(m.Got))
	}
	return b.String()
}

// Remedy is the first difference's: the list is in root-cause order.
func (e *IncompatibleError) Remedy() string {
	if len(e.Mismatches) == 0 {
		return ""
	}
	return e.Mismatches[0].Remedy()
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
	return withRemedy(fmt.Sprintf("loader: %s: %v: %s%s, compared with %s", e.Path, ErrPackageMismatch, e.Package, more, other), e)
}

func (e *PackageMismatchError) Remedy() string { return failure.RemedyOf(ErrPackageMismatch) }

func (e *PackageMismatchError) Unwrap() []error { return nonNil(ErrPackageMismatch, e.Err) }

// BuildRecordError reports a build record that is missing (Kind
// ErrBuildRecordMissing), unreadable, too large or malformed (Kind
// ErrBuildRecordInvalid), or not a regular file (Kind ErrNotRegular).
type BuildRecordError struct {
	Path string // the build record's file
	Kind error
	Err  error
}

func (e *BuildRecordError) Error() string {
	kind := e.Kind.Error()
	if e.Kind == ErrNotRegular {
		// The sentinel alone does not say which file; the path might be
		// read as the plugin's.
		kind = "build record is " + kind
	}
	if e.Err != nil {
		return withRemedy(fmt.Sprintf("loader: %s: %s: %v", e.Path, kind, e.Err), e)
	}
	return withRemedy(fmt.Sprintf("loader: %s: %s", e.Path, kind), e)
}

func (e *BuildRecordError) Remedy() string { return failure.RemedyOf(e.Kind) }

func (e *BuildRecordError) Unwrap() []error { return nonNil(e.Kind, e.Err) }

// ChecksumError reports a file whose bytes are not the bytes that were built
// (Kind ErrChecksumMismatch, Source "build record") or are not allowlisted
// (Kind ErrNotAllowlisted, Source "allowlist").
type ChecksumError struct {
	Path       string
	Kind       error
	Source     string
	WantSHA256 string // "" for ErrNotAllowlisted
	GotSHA256  string
	WantSize   int64 // 0 when not compared
	GotSize    int64
	// Signed is set when the build record's signature verified: the
	// plugin changed after it was signed.
	Signed bool
	// Foreign is set when the diagnosis found the file itself to be no
	// plugin for this host (another format, architecture or toolchain):
	// then the record belongs to other bytes, and reinstalling this file
	// would not help.
	Foreign bool
}

func (e *ChecksumError) Error() string {
	if e.Kind == ErrNotAllowlisted {
		return withRemedy(fmt.Sprintf("loader: %s: %v: sha256 %s", e.Path, e.Kind, e.GotSHA256), e)
	}
	return withRemedy(fmt.Sprintf("loader: %s: %v against %s: sha256 %s (%d bytes), want %s (%d bytes)",
		e.Path, e.Kind, e.Source, e.GotSHA256, e.GotSize, e.WantSHA256, e.WantSize), e)
}

func (e *ChecksumError) Remedy() string {
	switch {
	case e.Kind != ErrChecksumMismatch:
	case e.Foreign:
		return "the build record describes other bytes than this file, which is no plugin for this host (see the findings before this one): install the plugin built for this host together with the build record its build wrote"
	case e.Signed:
		return "the plugin changed after its build record was signed: reinstall the signed plugin from the build output"
	}
	return failure.RemedyOf(e.Kind)
}

func (e *ChecksumError) Unwrap() error { return e.Kind }

// SignatureError reports a build record whose signature is missing (Kind
// ErrUnsigned), made with a key the host does not trust (ErrUnknownKey), or
// not valid for the record (ErrBadSignature).
type SignatureError struct {
	Path      string // the signature file
	Kind      error
	KeyID     string // the key the signature names, "" when unknown
	Algorithm string // "ed25519" when known
	Err       error  // what was wrong with the signature file, if anything
}

func (e *SignatureError) Error() string {
	var msg string
	switch {
	case e.Kind == ErrUnsigned:
		msg = fmt.Sprintf("loader: %s: %v: no signature file, and the host trusts signed plugins only", e.Path, e.Kind)
	case e.Kind == ErrUnknownKey:
		msg = fmt.Sprintf("loader: %s: %v: key %s", e.Path, e.Kind, e.KeyID)
	case e.Err != nil:
		msg = fmt.Sprintf("loader: %s: %v: %v", e.Path, e.Kind, e.Err)
	default:
		msg = fmt.Sprintf("loader: %s: %v: key %s", e.Path, e.Kind, e.KeyID)
	}
	return withRemedy(msg, e)
}

func (e *SignatureError) Remedy() string { return failure.RemedyOf(e.Kind) }

func (e *SignatureError) Unwrap() []error { return nonNil(e.Kind, e.Err) }

// RefusedError is the complete diagnosis of a plugin the pre-open check
// refused for more than one reason: every independent finding, root cause
// first (the ELF format, the architecture, the build mode, the toolchain,
// the package hashes, the exports, the build record, the checksum, the
// signature). A plugin refused for one reason gets that finding alone.
// errors.Is and errors.As see every finding.
type RefusedError struct {
	Path     string
	Findings []error
}

func (e *RefusedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loader: %s: refused, %d findings, root cause first:", e.Path, len(e.Findings))
	for i, f := range e.Findings {
		fmt.Fprintf(&b, "\n  %d. [%s] %s", i+1, Code(f), strings.ReplaceAll(strings.TrimPrefix(f.Error(), "loader: "+e.Path+": "), "\n", "\n     "))
	}
	return b.String()
}

// Remedy is the root cause's.
func (e *RefusedError) Remedy() string {
	if len(e.Findings) == 0 {
		return ""
	}
	return failure.Remedy(e.Findings[0])
}

func (e *RefusedError) Unwrap() []error { return e.Findings }

// Findings returns the independent findings in err, root cause first: the
// findings of a *RefusedError, each difference of an *IncompatibleError on
// its own, or err alone. nil for nil.
func Findings(err error) []error {
	if err == nil {
		return nil
	}
	var list []error
	var re *RefusedError
	if errors.As(err, &re) {
		list = re.Findings
	} else {
		list = []error{err}
	}
	var out []error
	for _, f := range list {
		var ie *IncompatibleError
		if errors.As(f, &ie) && len(ie.Mismatches) > 0 {
			for _, m := range ie.Mismatches {
				out = append(out, m)
			}
			continue
		}
		out = append(out, f)
	}
	return out
}

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
	return withRemedy(fmt.Sprintf("loader: %s: %v: plugin path %q%s", e.Path, ErrAlreadyLoaded, e.PluginPath, from), e)
}

func (e *AlreadyLoadedError) Remedy() string { return failure.RemedyOf(ErrAlreadyLoaded) }

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
	return withRemedy(fmt.Sprintf("loader: %s: %v: %v", e.Path, ErrInitPanic, e.Value), e)
}

func (e *InitPanicError) Remedy() string { return failure.RemedyOf(ErrInitPanic) }

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
	return withRemedy(fmt.Sprintf("loader: %s: %v: %v", e.Path, ErrOpen, e.Err), e)
}

func (e *OpenError) Remedy() string { return failure.RemedyOf(ErrOpen) }

func (e *OpenError) Unwrap() []error { return []error{ErrOpen, e.Err} }

// SymbolMissingError reports a symbol the plugin does not export, found in
// the file's export table before it is opened, or by a lookup in an open
// plugin.
type SymbolMissingError struct {
	Plugin string // Symbols.Origin: the plugin's file, or "static:" and its name
	Symbol string
	// ExportsUnreadable is set when the file's export table could not be
	// read at all, so Symbol (the first one needed) could not be looked
	// for. The plugin is refused rather than opened on trust: opening it
	// runs its init.
	ExportsUnreadable bool
	Err               error // the plugin package's error
}

func (e *SymbolMissingError) Error() string {
	if e.ExportsUnreadable {
		return withRemedy(fmt.Sprintf("loader: %s: %v: %s: the file's export table could not be read, so its exports could not be checked before opening it",
			e.Plugin, ErrSymbolMissing, e.Symbol), e)
	}
	return withRemedy(fmt.Sprintf("loader: %s: %v: %s", e.Plugin, ErrSymbolMissing, e.Symbol), e)
}

func (e *SymbolMissingError) Remedy() string {
	if e.ExportsUnreadable {
		return "check the file with host inspect (is .dynsym stripped?) and rebuild it with go_plugin"
	}
	return failure.RemedyOf(ErrSymbolMissing)
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
	return withRemedy(fmt.Sprintf("loader: %s: %v: %s is %s, want %s", e.Plugin, ErrSymbolType, e.Symbol, e.Got, e.Want), e)
}

func (e *SymbolTypeError) Remedy() string { return failure.RemedyOf(ErrSymbolType) }

func (e *SymbolTypeError) Unwrap() error { return ErrSymbolType }

// KindError reports a plugin whose build record names another plugin kind
// than the one Loader.LoadKind was asked for. It is found before the plugin
// is opened, so a folder holding plugins of several kinds costs nothing but
// this error: none of the other plugins' code runs.
type KindError struct {
	Path string
	Want string // the Kind.Name asked for
	Got  string // buildrecord.Record.Kind; "" when the record predates kinds
}

func (e *KindError) Error() string {
	switch {
	case e.Want == "":
		return withRemedy(fmt.Sprintf("loader: %s: %v: the host asked for a plugin of no kind (an empty Kind.Name), the build record says %s",
			e.Path, ErrWrongKind, orNone(e.Got)), e)
	case e.Got == "":
		return withRemedy(fmt.Sprintf("loader: %s: %v: the host wants kind %s, the build record names no kind (it was written before plugin kinds)",
			e.Path, ErrWrongKind, e.Want), e)
	}
	return withRemedy(fmt.Sprintf("loader: %s: %v: the host wants kind %s, the build record says %s", e.Path, ErrWrongKind, e.Want, e.Got), e)
}

func (e *KindError) Remedy() string {
	switch {
	case e.Want == "":
		return "fix the host's Kind, or regenerate its kind bindings"
	case e.Got == "":
		return fmt.Sprintf("rebuild the plugin with go_plugin(kind = %q)", e.Want)
	}
	return fmt.Sprintf("put the plugin where %s plugins are looked for, or, if it is meant to be of kind %s, rebuild it with go_plugin(kind = %q)", e.Got, e.Want, e.Want)
}

func (e *KindError) Unwrap() error { return ErrWrongKind }

// APIVersionError reports a plugin built against an unsupported pluginapi.
type APIVersionError struct {
	Plugin string
	Want   string // pluginapi.APIVersion of the host
	Got    string // PluginManifest.APIVersion of the plugin
}

func (e *APIVersionError) Error() string {
	return withRemedy(fmt.Sprintf("loader: %s: %v: plugin implements pluginapi %s, host supports %s (same major version required)",
		e.Plugin, ErrAPIVersion, orNone(e.Got), e.Want), e)
}

func (e *APIVersionError) Remedy() string { return failure.RemedyOf(ErrAPIVersion) }

func (e *APIVersionError) Unwrap() error { return ErrAPIVersion }

// IdentityError reports a PluginManifest the host cannot register.
type IdentityError struct {
	Plugin string
	Name   string // PluginManifest.Name
	Reason string
}

func (e *IdentityError) Error() string {
	return withRemedy(fmt.Sprintf("loader: %s: %v: name %q: %s", e.Plugin, ErrIdentity, e.Name, e.Reason), e)
}

func (e *IdentityError) Remedy() string { return failure.RemedyOf(ErrIdentity) }

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

// Every typed error has a remedy of its own.
var (
	_ failure.Remedier = (*FileError)(nil)
	_ failure.Remedier = (*PermissionError)(nil)
	_ failure.Remedier = (*FormatError)(nil)
	_ failure.Remedier = (*ArchError)(nil)
	_ failure.Remedier = (*Mismatch)(nil)
	_ failure.Remedier = (*IncompatibleError)(nil)
	_ failure.Remedier = (*PackageMismatchError)(nil)
	_ failure.Remedier = (*BuildRecordError)(nil)
	_ failure.Remedier = (*ChecksumError)(nil)
	_ failure.Remedier = (*SignatureError)(nil)
	_ failure.Remedier = (*RefusedError)(nil)
	_ failure.Remedier = (*AlreadyLoadedError)(nil)
	_ failure.Remedier = (*InitPanicError)(nil)
	_ failure.Remedier = (*OpenError)(nil)
	_ failure.Remedier = (*SymbolMissingError)(nil)
	_ failure.Remedier = (*SymbolTypeError)(nil)
	_ failure.Remedier = (*KindError)(nil)
	_ failure.Remedier = (*APIVersionError)(nil)
	_ failure.Remedier = (*IdentityError)(nil)
)
