package loader

import (
	"bytes"
	"errors"
	"fmt"

	"example.com/plugkit/internal/buildrecord"
)

// Inspection describes a plugin file without opening it, for `host inspect`
// and its --json output. JSON field names are stable.
type Inspection struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// ELF is nil when the file is not ELF.
	ELF *ELFSummary `json:"elf,omitempty"`
	// BuildInfo is nil when the file has no readable Go build info.
	BuildInfo *BuildInfoSummary `json:"build_info,omitempty"`
	// PluginPath is the plugin's runtime path, "" if not found.
	PluginPath string `json:"plugin_path,omitempty"`
	// Exports are the exported symbols found in ExportsSource (".dynsym" or
	// ".symtab"), with their types from the DWARF debug info; empty when
	// none were found. ExportsNote says why exports or types are missing.
	Exports       []Export `json:"exports"`
	ExportsSource string   `json:"exports_source,omitempty"`
	ExportsNote   string   `json:"exports_note,omitempty"`
	// Stripped is true when the file has no .symtab.
	Stripped bool `json:"stripped"`
	// BuildRecord is the build record found next to the file, if valid;
	// its kind ("kind") tells which kind of plugin the file is.
	BuildRecord *buildrecord.Record `json:"build_record,omitempty"`
	Verdict     Verdict             `json:"verdict"`
}

// ELFSummary is the part of the ELF header the checks look at.
type ELFSummary struct {
	Class   string `json:"class"`   // e.g. "ELFCLASS64"
	Machine string `json:"machine"` // e.g. "EM_X86_64"
	Type    string `json:"type"`    // e.g. "ET_DYN"
	Arch    string `json:"arch"`    // GOARCH and details, e.g. "amd64 (EM_X86_64, ELFCLASS64, little-endian)"
}

// BuildInfoSummary is the Go build info of the file (debug/buildinfo).
type BuildInfoSummary struct {
	GoVersion string            `json:"go_version"`
	Path      string            `json:"path"`
	Main      string            `json:"main,omitempty"` // main module path@version
	Settings  []Setting         `json:"settings"`
	Deps      map[string]string `json:"deps,omitempty"`
}

// Setting is one build info setting, in the file's order.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Verdict says whether Load would accept the file before opening it.
type Verdict struct {
	Compatible bool `json:"compatible"`
	// Findings are every reason Load would refuse the file, root cause
	// first, each with its code and remedy.
	Findings []Finding `json:"findings"`
	// Notes say which checks could not run and why.
	Notes []string `json:"notes,omitempty"`
	// SignedBy is the ID of the trusted key whose signature verified.
	SignedBy string `json:"signed_by,omitempty"`
}

// Finding is one reason the file would be refused. Code is the stable
// name of its sentinel (see Code), Remedy what to do about it (see Remedy).
type Finding struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Remedy  string `json:"remedy"`
}

// Inspect describes the plugin at path and runs the pre-open check on it,
// without opening it: every finding Load would refuse it for, root cause
// first. Unsafe permissions are a finding, and the file is still
// inspected; the error is for a file that cannot be read, such as one that
// is not a regular file (ErrNotRegular, refused without opening it, so
// Inspect never blocks on a named pipe). A build record that is not a
// regular file is a finding; one read from its old name
// (<plugin>.manifest.json) is a note.
func (l *Loader) Inspect(path string) (*Inspection, error) {
	cfg := l.cfg
	var findings []error
	st, err := stage(path, &cfg, false)
	var pe *PermissionError
	if errors.As(err, &pe) {
		findings = append(findings, err)
		cfg.SkipPermissionCheck = true
		st, err = stage(path, &cfg, false)
	}
	if err != nil {
		return nil, err
	}
	defer st.close()
	sc := readBuildRecord(path, cfg.SkipPermissionCheck)
	br := sc.record
	a := precheck(st, sc, &cfg, nil)
	findings = append(findings, Findings(a.err(path))...)

	in := &Inspection{Path: path, SHA256: st.digest(), Size: st.size, BuildRecord: br, Exports: []Export{}}
	if f := a.facts; f != nil {
		in.ELF = &ELFSummary{Class: f.Class.String(), Machine: f.Machine.String(), Type: f.Type.String(),
			Arch: describeArch("", f.Machine, f.Class, f.Order)}
		in.PluginPath = f.PluginPath
		in.Stripped = !f.HasSymtab
		if f.Exports != nil {
			in.Exports, in.ExportsSource = append([]Export(nil), f.Exports...), f.ExportsIn
			// Types come from the DWARF debug info, read as data.
			in.ExportsNote = readExportTypes(bytes.NewReader(st.data), f.PluginPath, in.Exports)
		} else {
			in.ExportsNote = "no exported symbols found: the file is stripped of them or is not a Go plugin"
		}
		if bi := f.BuildInfo; bi != nil {
			s := &BuildInfoSummary{GoVersion: bi.GoVersion, Path: bi.Path, Settings: []Setting{}, Deps: depVersions(bi.Deps)}
			if bi.Main.Path != "" {
				s.Main = bi.Main.Path + "@" + bi.Main.Version
			}
			for _, kv := range bi.Settings {
				s.Settings = append(s.Settings, Setting{Key: kv.Key, Value: kv.Value})
			}
			in.BuildInfo = s
		}
	}

	in.Verdict.Findings = []Finding{}
	for _, f := range findings {
		in.Verdict.Findings = append(in.Verdict.Findings, finding(f))
	}
	if a.facts != nil && !a.hostHashesKnown {
		in.Verdict.Notes = append(in.Verdict.Notes, "package hashes not compared: the host executable exports none (it must import \"plugin\")")
	}
	if br == nil && errors.Is(sc.err, ErrBuildRecordMissing) && !cfg.RequireBuildRecord && len(cfg.TrustedKeys) == 0 {
		in.Verdict.Notes = append(in.Verdict.Notes, fmt.Sprintf("no build record (%s): checksum, flag fingerprint and shared dependencies not checked against one", sc.path))
	}
	if sc.legacy {
		in.Verdict.Notes = append(in.Verdict.Notes, legacyNote(path, sc.path))
	}
	if len(cfg.TrustedKeys) == 0 {
		in.Verdict.Notes = append(in.Verdict.Notes, "signature not checked: development mode (the host trusts no signing keys)")
	}
	in.Verdict.SignedBy = a.signedBy
	in.Verdict.Compatible = len(findings) == 0
	return in, nil
}

// Precheck runs every check Load makes before opening the plugin at path,
// and returns the error Load would; it runs none of the plugin's code.
func (l *Loader) Precheck(path string) error {
	cfg := l.cfg
	st, err := stage(path, &cfg, false)
	if err != nil {
		return err
	}
	defer st.close()
	return precheck(st, readBuildRecord(path, cfg.SkipPermissionCheck), &cfg, nil).err(path)
}

func finding(err error) Finding {
	return Finding{Code: Code(err), Message: err.Error(), Remedy: Remedy(err)}
}
