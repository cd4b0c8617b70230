// Package failure is the one table of what can go wrong when a host loads
// a plugin or calls one: every failure's sentinel error, its stable code and
// its remedy. host/loader and host/isolated declare their sentinels from
// here, their typed errors take their remedies from here, and `host
// inspect`, `host list`, `host serve` and docs/troubleshooting.md show the
// codes and remedies of this table; a test keeps the document in step.
//
// A remedy is a sentence a user can act on, available apart from the
// error's message (Remedy), so a program can show it on its own line, or
// leave it out.
package failure

import (
	"errors"
)

// Entry is one row of the table.
type Entry struct {
	// Err is the sentinel; errors.Is matches every error of its class.
	Err error
	// Code is the stable, machine-readable name: what JSON output carries.
	Code string
	// Remedy is what to do about it, without the details of one case.
	Remedy string
	// Package is the Go package that returns it: "loader" or "isolated".
	Package string
}

// Sentinels of host/loader, in the order of a diagnosis: the file, then its
// ELF format, architecture, build mode and toolchain, then its package
// hashes and exports, then the build record, the checksum and the
// signature, and last what happens once it is opened.
var (
	NotFound           = errors.New("plugin file not found")
	UnsafePermissions  = errors.New("unsafe plugin file permissions")
	TooLarge           = errors.New("plugin file too large")
	NotRegular         = errors.New("not a regular file")
	NotExecutable      = errors.New("plugin executable not executable")
	NotELF             = errors.New("not an ELF file")
	WrongArch          = errors.New("plugin built for another architecture")
	NotGoPlugin        = errors.New("not a Go plugin")
	ToolchainMismatch  = errors.New("plugin built with a different Go toolchain")
	BuildFlags         = errors.New("plugin built with different build flags")
	SharedDep          = errors.New("plugin built with a different version of a shared module")
	APIVersion         = errors.New("plugin API version unsupported")
	PackageMismatch    = errors.New("plugin built with a different version of a package")
	SymbolMissing      = errors.New("plugin symbol missing")
	SymbolType         = errors.New("plugin symbol has the wrong type")
	WrongKind          = errors.New("plugin of another kind")
	BuildRecordMissing = errors.New("plugin build record missing")
	BuildRecordInvalid = errors.New("plugin build record invalid")
	ChecksumMismatch   = errors.New("plugin checksum mismatch")
	NotAllowlisted     = errors.New("plugin checksum not in allowlist")
	Unsigned           = errors.New("plugin build record not signed")
	UnknownKey         = errors.New("plugin signed by a key the host does not trust")
	BadSignature       = errors.New("plugin signature does not match its build record")
	AlreadyLoaded      = errors.New("another build of this plugin is already loaded")
	InitPanic          = errors.New("plugin init panicked")
	OpenFailed         = errors.New("plugin open failed")
	Identity           = errors.New("plugin identity invalid")
)

// Sentinels of host/isolated: a plugin running in its own process.
var (
	PluginExited     = errors.New("plugin process exited")
	PluginTimeout    = errors.New("plugin did not answer in time")
	Protocol         = errors.New("plugin broke the protocol")
	PluginPanic      = errors.New("plugin method panicked")
	ExecutableChange = errors.New("plugin executable checksum mismatch")
	RestartBackoff   = errors.New("plugin restart backing off")
	Stopped          = errors.New("plugin stopped")
)

// rebuild is the remedy for everything a rebuild of host and plugins with
// one toolchain and flag set fixes.
const rebuild = "rebuild the plugin together with the host, with the same Go SDK and flags (bazel build //...)"

