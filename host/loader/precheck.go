package loader

import (
	"debug/elf"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"

	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/elffacts"
	"example.com/plugkit/pluginapi"
)

// analysis is the outcome of the pre-open check of one file.
type analysis struct {
	facts  *elfFacts           // nil when the file is not ELF
	record *buildrecord.Record // nil when absent or invalid
	// findings are every independent reason to refuse the file, root
	// cause first (see RefusedError).
	findings []error
	// hostHashesKnown tells whether the package comparison ran.
	hostHashesKnown bool
	// signedBy is the ID of the key whose signature verified, "" if none.
	signedBy string
}

// err folds the findings into the one error a caller acts on: nil, the
// finding alone, or a *RefusedError listing them.
func (a *analysis) err(path string) error {
	switch len(a.findings) {
	case 0:
		return nil
	case 1:
		return a.findings[0]
	}
	return &RefusedError{Path: path, Findings: a.findings}
}

// precheck runs every check that needs no plugin code on the bytes in st,
// with its build record, and LoadKind's checks when kind is not nil. It
// runs them all, whatever an earlier one found, and leaves out only what an
// earlier finding explains: the checks of a file that is not ELF, or not a
// Go plugin, say nothing more about it, and package hashes differ whenever
// the architecture, toolchain, flags or shared modules do.
func precheck(st *staged, sc sidecar, cfg *Config, kind *Kind) *analysis {
	br := sc.record
	a := &analysis{record: br}
	path := st.path
	add := func(err error) { a.findings = append(a.findings, err) }

	// The ELF format, the architecture and the build mode.
	facts, err := readELF(path, st.data)
	a.facts = facts
	foreign := false // not a plugin for this host, whatever its build record says
	isPlugin := false
	if err != nil {
		add(err)
		foreign = true
	} else {
		archErr := checkArch(path, facts, cfg.GOARCH)
		if archErr != nil {
			add(archErr)
			foreign = true
		}
		if err := checkIsGoPlugin(path, facts); err != nil {
			add(err)
			foreign = true
		} else {
			isPlugin = true
		}

		// The toolchain, the flags and the shared modules.
		var ms []*Mismatch
		mismatch := func(kind error, field, want, got string) {
			ms = append(ms, &Mismatch{Kind: kind, Field: field, Want: want, Got: got})
		}
		// The Go version the linker stamped into the file cannot be left
		// out by a build system, unlike everything else in the build info.
		if bi := facts.BuildInfo; bi == nil {
			if isPlugin {
				mismatch(ErrToolchainMismatch, "Go version (build info)", cfg.GoVersion, fmt.Sprintf("unknown (%v)", facts.BuildInfoErr))
			}
		} else {
			if bi.GoVersion != cfg.GoVersion {
				mismatch(ErrToolchainMismatch, "Go version (build info)", cfg.GoVersion, bi.GoVersion)
				foreign = true
			}
			compareSettings(bi.Settings, cfg.BuildSettings, archErr != nil, mismatch)
			compareDeps("build info", depVersions(bi.Deps), cfg.SharedDeps, mismatch)
		}
		if br != nil {
			if br.GoVersion != cfg.GoVersion {
				mismatch(ErrToolchainMismatch, "go_version (build record)", cfg.GoVersion, br.GoVersion)
			}
			if cfg.BuildFlagsFingerprint != "" && br.BuildFlagsFingerprint != cfg.BuildFlagsFingerprint {
				mismatch(ErrBuildFlagsMismatch, "build_flags_fingerprint (build record)", cfg.BuildFlagsFingerprint, br.BuildFlagsFingerprint)
			}
			if major(br.PluginAPIVersion) != major(cfg.PluginAPIVersion) {
				mismatch(ErrAPIVersion, "pluginapi_version (build record)", cfg.PluginAPIVersion, br.PluginAPIVersion)
			}
			compareDeps("build record", br.SharedDeps, cfg.SharedDeps, mismatch)
			if facts.BuildInfo != nil && facts.BuildInfo.GoVersion != br.GoVersion {
				// The record is about another build than the file next to it.
				mismatch(ErrBuildRecordInvalid, "go_version (build record vs build info)", facts.BuildInfo.GoVersion, br.GoVersion)
			}
		}
		if len(ms) > 0 {
			add(&IncompatibleError{Path: path, Mismatches: ms})
		}
		// explained: a finding so far makes package hashes differ.
		explained := archErr != nil || !isPlugin
		for _, m := range ms {
			explained = explained || m.Kind != ErrBuildRecordInvalid
		}

		// The package hashes: the runtime's own test, made early. Every
		// package both sides link must have the same fingerprint. Any
		// finding above explains differences here, so they wait for it.
		if host := hostPkgHashes(); host != nil {
			a.hostHashesKnown = true
			if !explained {
				if pkgs := differingPackages(facts.PkgHashes, host); len(pkgs) > 0 {
					add(&PackageMismatchError{Path: path, Package: pkgs[0], Others: pkgs[1:]})
				}
			}
		}

		// The exports: the identity symbol and the kind's, each as a
		// function or a variable as declared, before any init can run.
		if isPlugin {
			// A plugin of another kind lacks this kind's symbols for that
			// reason alone; the kind finding says so.
			k := kind
			if k != nil && br != nil && br.Kind != k.Name {
				k = nil
			}
			for _, err := range checkExports(path, facts, k) {
				add(err)
			}
		}
	}

	// The build record: present when required, readable, and of the kind
	// asked for.
	switch {
	case sc.err != nil && (cfg.RequireBuildRecord || len(cfg.TrustedKeys) > 0 || !errors.Is(sc.err, ErrBuildRecordMissing)):
		add(sc.err)
	case br != nil && kind != nil && (kind.Name == "" || br.Kind != kind.Name):
		add(&KindError{Path: path, Want: kind.Name, Got: br.Kind})
	}

	// The checksum: are these the bytes the record describes?
	var sigErr error
	if br != nil && len(cfg.TrustedKeys) > 0 {
		a.signedBy, sigErr = checkSignature(sc.path, sc.raw, cfg)
	}
	sum := st.digest()
	if br != nil && (br.SHA256 != sum || br.Size != st.size) {
		add(&ChecksumError{Path: path, Kind: ErrChecksumMismatch, Source: "build record",
			WantSHA256: br.SHA256, GotSHA256: sum, WantSize: br.Size, GotSize: st.size,
			Signed: a.signedBy != "", Foreign: foreign})
	}
	if cfg.Allowlist != nil {
		if _, ok := cfg.Allowlist[sum]; !ok {
			add(&ChecksumError{Path: path, Kind: ErrNotAllowlisted, Source: "allowlist", GotSHA256: sum, GotSize: st.size})
		}
	}

	// The signature: does a trusted key vouch for the record?
	if sigErr != nil {
		add(sigErr)
	}
	return a
}

