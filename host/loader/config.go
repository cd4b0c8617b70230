package loader

import (
	"runtime"
	"runtime/debug"

	"example.com/plugkit/pluginapi"
)

// Config is what the host expects of a plugin, and how strictly to check.
// A host built by Bazel fills the expected values from build-time generated
// constants, the same ones the plugin build writes into each build record;
// HostConfig fills them from the running binary instead.
//
// Empty fields take the defaults documented on each; an empty expectation
// map means "do not compare".
type Config struct {
	// GoVersion is the host's toolchain; default runtime.Version().
	GoVersion string
	// GOARCH is the host's architecture; default runtime.GOARCH.
	GOARCH string
	// PluginAPIVersion is the pluginapi version the host was built with;
	// default pluginapi.APIVersion. Plugins must have the same major.
	PluginAPIVersion string
	// BuildFlagsFingerprint is buildrecord.FlagsFingerprint of the host's
	// flag set, compared with the build record's; "" skips it.
	BuildFlagsFingerprint string
	// BuildSettings are the host's Go build info settings ("-race",
	// "-tags", "GOAMD64", ...). Those that decide type identity are
	// compared with the plugin's build info, when the plugin has one.
	BuildSettings map[string]string
	// SharedDeps maps module path to version for the modules the host
	// links. A module the plugin also links (according to its build
	// record or build info) must be at the same version.
	SharedDeps map[string]string

	// RequireBuildRecord refuses plugins without a build record.
	// Without it a record is still checked when present.
	RequireBuildRecord bool
	// Allowlist, when not nil, maps the SHA-256 (lower-case hex) of every
	// plugin the host may load to a label; see ReadAllowlist.
	Allowlist map[string]string
	// TrustedKeys, when not empty, is production mode: every plugin's build
	// record must be signed by one of these keys (ErrUnsigned,
	// ErrUnknownKey, ErrBadSignature), which implies RequireBuildRecord.
	// Several keys may be trusted at once, for rotation. Empty is
	// development mode: signatures are not checked. See ReadTrustedKeys.
	TrustedKeys []TrustedKey

	// TempDir is where private copies of plugins are made before opening;
	// default os.TempDir(). It must not be mounted noexec.
	TempDir string
	// MaxSize bounds the size of a plugin file; default 1 GiB.
	MaxSize int64
	// SkipPermissionCheck accepts plugin files and folders writable by
	// others or owned by another user. Only for file systems that do not
	// keep Unix permissions.
	SkipPermissionCheck bool
}

const defaultMaxSize = 1 << 30

// identitySettings are the build info settings that change the compiled
// form of shared packages; a difference in any of them makes the runtime
// refuse the plugin. -ldflags and CGO_*FLAGS are left out: hosts
// legitimately differ there (-X main.version=...).
var identitySettings = []string{
	"-asan", "-compiler", "-gcflags", "-msan", "-race", "-tags", "-trimpath",
	"CGO_ENABLED", "GOARCH", "GOOS", "GOEXPERIMENT", "GOFIPS140",
	"GO386", "GOAMD64", "GOARM", "GOARM64", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64",
}

// HostConfig returns a Config that expects what the running binary is: its
// Go version, GOARCH, pluginapi version, and the build settings and module
// versions from its Go build info (empty under build systems that do not
// record them, such as Bazel, whose hosts should set these fields from
// generated constants instead).
func HostConfig() Config {
	cfg := Config{
		GoVersion:        runtime.Version(),
		GOARCH:           runtime.GOARCH,
		PluginAPIVersion: pluginapi.APIVersion,
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		cfg.BuildSettings = map[string]string{}
		for _, s := range bi.Settings {
			cfg.BuildSettings[s.Key] = s.Value
		}
		cfg.SharedDeps = depVersions(bi.Deps)
	}
	return cfg
}

// depVersions maps module path to the version actually built, which is
// the replacement's when a module is replaced.
func depVersions(deps []*debug.Module) map[string]string {
	out := map[string]string{}
	for _, d := range deps {
		v := d.Version
		if d.Replace != nil {
			v = d.Replace.Version
			if v == "" {
				v = "=> " + d.Replace.Path
			}
		}
		out[d.Path] = v
	}
	return out
}

func (c Config) withDefaults() Config {
	if c.GoVersion == "" {
		c.GoVersion = runtime.Version()
	}
	if c.GOARCH == "" {
		c.GOARCH = runtime.GOARCH
	}
	if c.PluginAPIVersion == "" {
		c.PluginAPIVersion = pluginapi.APIVersion
	}
	if c.MaxSize <= 0 {
		c.MaxSize = defaultMaxSize
	}
	return c
}