// Table lists every failure. Code matches the first row an error matches,
// so a row comes before the rows of errors it wraps.
var Table = []Entry{
	{NotFound, "not_found", "check the path, and that the plugin was built and installed there", "loader"},
	{UnsafePermissions, "unsafe_permissions", "make the file and its folder writable only by their owner (chmod go-w), owned by the host's user or root", "loader"},
	{TooLarge, "too_large", "check that this is the plugin file, or raise Config.MaxSize", "loader"},
	{NotRegular, "not_regular", "replace it with the plugin file (or its build record) that the build wrote", "loader"},
	{NotExecutable, "not_executable", "install the executable the build wrote, with its mode (bazel run //plugins:install)", "loader"},
	{NotELF, "not_elf", "check that the file is a complete plugin built for this OS; build it with go build -buildmode=plugin (go_plugin in Bazel)", "loader"},
	{WrongArch, "wrong_arch", "build the plugin for the host's GOARCH (the same Bazel platform as the host)", "loader"},
	{NotGoPlugin, "not_go_plugin", "build it with go build -buildmode=plugin (go_plugin in Bazel); a Go executable, a C library or a c-shared library cannot be loaded", "loader"},
	{ToolchainMismatch, "toolchain_mismatch", rebuild, "loader"},
	{BuildFlags, "build_flags_mismatch", rebuild, "loader"},
	{SharedDep, "shared_dep_mismatch", rebuild + ", with one version of each module (go.mod)", "loader"},
	{APIVersion, "api_version", "rebuild the plugin against the host's pluginapi (same major version)", "loader"},
	{PackageMismatch, "package_mismatch", rebuild + ", and check that all use the same source of that package (go.mod, replace directives, -trimpath)", "loader"},
	{SymbolMissing, "symbol_missing", "export the symbol from the plugin's main package (a top-level var or func) as its kind declares, and rebuild", "loader"},
	{SymbolType, "symbol_type", "declare the symbol with the type its kind declares (pluginapi), and rebuild", "loader"},
	{WrongKind, "wrong_kind", "put the plugin where plugins of its kind are looked for, or rebuild it with go_plugin(kind = ...) of the kind the host asks for", "loader"},
	{BuildRecordMissing, "build_record_missing", "install the <plugin>.so.build.json the build writes next to the plugin, with the plugin", "loader"},
	{BuildRecordInvalid, "build_record_invalid", "reinstall the build record the build wrote for this plugin (bazel build //plugins/...)", "loader"},
	{ChecksumMismatch, "checksum_mismatch", "the file's bytes are not the ones its build record describes: reinstall the plugin and its build record together from the build output", "loader"},
	{NotAllowlisted, "not_allowlisted", "if this build is trusted, add its sha256 to the allowlist", "loader"},
	{Unsigned, "unsigned", "sign the plugin's build record (bazel run //tools/cmd/sign -- sign --key=KEY DIR), or run the host without --trust (development mode)", "loader"},
	{UnknownKey, "unknown_key", "sign the plugin with a key the host trusts, or add its public key to the host's trusted keys", "loader"},
	{BadSignature, "bad_signature", "the build record or its signature changed after signing: reinstall both from the signed build, or sign the build record again", "loader"},
	{AlreadyLoaded, "already_loaded", "restart the host to load the new build, or give each build its own plugin path (go_plugin does)", "loader"},
	{InitPanic, "init_panic", "fix the plugin's init (InitPanicError.Stack has the stack) and restart the host: the plugin cannot be retried in this process", "loader"},
	{OpenFailed, "open_failed", "check the plugin with host inspect, and that the temp folder (Config.TempDir) is not mounted noexec", "loader"},
	{Identity, "identity", "give every plugin a unique, non-empty PluginManifest.Name that matches its build", "loader"},

	// Before PluginExited: a timed-out call ends the process, and the
	// error says both.
	{PluginTimeout, "plugin_timeout", "make the method return within the call timeout (--call-timeout), or raise the timeout", "isolated"},
	{RestartBackoff, "restart_backoff", "the plugin keeps failing: read its last stderr lines in the wrapped error, fix it, and wait for the backoff or restart the host", "isolated"},
	{PluginExited, "plugin_exited", "read the plugin's last stderr lines in the error; the next call starts it again", "isolated"},
	{Protocol, "protocol", "rebuild the plugin's executable with the host's kinds (go_plugin builds :plugin_isolated), and keep its stdout free of output before the handshake", "isolated"},
	{PluginPanic, "plugin_panic", "fix the panicking method; the process stays up and the next call works", "isolated"},
	{ExecutableChange, "checksum_mismatch", "the executable is not the one its build record describes: reinstall the plugin from the build output", "isolated"},
	{Stopped, "stopped", "the host stopped the plugin: start it again, or stop calling it", "isolated"},
}

// Code returns the code of the first row err matches, "" for nil and for
// errors no row matches.
func Code(err error) string {
	if e := lookup(err); e != nil {
		return e.Code
	}
	return ""
}

// Remedier is implemented by errors whose remedy depends on their details
// (which kind a host asked for, say); their Remedy refines the table's.
type Remedier interface {
	Remedy() string
}

// Remedy returns what to do about err: the Remedy of the first Remedier in
// its chain, else the remedy of its row, "" when neither exists.
func Remedy(err error) string {
	if err == nil {
		return ""
	}
	var r Remedier
	if errors.As(err, &r) {
		if s := r.Remedy(); s != "" {
			return s
		}
	}
	if e := lookup(err); e != nil {
		return e.Remedy
	}
	return ""
}

// RemedyOf returns the table's remedy for the sentinel kind, which a typed
// error carries as its Kind.
func RemedyOf(kind error) string {
	for i := range Table {
		if Table[i].Err == kind {
			return Table[i].Remedy
		}
	}
	return ""
}

func lookup(err error) *Entry {
	if err == nil {
		return nil
	}
	for i := range Table {
		if errors.Is(err, Table[i].Err) {
			return &Table[i]
		}
	}
	return nil
}