// checkExports checks the file's export table for the identity symbol
// every plugin exports and, with a kind, for each of the kind's symbols.
func checkExports(path string, facts *elfFacts, k *Kind) []error {
	want := []KindSymbol{{Name: pluginapi.ManifestSymbol}}
	if k != nil {
		for _, s := range k.Symbols {
			if s.Name != pluginapi.ManifestSymbol {
				want = append(want, s)
			}
		}
	}
	if facts.ExportsIn == "" {
		return []error{&SymbolMissingError{Plugin: path, Symbol: want[0].Name, ExportsUnreadable: true}}
	}
	exports := make(map[string]string, len(facts.Exports))
	for _, e := range facts.Exports {
		exports[e.Name] = e.Kind
	}
	var errs []error
	for _, s := range want {
		want := "var"
		if s.Func {
			want = "func"
		}
		got, ok := exports[s.Name]
		switch {
		case !ok:
			errs = append(errs, &SymbolMissingError{Plugin: path, Symbol: s.Name})
		case got != want:
			errs = append(errs, &SymbolTypeError{Plugin: path, Symbol: s.Name, Want: describeExportKind(want), Got: describeExportKind(got)})
		}
	}
	return errs
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
	buildmode := elffacts.BuildSetting(f.BuildInfo, "-buildmode")
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
	case len(f.PkgHashes) == 0:
		// Every plugin exports its packages' fingerprints; without them the
		// runtime's own check cannot be made before opening.
		return notPlugin("a Go plugin whose .dynsym holds no package fingerprints: its dynamic symbol table is damaged or missing")
	}
	return nil
}

// compareSettings compares the identity-relevant build settings, when both
// sides recorded any. An unset boolean flag is recorded as absent, so absent
// and "false" are the same. With wrongArch, GOARCH is left out: the
// architecture finding says it already.
func compareSettings(plugin []debug.BuildSetting, host map[string]string, wrongArch bool, add func(kind error, field, want, got string)) {
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
		if wrongArch && k == "GOARCH" {
			continue
		}
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

// precheckBytes runs the pre-open check on an in-memory file, without
// permission checks or build record, with LoadKind's checks when kind is
// not nil: the fuzz target's entry point.
func precheckBytes(name string, data []byte, sum string, cfg Config, kind *Kind) error {
	cfg = cfg.withDefaults()
	st := &staged{path: name, data: data, size: int64(len(data)), sum: sum}
	record := buildrecord.PathFor(name)
	return precheck(st, sidecar{path: record, err: &BuildRecordError{Path: record, Kind: ErrBuildRecordMissing}}, &cfg, kind).err(name)
}
