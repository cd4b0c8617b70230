package loader

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
)

// analysis is the outcome of the pre-open check of one file.
type analysis struct {
	facts    *elfFacts      // nil when the file is not ELF
	manifest *BuildManifest // nil when absent or invalid

	// fatal stops the check: the file is not a plugin for this host at
	// all, or not the bytes that were built, so comparing further says
	// nothing useful.
	fatal      error
	mismatches []*Mismatch
	packages   []string // packages whose hash differs from the host's
	// hostHashesKnown tells whether the package comparison ran.
	hostHashesKnown bool
	// kind holds what LoadKind's checks found (checkKind).
	kind []error
}

// err folds the analysis into the one error a caller acts on. A plugin of
// another kind, or without the kind's symbols, is the wrong file whatever
// its build, so that comes first. The toolchain, flag and dependency
// differences come next because they are the causes of package mismatches.
func (a *analysis) err(path string) error {
	if a.fatal != nil {
		return a.fatal
	}
	errs := append([]error(nil), a.kind...)
	if len(a.mismatches) > 0 {
		errs = append(errs, &IncompatibleError{Path: path, Mismatches: a.mismatches})
	}
	if len(a.packages) > 0 {
		errs = append(errs, &PackageMismatchError{Path: path, Package: a.packages[0], Others: a.packages[1:]})
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// precheck runs every check that needs no plugin code on the bytes in st,
// with the build manifest bm (nil if none) or the error reading it, and
// LoadKind's checks when kind is not nil.
func precheck(st *staged, bm *BuildManifest, bmErr error, cfg *Config, kind *Kind) *analysis {
	a := &analysis{manifest: bm}
	path := st.path

	// Integrity first: a checksum failure means these are not the bytes
	// that were built, so nothing else in the file is worth believing.
	if cfg.Allowlist != nil {
		if _, ok := cfg.Allowlist[st.sha256]; !ok {
			a.fatal = &ChecksumError{Path: path, Kind: ErrNotAllowlisted, Source: "allowlist", GotSHA256: st.sha256, GotSize: st.size}
			return a
		}
	}
	switch {
	case bmErr != nil && (cfg.RequireBuildManifest || !errors.Is(bmErr, ErrManifestMissing)):
		a.fatal = bmErr
		return a
	case bm != nil && (bm.SHA256 != st.sha256 || bm.Size != st.size):
		a.fatal = &ChecksumError{Path: path, Kind: ErrChecksumMismatch, Source: "build manifest",
			WantSHA256: bm.SHA256, GotSHA256: st.sha256, WantSize: bm.Size, GotSize: st.size}
		return a
	}

	facts, err := readELF(path, st.r)
	if err != nil {
		a.fatal = err
		return a
	}
	a.facts = facts
	if err := checkArch(path, facts, cfg.GOARCH); err != nil {
		a.fatal = err
		return a
	}
	if err := checkIsGoPlugin(path, facts); err != nil {
		a.fatal = err
		return a
	}

	add := func(kind error, field, want, got string) {
		a.mismatches = append(a.mismatches, &Mismatch{Kind: kind, Field: field, Want: want, Got: got})
	}

	// The Go version the linker stamped into the file cannot be left out
	// by a build system, unlike everything else in the build info.
	if bi := facts.BuildInfo; bi == nil {
		add(ErrToolchainMismatch, "Go version (build info)", cfg.GoVersion, fmt.Sprintf("unknown (%v)", facts.BuildInfoErr))
	} else {
		if bi.GoVersion != cfg.GoVersion {
			add(ErrToolchainMismatch, "Go version (build info)", cfg.GoVersion, bi.GoVersion)
		}
		compareSettings(bi.Settings, cfg.BuildSettings, add)
		compareDeps("build info", depVersions(bi.Deps), cfg.SharedDeps, add)
	}

	if bm != nil {
		if bm.GoVersion != cfg.GoVersion {
			add(ErrToolchainMismatch, "go_version (build manifest)", cfg.GoVersion, bm.GoVersion)
		}
		if cfg.BuildFlagsFingerprint != "" && bm.BuildFlagsFingerprint != cfg.BuildFlagsFingerprint {
			add(ErrBuildFlagsMismatch, "build_flags_fingerprint (build manifest)", cfg.BuildFlagsFingerprint, bm.BuildFlagsFingerprint)
		}
		if major(bm.PluginAPIVersion) != major(cfg.PluginAPIVersion) {
			add(ErrAPIVersion, "pluginapi_version (build manifest)", cfg.PluginAPIVersion, bm.PluginAPIVersion)
		}
		compareDeps("build manifest", bm.SharedDeps, cfg.SharedDeps, add)
		if facts.BuildInfo != nil && facts.BuildInfo.GoVersion != bm.GoVersion {
			// The manifest is about another build than the file next to it.
			add(ErrManifestInvalid, "go_version (build manifest vs build info)", facts.BuildInfo.GoVersion, bm.GoVersion)
		}
	}

	if kind != nil {
		a.kind = checkKind(path, bm, facts, kind)
	}

	// The runtime's own test, made early: every package both sides link
	// must have the same fingerprint.
	if host := hostPkgHashes(); host != nil {
		a.hostHashesKnown = true
		a.packages = differingPackages(facts.PkgHashes, host)
	}
	return a
}

// checkArch compares the ELF header with the host's GOARCH.
func checkArch(path string, f *elfFacts, goarch string) error {
	want, ok := archSpecs[goarch]
	if !ok {
		return nil // an architecture this table does not know: let dlopen judge
	}
	if f.Machine != want.machine || f.Class != want.class || f.Order != want.order {
		return &ArchError{
			Path: path,
			Want: describeArch(goarch, want.machine, want.class, want.order),
			Got:  describeArch("", f.Machine, f.Class, f.Order),
		}
	}
	return nil
}

// checkIsGoPlugin tells Go plugins from other ELF files by markers that only
// -buildmode=plugin produces. Those markers are linker internals, so a
// plugin is accepted when any of them is present, and the build info's
// -buildmode, when recorded, has the last word.
func checkIsGoPlugin(path string, f *elfFacts) error {
	notPlugin := func(detail string) error {
		return &FormatError{Path: path, Kind: ErrNotGoPlugin, Detail: detail}
	}
	var buildmode string
	if f.BuildInfo != nil {
		for _, s := range f.BuildInfo.Settings {
			if s.Key == "-buildmode" {
				buildmode = s.Value
			}
		}
	}
	isGo := f.HasGoNote || f.BuildInfo != nil
	switch {
	case f.Type != elf.ET_DYN && isGo:
		return notPlugin(fmt.Sprintf("a Go executable (ELF type %v)", f.Type))
	case f.Type != elf.ET_DYN:
		return notPlugin(fmt.Sprintf("ELF type %v, not a shared object", f.Type))
	case f.HasInterp && isGo:
		return notPlugin("a Go position-independent executable")
	case f.HasInterp:
		return notPlugin("a position-independent executable")
	case !isGo:
		return notPlugin("a shared library without Go build info (a C library?)")
	case buildmode != "" && buildmode != "plugin":
		return notPlugin(fmt.Sprintf("a Go -buildmode=%s library", buildmode))
	case !f.PluginMark:
		return notPlugin("a Go shared object without plugin symbols (-buildmode=c-shared?)")
	}
	return nil
}

// compareSettings compares the identity-relevant build settings, when both
// sides recorded any. An unset boolean flag is recorded as absent, so absent
// and "false" are the same.
func compareSettings(plugin []debug.BuildSetting, host map[string]string, add func(kind error, field, want, got string)) {
	if len(plugin) == 0 || len(host) == 0 {
		return
	}
	got := map[string]string{}
	for _, s := range plugin {
		got[s.Key] = s.Value
	}
	norm := func(v string) string {
		if v == "false" {
			return ""
		}
		return v
	}
	for _, k := range identitySettings {
		if norm(host[k]) != norm(got[k]) {
			add(ErrBuildFlagsMismatch, "build setting "+k, host[k], got[k])
		}
	}
}

// compareDeps reports modules both sides link at different versions. A
// module only one side links is not shared and cannot clash.
func compareDeps(source string, plugin, host map[string]string, add func(kind error, field, want, got string)) {
	mods := make([]string, 0, len(plugin))
	for m := range plugin {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	for _, m := range mods {
		if hv, ok := host[m]; ok && hv != plugin[m] {
			add(ErrSharedDepMismatch, fmt.Sprintf("module %s (%s)", m, source), hv, plugin[m])
		}
	}
}

// major returns the major version of a semantic version, with or without a
// leading "v"; "" for an empty string.
func major(v string) string {
	v = strings.TrimPrefix(v, "v")
	m, _, _ := strings.Cut(v, ".")
	return m
}

// precheckReader runs the pre-open check on an in-memory file, without
// permission checks or build manifest, with LoadKind's checks when kind is
// not nil: the fuzz target's entry point.
func precheckReader(name string, r io.ReaderAt, size int64, sum string, cfg Config, kind *Kind) error {
	cfg = cfg.withDefaults()
	st := &staged{path: name, r: r, size: size, sha256: sum}
	return precheck(st, nil, nil, &cfg, kind).err(name)
}
