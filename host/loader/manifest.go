package loader

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // for BuildManifestSchema
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
)

// BuildManifestSuffix is appended to a plugin's file name to name its build
// manifest: plugins/english.so has plugins/english.so.manifest.json.
const BuildManifestSuffix = ".manifest.json"

// BuildManifestSchemaVersion is the schema_version this package writes and
// accepts. Bump it, and accept the old one for a while, when a field changes
// meaning.
const BuildManifestSchemaVersion = 1

// BuildManifestSchema is the JSON Schema (draft 2020-12) of a build manifest,
// for the build rule's tests and for tools outside Go.
//
//go:embed buildmanifest.schema.json
var BuildManifestSchema string

// BuildManifest describes how a plugin was built. The plugin build writes it
// next to the .so (see BuildManifestSuffix); the loader compares it with the
// host's Config before opening the plugin, and checks the .so's SHA-256 and
// size against it. It is the only way the loader learns the build-flag
// fingerprint and the dependency versions of a build whose Go build info
// does not record them (Bazel's).
//
// Field names are part of the file format: see BuildManifestSchema.
type BuildManifest struct {
	SchemaVersion int    `json:"schema_version"`
	Plugin        string `json:"plugin"`
	// Kind is the plugin's kind (go_plugin(kind = ...)), which
	// Loader.LoadKind compares with the Kind it was asked for; "" in
	// manifests written before kinds, which still parse.
	Kind      string `json:"kind"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	GoVersion string `json:"go_version"`
	// BuildFlagsFingerprint is FlagsFingerprint of the flag set the plugin
	// was compiled and linked with.
	BuildFlagsFingerprint string `json:"build_flags_fingerprint"`
	PluginAPIVersion      string `json:"pluginapi_version"`
	// SharedDeps maps module path to version for every module the plugin
	// links; the host compares the ones it links too.
	SharedDeps map[string]string `json:"shared_deps"`
}

// BuildManifestPath returns the path of the build manifest of the plugin at
// soPath.
func BuildManifestPath(soPath string) string { return soPath + BuildManifestSuffix }

// FlagsFingerprint condenses a build flag set into the value of
// BuildManifest.BuildFlagsFingerprint and Config.BuildFlagsFingerprint.
// Flags are sorted and de-duplicated first, because the set, not the order
// in which a build system lists them, decides whether the host and a plugin
// agree. Pass the flags with their values ("-race", "-tags=netgo",
// "GOAMD64=v1", ...), the same list on both sides.
func FlagsFingerprint(flags []string) string {
	sorted := append([]string(nil), flags...)
	sort.Strings(sorted)
	h := sha256.New()
	for i, f := range sorted {
		if i > 0 && f == sorted[i-1] {
			continue
		}
		io.WriteString(h, f)
		io.WriteString(h, "\n")
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// NewBuildManifest computes the SHA-256 and size of the plugin at soPath and
// returns its manifest with the other fields as given (kind may be "").
// Build tools and tests use it; the loader only reads manifests.
func NewBuildManifest(soPath, plugin, kind, goVersion, flagsFingerprint, apiVersion string, sharedDeps map[string]string) (*BuildManifest, error) {
	// A build tool handed a named pipe must fail, not hang.
	if _, err := statRegular(soPath); err != nil {
		return nil, pluginFileError(soPath, err, false)
	}
	f, _, err := openRegular(soPath)
	if err != nil {
		return nil, pluginFileError(soPath, err, false)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return nil, err
	}
	if sharedDeps == nil {
		sharedDeps = map[string]string{}
	}
	return &BuildManifest{
		SchemaVersion:         BuildManifestSchemaVersion,
		Plugin:                plugin,
		Kind:                  kind,
		SHA256:                hex.EncodeToString(h.Sum(nil)),
		Size:                  n,
		GoVersion:             goVersion,
		BuildFlagsFingerprint: flagsFingerprint,
		PluginAPIVersion:      apiVersion,
		SharedDeps:            sharedDeps,
	}, nil
}

// Marshal returns the manifest as indented JSON with a final newline. The
// output is deterministic (encoding/json sorts map keys), so a build can
// cache it.
func (m *BuildManifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var (
	sha256Re      = regexp.MustCompile(`^[0-9a-f]{64}$`)
	fingerprintRe = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	semverRe      = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+`)
	// kindRe is what a kind's name looks like: a lower-case Go
	// identifier, so that it can name the kind's generated package too.
	kindRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Validate checks the manifest against BuildManifestSchema's constraints and
