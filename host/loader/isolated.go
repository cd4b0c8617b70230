package loader

import (
	"errors"
	"fmt"
	"plugin"
	"strings"

	"example.com/plugkit/internal/buildrecord"
)

// IsolatedPath is where go_plugin puts the executable of the plugin at
// soPath, for isolated mode: beside it, without .so (greeter/english/english
// beside english.so), with its own build record beside it
// (english.build.json: buildrecord.PathFor of the executable).
func IsolatedPath(soPath string) string { return strings.TrimSuffix(soPath, ".so") }

// CheckExecutable makes the checks of a plugin's executable that can be
// made before it runs, for a host that runs it in a process of its own
// (host/isolated): a regular file, not writable by others (unless the
// Config skips permission checks), within MaxSize, with a build record
// of kind k whose pluginapi major version is the host's, signed by a
// trusted key when the Config trusts any, and in the
// allowlist when there is one. It returns the record, whose SHA256
// go-plugin compares with the file before each exec; the loader does not
// hash it twice.
//
// The toolchain-identity checks of .so plugins do not apply: an executable
// shares no packages with the host, only the contract's wire format.
func (l *Loader) CheckExecutable(path string, k Kind) (*buildrecord.Record, error) {
	fi, err := statRegular(path)
	if err != nil {
		return nil, pluginFileError(path, err, !l.cfg.SkipPermissionCheck)
	}
	if !l.cfg.SkipPermissionCheck {
		if err := checkPermissions(path, fi); err != nil {
			return nil, err
		}
	}
	if fi.Mode()&0o111 == 0 {
		return nil, &FileError{Path: path, Kind: ErrNotExecutable, Err: fmt.Errorf("mode %v", fi.Mode())}
	}
	if fi.Size() > l.cfg.MaxSize {
		return nil, &FileError{Path: path, Kind: ErrTooLarge, Err: fmt.Errorf("%d bytes, limit %d", fi.Size(), l.cfg.MaxSize)}
	}
	sc := readBuildRecord(path, l.cfg.SkipPermissionCheck)
	if sc.err != nil {
		return nil, sc.err
	}
	br := sc.record
	var errs []error
	if len(l.cfg.TrustedKeys) > 0 {
		// The record vouches for the bytes go-plugin hashes before exec;
		// the signature vouches for the record.
		if _, err := checkSignature(sc.path, sc.raw, &l.cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if k.Name == "" || br.Kind != k.Name {
		errs = append(errs, &KindError{Path: path, Want: k.Name, Got: br.Kind})
	}
	if major(br.PluginAPIVersion) != major(l.cfg.PluginAPIVersion) {
		errs = append(errs, &APIVersionError{Plugin: path, Want: l.cfg.PluginAPIVersion, Got: br.PluginAPIVersion})
	}
	if br.Size != fi.Size() {
		errs = append(errs, &ChecksumError{Path: path, Kind: ErrChecksumMismatch, Source: "build record",
			WantSHA256: br.SHA256, GotSHA256: "(not computed: the size differs)", WantSize: br.Size, GotSize: fi.Size()})
	}
	if l.cfg.Allowlist != nil {
		if _, ok := l.cfg.Allowlist[br.SHA256]; !ok {
			errs = append(errs, &ChecksumError{Path: path, Kind: ErrNotAllowlisted, Source: "allowlist", GotSHA256: br.SHA256 + " (the build record's)"})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return br, nil
}

// RemotePlugin is a plugin served by another process: a table of what
// plugin.Lookup would return for each of its symbols, whose methods and
// functions are calls to that process (the generated rpc package's
// Symbols). Kind bindings bind it as they bind a *Plugin.
type RemotePlugin struct {
	// Path is the plugin's executable.
	Path    string
	Symbols map[string]any
}

// Lookup returns the symbol name. It fails with *SymbolMissingError.
func (p *RemotePlugin) Lookup(name string) (plugin.Symbol, error) {
	if p == nil {
		return nil, &SymbolMissingError{Plugin: "isolated:", Symbol: name, Err: errors.New("nil *RemotePlugin")}
	}
	sym, ok := p.Symbols[name]
	if !ok {
		return nil, &SymbolMissingError{Plugin: p.Origin(), Symbol: name, Err: errors.New("the plugin's process does not serve it")}
	}
	return sym, nil
}

// Origin returns "isolated:" and the executable's path.
func (p *RemotePlugin) Origin() string {
	if p == nil {
		return "isolated:"
	}
	return "isolated:" + p.Path
}

var _ Symbols = (*RemotePlugin)(nil)
