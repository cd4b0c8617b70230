// Package buildrecord is the build record: the JSON file the plugin build
// writes beside each plugin, <name>.so.build.json (and <name>.build.json
// beside the plugin's executable, for isolated mode), which says how the
// plugin was built: its kind, the SHA-256 and size of its file, the Go SDK,
// the build flag fingerprint, the pluginapi version and the versions of the
// modules it links. The host's loader compares it with its own build before
// it opens the plugin; tools/cmd/sign signs its exact bytes.
//
// It is not the PluginManifest every plugin exports (pluginapi.Manifest):
// that is a Go value inside the plugin, which the host can only read by
// opening it; the build record is a file beside it, read first.
//
// This package holds the format (Record, Schema), its strict parser
// (Parse), its deterministic writer (New, Record.Marshal) and the file
// names (PathFor, Locate), for the build tools and the loader alike, so
// that a build tool never needs the loader to write what the loader reads.
// How strictly a record is read from an installed plugin's folder
// (permissions, special files) is the loader's business.
//
// Build records used to be called build manifests, and lived in
// <name>.so.manifest.json (LegacySuffix). For one release Locate still
// finds a record of the old name when the new one is absent, so plugins
// installed before the rename keep loading; then LegacySuffix goes.
package buildrecord

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // for Schema
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

// Suffix is appended to a plugin's file name to name its build record:
// plugins/english.so has plugins/english.so.build.json, and the plugin's
// executable plugins/english has plugins/english.build.json.
const Suffix = ".build.json"

// LegacySuffix is the suffix of build records written before the rename,
// when they were called build manifests: <name>.so.manifest.json. Locate
// reads it for one release when no record of the new name exists; nothing
// writes it any more.
const LegacySuffix = ".manifest.json"

// SchemaVersion is the schema_version this package writes and accepts.
// Bump it, and accept the old one for a while, when a field changes
// meaning.
const SchemaVersion = 1

// Schema is the JSON Schema (draft 2020-12) of a build record, for tests
// and for tools outside Go.
//
//go:embed buildrecord.schema.json
var Schema string

// MaxSize bounds what a reader reads of a build record; a real one is a
// few hundred bytes, and a reader must not be made to read a huge file.
const MaxSize = 1 << 20

// Record describes how a plugin was built. The plugin build writes it next
// to the .so (see Suffix); the loader compares it with the host's Config
// before opening the plugin, and checks the .so's SHA-256 and size against
// it. It is the only way the loader learns the build-flag fingerprint and
// the dependency versions of a build whose Go build info does not record
// them (Bazel's).
//
// Field names are part of the file format: see Schema.
type Record struct {
	SchemaVersion int    `json:"schema_version"`
	Plugin        string `json:"plugin"`
	// Kind is the plugin's kind (go_plugin(kind = ...)), which
	// the loader's LoadKind compares with the kind it was asked for; "" in
	// records written before kinds, which still parse.
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

// PathFor returns the path of the build record of the plugin (.so or
// executable) at path, as the build writes it.
func PathFor(path string) string { return path + Suffix }

// LegacyPathFor returns the path a build record of the plugin at path had
// before the rename: path + LegacySuffix.
func LegacyPathFor(path string) string { return path + LegacySuffix }

// Locate returns the build record to read for the plugin at path:
// PathFor(path) when anything exists at that name, else, for one release,
// LegacyPathFor(path) when a record of the old name exists (legacy is then
// true), else PathFor(path), which the caller will find missing. It only
// looks at directory entries (Lstat), so it never blocks on a special file
// or follows a symlink into one; whether the entry is a readable regular
// file is for the reader to find out.
func Locate(path string) (record string, legacy bool) {
	record = PathFor(path)
	if _, err := os.Lstat(record); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return record, false
	}
	if _, err := os.Lstat(LegacyPathFor(path)); err == nil {
		return LegacyPathFor(path), true
	}
	return record, false
}

// PluginFor returns the plugin a build record file describes: name
// without Suffix, or without LegacySuffix (legacy is then true). ok is
// false for a name that is no build record's.
func PluginFor(name string) (plugin string, legacy, ok bool) {
	if p, found := strings.CutSuffix(name, Suffix); found && p != "" {
		return p, false, true
	}
	if p, found := strings.CutSuffix(name, LegacySuffix); found && p != "" {
		return p, true, true
	}
	return "", false, false
}