// returns every violation.
func (m *BuildManifest) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if m.SchemaVersion != BuildManifestSchemaVersion {
		bad("schema_version %d not supported (want %d)", m.SchemaVersion, BuildManifestSchemaVersion)
	}
	if m.Plugin == "" {
		bad("plugin is empty")
	}
	if m.Kind != "" && !kindRe.MatchString(m.Kind) {
		bad("kind %q is not a lower-case name ([a-z][a-z0-9_]*)", m.Kind)
	}
	if !sha256Re.MatchString(m.SHA256) {
		bad("sha256 %q is not 64 lower-case hex digits", m.SHA256)
	}
	if m.Size <= 0 {
		bad("size %d is not positive", m.Size)
	}
	if !strings.HasPrefix(m.GoVersion, "go") {
		bad("go_version %q does not look like runtime.Version()", m.GoVersion)
	}
	if !fingerprintRe.MatchString(m.BuildFlagsFingerprint) {
		bad("build_flags_fingerprint %q is not sha256:<64 hex digits>", m.BuildFlagsFingerprint)
	}
	if !semverRe.MatchString(m.PluginAPIVersion) {
		bad("pluginapi_version %q is not a semantic version", m.PluginAPIVersion)
	}
	if m.SharedDeps == nil {
		bad("shared_deps is missing")
	}
	for mod, v := range m.SharedDeps {
		if mod == "" || v == "" {
			bad("shared_deps has an empty module or version (%q: %q)", mod, v)
		}
	}
	return errors.Join(errs...)
}

// ParseBuildManifest decodes and validates a manifest. Unknown fields are
// errors: a manifest from a newer schema must not pass half-read.
func ParseBuildManifest(data []byte) (*BuildManifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m BuildManifest
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// maxManifestSize bounds what is read from a manifest file; a real one is a
// few hundred bytes.
const maxManifestSize = 1 << 20

// readBuildManifest reads the manifest at path, and returns it with its
// exact bytes, which a signature covers. A missing file is a
// *ManifestError with Kind ErrManifestMissing, one that is not a regular
// file Kind ErrNotRegular (refused before it is opened, as plugin files
// are: a named pipe there would block the read forever), anything else
// wrong with it Kind ErrManifestInvalid, a file larger than
// maxManifestSize included. The file must pass the same permission check
// as plugins unless skipPermissions is set, because it vouches for the
// plugin's checksum.
func readBuildManifest(path string, skipPermissions bool) (*BuildManifest, []byte, error) {
	data, err := readSidecar(path, maxManifestSize, skipPermissions)
	var nr *notRegularError
	var pe *PermissionError
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, &ManifestError{Path: path, Kind: ErrManifestMissing}
	case errors.As(err, &nr):
		return nil, nil, &ManifestError{Path: path, Kind: ErrNotRegular, Err: err}
	case errors.As(err, &pe):
		return nil, nil, err
	default:
		return nil, nil, &ManifestError{Path: path, Kind: ErrManifestInvalid, Err: err}
	}
	m, err := ParseBuildManifest(data)
	if err != nil {
		return nil, nil, &ManifestError{Path: path, Kind: ErrManifestInvalid, Err: err}
	}
	return m, data, nil
}

// readSidecar reads a small file that vouches for a plugin (its build
// manifest, the manifest's signature) with the plugin file's care: never
// opening what is not a regular file, checking permissions unless skipped,
// noticing a swap between the check and the open, and reading at most
// limit bytes even if the file grows. Its errors wrap fs.ErrNotExist, or are
// a *notRegularError or *PermissionError, or say what else went wrong.
func readSidecar(path string, limit int64, skipPermissions bool) ([]byte, error) {
	checked, err := statRegular(path)
	if err != nil {
		if !skipPermissions && errors.Is(err, fs.ErrPermission) {
			return nil, &PermissionError{Path: path, Reason: "is not accessible to the host: " + err.Error()}
		}
		return nil, err
	}
	if !skipPermissions {
		if err := checkPermissions(path, checked); err != nil {
			var fe *FileError
			if errors.As(err, &fe) && errors.Is(err, ErrNotFound) {
				return nil, fs.ErrNotExist // gone between the stat and the check
			}
			return nil, err
		}
	}
	f, fi, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !skipPermissions && !os.SameFile(checked, fi) {
		return nil, &PermissionError{Path: path, Reason: "was replaced while it was being checked"}
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%d bytes, larger than the limit of %d bytes", fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("grew past the limit of %d bytes while being read", limit)
	}
	return data, err
}

// ReadBuildManifest reads and validates the build manifest at path, with
// the permission check the loader applies. It never blocks on the file: one
// that is not a regular file is refused with ErrNotRegular before it is
// opened, so a caller may read the manifests of every *.so in a folder, as
// the host does to find plugins of a kind. See readBuildManifest.
func ReadBuildManifest(path string) (*BuildManifest, error) {
	m, _, err := readBuildManifest(path, false)
	return m, err
}