// FlagsFingerprint condenses a build flag set into the value of
// Record.BuildFlagsFingerprint and of the host's expectation of it. Flags
// are sorted and de-duplicated first, because the set, not the order in
// which a build system lists them, decides whether the host and a plugin
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

// ErrNotRegular: the file New was asked to describe is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// New computes the SHA-256 and size of the plugin (.so or executable) at
// path and returns its build record with the other fields as given (kind
// may be ""). It does not validate the result: the build tool does, to
// say which value the loader would refuse. A file that is missing or
// unreadable is an error wrapping os.Stat's or os.Open's, one that is not
// a regular file an error wrapping ErrNotRegular.
func New(path, plugin, kind, goVersion, flagsFingerprint, apiVersion string, sharedDeps map[string]string) (*Record, error) {
	sum, size, err := digest(path)
	if err != nil {
		return nil, err
	}
	if sharedDeps == nil {
		sharedDeps = map[string]string{}
	}
	return &Record{
		SchemaVersion:         SchemaVersion,
		Plugin:                plugin,
		Kind:                  kind,
		SHA256:                sum,
		Size:                  size,
		GoVersion:             goVersion,
		BuildFlagsFingerprint: flagsFingerprint,
		PluginAPIVersion:      apiVersion,
		SharedDeps:            sharedDeps,
	}, nil
}

// digest hashes the regular file at path. A build action handed a named
// pipe or a device must fail, not hang on it, so the file is stat'ed
// before it is opened; the open itself is not guarded against a swap in
// between, which an action's own inputs are not subject to (the loader,
// which reads installed files, guards it).
func digest(path string) (string, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", 0, err
	}
	if !fi.Mode().IsRegular() {
		return "", 0, fmt.Errorf("%s: %w: %s (mode %v)", path, ErrNotRegular, DescribeFileType(fi.Mode()), fi.Mode())
	}
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// DescribeFileType names the file type in mode, which is not a regular
// file's, for errors that refuse it (the loader's too).
func DescribeFileType(mode fs.FileMode) string {
	switch t := mode.Type(); {
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a block device"
	case t&fs.ModeDir != 0:
		return "a folder"
	case t&fs.ModeSymlink != 0:
		return "a symlink"
	}
	return "a special file"
}

// Marshal returns the record as indented JSON with a final newline. The
// output is deterministic (encoding/json sorts map keys, and writes struct
// fields in their order), so a build can cache it and a signature over its
// bytes stays valid for a rebuild.
func (r *Record) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
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

// Validate checks the record against Schema's constraints and returns
// every violation.
func (r *Record) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if r.SchemaVersion != SchemaVersion {
		bad("schema_version %d not supported (want %d)", r.SchemaVersion, SchemaVersion)
	}
	if r.Plugin == "" {
		bad("plugin is empty")
	}
	if r.Kind != "" && !kindRe.MatchString(r.Kind) {
		bad("kind %q is not a lower-case name ([a-z][a-z0-9_]*)", r.Kind)
	}
	if !sha256Re.MatchString(r.SHA256) {
		bad("sha256 %q is not 64 lower-case hex digits", r.SHA256)
	}
	if r.Size <= 0 {
		bad("size %d is not positive", r.Size)
	}
	if !strings.HasPrefix(r.GoVersion, "go") {
		bad("go_version %q does not look like runtime.Version()", r.GoVersion)
	}
	if !fingerprintRe.MatchString(r.BuildFlagsFingerprint) {
		bad("build_flags_fingerprint %q is not sha256:<64 hex digits>", r.BuildFlagsFingerprint)
	}
	if !semverRe.MatchString(r.PluginAPIVersion) {
		bad("pluginapi_version %q is not a semantic version", r.PluginAPIVersion)
	}
	if r.SharedDeps == nil {
		bad("shared_deps is missing")
	}
	for mod, v := range r.SharedDeps {
		if mod == "" || v == "" {
			bad("shared_deps has an empty module or version (%q: %q)", mod, v)
		}
	}
	return errors.Join(errs...)
}

// Parse decodes and validates a build record. Unknown fields are errors: a
// record from a newer schema must not pass half-read.
func Parse(data []byte) (*Record, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%d bytes, larger than the limit of %d bytes", len(data), MaxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Record
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	// Token, not More: More misses a stray ']' or '}'.
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}
